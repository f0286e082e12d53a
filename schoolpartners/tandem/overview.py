"""The teachers' overview of a class partnership's tandems, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..accounts.models import User
from ..classes.models import ClassMembership, ClassPartnership, SchoolClass
from ..extensions import db
from ..moderation.models import Report, ReportState
from . import consent
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
from .pairs import Balance, balance
from .services import taught_classes


@dataclass(frozen=True)
class PairRow:
    pair: TandemPair
    sessions: int
    balance: Balance  # the same figures and warning as on the pair's own page
    open_reports: int
    leave_requested: bool

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
    logged: dict[int, list] = {pair_id: [] for pair_id in ids}
    for row in db.session.execute(
        sa.select(
            TandemSession.pair_id, TandemSession.held_on, TandemSession.minutes_de, TandemSession.minutes_ru
        ).where(TandemSession.pair_id.in_(ids))
    ):
        logged[row.pair_id].append(row)
    reports = dict(
        db.session.execute(
            sa.select(TandemMessage.pair_id, sa.func.count())
            .join(Report, sa.and_(Report.kind == "tandem_message", Report.target_id == TandemMessage.id))
            .where(TandemMessage.pair_id.in_(ids), Report.state == ReportState.open)
            .group_by(TandemMessage.pair_id)
        ).all()
    )
    return [
        PairRow(
            pair=pair,
            sessions=len(logged[pair.id]),
            balance=balance(logged[pair.id], today),
            open_reports=reports.get(pair.id, 0),
            leave_requested=any(m.leave_requested_at for m in pair.members),
        )
        for pair in pairs
    ]


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
    """The learner's running tandems with their partners (for the dashboard); none without the tandem consent,
    and none naming a partner the learner may not see (Finding #1)."""
    found = list(
        db.session.scalars(
            sa.select(TandemPair)
            .join(TandemMember)
            .where(TandemMember.user_id == user.id, TandemPair.state.in_((PairState.active, PairState.paused)))
            .options(selectinload(TandemPair.members).joinedload(TandemMember.user))
        )
    )
    if not found or consent.lacking([user]):
        return []
    hidden = consent.hidden(user, [u for pair in found for u in pair.users])
    return [pair for pair in found if not any(u.id in hidden for u in pair.users)]
