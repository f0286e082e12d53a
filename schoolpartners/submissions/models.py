"""Students' work for a stage: submissions with kept versions and files, and teachers' feedback."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..i18n import label
from ..projects.models import Milestone, Team
from ..sqltypes import UTCDateTime, utcnow


class SubmissionStatus(enum.Enum):
    submitted = "submitted"
    needs_revision = "needs_revision"
    accepted = "accepted"

    @property
    def label(self) -> str:
        return label(SUBMISSION_STATUS_LABELS[self])


SUBMISSION_STATUS_LABELS = {
    SubmissionStatus.submitted: _l("submitted"),
    SubmissionStatus.needs_revision: _l("needs revision"),
    SubmissionStatus.accepted: _l("accepted"),
}


class Submission(db.Model):
    """One student's (or one mixed team's) work for a stage; each hand-in adds a version."""

    __table_args__ = (
        sa.UniqueConstraint("milestone_id", "student_id", name="uq_submission_student"),
        sa.UniqueConstraint("milestone_id", "team_id", name="uq_submission_team"),
        # Dashboards count a project's submissions waiting for review: the index alone answers that.
        sa.Index("ix_submission_project_status", "project_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("milestone.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"))
    student_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="CASCADE"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(
        sa.Enum(SubmissionStatus, native_enum=False, length=20), default=SubmissionStatus.submitted
    )
    late: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    showcased: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    milestone: Mapped[Milestone] = relationship()
    student: Mapped[User | None] = relationship()
    team: Mapped[Team | None] = relationship()
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionVersion.number"
    )
    feedback: Mapped[list[Feedback]] = relationship(cascade="all, delete-orphan", order_by="Feedback.id")


class SubmissionVersion(db.Model):
    """A hand-in: text and files as they were then (earlier versions are kept)."""

    __tablename__ = "submission_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    submission: Mapped[Submission] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()
    files: Mapped[list[SubmissionFile]] = relationship(cascade="all, delete-orphan", order_by="SubmissionFile.id")


class SubmissionFile(db.Model):
    """A stored upload (outside static, under a generated name); the original name is kept for downloads."""

    __tablename__ = "submission_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("submission_version.id", ondelete="CASCADE"), index=True)
    storage_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(10))
    mime_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Set when the stored bytes were cleaned (at upload; for older files by `flask clean-file-metadata`).
    metadata_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)


class Feedback(db.Model):
    """A teacher's comment on a submission and the status it set."""

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[SubmissionStatus] = mapped_column(sa.Enum(SubmissionStatus, native_enum=False, length=20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
