"""The outbox neither loses nor repeats mail: kills, outages, giving up, a coordinator's retry, concurrent writers.

Transports are injected and the clock is passed as `now`; nothing is killed and no SMTP server is started."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from schoolpartners.extensions import db
from schoolpartners.notifications import services
from schoolpartners.notifications.models import Notification, OutboxEmail, OutboxState
from schoolpartners.notifications.services import LEASE, MAX_RETRY_DELAY, deliver_due
from schoolpartners.sqltypes import utcnow
from tests.texts import shown, translated

T0 = utcnow().replace(microsecond=0)


class Killed(BaseException):
    """What a `kill` does to a run: not a mail failure, nothing catches it."""


class Transport:
    """Records every delivery by recipient; fails from the (k+1)-th call on with `error` while `down` is set."""

    def __init__(self, fail_after: int | None = None, error: BaseException | None = None, deliver_then_fail=False):
        self.delivered: list[str] = []
        self.calls = 0
        self.fail_after = fail_after
        self.error = error
        self.deliver_then_fail = deliver_then_fail  # the kill comes after the mail server took the mail

    def __call__(self, mail) -> None:
        self.calls += 1
        failing = self.error is not None and (self.fail_after is None or self.calls > self.fail_after)
        if failing and not self.deliver_then_fail:
            raise self.error
        self.delivered.append(mail.recipient)
        if failing:
            raise self.error


def _queue(n: int, created_at=T0) -> list[OutboxEmail]:
    mails = [
        OutboxEmail(
            recipient=f"r{i}@example.org",
            locale="de",
            subject=f"S{i}",
            body="B",
            created_at=created_at,
            next_attempt_at=created_at,
        )
        for i in range(n)
    ]
    db.session.add_all(mails)
    db.session.commit()
    return mails


def _states() -> Counter:
    return Counter(db.session.scalars(sa.select(OutboxEmail.state)))


def test_a_killed_run_resends_at_most_the_mail_in_flight(app):
    _queue(10)
    killer = Transport(fail_after=4, error=Killed(), deliver_then_fail=True)
    with pytest.raises(Killed):
        deliver_due(killer, now=T0)
    db.session.rollback()  # the process is gone; its session with it
    assert killer.delivered == [f"r{i}@example.org" for i in range(5)]
    assert _states() == {OutboxState.sent: 4, OutboxState.queued: 6}

    rerun = Transport()
    # The next runs (every minute) leave the killed run's batch alone while its lease lasts …
    assert deliver_due(rerun, now=T0 + timedelta(minutes=1)) == {"sent": 0, "retry": 0, "failed": 0}
    # … and send it once the lease has ended.
    assert deliver_due(rerun, now=T0 + LEASE)["sent"] == 6
    deliveries = Counter(killer.delivered + rerun.delivered)
    assert len(deliveries) == 10 and _states() == {OutboxState.sent: 10}
    assert [recipient for recipient, times in deliveries.items() if times > 1] == ["r4@example.org"]


def test_each_outcome_is_recorded_right_after_its_attempt(app):
    mails = _queue(5)
    flaky = Transport(fail_after=2, error=ConnectionResetError("connection reset"))

    def then_killed(mail):
        if flaky.calls == 3:
            raise Killed
        flaky(mail)

    with pytest.raises(Killed):
        deliver_due(then_killed, now=T0)
    db.session.rollback()
    assert [m.state for m in mails] == [OutboxState.sent] * 2 + [OutboxState.queued] * 3
    assert [m.attempts for m in mails] == [1, 1, 1, 0, 0] and mails[2].last_error == "connection reset"
    assert mails[2].next_attempt_at == T0 + services.retry_delay(1)
    assert mails[3].next_attempt_at == T0 + LEASE  # in flight when the run was killed
    later = Transport()
    deliver_due(later, now=T0 + timedelta(minutes=2))
    assert later.delivered == ["r2@example.org"]
    deliver_due(later, now=T0 + LEASE)
    assert later.delivered == ["r2@example.org", "r3@example.org", "r4@example.org"]


def test_an_error_that_is_no_smtp_error_fails_that_mail_only(app):
    mails = _queue(3)

    def transport(mail):
        if mail.recipient == "r1@example.org":
            raise UnicodeEncodeError("ascii", "ü", 0, 1, "no ASCII")

    assert deliver_due(transport, now=T0) == {"sent": 2, "retry": 1, "failed": 0}
    assert mails[1].state is OutboxState.queued and "no ASCII" in mails[1].last_error


def test_an_eight_hour_outage_loses_nothing_and_mail_goes_out_when_smtp_is_back(app):
    mails = _queue(3)
    down = Transport(error=ConnectionRefusedError("[Errno 111] Connection refused"))
    minute = timedelta(minutes=1)
    for step in range(0, 8 * 60, 5):  # cron every minute; every fifth is enough to see every attempt
        assert deliver_due(down, now=T0 + step * minute)["failed"] == 0
    assert _states() == {OutboxState.queued: 3}
    assert min(m.attempts for m in mails) > 8  # the old limit gave up after 8 attempts (about 4 hours)

    back = Transport()
    recovered = T0 + timedelta(hours=8)
    for step in range(0, 61, 5):
        deliver_due(back, now=recovered + step * minute)
    assert sorted(back.delivered) == [m.recipient for m in mails] and _states() == {OutboxState.sent: 3}
    assert max(m.sent_at for m in mails) <= recovered + MAX_RETRY_DELAY


def test_after_the_give_up_days_mail_is_failed_shown_and_coordinators_told_once(app, client, login, make_user):
    coordinators = [make_user("coordinator"), make_user("coordinator")]
    teacher = make_user("teacher")
    mails = _queue(3)
    db.session.commit()
    down = Transport(error=ConnectionRefusedError("refused"))
    hour = timedelta(hours=1)
    runs = [deliver_due(down, now=T0 + step * hour) for step in range(6 * 24)]
    assert sum(run["failed"] for run in runs) == 0 and _states() == {OutboxState.queued: 3}

    give_up = T0 + timedelta(days=app.config["MAIL_GIVE_UP_DAYS"])
    counts = deliver_due(down, now=give_up)
    assert counts["failed"] == 3 and _states() == {OutboxState.failed: 3}
    assert all("refused" in m.last_error for m in mails)

    def told(user) -> int:
        return db.session.scalar(
            sa.select(sa.func.count()).where(Notification.user_id == user.id, Notification.kind == "mail_failed")
        )

    assert [told(user) for user in coordinators] == [1, 1] and told(teacher) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 3  # the alert sends no mail

    # More mail given up while the alert is unread adds no second alert.
    (late,) = _queue(1, created_at=T0 + timedelta(hours=1))
    late.attempts = 10
    db.session.commit()
    assert deliver_due(down, now=give_up + 2 * hour)["failed"] == 1
    assert [told(user) for user in coordinators] == [1, 1]

    login(coordinators[0])
    html = client.get("/dashboard").get_data(as_text=True)
    msgid = "%(num)s email could not be delivered"
    assert shown(app, msgid, plural="%(num)s emails could not be delivered", num=4) in html
    assert "/outbox?state=failed" in html
    notes = client.get("/notifications").get_data(as_text=True)
    alert = "Some emails could not be delivered and were given up. Check the outbox and send them again once the "
    assert shown(app, alert + "mail server works.") in notes


def test_retry_resets_attempts_and_the_next_run_sends_it(app, client, login, make_user):
    old = T0 - timedelta(days=10)
    first, second = _queue(2, created_at=old)
    for mail in (first, second):
        mail.state, mail.attempts, mail.last_error = OutboxState.failed, 170, "refused"
    db.session.commit()
    login(make_user("coordinator"))
    page = client.get("/outbox?state=failed").get_data(as_text=True)
    assert f"/outbox/{first.id}/retry" in page and "/outbox/retry-failed" in page

    response = client.post(f"/outbox/{first.id}/retry", follow_redirects=True)
    assert shown(app, "The email is queued again and goes out with the next delivery run.") in response.get_data(
        as_text=True
    )
    assert first.state is OutboxState.queued and first.attempts == 0 and first.last_error is None
    assert first.next_attempt_at <= utcnow() and second.state is OutboxState.failed

    # Though older than MAIL_GIVE_UP_DAYS, a retried mail is not given up at its first failure again …
    now = utcnow()
    assert deliver_due(Transport(error=ConnectionRefusedError("still down")), now=now)["retry"] == 1
    # … and goes out with the next run once the server works.
    sent = Transport()
    deliver_due(sent, now=now + timedelta(minutes=2))
    assert sent.delivered == [first.recipient] and first.state is OutboxState.sent

    html = client.post("/outbox/retry-failed", follow_redirects=True).get_data(as_text=True)
    expected = translated(
        app,
        "%(num)s email is queued again and goes out with the next delivery run.",
        plural="%(num)s emails are queued again and go out with the next delivery run.",
        num=1,
    )
    assert expected in html and second.state is OutboxState.queued and second.attempts == 0
    # Retrying what is no longer failed changes nothing.
    html = client.post(f"/outbox/{first.id}/retry", follow_redirects=True).get_data(as_text=True)
    assert shown(app, "This email is no longer marked failed: it was queued again or sent in the meantime.") in html
    assert first.state is OutboxState.sent


def test_retry_needs_a_coordinator_and_a_csrf_token(app, client, login, make_user, monkeypatch):
    (mail,) = _queue(1)
    mail.state = OutboxState.failed
    db.session.commit()
    login(make_user("teacher"))
    assert client.post(f"/outbox/{mail.id}/retry").status_code == 403
    assert client.post("/outbox/retry-failed").status_code == 403
    client.post("/logout")
    login(make_user("coordinator"))
    assert client.post("/outbox/999999/retry").status_code == 404
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/outbox/{mail.id}/retry").status_code == 400
    assert client.post("/outbox/retry-failed").status_code == 400
    assert mail.state is OutboxState.failed
    page = client.get("/outbox?state=failed").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/outbox/{mail.id}/retry", data={"csrf_token": token})
    assert mail.state is OutboxState.queued


def test_a_run_stops_before_its_lease_ends(app, monkeypatch):
    mails = _queue(4)
    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])

    def slow(mail):  # every mail takes five minutes of the ten the lease lasts
        clock[0] += 300

    assert deliver_due(slow, now=T0)["sent"] == 2
    assert [m.state for m in mails] == [OutboxState.sent] * 2 + [OutboxState.queued] * 2
    assert mails[2].next_attempt_at == T0 + LEASE  # still leased: no other run sends it while this one might


@pytest.mark.committed
def test_a_web_write_between_two_mails_does_not_make_the_run_fail(committed_app):
    """On SQLite the run held a read snapshot and died with "database is locked" when it wrote its results."""
    with committed_app.app_context():
        db.session.add_all(
            OutboxEmail(recipient=f"r{i}@example.org", locale="de", subject="S", body="B") for i in range(4)
        )
        db.session.commit()
        delivered = []

        def send_while_the_site_writes(mail):
            delivered.append(mail.recipient)
            with Session(db.engine) as web:  # another connection, as a gunicorn worker's request has
                web.add(OutboxEmail(recipient=f"new-{mail.id}@example.org", locale="de", subject="S", body="B"))
                web.commit()

        counts = deliver_due(send_while_the_site_writes)
        assert counts == {"sent": 4, "retry": 0, "failed": 0} and len(delivered) == 4
        db.session.remove()
        rows = db.session.execute(sa.select(OutboxEmail.recipient, OutboxEmail.state)).all()
        assert sorted(state.name for recipient, state in rows if recipient.startswith("r")) == ["sent"] * 4
        assert [state for recipient, state in rows if recipient.startswith("new-")] == [OutboxState.queued] * 4
        db.session.remove()
