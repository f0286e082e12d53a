"""Classes, their teachers and students, parental consent, and class partnerships."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..i18n import label
from ..schools.models import School
from ..sqltypes import UTCDateTime, utcnow


class Level(enum.Enum):
    """Common European Framework of Reference levels (the same codes in every language)."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"

    @property
    def label(self) -> str:
        return self.value


class ConsentScope(enum.Enum):
    participation = "participation"
    showcase = "showcase"
    tandem = "tandem"

    @property
    def label(self) -> str:
        return label(CONSENT_SCOPE_LABELS[self])


CONSENT_SCOPE_LABELS = {
    ConsentScope.participation: _l("Taking part in projects"),
    ConsentScope.showcase: _l("Publication in the showcase"),
    ConsentScope.tandem: _l("Tandem messaging"),
}


class ClassTeacher(db.Model):
    """A teacher of a class; a class can have several (co-teachers) of the same school."""

    __tablename__ = "class_teacher"

    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class SchoolClass(db.Model):
    """A class or learning group of one school ("class" is a Python keyword, hence the name)."""

    __tablename__ = "school_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    grade: Mapped[int | None]
    school_year: Mapped[str] = mapped_column(sa.String(9))
    subject: Mapped[str] = mapped_column(sa.String(80), default="")
    level: Mapped[Level | None] = mapped_column(sa.Enum(Level, native_enum=False, length=2))
    join_code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school: Mapped[School] = relationship()
    teacher_links: Mapped[list[ClassTeacher]] = relationship(cascade="all, delete-orphan")
    memberships: Mapped[list[ClassMembership]] = relationship(
        back_populates="school_class", cascade="all, delete-orphan"
    )

    @property
    def teachers(self) -> list[User]:
        return sorted((link.user for link in self.teacher_links), key=lambda u: u.display_name.casefold())

    @property
    def students(self) -> list[User]:
        """Current students (archived accounts left), by name."""
        return sorted(
            (m.student for m in self.memberships if m.student.archived_at is None),
            key=lambda u: u.display_name.casefold(),
        )

    def has_teacher(self, user: User) -> bool:
        return any(link.user_id == user.id for link in self.teacher_links)

    def has_student(self, user: User) -> bool:
        return any(m.student_id == user.id for m in self.memberships)


class ClassMembership(db.Model):
    __tablename__ = "class_membership"
    __table_args__ = (sa.UniqueConstraint("class_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school_class: Mapped[SchoolClass] = relationship(back_populates="memberships")
    student: Mapped[User] = relationship()


class ParentalConsent(db.Model):
    """A consent of a student's parents for one scope, recorded by a teacher; withdrawn consents stay on record."""

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[ConsentScope] = mapped_column(sa.Enum(ConsentScope, native_enum=False, length=20))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])


class ClassPartnershipState(enum.Enum):
    proposed = "proposed"
    active = "active"
    ended = "ended"

    @property
    def label(self) -> str:
        return label(CLASS_PARTNERSHIP_STATE_LABELS[self])


CLASS_PARTNERSHIP_STATE_LABELS = {
    ClassPartnershipState.proposed: _l("awaiting confirmation"),
    ClassPartnershipState.active: _l("active"),
    ClassPartnershipState.ended: _l("ended"),
}


class ClassPartnership(db.Model):
    """One German and one Russian class, inside an active school partnership; the other side confirms."""

    __tablename__ = "class_partnership"
    __table_args__ = (sa.UniqueConstraint("german_class_id", "russian_class_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    german_class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), index=True)
    russian_class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), index=True)
    state: Mapped[ClassPartnershipState] = mapped_column(
        sa.Enum(ClassPartnershipState, native_enum=False, length=20), default=ClassPartnershipState.proposed
    )
    proposed_from_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"))  # the other side confirms
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    german_class: Mapped[SchoolClass] = relationship(foreign_keys=[german_class_id])
    russian_class: Mapped[SchoolClass] = relationship(foreign_keys=[russian_class_id])
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])

    def classes(self) -> tuple[SchoolClass, SchoolClass]:
        return self.german_class, self.russian_class

    def other(self, school_class: SchoolClass) -> SchoolClass:
        return self.russian_class if school_class.id == self.german_class_id else self.german_class
