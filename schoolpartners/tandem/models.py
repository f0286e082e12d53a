"""Tandem profiles, pairing rounds, pairs and what a pair does together (messages, sessions, vocabulary)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..classes.models import ClassPartnership, Level
from ..extensions import db
from ..i18n import label
from ..sqltypes import UTCDateTime, utcnow


class TandemProfile(db.Model):
    """What a learner brings to a tandem; lists are short codes (see choices.py)."""

    __tablename__ = "tandem_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    speaks: Mapped[list] = mapped_column(sa.JSON, default=list)  # languages at home: de, ru, other
    learns: Mapped[str | None] = mapped_column(sa.String(2))  # de or ru
    level: Mapped[Level | None] = mapped_column(sa.Enum(Level, native_enum=False, length=2))
    interests: Mapped[list] = mapped_column(sa.JSON, default=list)
    slots: Mapped[list] = mapped_column(sa.JSON, default=list)  # matching.slot_code values, local time
    modes: Mapped[list] = mapped_column(sa.JSON, default=list)
    adult_pool: Mapped[bool] = mapped_column(default=False)  # adults only: offered to other adults
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class RoundState(enum.Enum):
    draft = "draft"
    published = "published"

    @property
    def label(self) -> str:
        return label(ROUND_STATE_LABELS[self])


ROUND_STATE_LABELS = {RoundState.draft: _l("proposal"), RoundState.published: _l("published")}


class Surplus(enum.Enum):
    """What happens to learners for whom the other class has no partner left."""

    triad = "triad"
    waiting = "waiting"

    @property
    def label(self) -> str:
        return label(SURPLUS_LABELS[self])


SURPLUS_LABELS = {
    Surplus.triad: _l("a third partner in a pair (triad)"),
    Surplus.waiting: _l("the waiting list"),
}


class PairingRound(db.Model):
    """A proposal of pairs for the two classes of a class partnership; published when both schools approve."""

    __tablename__ = "pairing_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("class_partnership.id"), index=True)
    state: Mapped[RoundState] = mapped_column(
        sa.Enum(RoundState, native_enum=False, length=20), default=RoundState.draft
    )
    surplus: Mapped[Surplus] = mapped_column(sa.Enum(Surplus, native_enum=False, length=20), default=Surplus.waiting)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    german_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    german_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    russian_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    russian_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    class_partnership: Mapped[ClassPartnership] = relationship()
    pairs: Mapped[list[TandemPair]] = relationship(back_populates="round", cascade="all, delete-orphan")
    waiting: Mapped[list[WaitingLearner]] = relationship(cascade="all, delete-orphan")
    german_approved_by: Mapped[User | None] = relationship(foreign_keys=[german_approved_by_id])
    russian_approved_by: Mapped[User | None] = relationship(foreign_keys=[russian_approved_by_id])


class WaitingLearner(db.Model):
    """A learner of a round without a partner, with the reason (a code from services.WAITING_REASONS)."""

    __tablename__ = "tandem_waiting"

    round_id: Mapped[int] = mapped_column(sa.ForeignKey("pairing_round.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(30))

    user: Mapped[User] = relationship()


class PairState(enum.Enum):
    proposed = "proposed"
    active = "active"
    paused = "paused"
    ended = "ended"

    @property
    def label(self) -> str:
        return label(PAIR_STATE_LABELS[self])


PAIR_STATE_LABELS = {
    PairState.proposed: _l("proposed"),
    PairState.active: _l("active"),
    PairState.paused: _l("paused"),
    PairState.ended: _l("ended"),
}


class TandemPair(db.Model):
    """Two learners (three in a triad) who teach each other their language."""

    __tablename__ = "tandem_pair"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pairing_round.id", ondelete="CASCADE"), index=True)
    state: Mapped[PairState] = mapped_column(
        sa.Enum(PairState, native_enum=False, length=20), default=PairState.proposed
    )
    fixed: Mapped[bool] = mapped_column(default=False)  # kept by the teachers when the round is recomputed
    score: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[PairingRound | None] = relationship(back_populates="pairs")
    members: Mapped[list[TandemMember]] = relationship(
        back_populates="pair", cascade="all, delete-orphan", order_by="TandemMember.position"
    )

    @property
    def users(self) -> list[User]:
        return [member.user for member in self.members]

    def member(self, user: User) -> TandemMember | None:
        return next((m for m in self.members if m.user_id == user.id), None)


class TandemMember(db.Model):
    __tablename__ = "tandem_member"
    __table_args__ = (sa.UniqueConstraint("pair_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("tandem_pair.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)  # 0: German class, 1: Russian class, 2: third partner
    leave_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pair: Mapped[TandemPair] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class InvitationState(enum.Enum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"


class TandemInvitation(db.Model):
    """Adult pool: one adult proposes a tandem to another; a pair forms when the other accepts."""

    __tablename__ = "tandem_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    to_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[InvitationState] = mapped_column(
        sa.Enum(InvitationState, native_enum=False, length=20), default=InvitationState.pending
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    from_user: Mapped[User] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User] = relationship(foreign_keys=[to_user_id])


class TandemMessage(db.Model):
    __tablename__ = "tandem_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("tandem_pair.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    pair: Mapped[TandemPair] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class TandemSession(db.Model):
    """One logged meeting: how many minutes in each language, the topics, and what each partner learned."""

    __tablename__ = "tandem_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("tandem_pair.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date]
    minutes_de: Mapped[int] = mapped_column(default=0)
    minutes_ru: Mapped[int] = mapped_column(default=0)
    topics: Mapped[str] = mapped_column(sa.String(300), default="")
    logged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    logged_by: Mapped[User | None] = relationship()
    notes: Mapped[list[SessionNote]] = relationship(cascade="all, delete-orphan", order_by="SessionNote.user_id")


class SessionNote(db.Model):
    """What one partner learned in a session."""

    __tablename__ = "tandem_session_note"

    session_id: Mapped[int] = mapped_column(sa.ForeignKey("tandem_session.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    learned: Mapped[str] = mapped_column(sa.String(500))

    user: Mapped[User] = relationship()


class VocabularyEntry(db.Model):
    __tablename__ = "vocabulary_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("tandem_pair.id", ondelete="CASCADE"), index=True)
    word: Mapped[str] = mapped_column(sa.String(120))
    translation: Mapped[str] = mapped_column(sa.String(120))
    example: Mapped[str] = mapped_column(sa.String(300), default="")
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    added_by: Mapped[User | None] = relationship()


class TandemMeeting(db.Model):
    """A planned call or meeting of the pair (in a lesson or with the schools' own tools), one instant in UTC."""

    __tablename__ = "tandem_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("tandem_pair.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(default=45)
    place: Mapped[str] = mapped_column(sa.String(200), default="")  # "Russischstunde, Raum 204", the school's tool
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()
