"""Partnership requests between two schools and the partnerships they lead to."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import label
from ..sqltypes import UTCDateTime, utcnow

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..schools.models import School


class PartnershipStatus(enum.Enum):
    active = "active"
    paused = "paused"
    ended = "ended"

    @property
    def label(self) -> str:
        return label(PARTNERSHIP_STATUS_LABELS[self])


PARTNERSHIP_STATUS_LABELS = {
    PartnershipStatus.active: _l("active"),
    PartnershipStatus.paused: _l("paused"),
    PartnershipStatus.ended: _l("ended"),
}


class Partnership(db.Model):
    """Two schools, one German and one Russian, with a fixed contact person on each side."""

    __table_args__ = (sa.UniqueConstraint("german_school_id", "russian_school_id", name="uq_partnership_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    german_school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    russian_school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    german_contact_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    russian_contact_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[PartnershipStatus] = mapped_column(
        sa.Enum(PartnershipStatus, native_enum=False, length=10), default=PartnershipStatus.active
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    german_school: Mapped[School] = relationship(foreign_keys=[german_school_id])
    russian_school: Mapped[School] = relationship(foreign_keys=[russian_school_id])
    german_contact: Mapped[User] = relationship(foreign_keys=[german_contact_id])
    russian_contact: Mapped[User] = relationship(foreign_keys=[russian_contact_id])


class RequestState(enum.Enum):
    open = "open"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"
    expired = "expired"

    @property
    def label(self) -> str:
        return label(REQUEST_STATE_LABELS[self])


REQUEST_STATE_LABELS = {
    RequestState.open: _l("open"),
    RequestState.accepted: _l("accepted"),
    RequestState.declined: _l("declined"),
    RequestState.withdrawn: _l("withdrawn"),
    RequestState.expired: _l("expired"),
}


class PartnershipRequest(db.Model):
    """A request from one school to another; at most one is open per pair of schools."""

    __table_args__ = (
        sa.Index(
            "uq_partnership_request_open_pair",
            "pair_key",
            unique=True,
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    to_school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    # "smaller id-larger id": the same for both directions, so one open request per pair is a unique index.
    pair_key: Mapped[str] = mapped_column(sa.String(40))
    sender_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    message_de: Mapped[str] = mapped_column(sa.Text, default="")
    message_ru: Mapped[str] = mapped_column(sa.Text, default="")
    topics_mask: Mapped[int] = mapped_column(default=0)
    forms_mask: Mapped[int] = mapped_column(default=0)
    state: Mapped[RequestState] = mapped_column(
        sa.Enum(RequestState, native_enum=False, length=10), default=RequestState.open, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="")
    partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partnership.id"))

    from_school: Mapped[School] = relationship(foreign_keys=[from_school_id])
    to_school: Mapped[School] = relationship(foreign_keys=[to_school_id])
    sender: Mapped[User] = relationship(foreign_keys=[sender_id])

    @property
    def current_state(self) -> RequestState:
        """The state as users should see it: an open request past its date has expired, even before
        `flask expire-requests` (or the next write on the pair) records that."""
        if self.state is RequestState.open and self.expires_at < utcnow():
            return RequestState.expired
        return self.state

    messages: Mapped[list[RequestMessage]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestMessage.id"
    )


class RequestMessage(db.Model):
    """A question or answer in the short thread on a request."""

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership_request.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[PartnershipRequest] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()


class PartnershipEvent(db.Model):
    """The partnership's history: started, paused, resumed, ended, contact person changed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User | None] = relationship()
