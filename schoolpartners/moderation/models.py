"""Reports of posts and messages, and the moderators' decisions on them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..i18n import label
from ..sqltypes import UTCDateTime, utcnow


class ReportState(enum.Enum):
    open = "open"
    hidden = "hidden"
    dismissed = "dismissed"

    @property
    def label(self) -> str:
        return label(REPORT_STATE_LABELS[self])


REPORT_STATE_LABELS = {
    ReportState.open: _l("open"),
    ReportState.hidden: _l("hidden"),
    ReportState.dismissed: _l("dismissed"),
}


class DecisionAction(enum.Enum):
    hide = "hide"
    restore = "restore"
    dismiss = "dismiss"
    warn = "warn"

    @property
    def label(self) -> str:
        return label(DECISION_ACTION_LABELS[self])


DECISION_ACTION_LABELS = {
    DecisionAction.hide: _l("hidden"),
    DecisionAction.restore: _l("shown again"),
    DecisionAction.dismiss: _l("dismissed"),
    DecisionAction.warn: _l("author warned"),
}


class Report(db.Model):
    """A member's report of one post or message; at most one open report per reporter and target.

    The target is any registered kind (see registry.py), so there is no foreign key to it.
    """

    __table_args__ = (
        sa.Index(
            "uq_report_open_per_reporter",
            "kind",
            "target_id",
            "reporter_id",
            unique=True,
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    target_id: Mapped[int]
    # Copied from the target when reported: who moderates it.
    scope: Mapped[str] = mapped_column(sa.String(40), index=True)
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Copied too: the author never sees reports about their own text (nor who reported it).
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[ReportState] = mapped_column(
        sa.Enum(ReportState, native_enum=False, length=20), default=ReportState.open, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The latest decision; every decision is also kept in ModerationDecision.
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    decisions: Mapped[list[ModerationDecision]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ModerationDecision.id",
    )


class ModerationDecision(db.Model):
    """One decision on one report, kept for the record (a later decision does not overwrite it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    action: Mapped[DecisionAction] = mapped_column(sa.Enum(DecisionAction, native_enum=False, length=20))
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    report: Mapped[Report] = relationship(back_populates="decisions")
    by: Mapped[User | None] = relationship()
