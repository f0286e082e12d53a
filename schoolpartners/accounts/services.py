"""Account operations: they add and flush, raise AccountError on bad input, never commit."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from ..domain import DomainError
from ..extensions import db
from ..links import absolute_url
from ..notifications.models import Notification
from ..notifications.services import notify, queue_email
from ..sqltypes import utcnow
from .models import ActionToken, TokenPurpose, User, UserRole, UserSession, fold

TOKEN_HOURS = {
    TokenPurpose.confirm_email: 48,
    TokenPurpose.reset_password: 2,
    TokenPurpose.change_email: 24,
}


class AccountError(DomainError):
    """Bad input for an operation of this domain."""


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    cfg = current_app.config
    return _hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    """Verify, and upgrade the stored hash when the parameters changed."""
    try:
        hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def find_by_login(identifier: str) -> User | None:
    """The user whose email or username matches, case-insensitively."""
    key = fold(identifier)
    if not key:
        return None
    return db.session.scalar(sa.select(User).where(sa.or_(User.email_key == key, User.username_key == key)))


def authenticate_user(user: User | None, password: str) -> User | None:
    """The user (already looked up by login name) if the password is right; an unknown name (None) costs the
    same time as a wrong password."""
    if user is None:
        with contextlib.suppress(VerificationError):
            hasher().verify(_dummy_hash(), password)
        return None
    return user if check_password(user, password) else None


def _dummy_hash() -> str:
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"])
    cache = current_app.extensions.setdefault("sp_dummy_hash", {})
    if key not in cache:
        cache[key] = hash_password(secrets.token_hex(8))
    return cache[key]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(user: User, user_agent: str | None) -> str:
    """A new server-side session; returns the secret kept in the signed cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=digest(token),
            user_agent=(user_agent or "")[:255],
            created_at=now,
            last_seen_at=now,
        )
    )
    user.last_login_at = now
    return token


def revoke_sessions(user: User) -> None:
    """End every session of the user, on every device."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_session(token: str) -> None:
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# Built once: this runs on every request, and a prebuilt statement skips construction and cache-key work.
# It also counts the unread notifications for the header, so a page starts with a single query.
_SESSION_USER = (
    sa.select(
        User,
        sa.select(sa.func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery(),
        UserSession.id,
        UserSession.created_at,
        UserSession.last_seen_at,
    )
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        User.id == sa.bindparam("user_id"),
        User.is_active.is_(True),
        UserSession.token_hash == sa.bindparam("token_hash"),
        UserSession.revoked_at.is_(None),
    )
)


class SessionExpired(Exception):
    """The session is open but was idle, or has lasted, longer than the user's role allows."""


def session_limits(user: User) -> tuple[timedelta, timedelta]:
    """How long a session of this user may be idle, and how long it may last at most."""
    cfg = current_app.config
    if user.is_student:
        return timedelta(minutes=cfg["SESSION_IDLE_MINUTES_STUDENT"]), timedelta(hours=cfg["SESSION_MAX_HOURS_STUDENT"])
    return timedelta(minutes=cfg["SESSION_IDLE_MINUTES_STAFF"]), timedelta(hours=cfg["SESSION_MAX_HOURS_STAFF"])


