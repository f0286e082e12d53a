"""Locale selection, formatting, plurals and the catalogs."""

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_datetime, ngettext

from schoolpartners.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _lang(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


def test_default_is_german(client):
    assert _lang(client.get("/")) == "de"


def test_accept_language_is_used(client):
    assert _lang(client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"})) == "ru"
    assert _lang(client.get("/", headers={"Accept-Language": "fr, en;q=0.5"})) == "en"


def test_lang_parameter_sets_cookie_and_beats_accept_language(client):
    response = client.get("/?lang=ru", headers={"Accept-Language": "de"})
    assert _lang(response) == "ru"
    assert "lang=ru" in response.headers["Set-Cookie"]
    assert _lang(client.get("/", headers={"Accept-Language": "de"})) == "ru"


def test_lang_parameter_keeps_the_language_for_this_login_but_not_the_users_setting(client, login, make_user):
    """Finding #26: a GET (which another site can trigger) no longer changes the saved language that emails
    use; the switcher still holds for the rest of this login, and the profile form changes the setting."""
    user = make_user("teacher", locale="de")
    login(user)
    client.get("/dashboard?lang=ru")
    db.session.refresh(user)
    assert user.locale == "de"
    client.delete_cookie("lang")
    assert _lang(client.get("/dashboard")) == "ru"
    client.post("/logout")
    login(user)
    assert _lang(client.get("/dashboard")) == "de"


def test_user_setting_beats_cookie(client, login, make_user):
    login(make_user("teacher", locale="ru"))
    client.set_cookie("lang", "de")
    assert _lang(client.get("/dashboard")) == "ru"


def test_unknown_language_code_gets_a_translated_message(client):
    response = client.get("/?lang=xx", headers={"Accept-Language": "ru"})
    assert response.status_code == 200 and _lang(response) == "ru"
    assert "Этот язык недоступен" in response.get_data(as_text=True)
    assert "lang=xx" not in response.headers.get("Set-Cookie", "")


def test_switcher_uses_native_names_and_keeps_the_query(client):
    html = client.get("/twin-cities?status=active&page=1").get_data(as_text=True)
    for name in ("Deutsch", "Русский", "English"):
        assert name in html
    assert 'href="/twin-cities?status=active&amp;page=1&amp;lang=ru"' in html


@pytest.mark.parametrize(
    ("count", "word"),
    [(1, "час"), (2, "часа"), (5, "часов"), (11, "часов"), (21, "час"), (22, "часа"), (25, "часов"), (111, "часов")],
)
def test_russian_plurals(app, count, word):
    with app.test_request_context(), force_locale("ru"):
        text = ngettext("The link is valid for %(num)s hour.", "The link is valid for %(num)s hours.", count)
    assert re.search(rf"\b{count} {word}\b", text), text


@pytest.mark.parametrize(("lang", "expected"), [("de", "15.01.26, 18:00"), ("ru", "15.01.2026, 20:00")])
def test_dates_follow_the_locale(app, lang, expected):
    with app.test_request_context(), force_locale(lang):
        assert format_datetime(datetime(2026, 1, 15, 17, 0, tzinfo=UTC), "short") == expected


def test_times_are_shown_in_the_viewers_zone(client, login, make_user):
    from schoolpartners.notifications.services import notify

    berlin = make_user("teacher", timezone="Europe/Berlin")
    moscow = make_user("teacher", timezone="Europe/Moscow", locale="ru")
    winter_noon = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    for user in (berlin, moscow):
        note = notify(user, "welcome", email=False, name="x")
        note.created_at = winter_noon
    from schoolpartners.extensions import db

    db.session.commit()
    login(berlin)
    assert "13:00" in client.get("/notifications").get_data(as_text=True)
    client.post("/logout")
    login(moscow)
    assert "15:00" in client.get("/notifications").get_data(as_text=True)


def _catalog(lang: str):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("lang", ["de", "ru"])
def test_catalog_is_complete_with_equal_placeholders(lang):
    catalog = _catalog(lang)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(("fuzzy", message.id))
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(("untranslated", ids[0]))
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(("placeholders", ids[0], text))
    assert not problems
    if lang == "ru":
        assert catalog.num_plurals == 3


def test_catalogs_hold_every_string_of_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with open(pot, "rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for lang in ("de", "ru"):
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
        assert not wanted - have, f"{lang}: run `make translate` and translate {sorted(wanted - have)[:5]}"


RUSSIAN_SCREENS = ["/", "/login", "/register", "/twin-cities", "/privacy", "/reset"]


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<[^>]*\blang="(?:de|en)"[^>]*>.*?</[^>]+>', " ", html, flags=re.S)  # marked other-language
    return re.sub(r"<[^>]+>", " ", html)


def _english_leftovers(text: str) -> set[str]:
    catalog_ids = [m.id for m in _catalog("ru") if m.id and isinstance(m.id, str) and len(m.id) > 12]
    return {msgid for msgid in catalog_ids if "%" not in msgid and msgid in text}


@pytest.mark.parametrize("url", RUSSIAN_SCREENS)
def test_no_english_left_on_russian_public_screens(client, url):
    text = _visible_text(client.get(url + "?lang=ru").get_data(as_text=True))
    assert not _english_leftovers(text)


@pytest.mark.parametrize("role", ["teacher", "school_coordinator", "coordinator", "student"])
def test_no_english_left_on_russian_dashboards(client, login, make_user, role):
    login(make_user(role, locale="ru"))
    for url in ("/dashboard", "/notifications", "/account"):
        text = _visible_text(client.get(url).get_data(as_text=True))
        assert not _english_leftovers(text), url
        assert len(re.findall(r"[а-яё]", text, flags=re.I)) > 40, url
