"""Malformed input gets a clear 400 or a form error, never a 500: the requests of the reliability review, section 4."""

from __future__ import annotations

from io import BytesIO

import pytest
import sqlalchemy as sa
from markupsafe import escape
from wtforms.i18n import get_translations

from schoolpartners.classes.models import SchoolClass
from schoolpartners.extensions import db
from schoolpartners.projects.models import Post, Project, ProjectState
from schoolpartners.tandem.models import TandemMeeting, TandemProfile
from tests.demo_world import Demo
from tests.texts import shown

COORDINATOR = "coordinator@example.org"
TEACHER = "teacher.hamburg@example.org"
HUGE = "99999999999999999999999"


@pytest.fixture
def demo(app):
    return Demo(app)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def workspace_project() -> Project:
    """The Hamburg–St. Petersburg project (the review's /projects/2)."""
    return db.session.scalars(
        sa.select(Project).where(Project.state == ProjectState.active).order_by(Project.id)
    ).first()


def wtforms_text(msgid: str) -> str:
    """A message of WTForms' own, as its German catalog words it on a German page."""
    return str(escape(get_translations(["de"]).gettext(msgid)))


@pytest.mark.parametrize("day", ["2026-02-30", "abc", "-1", "99999-01-01", "NaN", "25:61", "+++", "%ff%fe", "x" * 1000])
def test_a_meeting_on_a_day_that_does_not_parse_is_a_form_error(app, demo, day):
    client = demo.client("lena.schmidt")
    pair = demo.pair_of("lena.schmidt")
    before = count(TandemMeeting)
    data = {"day": day, "time": "10:00", "minutes": "45", "place": "x"}
    response = client.post(f"/tandem/pairs/{pair.id}/meetings", data=data)
    assert response.status_code == 400
    assert wtforms_text("Not a valid date value.") in response.get_data(as_text=True)
    assert count(TandemMeeting) == before


def test_an_impossible_time_is_a_form_error(app, demo):
    pair = demo.pair_of("lena.schmidt")
    data = {"day": "2099-01-01", "time": "25:61", "minutes": "45", "place": "x"}
    response = demo.client("lena.schmidt").post(f"/tandem/pairs/{pair.id}/meetings", data=data)
    assert response.status_code == 400
    assert wtforms_text("Not a valid time value.") in response.get_data(as_text=True)


@pytest.mark.parametrize("level", ["   ", "\t"])
def test_a_class_level_of_spaces_is_a_form_error(app, demo, level):
    school = demo.user(TEACHER).memberships[0].school_id
    data = {"school_id": school, "name": "x", "grade": "9", "school_year": "2026/27", "subject": "", "level": level}
    before = count(SchoolClass)
    response = demo.client(TEACHER).post("/classes/new", data=data)
    assert response.status_code == 200
    assert wtforms_text("Not a valid choice.") in response.get_data(as_text=True)
    assert count(SchoolClass) == before


def test_tandem_interests_of_spaces_are_a_form_error_not_stored(app, demo):
    client = demo.client("lena.schmidt")
    data = {"speaks": "de", "learns": "ru", "level": "A2", "interests": "   ", "modes": "   ", "slots": "   "}
    response = client.post("/tandem/profile", data=data)
    assert response.status_code in (200, 400)
    profile = db.session.scalar(sa.select(TandemProfile).where(TandemProfile.user_id == demo.user("lena.schmidt").id))
    assert "   " not in profile.interests and "   " not in profile.modes
    assert client.get("/tandem/profile").status_code == 200


@pytest.mark.parametrize(
    "login, url",
    [
        (COORDINATOR, f"/notifications?page={HUGE}"),
        (COORDINATOR, f"/outbox?page={HUGE}"),
        (COORDINATOR, f"/moderation?page={HUGE}"),
        (COORDINATOR, f"/partnerships?page={HUGE}"),
        (COORDINATOR, f"/twin-cities?page={HUGE}"),
        (COORDINATOR, "/notifications?page=²"),
        (TEACHER, "/projects?page=²"),
        (TEACHER, "/schools?page=²"),
        (TEACHER, "/schools?age=²"),
        (TEACHER, "/schools?city=²"),
    ],
)
def test_a_huge_or_odd_page_number_shows_the_first_page(demo, login, url):
    assert demo.client(login).get(url).status_code == 200


