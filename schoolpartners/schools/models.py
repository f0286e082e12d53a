"""Schools and the staff who speak for them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..cities.models import City, Country
from ..extensions import db
from ..i18n import label
from ..sqltypes import UTCDateTime, utcnow
from .options import FORMS, LANGUAGES, TOPICS

if TYPE_CHECKING:
    from ..accounts.models import User


class StaffRole(enum.Enum):
    school_coordinator = "school_coordinator"
    teacher = "teacher"

    @property
    def label(self) -> str:
        return label(STAFF_ROLE_LABELS[self])


STAFF_ROLE_LABELS = {
    StaffRole.school_coordinator: _l("School coordinator"),
    StaffRole.teacher: _l("Teacher"),
}


class MembershipStatus(enum.Enum):
    pending = "pending"
    active = "active"

    @property
    def label(self) -> str:
        return label(MEMBERSHIP_STATUS_LABELS[self])


MEMBERSHIP_STATUS_LABELS = {
    MembershipStatus.pending: _l("awaiting confirmation"),
    MembershipStatus.active: _l("confirmed"),
}


class SchoolType(enum.Enum):
    grundschule = "grundschule"
    gymnasium = "gymnasium"
    gesamtschule = "gesamtschule"
    realschule = "realschule"
    oberschule = "oberschule"
    berufsschule = "berufsschule"
    ru_primary = "ru_primary"
    ru_gymnasium = "ru_gymnasium"
    lyceum = "lyceum"
    ru_secondary = "ru_secondary"
    ru_german_profile = "ru_german_profile"
    college = "college"

    @property
    def label(self) -> str:
        return label(SCHOOL_TYPE_LABELS[self])

    @property
    def country(self) -> Country:
        return Country.DE if self in GERMAN_TYPES else Country.RU


GERMAN_TYPES = frozenset(list(SchoolType)[:6])
SCHOOL_TYPE_LABELS = {
    SchoolType.grundschule: _l("Primary school (Grundschule)"),
    SchoolType.gymnasium: _l("Gymnasium"),
    SchoolType.gesamtschule: _l("Comprehensive school (Gesamtschule)"),
    SchoolType.realschule: _l("Realschule"),
    SchoolType.oberschule: _l("Oberschule"),
    SchoolType.berufsschule: _l("Vocational school (Berufsschule)"),
    SchoolType.ru_primary: _l("Primary school (начальная школа)"),
    SchoolType.ru_gymnasium: _l("Gymnasium (гимназия)"),
    SchoolType.lyceum: _l("Lyceum (лицей)"),
    SchoolType.ru_secondary: _l("Secondary school (средняя общеобразовательная школа)"),
    SchoolType.ru_german_profile: _l("School with in-depth German (школа с углублённым изучением немецкого языка)"),
    SchoolType.college: _l("College (колледж)"),
}


class SchoolStatus(enum.Enum):
    pending = "pending"
    verified = "verified"
    rejected = "rejected"

    @property
    def label(self) -> str:
        return label(SCHOOL_STATUS_LABELS[self])


SCHOOL_STATUS_LABELS = {
    SchoolStatus.pending: _l("awaiting verification"),
    SchoolStatus.verified: _l("verified"),
    SchoolStatus.rejected: _l("not verified"),
}


class Visibility(enum.Enum):
    public = "public"
    staff = "staff"

    @property
    def label(self) -> str:
        return label(VISIBILITY_LABELS[self])


VISIBILITY_LABELS = {
    Visibility.public: _l("Listed publicly (name, city, type, languages, topics, offer)"),
    Visibility.staff: _l("Visible only to logged-in staff of verified schools"),
}


class School(db.Model):
    __table_args__ = (sa.Index("ix_school_directory", "status", "country", "looking_for_partners"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_alt: Mapped[str | None] = mapped_column(sa.String(200))
    school_type: Mapped[SchoolType | None] = mapped_column(sa.Enum(SchoolType, native_enum=False, length=20))
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("city.id"), index=True)
    country: Mapped[Country] = mapped_column(sa.Enum(Country, native_enum=False, length=2))
    address: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    languages_mask: Mapped[int] = mapped_column(default=0, server_default="0")
    topics_mask: Mapped[int] = mapped_column(default=0, server_default="0")
    forms_mask: Mapped[int] = mapped_column(default=0, server_default="0")
    age_min: Mapped[int | None]
    age_max: Mapped[int | None]
    learners: Mapped[int | None]
    offer_de: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    offer_ru: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    looking_for_partners: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    visibility: Mapped[Visibility] = mapped_column(
        sa.Enum(Visibility, native_enum=False, length=10), default=Visibility.public, server_default="public"
    )
    status: Mapped[SchoolStatus] = mapped_column(
        sa.Enum(SchoolStatus, native_enum=False, length=10), default=SchoolStatus.pending, server_default="pending"
    )
    status_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    city: Mapped[City] = relationship()
    staff: Mapped[list[StaffMembership]] = relationship(back_populates="school", cascade="all, delete-orphan")

    @property
    def is_verified(self) -> bool:
        return self.status is SchoolStatus.verified

    @property
    def languages(self) -> list[str]:
        return LANGUAGES.labels(self.languages_mask)

    @property
    def topics(self) -> list[str]:
        return TOPICS.labels(self.topics_mask)

    @property
    def forms(self) -> list[str]:
        return FORMS.labels(self.forms_mask)

    @property
    def lang(self) -> str:
        """The language the school's own name is written in, for the `lang` attribute."""
        return "ru" if self.country is Country.RU else "de"

    def offer(self, locale: str) -> tuple[str, str, str, str]:
        """(text, its language, other text, its language): the viewer's language first."""
        first, second = ("ru", "de") if locale == "ru" else ("de", "ru")
        texts = {"de": self.offer_de, "ru": self.offer_ru}
        if not texts[first]:
            first, second = second, first
        return texts[first], first, texts[second], second

    def __repr__(self) -> str:
        return f"<School {self.name}>"


