"""Faults degrade, never crash: the limiter's storage down, the database connection lost (review F7, F8)."""

import logging
import sqlite3
from datetime import date

import psycopg
import pyotp
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from schoolpartners.accounts.models import User
from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ClassTeacher, SchoolClass
from schoolpartners.extensions import db, limiter
from schoolpartners.projects.models import Post, ProjectState
from schoolpartners.sqltypes import utcnow
from tests.factories import PASSWORD, add_partnership, add_project
from tests.texts import shown

NOBODY_LISTENS = "redis://127.0.0.1:6399/0"  # a port where no Redis runs


@pytest.fixture
def limiter_down(app):
    """The limiter's storage unreachable, as when its Redis has died; the suite's memory storage afterwards."""
    app.config["RATELIMIT_STORAGE_URI"] = NOBODY_LISTENS
    limiter.init_app(app)
    app.extensions.pop("sp_throttle_fallback", None)  # the per-worker counts start empty
    yield
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    limiter.init_app(app)  # the extension is shared: point it back at the suite's storage
    app.extensions.pop("sp_throttle_fallback", None)


def _login(client, login, password=PASSWORD):
    return client.post("/login", data={"email": login, "password": password})


def test_login_works_with_the_limiter_storage_down_and_says_so_in_the_log(client, make_user, limiter_down, caplog):
    user = make_user("teacher")
    with caplog.at_level(logging.WARNING):
        wrong = _login(client, user.email, "not the password")
        right = _login(client, user.email)
    assert wrong.status_code == 401
    assert right.status_code == 302 and right.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    assert "rate-limit storage failed" in caplog.text


def test_the_account_limit_still_holds_in_memory(client, make_user, limiter_down):
    user = make_user("teacher")
    for _ in range(10):
        assert _login(client, user.email, "guess").status_code == 401
    assert _login(client, user.email).status_code == 429  # even the right password waits now


