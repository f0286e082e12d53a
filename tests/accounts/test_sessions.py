"""Finding #24 and issue 10 item 4: sessions end after an idle time and an absolute time, by role."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from schoolpartners.accounts.models import UserSession
from schoolpartners.extensions import db
from schoolpartners.sqltypes import utcnow


def _session_of(user) -> UserSession:
    return db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    ).one()


def _age_session(user, *, idle: timedelta, age: timedelta | None = None) -> None:
    """Pretend the session was last used `idle` ago and began `age` ago."""
    now = utcnow()
    row = _session_of(user)
    row.last_seen_at = now - idle
    row.created_at = now - (age if age is not None else idle)
    db.session.commit()


def _expired(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    ("kind", "idle", "age", "still_in"),
    [
        ("student", timedelta(minutes=55), None, True),
        ("student", timedelta(minutes=61), None, False),
        ("student", timedelta(minutes=2), timedelta(hours=11, minutes=50), True),
        ("student", timedelta(minutes=2), timedelta(hours=12, minutes=1), False),
        ("teacher", timedelta(hours=11), None, True),
        ("teacher", timedelta(hours=12, minutes=1), None, False),
        ("teacher", timedelta(minutes=2), timedelta(days=13, hours=23), True),
        ("teacher", timedelta(minutes=2), timedelta(days=14, minutes=1), False),
        ("coordinator", timedelta(hours=12, minutes=1), None, False),
    ],
)
def test_sessions_end_after_the_roles_idle_and_absolute_time(client, login, make_user, kind, idle, age, still_in):
    """Finding #24: pupils 60 minutes idle and 12 hours at most, staff 12 hours idle and 14 days at most."""
    user = make_user(kind)
    login(user)
    _age_session(user, idle=idle, age=age)
    response = client.get("/dashboard")
    assert _expired(response) is not still_in


def test_an_expired_session_says_so_in_the_readers_language(client, login, make_user):
    """Finding #24: after the idle time the pupil is logged out and told why, in their language."""
    user = make_user("student")
    login(user)
    _age_session(user, idle=timedelta(minutes=61))
    response = client.get("/dashboard", headers={"Accept-Language": "en"})
    assert _expired(response)
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your session has ended. Please log in again." in page
    assert "Please log in to see this page." not in page
    # Logged out for good: the next request is anonymous, and says nothing more.
    again = client.get("/dashboard", headers={"Accept-Language": "en"})
    assert _expired(again)
    assert "Your session has ended" not in client.get(again.headers["Location"]).get_data(as_text=True)


def test_limits_come_from_the_settings(client, app, login, make_user, monkeypatch):
    """Item 4: the times are settings, not constants."""
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES_STAFF", 30)
    user = make_user("teacher")
    login(user)
    _age_session(user, idle=timedelta(minutes=31))
    assert _expired(client.get("/dashboard"))


def test_activity_is_recorded_at_most_every_five_minutes(client, login, make_user, queries):
    """Item 4: the idle check doesn't write on every request; two requests within 5 minutes write nothing."""
    user = make_user("teacher")
    login(user)
    _age_session(user, idle=timedelta(minutes=2))
    before = _session_of(user).last_seen_at
    queries.statements.clear()
    client.get("/dashboard")
    client.get("/account")
    writes = [s for s in queries.statements if s.lstrip().upper().startswith("UPDATE") and "user_session" in s]
    assert writes == []
    assert _session_of(user).last_seen_at == before
    # Six minutes later the next request records the activity once, and the one after it doesn't.
    _age_session(user, idle=timedelta(minutes=6))
    queries.statements.clear()
    client.get("/dashboard")
    client.get("/account")
    writes = [s for s in queries.statements if s.lstrip().upper().startswith("UPDATE") and "user_session" in s]
    assert len(writes) == 1
    assert utcnow() - _session_of(user).last_seen_at < timedelta(minutes=1)


def test_activity_keeps_a_pupil_logged_in(client, login, make_user):
    """Finding #24: the idle time counts from the last recorded activity, not from the login."""
    user = make_user("student")
    login(user)
    _age_session(user, idle=timedelta(minutes=50), age=timedelta(minutes=110))
    assert client.get("/dashboard").status_code == 200  # records the activity (older than 5 minutes)
    row = _session_of(user)
    row.last_seen_at -= timedelta(minutes=30)  # half an hour later
    db.session.commit()
    assert client.get("/dashboard").status_code == 200
