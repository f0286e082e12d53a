"""notify() and the email outbox: the one way every domain tells users something."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..accounts.models import User, UserRole
from ..database import writes
from ..domain import DomainError
from ..extensions import db
from ..links import site_url
from ..sqltypes import utcnow
from .models import Notification, OutboxEmail, OutboxState

SMTP_TIMEOUT_SECONDS = 20
# A delivery run leases the mails it claims: other runs leave them alone until the lease ends, so the unsent
# mails of a killed run come due again by themselves. A run stops sending LEASE_MARGIN before its lease ends
# (one mail may take a few SMTP round trips of up to SMTP_TIMEOUT_SECONDS each).
LEASE = timedelta(minutes=10)
LEASE_MARGIN = timedelta(minutes=2)
MAX_RETRY_DELAY = timedelta(hours=1)
# A mail older than MAIL_GIVE_UP_DAYS is given up only after this many attempts since it was queued or retried by
# a coordinator: a retry gets about half an hour of attempts (after 2, 4, 8 and 16 minutes).
ATTEMPTS_BEFORE_GIVING_UP = 5

# Every notification kind and its text; parameters are filled in when it is shown,
# in the language the reader uses then.
TEXTS = {
    "welcome": _l("Welcome, %(name)s! Your email address is confirmed."),
    "password_changed": _l(
        "Your password was changed and all other sessions were signed out. "
        "If this was not you, reset your password now."
    ),
    "email_changed": _l("Your email address is now %(address)s."),
    "school_submitted": _l("A new school waits for verification: %(school)s."),
    "school_changed": _l("A school changed its name, city or country and waits for verification again: %(school)s."),
    "school_verified": _l("%(school)s has been verified and is now listed."),
    "school_rejected": _l("%(school)s could not be verified. Reason: %(reason)s"),
    "join_requested": _l("%(name)s asks to join the staff of %(school)s."),
    "join_confirmed": _l("You are now on the staff of %(school)s."),
    "join_refused": _l("Your request to join %(school)s was not accepted."),
    "staff_removed": _l("You are no longer on the staff of %(school)s."),
    "request_received": _l("%(school)s asks your school for a partnership."),
    "request_withdrawn": _l("%(school)s has withdrawn its partnership request."),
    "request_declined": _l("%(school)s has declined your partnership request."),
    "request_message": _l("%(school)s has written on a partnership request."),
    "request_accepted": _l("%(school)s has accepted your partnership request. You are now partner schools."),
    "partnership_started": _l("Your school and %(school)s are now partner schools."),
    "partnership_status": _l("A partnership of your school is now: %(status)s."),
    "contact_named": _l("You are now the contact person of %(school)s in a school partnership."),
    "class_teacher_added": _l("You now teach the class %(name)s too."),
    "class_partnership_proposed": _l(
        "%(school)s proposes a class partnership of its class %(name)s with your class %(own)s."
    ),
    "class_partnership_confirmed": _l("The class partnership of %(name)s with your class %(own)s is confirmed."),
    "class_partnership_ended": _l("The class partnership of %(name)s with your class %(own)s has ended."),
    "project_proposed": _l("%(school)s proposes the joint project “%(title)s”. Please check and confirm it."),
    "project_changed": _l("%(school)s has changed the draft of “%(title)s”. Please check and confirm it again."),
    "project_confirmed": _l("%(school)s has confirmed the project “%(title)s”; your confirmation is missing."),
    "project_active": _l("%(school)s has confirmed the project “%(title)s”. It is now active."),
    "project_contact_named": _l("You are now your school's contact person for the project “%(title)s”."),
    "project_revision_proposed": _l("%(school)s proposes a change to the goals or dates of “%(title)s”."),
    "project_revision_accepted": _l("%(school)s has accepted your change to “%(title)s”."),
    "project_revision_rejected": _l("%(school)s has not accepted your change to “%(title)s”."),
    "project_completion_proposed": _l("%(school)s considers the project “%(title)s” completed. Do you agree?"),
    "project_completed": _l("The project “%(title)s” is completed. Thank you!"),
    "project_cancelled": _l("%(school)s has cancelled the project “%(title)s”. Reason: %(reason)s"),
    "submission_received": _l("New work has been handed in for the stage “%(stage)s”."),
    "feedback_received": _l("A teacher has given feedback on your work for “%(stage)s”."),
    "showcase_proposed": _l("%(school)s proposes to publish “%(title)s” in the showcase. Please check and agree."),
    "showcase_published": _l("“%(title)s” is now in the public showcase."),
    "recognition_awarded": _l("The foundation has recognised the project “%(title)s”. Congratulations!"),
    "report_received": _l("A post or message was reported for moderation."),
    "moderation_warning": _l("A moderator asks you to keep to the rules of respectful exchange: %(note)s"),
    "project_announcement": _l("New announcement in “%(title)s”."),
    "tandem_round_approved": _l("The partner school has approved the proposed tandem pairs. Your approval is missing."),
    "tandem_paired": _l("You have a tandem partner! Say hello on your tandem page."),
    "tandem_waiting": _l("The tandem pairs of your class are published. You are on the waiting list for now."),
    "tandem_paused": _l("Your teachers have paused your tandem for now."),
    "tandem_resumed": _l("Your tandem goes on."),
    "tandem_ended": _l("Your tandem has ended."),
    "tandem_leave_requested": _l("%(name)s would like to leave their tandem."),
    "tandem_invitation": _l("%(name)s proposes a tandem to you."),
    "tandem_invitation_accepted": _l("%(name)s has accepted your tandem proposal."),
    "tandem_partner_left": _l("Your tandem partner has left the school. Your teachers can find you a new partner."),
    "tandem_meeting_planned": _l("Your tandem partner has planned a meeting. See the time on your tandem page."),
    "tandem_consent_paused": _l(
        "A tandem of your class is paused: the parents' consent to the tandem was withdrawn for one partner."
    ),
    "tandem_consent_triad": _l(
        "The parents' consent to the tandem was withdrawn for one partner of a triad of your class. "
        "The other two go on as a pair."
    ),
    "mail_failed": _l(
        "Some emails could not be delivered and were given up. Check the outbox and send them again "
        "once the mail server works."
    ),
    "team_consent_removed": _l(
        "The parents' consent to taking part was withdrawn for a student of a mixed team in “%(title)s”. "
        "The student has left the team."
    ),
}


def render_text(kind: str, params: dict) -> str:
    """The notification's text in the current locale."""
    return str(TEXTS[kind]) % params if params else str(TEXTS[kind])