def test_the_second_factor_works_with_the_limiter_storage_down(client, make_user, limiter_down):
    user = make_user("teacher")
    user.mfa_secret = pyotp.random_base32(32)
    user.mfa_enabled_at = utcnow()
    db.session.flush()
    assert _login(client, user.email).headers["Location"].startswith("/login/verify")
    response = client.post("/login/verify", data={"code": pyotp.TOTP(user.mfa_secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"


def test_mail_budgets_work_with_the_limiter_storage_down(client, make_user, limiter_down):
    user = make_user("teacher")
    assert client.post("/reset", data={"email": user.email}).status_code == 302
    registration = {
        "display_name": "Neue Lehrerin",
        "email": "neu@example.org",
        "password": "a long enough password",
        "password2": "a long enough password",
        "accept_privacy": "y",
    }
    assert client.post("/register", data=registration).status_code == 302
    assert db.session.scalar(sa.select(User).where(User.display_name == "Neue Lehrerin")) is not None


def test_healthz_reports_a_limiter_storage_that_is_down_without_failing(client, limiter_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "limiter": "degraded"}


def test_healthz_reports_the_limiter_ok(client):
    assert client.get("/healthz").get_json()["limiter"] == "ok"


def _lost_connection(statement: str = "COMMIT") -> sa.exc.OperationalError:
    return sa.exc.OperationalError(
        statement, {}, Exception("server closed the connection unexpectedly"), connection_invalidated=True
    )


@pytest.fixture
def member(make_user, make_school, login):
    """A teacher of a running project, logged in, with the project's workspace URL."""
    de, ru = make_school(Country.DE), make_school(Country.RU)
    de_teacher, ru_teacher = make_user("teacher", school=de), make_user("teacher", school=ru, locale="ru")
    world = {"de": de, "ru": ru, "de_teacher": de_teacher, "ru_teacher": ru_teacher}
    world["partnership"] = add_partnership(de, ru, de_teacher, ru_teacher)
    sides = (("de_class", de, de_teacher, "FLT12345"), ("ru_class", ru, ru_teacher, "FLT67890"))
    for key, school, teacher, code in sides:
        school_class = SchoolClass(school_id=school.id, name="9b", school_year="2026/27", join_code=code)
        school_class.teacher_links.append(ClassTeacher(user_id=teacher.id))
        db.session.add(school_class)
        world[key] = school_class
    db.session.flush()
    project = add_project(world, ProjectState.active, date(2026, 9, 1), date(2027, 6, 1), [])
    login(de_teacher)
    return f"/projects/{project.id}"


def test_a_connection_lost_at_commit_shows_the_apps_503_page(app, client, member, monkeypatch):
    def commit():
        raise _lost_connection()

    monkeypatch.setattr(db.session, "commit", commit)
    response = client.post(f"{member}/posts", data={"body": "Hallo!"})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert shown(app, "The site cannot reach its database at the moment. Please try again in a moment.") in page
    assert "<nav" in page  # the app's own page, with its navigation


@pytest.mark.parametrize(
    "orig",
    [sqlite3.OperationalError("database is locked"), psycopg.errors.LockNotAvailable("canceling statement")],
    ids=["sqlite-busy", "postgres-lock-timeout"],
)
def test_a_lock_given_up_is_a_503_with_the_try_again_message(app, client, member, monkeypatch, orig):
    def commit():
        raise sa.exc.OperationalError("INSERT INTO post", {}, orig)

    monkeypatch.setattr(db.session, "commit", commit)
    response = client.post(f"{member}/posts", data={"body": "Hallo!"}, headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["message"] == shown(
        app, "The site cannot reach its database at the moment. Please try again in a moment."
    )


def test_other_database_errors_stay_errors(client, member, monkeypatch):
    def commit():
        raise sa.exc.ProgrammingError("INSERT INTO post", {}, Exception("syntax error"))

    monkeypatch.setattr(db.session, "commit", commit)
    with pytest.raises(sa.exc.ProgrammingError):  # TESTING propagates what would be a logged 500
        client.post(f"{member}/posts", data={"body": "Hallo!"})


def test_with_the_database_down_even_the_user_cannot_be_loaded_and_a_plain_503_page_answers(
    app, client, member, _transaction
):
    def refuse(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            raise sa.exc.OperationalError(statement, parameters, sqlite3.OperationalError("database is locked"))

    sa.event.listen(_transaction, "before_cursor_execute", refuse)
    try:
        response = client.get(f"{member}/workspace", headers={"Accept-Language": "ru"})
    finally:
        sa.event.remove(_transaction, "before_cursor_execute", refuse)
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert shown(app, "The site cannot reach its database at the moment. Please try again in a moment.", "ru") in page


def test_a_rollback_failing_at_the_end_of_a_request_does_not_replace_its_answer(client, member, monkeypatch, caplog):
    real_close = Session.close
    failed = []

    def close(self):
        # As on a dead connection: the transaction ends, and the rollback's error is raised once.
        busy = self.in_transaction()
        real_close(self)
        if busy and not failed:
            failed.append(True)
            raise _lost_connection("ROLLBACK")

    monkeypatch.setattr(Session, "close", close)
    with caplog.at_level(logging.WARNING):
        response = client.get(f"{member}/workspace")
    assert failed and response.status_code == 200
    assert "closing the database session failed" in caplog.text


def test_a_new_post_is_not_read_again_after_its_commit(client, member, queries):
    """Reads after the commit would load the post again: a connection lost right then showed a saved post as an
    error (review F7), and the retry made a duplicate."""
    seen_after_commit = []
    real_commit = db.session.commit

    def commit():
        real_commit()
        queries.statements.clear()
        seen_after_commit.append(True)

    db.session.commit = commit
    try:
        response = client.post(f"{member}/posts", data={"body": "Einmal", "announcement": "y"})
    finally:
        del db.session.commit
    assert seen_after_commit and response.status_code == 302
    assert not [s for s in queries.statements if "FROM post" in s or "FROM project" in s], queries.statements
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 1
