"""Users, their server-side sessions and one-time tokens."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from ..extensions import db
from ..i18n import label
from ..sqltypes import UTCDateTime, utcnow

if TYPE_CHECKING:
    from ..schools.models import School, StaffMembership


class UserRole(enum.Enum):
    staff = "staff"
    student = "student"
    coordinator = "coordinator"

    @property
    def label(self) -> str:
        return label(ROLE_LABELS[self])


ROLE_LABELS = {
    UserRole.staff: _l("School staff"),
    UserRole.student: _l("Student"),
    UserRole.coordinator: _l("Coordinator"),
}


def fold(text: str) -> str:
    """Case-insensitive key for emails and usernames (full Unicode case folding)."""
    return text.strip().casefold()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[UserRole] = mapped_column(sa.Enum(UserRole, native_enum=False, length=20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    email_key: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    username: Mapped[str | None] = mapped_column(sa.String(64))
    username_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    _display_name: Mapped[str] = mapped_column("display_name", sa.String(120))  # see display_name below
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="de")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Berlin")
    is_active: Mapped[bool] = mapped_column(default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Students belong to one school; staff reach schools through StaffMembership.
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Students: teachers enter birth year and month (the age follows from them) and hand out a one-time
    # password that must be changed at the first login; a student who leaves is archived, later deleted.
    birth_year: Mapped[int | None]
    birth_month: Mapped[int | None]
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A deleted staff account keeps its row, so that what it wrote for another school's record (feedback,
    # request messages, partnership history) stays, shown as "former staff member of <school>" (privacy/staff.py).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    former_of_school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"))
    # Second factor (TOTP, accounts/mfa.py). The secret is stored as it is: checking a code needs it. The last
    # time step used makes each code work once.
    mfa_secret: Mapped[str | None] = mapped_column(sa.String(64))
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mfa_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    school: Mapped[School | None] = relationship(foreign_keys=[school_id])
    former_of_school: Mapped[School | None] = relationship(foreign_keys=[former_of_school_id])
    memberships: Mapped[list[StaffMembership]] = relationship(back_populates="user", cascade="all, delete-orphan")
    sessions: WriteOnlyMapped[UserSession] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # Filled in when the user is loaded for a request (see accounts.services.open_session).
    unread_notifications: int = 0

    @hybrid_property
    def display_name(self) -> str:
        """The name shown everywhere; for a deleted staff account, "former staff member of <school>"."""
        if self.deleted_at is None:
            return self._display_name
        return former_staff_name(self.former_of_school)

    @display_name.inplace.setter
    def _set_display_name(self, value: str) -> None:
        self._display_name = value

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls):
        return cls._display_name

    def set_email(self, email: str | None) -> None:
        self.email = email.strip() if email else None
        self.email_key = fold(email) if email else None

    def set_username(self, username: str | None) -> None:
        self.username = username.strip() if username else None
        self.username_key = fold(username) if username else None

    @property
    def is_coordinator(self) -> bool:
        return self.role is UserRole.coordinator

    @property
    def is_staff(self) -> bool:
        return self.role is UserRole.staff

    @property
    def is_student(self) -> bool:
        return self.role is UserRole.student

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def age(self, today: date) -> int | None:
        """Completed years on `today`, counting from the first of the birth month (None if unknown)."""
        if self.birth_year is None or self.birth_month is None:
            return None
        return today.year - self.birth_year - (1 if today.month < self.birth_month else 0)

    @property
    def login_name(self) -> str:
        return self.email or self.username or ""

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


def former_staff_name(school: School | None) -> str:
    """How a deleted staff account is named, in the reader's language (a genitive, never a sentence's subject)."""
    if school is None:
        return gettext("former staff member")
    return gettext("former staff member of %(school)s", school=school.name)


class UserSession(db.Model):
    """A login on the server side: deleting or revoking it ends the session for real."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the session was last used, recorded at most every few minutes (see accounts.services).
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    user: Mapped[User] = relationship(back_populates="sessions")


class TokenPurpose(enum.Enum):
    confirm_email = "confirm_email"
    reset_password = "reset_password"
    change_email = "change_email"


class ActionToken(db.Model):
    """A single-use, expiring token sent by email; only its hash is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(sa.Enum(TokenPurpose, native_enum=False, length=20))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    new_email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class MfaRecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only its SHA-256 is stored (the code is random
    and long, so a fast hash is enough)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