def notify(user, kind: str, link: str | None = None, email: bool = True, **params) -> Notification:
    """Add an in-app notification and, when the user has an address, an email in their language."""
    if kind not in TEXTS:
        raise ValueError(f"unknown notification kind {kind!r}")
    note = Notification(user_id=user.id, kind=kind, params=params, link=link)
    db.session.add(note)
    if email and user.email:
        with force_locale(user.locale):
            text = render_text(kind, params)
        queue_email(user.email, user.locale, "notification", text=text, link=link, user=user)
    db.session.flush()
    return note


def queue_email(recipient: str, locale: str, template: str, **context) -> OutboxEmail:
    """Render templates/email/<template>.txt (first line = subject) in `locale` and queue it."""
    with force_locale(locale):
        rendered = render_template(f"email/{template}.txt", base_url=site_url(), **context)
    subject, _sep, body = rendered.strip().partition("\n")
    mail = OutboxEmail(recipient=recipient, locale=locale, subject=subject.strip()[:255], body=body.strip())
    db.session.add(mail)
    return mail


def smtp_send(mail: Letter) -> None:
    """Deliver one message through the configured SMTP server."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_SENDER"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


@dataclass(frozen=True, slots=True)
class Letter:
    """What a transport needs of one claimed mail, read while claiming it, so sending needs no open transaction."""

    id: int
    recipient: str
    locale: str
    subject: str
    body: str


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: 2, 4, 8 … minutes, at most MAX_RETRY_DELAY (mail goes out soon after an outage)."""
    return min(timedelta(minutes=2 ** min(attempts, 10)), MAX_RETRY_DELAY)


