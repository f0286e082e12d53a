import smtplib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification, OutboxEmail, OutboxState
from schoolpartners.notifications.services import deliver_due, notify, retry_delay
from schoolpartners.sqltypes import utcnow


def test_notify_writes_a_notification_and_an_email_in_the_recipients_language(app, make_user):
    russian = make_user("teacher", locale="ru", display_name="Ольга")
    with app.test_request_context("/?lang=de"):
        notify(russian, "welcome", link="/dashboard", name="Ольга")
    mail = db.session.scalars(sa.select(OutboxEmail)).one()
    assert mail.recipient == russian.email and mail.locale == "ru"
    assert "Добро пожаловать, Ольга" in mail.subject
    assert "Здравствуйте, Ольга" in mail.body and "http://127.0.0.1:5000/dashboard" in mail.body  # SITE_URL


def test_unknown_kind_is_refused(make_user):
    with pytest.raises(ValueError):
        notify(make_user("teacher"), "no-such-kind")


def test_list_shows_the_text_in_the_readers_current_language(client, login, make_user):
    user = make_user("teacher")
    notify(user, "email_changed", email=False, address="neu@example.org")
    db.session.commit()
    login(user)
    assert "Ihre E-Mail-Adresse lautet jetzt neu@example.org" in client.get("/notifications?lang=de").get_data(
        as_text=True
    )
    assert "neu@example.org" in client.get("/notifications?lang=ru").get_data(as_text=True)


def test_header_counts_unread_and_mark_read_follows_the_link(client, login, make_user):
    user = make_user("teacher")
    note = notify(user, "welcome", link="/account", email=False, name="A")
    notify(user, "welcome", email=False, name="B")
    db.session.commit()
    login(user)
    assert 'rounded-pill text-bg-primary">2<' in client.get("/dashboard").get_data(as_text=True)
    response = client.post(f"/notifications/{note.id}/read")
    assert response.headers["Location"] == "/account"
    assert 'rounded-pill text-bg-primary">1<' in client.get("/dashboard").get_data(as_text=True)
    client.post("/notifications/read-all")
    unread = db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
    assert unread == 0


def test_empty_notification_list_explains_itself(client, login, make_user):
    login(make_user("teacher"))
    assert "noch keine Benachrichtigungen" in client.get("/notifications?lang=de").get_data(as_text=True)


def _queue(n=1):
    mails = [OutboxEmail(recipient=f"r{i}@example.org", locale="de", subject="S", body="B") for i in range(n)]
    db.session.add_all(mails)
    db.session.flush()
    return mails


def test_delivery_marks_sent(app):
    mails = _queue(2)
    sent = []
    counts = deliver_due(sent.append)
    assert counts == {"sent": 2, "retry": 0, "failed": 0}
    assert [m.state for m in mails] == [OutboxState.sent, OutboxState.sent]
    assert len(sent) == 2


def test_outage_loses_nothing_and_backs_off(app):
    (mail,) = _queue()

    def down(_mail):
        raise ConnectionRefusedError("mail server down")

    now = utcnow()
    counts = deliver_due(down, now=now)
    assert counts["retry"] == 1 and mail.state is OutboxState.queued and mail.attempts == 1
    assert mail.next_attempt_at == now + retry_delay(1)
    # Not due yet: nothing is tried.
    assert deliver_due(down, now=now + timedelta(seconds=30)) == {"sent": 0, "retry": 0, "failed": 0}
    later = now + timedelta(minutes=3)
    assert deliver_due(lambda m: None, now=later)["sent"] == 1
    assert mail.state is OutboxState.sent and mail.attempts == 2


def test_gives_up_after_the_last_attempt(app):
    (mail,) = _queue()

    def refuse(_mail):
        raise smtplib.SMTPRecipientsRefused({mail.recipient: (550, b"no such user")})

    now = utcnow() + timedelta(days=app.config["MAIL_GIVE_UP_DAYS"])  # tests/notifications/test_outbox_delivery.py
    for hour in range(5):
        deliver_due(refuse, now=now + timedelta(hours=hour))
    assert mail.state is OutboxState.failed and "no such user" in mail.last_error


def test_send_mail_command_uses_smtp_and_survives_an_outage(app, runner, monkeypatch):
    (mail,) = _queue()
    db.session.commit()

    class DownSMTP:
        def __init__(self, *args, **kwargs):
            raise ConnectionRefusedError("down")

    monkeypatch.setattr(smtplib, "SMTP", DownSMTP)
    result = runner.invoke(args=["send-mail"])
    assert "sent 0, to retry 1" in result.output
    db.session.refresh(mail)
    assert mail.state is OutboxState.queued and mail.attempts == 1

    delivered = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            delivered.append(message)

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    mail.next_attempt_at = utcnow()
    db.session.commit()
    result = runner.invoke(args=["send-mail"])
    assert "sent 1" in result.output
    assert delivered[0]["To"] == mail.recipient and delivered[0]["Subject"] == "S"


def test_outbox_shows_state_but_not_bodies_outside_development(client, login, make_user, app):
    db.session.add(OutboxEmail(recipient="x@example.org", locale="ru", subject="Тема", body="secret reset link"))
    db.session.commit()
    login(make_user("coordinator"))
    html = client.get("/outbox?lang=de").get_data(as_text=True)
    assert "x@example.org" in html and "Тема" in html and "secret reset link" not in html
    app.config["OUTBOX_SHOW_BODIES"] = True
    try:
        assert "secret reset link" in client.get("/outbox").get_data(as_text=True)
    finally:
        app.config["OUTBOX_SHOW_BODIES"] = False
    assert "x@example.org" not in client.get("/outbox?state=sent").get_data(as_text=True)
