"""Languages, locale and time-zone selection, and formatting helpers for templates."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import dates as babel_dates
from flask import Flask, after_this_request, flash, g, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

LANGUAGES = {"de": "Deutsch", "ru": "Русский", "en": "English"}
DEFAULT_LOCALE = "de"
LANG_COOKIE = "lang"
LANG_SESSION_KEY = "lang"  # a language picked with ?lang= during a login (the session ends with it)
DEFAULT_TIMEZONES = {"de": "Europe/Berlin", "ru": "Europe/Moscow", "en": "Europe/Berlin"}
# Zones offered in the profile form: the ones our cities use, then UTC.
COMMON_TIMEZONES = [
    "Europe/Berlin",
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Volgograd",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Vladivostok",
    "UTC",
]


_LABELS: dict[tuple[int, str], str] = {}


def current_locale() -> str:
    """The language code in use ("de", "ru", "en"); cheaper than str(get_locale()) on busy pages.

    Reads the locale Flask-Babel already chose for this request (force_locale changes the same value).
    """
    try:
        return g._flask_babel.babel_locale.language
    except AttributeError:
        return str(get_locale() or DEFAULT_LOCALE)


def label(text) -> str:
    """A lazily translated constant (enum or option label) in the current locale, translated once per locale.

    Catalogs are fixed while the app runs, and listing pages show hundreds of such labels.
    """
    key = (id(text), current_locale())
    value = _LABELS.get(key)
    if value is None:
        value = _LABELS[key] = str(text)
    return value


def is_valid_timezone(name: str) -> bool:
    return name in available_timezones()


def select_locale() -> str:
    """?lang= → language picked during this login → user setting → cookie → Accept-Language → German."""
    override = g.get("lang_override")
    if override:
        return override
    if current_user and current_user.is_authenticated:
        picked = session.get(LANG_SESSION_KEY)
        if picked in LANGUAGES:
            return picked
        if current_user.locale in LANGUAGES:
            return current_user.locale
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LOCALE


def select_timezone() -> str:
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return DEFAULT_TIMEZONES.get(str(get_locale()), "Europe/Berlin")


def apply_lang_param() -> None:
    """?lang= sets the cookie (and, for this login, the session); the user's saved language, which emails use,
    changes only through the profile form, because a GET from another site could trigger this one."""
    lang = request.args.get("lang")
    if lang is None:
        return
    if lang not in LANGUAGES:
        flash(_("This language is not available. Choose Deutsch, Русский or English."), "warning")
        return
    g.lang_override = lang

    @after_this_request
    def _set_cookie(response):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        return response

    if current_user.is_authenticated:
        session[LANG_SESSION_KEY] = lang


@lru_cache(maxsize=16384)
def _format_instant(value: datetime, fmt: str, zone: str, locale: str) -> str:
    return babel_dates.format_datetime(value, fmt, tzinfo=ZoneInfo(zone), locale=locale)


def _datetime(value: datetime | None, fmt: str = "medium") -> str:
    """An instant in the viewer's time zone and language; lists show the same instants again and again."""
    if value is None:
        return ""
    if value.tzinfo is None:
        return format_datetime(value, fmt)
    return _format_instant(value, fmt, str(get_timezone()), current_locale())


def _date(value, fmt: str = "medium") -> str:
    return "" if value is None else format_date(value, fmt)


def init_app(app: Flask) -> None:
    app.before_request(apply_lang_param)
    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale)
