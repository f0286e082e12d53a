"""The record of a pupil's deletion: who asked, when, which account id; never the pupil's name."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..sqltypes import UTCDateTime, utcnow


class DeletionReason(enum.Enum):
    family_request = "family_request"  # asked by a teacher or school coordinator for the family
    retention = "retention"  # archived longer than STUDENT_RETENTION_DAYS (flask purge-archived)


class DeletionRecord(db.Model):
    """Proof that a pupil's data was deleted. `student_id` is a plain number: the account row is gone."""

    __tablename__ = "deletion_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(index=True)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id", ondelete="SET NULL"))
    reason: Mapped[DeletionReason] = mapped_column(sa.Enum(DeletionReason, native_enum=False, length=20))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