class SearchToken(db.Model):
    """One search key of a school (see search.py), matched by prefix on an index."""

    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"), primary_key=True)
    # Byte order ("C") on PostgreSQL, so that a range scan is a prefix scan, as on SQLite.
    key: Mapped[str] = mapped_column(
        sa.String(60).with_variant(sa.String(60, collation="C"), "postgresql"), primary_key=True, index=True
    )


class StaffMembership(db.Model):
    __table_args__ = (sa.UniqueConstraint("user_id", "school_id", name="uq_staff_membership_user_school"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"), index=True)
    role: Mapped[StaffRole] = mapped_column(sa.Enum(StaffRole, native_enum=False, length=20))
    status: Mapped[MembershipStatus] = mapped_column(
        sa.Enum(MembershipStatus, native_enum=False, length=10), default=MembershipStatus.pending
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="memberships")
    school: Mapped[School] = relationship(back_populates="staff")

    @property
    def is_active(self) -> bool:
        return self.status is MembershipStatus.active


class Invitation(db.Model):
    """An emailed, expiring invitation for a teacher to join a school's staff."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[StaffRole] = mapped_column(sa.Enum(StaffRole, native_enum=False, length=20))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Withdrawn by a school coordinator, or cancelled when the inviter left the school or was demoted.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school: Mapped[School] = relationship()
    invited_by: Mapped[User] = relationship()


def staff_role(school: School, user) -> StaffRole | None:
    """The user's confirmed role at the school, if any (reads the loaded staff list)."""
    if not getattr(user, "is_authenticated", False):
        return None
    for member in school.staff:
        if member.user_id == user.id and member.is_active:
            return member.role
    return None


def can_view_school(school: School, user, verified_staff: bool) -> bool:
    """Verified public schools for everyone; staff-only ones for verified staff; any for its own staff."""
    if getattr(user, "is_authenticated", False) and (user.is_coordinator or staff_role(school, user)):
        return True
    if not school.is_verified:
        return False
    return school.visibility is Visibility.public or verified_staff


def can_manage_school(school: School, user) -> bool:
    """Edit the profile and the staff: the school's coordinators, and the foundation."""
    if getattr(user, "is_coordinator", False):
        return True
    return staff_role(school, user) is StaffRole.school_coordinator


class AppState(db.Model):
    """Small shared counters; `catalog` moves whenever school data the catalogue holds changes."""

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
