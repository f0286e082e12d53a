"""One-time form tokens: every create form sent twice with the same page (a retry after a lost answer) creates one
row, and the second answer says it was already sent."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from schoolpartners.accounts.models import User
from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ClassMembership, ClassTeacher, ConsentScope, ParentalConsent, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.formtokens import UsedFormToken, claim_form_token, new_form_token, purge_form_tokens
from schoolpartners.partnerships.models import PartnershipRequest, RequestMessage
from schoolpartners.projects.models import Comment, Milestone, Post, ProjectState
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions.models import SubmissionVersion
from schoolpartners.tandem.models import TandemMessage
from tests.factories import PASSWORD, add_class_link, add_partnership, add_project, add_published_pair, as_user
from tests.texts import shown

ALREADY_SENT = "This form has already been sent, so nothing was added a second time."
EXPIRED = "For your security the form has expired. Please reload the page and send it again."


@pytest.fixture
def world(make_school, make_user):
    """Two partner schools with a class each, a pupil in each, a running project with a post, a published tandem
    of the two pupils, an open request from a third school, and a fourth school to ask for a partnership."""
    de, ru, ru2, ru3 = (make_school(country) for country in (Country.DE, Country.RU, Country.RU, Country.RU))
    de_teacher = make_user("teacher", school=de)
    ru_teacher = make_user("teacher", school=ru, locale="ru")
    ru2_teacher = make_user("teacher", school=ru2, locale="ru")
    partnership = add_partnership(de, ru, de_teacher, ru_teacher)
    w = {"de": de, "ru": ru, "ru3": ru3, "de_teacher": de_teacher, "ru2_teacher": ru2_teacher}
    w.update(ru_teacher=ru_teacher, partnership=partnership)
    for key, school, teacher, code in (("de", de, de_teacher, "FTDE1234"), ("ru", ru, ru_teacher, "FTRU1234")):
        pupil = make_user("student", school=school, locale=key)
        school_class = SchoolClass(school_id=school.id, name="9b", school_year="2026/27", join_code=code)
        school_class.teacher_links.append(ClassTeacher(user_id=teacher.id))
        school_class.memberships.append(ClassMembership(student_id=pupil.id))
        db.session.add(school_class)
        for scope in (ConsentScope.participation, ConsentScope.tandem):
            db.session.add(ParentalConsent(student_id=pupil.id, scope=scope, recorded_by_id=teacher.id))
        w[f"{key}_class"], w[f"{key}_pupil"] = school_class, pupil
    db.session.flush()
    stage = Milestone(title_de="Archiv", title_ru="Архив", deadline=utcnow() + timedelta(days=10))
    w["project"] = add_project(w, ProjectState.active, date(2026, 9, 1), date(2027, 6, 1), [stage])
    w["stage"] = stage
    w["post"] = Post(project_id=w["project"].id, author_id=de_teacher.id, body="Willkommen!")
    db.session.add(w["post"])
    link = add_class_link(partnership, w["de_class"], w["ru_class"])
    w["pair"] = add_published_pair(link, w["de_pupil"], w["ru_pupil"])
    w["request"] = PartnershipRequest(
        from_school_id=ru2.id,
        to_school_id=de.id,
        sender_id=ru2_teacher.id,
        pair_key="-".join(str(n) for n in sorted((de.id, ru2.id))),
        expires_at=utcnow() + timedelta(days=30),
    )
    db.session.add(w["request"])
    db.session.flush()
    return w


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# name: (who is logged in, the page with the form, the form's action or None for the page itself, the body, the
# model one row of which it creates, multipart?)
FORMS = {
    "registration": (
        None,
        lambda w: "/register",
        None,
        lambda w: {
            "display_name": "Neue Lehrerin",
            "email": "neu@example.org",
            "password": "a long enough password",
            "password2": "a long enough password",
            "accept_privacy": "y",
        },
        User,
    ),
    "partnership request": (
        "de_teacher",
        lambda w: f"/requests/new/{w['ru3'].id}",
        None,
        lambda w: {"from_school": str(w["de"].id), "message_de": "Hallo!", "topics": ["history"]},
        PartnershipRequest,
    ),
    "request message": (
        "de_teacher",
        lambda w: f"/requests/{w['request'].id}",
        lambda w: f"/requests/{w['request'].id}/messages",
        lambda w: {"body": "Wie viele Schüler?"},
        RequestMessage,
    ),
    "workspace post": (
        "de_teacher",
        lambda w: f"/projects/{w['project'].id}/workspace",
        lambda w: f"/projects/{w['project'].id}/posts",
        lambda w: {"body": "Neuigkeiten"},
        Post,
    ),
    "comment": (
        "ru_teacher",
        lambda w: f"/projects/{w['project'].id}/workspace",
        lambda w: f"/projects/{w['project'].id}/posts/{w['post'].id}/comments",
        lambda w: {"body": "Спасибо!"},
        Comment,
    ),
    "hand-in": (
        "de_pupil",
        lambda w: f"/projects/{w['project'].id}/milestones/{w['stage'].id}",
        None,
        lambda w: {"text": "Meine Quellen"},
        SubmissionVersion,
    ),
    "tandem message": (
        "de_pupil",
        lambda w: f"/tandem/pairs/{w['pair'].id}",
        lambda w: f"/tandem/pairs/{w['pair'].id}/messages",
        lambda w: {"body": "Привет!"},
        TandemMessage,
    ),
}


def _token(html: str, action: str | None) -> str:
    """The one-time token of the form posting to `action` (the page's first form token when None)."""
    start = html.index(f'action="{action}"') if action else 0
    return re.compile(r'name="once_token" value="([^"]+)"').search(html, start).group(1)


@pytest.mark.parametrize("name", FORMS)
def test_the_same_form_sent_twice_creates_one_row(app, world, name):
    who, page, action, body, model = FORMS[name]
    client = as_user(app, world[who]) if who else app.test_client()
    url = page(world)
    target = action(world) if action else url
    data = {**body(world), "once_token": _token(client.get(url).get_data(as_text=True), action and target)}
    before = _count(model)
    first = client.post(target, data=data)
    assert first.status_code == 302, first.get_data(as_text=True)[:400]
    again = client.post(target, data=data, follow_redirects=True)
    assert _count(model) == before + 1
    assert again.status_code < 500
    assert shown(app, ALREADY_SENT, world[who].locale if who else "de") in again.get_data(as_text=True)


def test_each_page_load_gets_a_new_token(app, world):
    client = as_user(app, world["de_teacher"])
    url = f"/projects/{world['project'].id}/workspace"
    assert _token(client.get(url).get_data(as_text=True), None) != _token(client.get(url).get_data(as_text=True), None)


def test_a_form_without_its_token_is_refused_where_forms_are_protected(app, world, csrf_enabled):
    client = as_user_with_csrf(app, world["de_teacher"])
    url = f"/projects/{world['project'].id}/workspace"
    html = client.get(url).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(f"/projects/{world['project'].id}/posts", data={"body": "Ohne", "csrf_token": csrf})
    assert response.status_code == 400
    assert shown(app, EXPIRED) in response.get_data(as_text=True)
    assert _count(Post) == 1  # only the world's


def as_user_with_csrf(app, user):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": user.login_name, "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302
    return client


def test_a_token_is_free_again_when_its_creation_is_rolled_back(app):
    token = new_form_token()
    assert claim_form_token(token)
    db.session.rollback()  # the creation failed: the token goes with it, so the page can be sent again
    assert claim_form_token(token)
    db.session.commit()
    assert not claim_form_token(token)


def test_the_loser_of_two_identical_sends_at_once_gets_false_not_an_error(app, monkeypatch):
    token = new_form_token()
    db.session.add(UsedFormToken(token=token))
    db.session.flush()
    # As when the other request commits between this one's look-up and its insert.
    monkeypatch.setattr(db.session, "get", lambda *args, **kwargs: None)
    assert not claim_form_token(token)
    assert _count(UsedFormToken) == 1


def test_old_tokens_are_purged(app):
    old, recent = UsedFormToken(token="a" * 32), UsedFormToken(token="b" * 32)
    old.created_at = utcnow() - timedelta(days=3)
    db.session.add_all([old, recent])
    db.session.flush()
    assert purge_form_tokens(utcnow() - timedelta(days=1)) == 1
    assert db.session.scalars(sa.select(UsedFormToken.token)).all() == ["b" * 32]

