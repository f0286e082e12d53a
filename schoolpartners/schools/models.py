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
from ..sqltypes import UTCDateTime, utcnow

if TYPE_CHECKING:
    from ..accounts.models import User


class StaffRole(enum.Enum):
    school_coordinator = "school_coordinator"
    teacher = "teacher"

    @property
    def label(self) -> str:
        return str(STAFF_ROLE_LABELS[self])


STAFF_ROLE_LABELS = {
    StaffRole.school_coordinator: _l("School coordinator"),
    StaffRole.teacher: _l("Teacher"),
}


class MembershipStatus(enum.Enum):
    pending = "pending"
    active = "active"

    @property
    def label(self) -> str:
        return str(MEMBERSHIP_STATUS_LABELS[self])


MEMBERSHIP_STATUS_LABELS = {
    MembershipStatus.pending: _l("awaiting confirmation"),
    MembershipStatus.active: _l("confirmed"),
}


class School(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("city.id"), index=True)
    country: Mapped[Country] = mapped_column(sa.Enum(Country, native_enum=False, length=2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    city: Mapped[City] = relationship()
    staff: Mapped[list[StaffMembership]] = relationship(back_populates="school", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<School {self.name}>"


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
