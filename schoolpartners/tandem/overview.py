"""The teachers' overview of a class partnership's tandems, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..accounts.models import User
from ..classes.models import ClassMembership, ClassPartnership, SchoolClass
from ..extensions import db
from ..moderation.models import Report, ReportState
from .models import (
    PairingRound,
    PairState,
    RoundState,
    TandemMember,
    TandemMessage,
    TandemPair,
    TandemProfile,
    TandemSession,
    WaitingLearner,
)
from .pairs import BALANCE_WARN_SHARE, BALANCE_WINDOW_DAYS
from .services import taught_classes


@dataclass(frozen=True)
class PairRow:
    pair: TandemPair
    sessions: int
    minutes_de: int
    minutes_ru: int
    recent_de: int
    recent_ru: int
    open_reports: int
    leave_requested: bool

    @property
    def share_de(self) -> int:
        total = self.minutes_de + self.minutes_ru
        return round(100 * self.minutes_de / total) if total else 50

    @property
    def dominant(self) -> str | None:
        total = self.recent_de + self.recent_ru
        if not total:
            return None
        if self.recent_de / total > BALANCE_WARN_SHARE:
            return "de"
        if self.recent_ru / total > BALANCE_WARN_SHARE:
            return "ru"
        return None

    @property
    def last_activity(self) -> datetime | None:
        return self.pair.last_activity_at


def pair_rows(link: ClassPartnership, today: date) -> list[PairRow]:
    """Every published pair of the class partnership with its figures; four queries whatever the number."""
    pairs = db.session.scalars(
        sa.select(TandemPair)
        .join(PairingRound)
        .where(PairingRound.class_partnership_id == link.id, TandemPair.state != PairState.proposed)
        .options(selectinload(TandemPair.members).joinedload(TandemMember.user))
        .order_by(TandemPair.state == PairState.ended, TandemPair.id)
    ).all()
    ids = [pair.id for pair in pairs]
    if not ids:
        return []
    since = today - timedelta(days=BALANCE_WINDOW_DAYS)
    recent = sa.case((TandemSession.held_on >= since, 1), else_=0)
    figures = {
        row.pair_id: row
        for row in db.session.execute(
            sa.select(
                TandemSession.pair_id,
                sa.func.count().label("sessions"),
                sa.func.sum(TandemSession.minutes_de).label("de"),
                sa.func.sum(TandemSession.minutes_ru).label("ru"),
                sa.func.sum(TandemSession.minutes_de * recent).label("recent_de"),
                sa.func.sum(TandemSession.minutes_ru * recent).label("recent_ru"),
            )
            .where(TandemSession.pair_id.in_(ids))
            .group_by(TandemSession.pair_id)
        )
    }
    reports = dict(
        db.session.execute(
            sa.select(TandemMessage.pair_id, sa.func.count())
            .join(Report, sa.and_(Report.kind == "tandem_message", Report.target_id == TandemMessage.id))
            .where(TandemMessage.pair_id.in_(ids), Report.state == ReportState.open)
            .group_by(TandemMessage.pair_id)
        ).all()
    )
    rows = []
    for pair in pairs:
        found = figures.get(pair.id)
        rows.append(
            PairRow(
                pair=pair,
                sessions=found.sessions if found else 0,
                minutes_de=int(found.de or 0) if found else 0,
                minutes_ru=int(found.ru or 0) if found else 0,
                recent_de=int(found.recent_de or 0) if found else 0,
                recent_ru=int(found.recent_ru or 0) if found else 0,
                open_reports=reports.get(pair.id, 0),
                leave_requested=any(m.leave_requested_at for m in pair.members),
            )
        )
    return rows


def profile_counts(link: ClassPartnership) -> dict[str, tuple[int, int]]:
    """(students, with a tandem profile) per class side, for "fill in your profiles" hints."""
    counts = {}
    for side, class_id in (("german", link.german_class_id), ("russian", link.russian_class_id)):
        students, filled = db.session.execute(
            sa.select(sa.func.count(ClassMembership.student_id), sa.func.count(TandemProfile.id))
            .join(User, User.id == ClassMembership.student_id)
            .outerjoin(TandemProfile, TandemProfile.user_id == ClassMembership.student_id)
            .where(ClassMembership.class_id == class_id, User.archived_at.is_(None))
        ).one()
        counts[side] = (students, filled)
    return counts


def published_rounds(link: ClassPartnership) -> list[PairingRound]:
    return list(
        db.session.scalars(
            sa.select(PairingRound)
            .where(PairingRound.class_partnership_id == link.id, PairingRound.state == RoundState.published)
            .options(selectinload(PairingRound.waiting).joinedload(WaitingLearner.user))
            .order_by(PairingRound.published_at.desc())
        )
    )


def waiting_of(user: User) -> WaitingLearner | None:
    """The learner's place on the waiting list of the newest published round, if any."""
    return db.session.scalar(
        sa.select(WaitingLearner)
        .join(PairingRound)
        .where(WaitingLearner.user_id == user.id, PairingRound.state == RoundState.published)
        .options(joinedload(WaitingLearner.user))
        .order_by(PairingRound.published_at.desc())
        .limit(1)
    )


_German, _Russian = aliased(SchoolClass), aliased(SchoolClass)
_TAUGHT = taught_classes(sa.bindparam("user_id"))
# Built once: the dashboard is the most visited page.
_ROUNDS_AWAITING = (
    sa.select(PairingRound.id, _German.name, _Russian.name)
    .join(ClassPartnership, ClassPartnership.id == PairingRound.class_partnership_id)
    .join(_German, _German.id == ClassPartnership.german_class_id)
    .join(_Russian, _Russian.id == ClassPartnership.russian_class_id)
    .where(
        PairingRound.state == RoundState.draft,
        sa.or_(
            sa.and_(ClassPartnership.german_class_id.in_(_TAUGHT), PairingRound.german_approved_at.is_(None)),
            sa.and_(ClassPartnership.russian_class_id.in_(_TAUGHT), PairingRound.russian_approved_at.is_(None)),
        ),
    )
    .order_by(PairingRound.id)
)


def rounds_awaiting(user: User) -> list[tuple[int, str, str]]:
    """(round id, German class, Russian class) of proposals waiting for this teacher's class (one query)."""
    return [tuple(row) for row in db.session.execute(_ROUNDS_AWAITING, {"user_id": user.id})]


def running_pairs(user: User) -> list[TandemPair]:
    """The learner's running tandems with their partners (for the dashboard)."""
    return list(
        db.session.scalars(
            sa.select(TandemPair)
            .join(TandemMember)
            .where(TandemMember.user_id == user.id, TandemPair.state.in_((PairState.active, PairState.paused)))
            .options(selectinload(TandemPair.members).joinedload(TandemMember.user))
        )
    )
