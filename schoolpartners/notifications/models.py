"""In-app notifications and the email outbox."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..i18n import label
from ..sqltypes import UTCDateTime, utcnow


class Notification(db.Model):
    """Stored as a kind plus parameters, so it reads in whatever language the user picks later."""

    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(50))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    link: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxState(enum.Enum):
    queued = "queued"
    sent = "sent"
    failed = "failed"

    @property
    def label(self) -> str:
        return label(OUTBOX_STATE_LABELS[self])


OUTBOX_STATE_LABELS = {
    OutboxState.queued: _l("queued"),
    OutboxState.sent: _l("sent"),
    OutboxState.failed: _l("failed"),
}


class OutboxEmail(db.Model):
    """An email written in the same transaction as the action that caused it."""

    __table_args__ = (sa.Index("ix_outbox_email_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(5))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[OutboxState] = mapped_column(
        sa.Enum(OutboxState, native_enum=False, length=10), default=OutboxState.queued
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