@pytest.mark.parametrize("post", [HUGE, "2147483648", "²", "-1", "0"])
def test_a_post_number_that_names_no_post_shows_the_workspace(demo, post):
    project = workspace_project()
    response = demo.client(TEACHER).get(f"/projects/{project.id}/workspace?post={post}")
    assert response.status_code == 200


def test_a_json_body_on_a_form_is_refused_with_400(app, demo):
    project = workspace_project()
    before = count(Post)
    response = demo.client(TEACHER).post(f"/projects/{project.id}/posts", json={"body": 1})
    assert response.status_code == 400
    expected = "This address takes forms sent from its page, not JSON. Please use the form on the page."
    assert shown(app, expected) in response.get_data(as_text=True)
    assert count(Post) == before


NUL_MESSAGE = "The request contains a null character, which no text may contain. Please remove it and try again."


@pytest.mark.parametrize("email", ["a\x00b", "lena.schmidt\x00"])
def test_a_nul_byte_on_the_anonymous_login_form_is_a_clear_400(app, demo, email):
    response = demo.client(None).post("/login", data={"email": email, "password": "x"})
    assert response.status_code == 400
    assert shown(app, NUL_MESSAGE) in response.get_data(as_text=True)


def test_a_nul_byte_in_a_form_value_a_field_name_or_a_file_name_is_refused(app, demo):
    client = demo.client("lena.schmidt")
    assert client.post("/classes/join", data={"code": "ab\x00cd"}).status_code == 400
    assert client.post("/classes/join", data={"co\x00de": "abcd"}).status_code == 400
    upload = {"text": "x", "files": (BytesIO(b"%PDF-1.4"), "a\x00.pdf")}
    response = client.post("/classes/join", data=upload, content_type="multipart/form-data")
    assert response.status_code == 400
    assert shown(app, NUL_MESSAGE) in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/partnerships?region=%00", "/partnerships.csv?region=%00", "/schools?q=a%00"])
def test_a_nul_byte_in_a_query_argument_is_a_clear_400(app, demo, url):
    response = demo.client(COORDINATOR).get(url)
    assert response.status_code == 400
    assert shown(app, NUL_MESSAGE) in response.get_data(as_text=True)


UTF8_MESSAGE = "The request contains characters that are not valid UTF-8 text. Please check the text and try again."


@pytest.mark.parametrize("body", [b"email=%ff%fe&password=x", b"email=\xff\xfe&password=x"])
def test_invalid_utf8_in_a_form_body_is_a_clear_400(app, demo, body):
    response = demo.client(None).post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert shown(app, UTF8_MESSAGE) in response.get_data(as_text=True)


def test_invalid_utf8_in_a_query_argument_is_a_clear_400_and_valid_text_is_kept(app, demo):
    client = demo.client(TEACHER)
    response = client.get("/schools?q=%ff%fe")
    assert response.status_code == 400
    assert shown(app, UTF8_MESSAGE) in response.get_data(as_text=True)
    assert client.get("/schools?q=%D0%93%D0%B8%EF%BF%BD").status_code == 200  # "Ги" and a real U+FFFD


@pytest.mark.parametrize("body", ["   ", "\t\n"])
def test_a_post_of_whitespace_only_is_a_form_error(app, demo, body):
    project = workspace_project()
    before = count(Post)
    response = demo.client(TEACHER).post(f"/projects/{project.id}/posts", data={"body": body})
    assert response.status_code == 400
    assert shown(app, "Please fill in this field.") in response.get_data(as_text=True)
    assert count(Post) == before
