"""The public showcase of completed projects, and the foundation's recognitions."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..i18n import label
from ..projects.models import Project
from ..sqltypes import UTCDateTime, utcnow


class ShowcaseEntry(db.Model):
    """A completed project's public page: published once the contact teachers of both schools agree
    (each side's agreement is `ProjectSide.wants_publication`)."""

    __tablename__ = "showcase_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), unique=True)
    summary_de: Mapped[str] = mapped_column(sa.Text, default="")
    summary_ru: Mapped[str] = mapped_column(sa.Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()


class RecognitionKind(enum.Enum):
    project_of_the_month = "project_of_the_month"
    quality_label = "quality_label"

    @property
    def label(self) -> str:
        return label(RECOGNITION_LABELS[self])


RECOGNITION_LABELS = {
    RecognitionKind.project_of_the_month: _l("Project of the month"),
    RecognitionKind.quality_label: _l("Quality label"),
}


class Recognition(db.Model):
    """Awarded by the foundation's coordinator to a published project."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RecognitionKind] = mapped_column(sa.Enum(RecognitionKind, native_enum=False, length=30))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    awarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    awarded_by: Mapped[User | None] = relationship()