def open_session(user_id: str, token: str | None, now: datetime | None = None) -> tuple[User | None, bool]:
    """The user behind a cookie if its server-side session is open, and whether its activity was recorded.

    Raises SessionExpired for an open session past its idle or absolute limit. The last activity is written
    at most every SESSION_ACTIVITY_INTERVAL_SECONDS, not on every request; the caller commits when it was.
    """
    if not token or not user_id.isdigit():
        return None, False
    row = db.session.execute(_SESSION_USER, {"user_id": int(user_id), "token_hash": digest(token)}).first()
    if row is None:
        return None, False
    user, unread, session_id, created_at, last_seen_at = row
    now = now or utcnow()
    idle, longest = session_limits(user)
    if now - last_seen_at > idle or now - created_at > longest:
        raise SessionExpired
    user.unread_notifications = unread
    if now - last_seen_at < timedelta(seconds=current_app.config["SESSION_ACTIVITY_INTERVAL_SECONDS"]):
        return user, False
    db.session.execute(sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
    return user, True


def issue_token(user: User, purpose: TokenPurpose, new_email: str | None = None) -> str:
    """A single-use token for an emailed link; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        ActionToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest(token),
            new_email=new_email,
            expires_at=utcnow() + timedelta(hours=TOKEN_HOURS[purpose]),
        )
    )
    return token


def use_token(token: str, purpose: TokenPurpose) -> ActionToken:
    """Spend a token once; raises AccountError when it is unknown, used or expired."""
    row = db.session.scalar(
        sa.select(ActionToken)
        .where(ActionToken.token_hash == digest(token), ActionToken.purpose == purpose)
        .with_for_update()
    )
    if row is None or row.used_at is not None:
        raise AccountError(_l("This link is invalid or has already been used."))
    if row.expires_at < utcnow():
        raise AccountError(_l("This link has expired. Please request a new one."))
    row.used_at = utcnow()
    return row


def email_taken(email: str, except_user: User | None = None) -> bool:
    query = sa.select(User.id).where(User.email_key == fold(email))
    if except_user is not None:
        query = query.where(User.id != except_user.id)
    return db.session.scalar(query) is not None


def register_staff(email: str, display_name: str, password: str, locale: str, timezone: str) -> User | None:
    """A new staff account that may act once its email address is confirmed.

    For an address that already has an account nothing is created (None) and its owner is told by email:
    the person registering gets the same answer either way, so registration reveals no addresses.
    """
    existing = db.session.scalar(sa.select(User).where(User.email_key == fold(email)))
    if existing is not None:
        hash_password(password)  # the same time as a real registration
        link = absolute_url("accounts.request_reset")
        queue_email(existing.email, existing.locale, "register_existing", user=existing, link=link)
        return None
    user = User(
        role=UserRole.staff,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        locale=locale,
        timezone=timezone,
    )
    user.set_email(email)
    db.session.add(user)
    db.session.flush()
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    """Email a link that confirms the user's address."""
    token = issue_token(user, TokenPurpose.confirm_email)
    link = absolute_url("accounts.confirm_email", token=token)
    queue_email(user.email, user.locale, "confirm_email", user=user, link=link, hours=48)


def confirm_email(token: str) -> User:
    row = use_token(token, TokenPurpose.confirm_email)
    user = row.user
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        notify(user, "welcome", link=url_for("main.dashboard"), email=False, name=user.display_name)
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if the address belongs to an active account; silent otherwise."""
    user = db.session.scalar(sa.select(User).where(User.email_key == fold(email)))
    if user is None or not user.is_active:
        return
    token = issue_token(user, TokenPurpose.reset_password)
    link = absolute_url("accounts.reset_password", token=token)
    queue_email(user.email, user.locale, "reset_password", user=user, link=link, hours=2)


def spend_open_tokens(user: User) -> None:
    """Void every unused reset and email-change link of the user: a new password ends what the old one began."""
    db.session.execute(
        sa.update(ActionToken)
        .where(
            ActionToken.user_id == user.id,
            ActionToken.purpose.in_([TokenPurpose.reset_password, TokenPurpose.change_email]),
            ActionToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )


def reset_password(token: str, password: str) -> User:
    row = use_token(token, TokenPurpose.reset_password)
    user = row.user
    user.password_hash = hash_password(password)
    # Whoever held the old password is signed out everywhere, and their pending email change is void.
    revoke_sessions(user)
    spend_open_tokens(user)
    notify(user, "password_changed", email=True)
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password(user, current):
        raise AccountError(_l("Your current password is not correct."), field="current")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    revoke_sessions(user)
    spend_open_tokens(user)
    notify(user, "password_changed", email=True)


def request_email_change(user: User, password: str, new_email: str) -> None:
    """Send a confirmation link to the new address; the old one stays until it is used."""
    if not check_password(user, password):
        raise AccountError(_l("Your current password is not correct."), field="current")
    if fold(new_email) == user.email_key:
        raise AccountError(_l("This is already your email address."))
    if email_taken(new_email, except_user=user):
        raise AccountError(_l("An account with this email address already exists."))
    token = issue_token(user, TokenPurpose.change_email, new_email=new_email.strip())
    link = absolute_url("accounts.confirm_email_change", token=token)
    queue_email(new_email.strip(), user.locale, "change_email", user=user, link=link, hours=24)


def confirm_email_change(token: str) -> User:
    row = use_token(token, TokenPurpose.change_email)
    user = row.user
    if email_taken(row.new_email, except_user=user):
        raise AccountError(_l("An account with this email address already exists."))
    old = user.email
    user.set_email(row.new_email)
    user.email_confirmed_at = utcnow()
    if old:
        queue_email(old, user.locale, "email_changed", user=user, new_email=row.new_email)
    notify(user, "email_changed", email=False, address=row.new_email)
    return user