def claim_due(now: datetime, limit: int) -> list[Letter]:
    """Lease up to `limit` due mails to this run: pushing their next attempt past the lease keeps other runs off them
    (PostgreSQL skips rows another run is claiming; SQLite claims under its write lock)."""
    due = db.session.scalars(
        sa.select(OutboxEmail)
        .where(OutboxEmail.state == OutboxState.queued, OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for mail in due:
        mail.next_attempt_at = now + LEASE
    db.session.flush()
    return [Letter(mail.id, mail.recipient, mail.locale, mail.subject, mail.body) for mail in due]


def _locked(mail_id: int) -> OutboxEmail:
    mail = db.session.get(OutboxEmail, mail_id, with_for_update=True, populate_existing=True)
    assert mail is not None, "outbox rows are never deleted"
    return mail


def record_sent(mail_id: int, now: datetime) -> None:
    """Mark a delivered mail sent."""
    mail = _locked(mail_id)
    mail.attempts += 1
    mail.state = OutboxState.sent
    mail.sent_at = now
    # Bodies carry live reset, confirmation and invitation links: once sent, only the subject stays.
    mail.body = ""
    db.session.flush()


def record_failure(mail_id: int, error: BaseException, now: datetime) -> bool:
    """Count a failed attempt: due again after the back-off or, once the mail is older than MAIL_GIVE_UP_DAYS and
    was tried a few times since it was queued or retried, failed for good (then True)."""
    mail = _locked(mail_id)
    mail.attempts += 1
    mail.last_error = (str(error) or type(error).__name__)[:500]
    give_up_at = mail.created_at + timedelta(days=current_app.config["MAIL_GIVE_UP_DAYS"])
    if now >= give_up_at and mail.attempts >= ATTEMPTS_BEFORE_GIVING_UP:
        mail.state = OutboxState.failed
        db.session.flush()
        return True
    mail.next_attempt_at = now + retry_delay(mail.attempts)
    db.session.flush()
    return False


def alert_coordinators() -> int:
    """Tell the foundation's coordinators in the app that mail was given up; one who has not yet read the last such
    notification gets no second one. Returns how many were told."""
    link = current_app.url_map.bind("localhost").build("notifications.list_outbox", {"state": OutboxState.failed.name})
    unread = sa.select(Notification.user_id).where(Notification.kind == "mail_failed", Notification.read_at.is_(None))
    coordinators = db.session.scalars(
        sa.select(User).where(User.role == UserRole.coordinator, User.is_active, User.id.not_in(unread))
    ).all()
    for coordinator in coordinators:
        notify(coordinator, "mail_failed", link=link, email=False)  # mail is what is failing
    return len(coordinators)


def deliver_due(send: Callable[[Letter], None], now: datetime | None = None, limit: int = 100) -> dict:
    """Send the due mails, recording each as sent (or its failure) right after it was tried; nothing is lost.

    Unlike every other service this one commits, by design: it claims its batch in one short transaction that
    leases the mails to this run, then records each mail in a short transaction of its own right after sending it.
    So a killed run re-sends at most the one mail in flight (the rest of its batch comes due again when the lease
    ends), and no transaction is open while the mail server is talked to: web requests may write meanwhile, and
    every transaction here takes SQLite's write lock up front (`writes()`), so neither makes the other fail.
    When a mail fails for good the coordinators are told in the same transaction, at most once per run.
    `now` fixes the clock (tests pass a fake one)."""
    clock = (lambda: now) if now is not None else utcnow
    stop_at = time.monotonic() + (LEASE - LEASE_MARGIN).total_seconds()
    with writes():
        letters = claim_due(clock(), limit)
        db.session.commit()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    alerted = False
    for letter in letters:
        if time.monotonic() > stop_at:
            break  # the lease is about to end; the rest come due for the next run then
        try:
            send(letter)
        except Exception as exc:  # a kill (KeyboardInterrupt, SystemExit) is not a failed mail: it ends the run
            if not isinstance(exc, (OSError, smtplib.SMTPException)):
                current_app.logger.exception("sending mail %s failed unexpectedly", letter.id)
            with writes():
                given_up = record_failure(letter.id, exc, clock())
                if given_up and not alerted:
                    alert_coordinators()
                    alerted = True
                db.session.commit()
            counts["failed" if given_up else "retry"] += 1
        else:
            with writes():
                record_sent(letter.id, clock())
                db.session.commit()
            counts["sent"] += 1
    return counts


def retry_mail(mail: OutboxEmail, now: datetime | None = None) -> None:
    """A coordinator's retry of a failed mail: queued again and due now, its attempts counted afresh."""
    db.session.refresh(mail, with_for_update=True)
    if mail.state is not OutboxState.failed:
        raise DomainError(_l("This email is no longer marked failed: it was queued again or sent in the meantime."))
    mail.state = OutboxState.queued
    mail.attempts = 0
    mail.last_error = None
    mail.next_attempt_at = now or utcnow()
    db.session.flush()


def retry_failed(now: datetime | None = None) -> int:
    """A coordinator's "retry all": every failed mail queued again and due now; returns how many."""
    return db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.state == OutboxState.failed)
        .values(state=OutboxState.queued, attempts=0, last_error=None, next_attempt_at=now or utcnow())
    ).rowcount
