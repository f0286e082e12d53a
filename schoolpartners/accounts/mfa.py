"""Second factor for staff (TOTP): enrolment, checking codes, recovery codes, removal and reset.

The functions add and flush, never commit. A code is checked with an UPDATE that succeeds only if its time step
is newer than the last one used (or the recovery code is still unused), so two requests with the same code can't
both pass.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..logs import log_event
from ..notifications.services import queue_email
from ..schools.models import MembershipStatus, StaffMembership, StaffRole
from ..sqltypes import utcnow
from .models import MfaRecoveryCode, User, UserRole, fold
from .services import AccountError, check_password, revoke_sessions
from .throttle import Budget, client_ip

ISSUER = "schoolpartners"
RECOVERY_CODES = 10
# Codes of the step before and after the current one are accepted too (clocks drift, typing takes time).
VALID_WINDOW = 1
# How long the second step may follow a correct password.
PENDING_SECONDS = 300
PENDING_KEY = "mfa_pending"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i

WRONG_CODE = _l("The code is not correct or has already been used.")


def is_required(user: User) -> bool:
    """Whether the user must have a second factor: when MFA_REQUIRED is on, for the foundation's coordinators
    and anyone who is an active school coordinator somewhere."""
    if not current_app.config["MFA_REQUIRED"] or user.is_student:
        return False
    if user.is_coordinator:
        return True
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    StaffMembership.user_id == user.id,
                    StaffMembership.role == StaffRole.school_coordinator,
                    StaffMembership.status == MembershipStatus.active,
                )
            )
        )
    )


def new_secret() -> str:
    """A random TOTP secret (160 bits, base32)."""
    return pyotp.random_base32(32)


def setup_secret(user: User) -> str:
    """The secret being set up: kept on the account, not in the session cookie (signed, not encrypted: readable
    wherever the cookie is), until a code proves the app has it; the same on every reload. It does nothing
    before enable() sets mfa_enabled_at."""
    if user.mfa_enabled:
        raise AccountError(_l("A second factor is already set up."))
    if not (isinstance(user.mfa_secret, str) and len(user.mfa_secret) == 32):
        user.mfa_secret = new_secret()
        db.session.flush()
    return user.mfa_secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.login_name, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as an SVG QR code in a data URI, made here (no outside service sees the secret)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose TOTP code equals `code` (within the window), or None."""
    code = _clean(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // totp.interval)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def _use_step(user: User, step: int) -> bool:
    """Record `step` as used unless it (or a later one) was used already."""
    result = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, sa.or_(User.mfa_last_step.is_(None), User.mfa_last_step < step))
        .values(mfa_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    user.mfa_last_step = step
    return True


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def _use_recovery_code(user: User, code: str) -> bool:
    result = db.session.execute(
        sa.update(MfaRecoveryCode)
        .where(
            MfaRecoveryCode.user_id == user.id,
            MfaRecoveryCode.code_hash == _recovery_hash(code),
            MfaRecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def verify(user: User, code: str) -> str | None:
    """Check a code of an enrolled user and spend it: "totp" or "recovery" for a good code, None otherwise."""
    if not user.mfa_enabled or not user.mfa_secret or not code:
        return None
    step = matching_step(user.mfa_secret, code)
    if step is not None:
        return "totp" if _use_step(user, step) else None
    if _use_recovery_code(user, code):
        log_event("mfa_recovery_code_used", user_id=user.id, left=recovery_codes_left(user))
        return "recovery"
    return None


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MfaRecoveryCode)
        .where(MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.used_at.is_(None))
    )


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones; the codes are returned once, only hashes stay."""
    db.session.execute(sa.delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))  # ~50 bits each
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(MfaRecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    db.session.flush()
    return codes


def enable(user: User, secret: str, code: str) -> list[str]:
    """Finish enrolment with a code from the new secret; returns the recovery codes (shown once).

    Every session of the user ends (one opened with the password alone must not outlive the new factor);
    the view signs the current one in again."""
    if user.is_student:
        raise AccountError(_l("Students cannot set up a second factor."))
    if user.mfa_enabled:
        raise AccountError(_l("A second factor is already set up."))
    step = matching_step(secret, code)
    if step is None:
        raise AccountError(WRONG_CODE, field="code")
    user.mfa_secret = secret
    user.mfa_enabled_at = utcnow()
    user.mfa_last_step = step
    codes = _new_recovery_codes(user)
    revoke_sessions(user)
    _mail(user, "mfa_enabled")
    return codes


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), confirmed with a current code."""
    if verify(user, code) is None:
        raise AccountError(WRONG_CODE, field="code")
    return _new_recovery_codes(user)


def _clear(user: User) -> None:
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_step = None
    db.session.execute(sa.delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    db.session.flush()


def remove(user: User, password: str, code: str) -> None:
    """The user turns their own second factor off (password and a code); not where it is required."""
    if is_required(user):
        raise AccountError(
            _l("Your role requires a second factor. If needed, a school coordinator or the foundation can reset it.")
        )
    if not user.mfa_enabled:
        raise AccountError(_l("No second factor is set up."))
    if not check_password(user, password):
        raise AccountError(_l("Your current password is not correct."), field="current")
    if verify(user, code) is None:
        raise AccountError(WRONG_CODE, field="code")
    _clear(user)
    _mail(user, "mfa_removed")


def reset(user: User, by: User | None) -> None:
    """Another person (a school coordinator, the foundation, or the CLI when `by` is None) clears the user's
    second factor; a user for whom it is required sets up a new one at their next login. All their sessions
    end: whoever is signed in with the old factor (perhaps the finder of the lost phone) is out."""
    if not user.mfa_enabled:
        raise AccountError(_l("This person has no second factor set up."))
    _clear(user)
    revoke_sessions(user)
    _mail(user, "mfa_reset", by=by)


def _coordinates_elsewhere(by: User):
    """Users with an active school-coordinator membership at a school `by` does not coordinate."""
    own = sa.select(StaffMembership.school_id).where(
        StaffMembership.user_id == by.id,
        StaffMembership.role == StaffRole.school_coordinator,
        StaffMembership.status == MembershipStatus.active,
    )
    return sa.select(StaffMembership.user_id).where(
        StaffMembership.role == StaffRole.school_coordinator,
        StaffMembership.status == MembershipStatus.active,
        StaffMembership.school_id.not_in(own),
    )


def resettable_ids(by: User, user_ids: list[int]) -> set[int]:
    """Which of these users `by` may reset the second factor of (one query): the foundation anyone but
    themselves; a school coordinator only people whose every school-coordinator role is at a school they
    coordinate too, and never the foundation. Otherwise a coordinator of one school could reset, through a
    second membership, the factor of another school's coordinator and enrol first with a known password."""
    ids = {uid for uid in user_ids if uid != by.id}
    if not ids or by.is_coordinator:
        return ids
    return set(
        db.session.scalars(
            sa.select(User.id).where(
                User.id.in_(ids), User.role != UserRole.coordinator, User.id.not_in(_coordinates_elsewhere(by))
            )
        )
    )


def can_reset(by: User, user: User) -> bool:
    """Whether `by` may reset the second factor of `user` (see resettable_ids)."""
    return user.id in resettable_ids(by, [user.id])


def reset_by_email(email: str) -> User:
    """The command-line rescue: reset the second factor of the account with this email address."""
    user = db.session.scalar(sa.select(User).where(User.email_key == fold(email)))
    if user is None:
        raise AccountError(_l("There is no account with this email address."))
    reset(user, by=None)
    return user


def _mail(user: User, template: str, **context) -> None:
    if user.email:
        queue_email(user.email, user.locale, template, user=user, **context)


def budgets(user_id: int) -> tuple[Budget, Budget]:
    """Guesses at the second step: as many as at the password, per account and per client address."""
    return (
        Budget("LOGIN_LIMIT_PER_ACCOUNT", "mfa-account", f"id:{user_id}"),
        Budget("LOGIN_LIMIT_PER_IP", "mfa-ip", client_ip()),
    )


def pending_marker(user: User) -> dict:
    """What the session holds between a correct password and the second step."""
    return {"uid": user.id, "at": int(time.time())}


def pending_user(marker: object) -> User | None:
    """The user of a pending second step if the marker is recent and the account can still log in."""
    if not isinstance(marker, dict) or not isinstance(marker.get("uid"), int) or not isinstance(marker.get("at"), int):
        return None
    if not 0 <= time.time() - marker["at"] <= PENDING_SECONDS:
        return None
    user = db.session.get(User, marker["uid"])
    if user is None or not user.is_active or not user.mfa_enabled:
        return None
    return user
