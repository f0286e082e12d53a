"""Tandems only with the parents' consent (Finding #1, Issue 10 item 2).

A pupil below the consent age whose tandem consent is missing or withdrawn is left out of everything the partner
school sees (round pages, pair pages, overviews), is not paired, and cannot open their pair. Their own school's
teachers still see them, marked "consent missing". A withdrawal pauses the pupil's pair at once (in a triad the
pupil leaves and the other two go on as a pair) and tells the teachers of both classes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..classes.models import ClassMembership, ClassPartnership, ClassPartnershipState, ConsentScope
from ..classes.services import consent_marks, hidden_from, lacking_consent
from ..extensions import db
from ..notifications.services import notify
from ..signals import consent_withdrawn
from .models import PairingRound, PairState, RoundState, TandemMember, TandemPair
from .pairs import supervisors
from .services import compute


def lacking(users: Iterable[User]) -> set[int]:
    """Ids of the pupils among `users` who lack the tandem consent they need."""
    return lacking_consent([u for u in users if u is not None], ConsentScope.tandem)


def hidden(viewer: User, users: Iterable[User]) -> set[int]:
    """Ids of the pupils among `users` whom `viewer` must not see: lacking the consent, of another school."""
    return hidden_from(viewer, [u for u in users if u is not None], ConsentScope.tandem)


def marks(viewer: User, users: Iterable[User]) -> tuple[set[int], set[int]]:
    """(hidden, marked): the pupils without consent the viewer must not see, and those shown to their own teachers
    with a "consent missing" badge."""
    return consent_marks(viewer, [u for u in users if u is not None], ConsentScope.tandem)


def shown_users(pair: TandemPair, hidden_ids: set[int]) -> list[User]:
    return [user for user in pair.users if user.id not in hidden_ids]


def _running_pairs(student: User) -> list[TandemPair]:
    return list(
        db.session.scalars(
            sa.select(TandemPair)
            .join(TandemMember)
            .where(TandemMember.user_id == student.id, TandemPair.state.in_((PairState.active, PairState.paused)))
            .options(selectinload(TandemPair.members).joinedload(TandemMember.user))
        )
    )


def _leave_triad(pair: TandemPair, student: User) -> None:
    """The pupil leaves the triad; the third partner takes their place, so the other two go on as a pair."""
    member = pair.member(student)
    third = next((m for m in pair.members if m.position == 2), None)
    pair.members.remove(member)
    if third is not None and member.position < 2:
        third.position = member.position


def _recompute_open_rounds(student: User) -> None:
    """Open proposals of the pupil's classes are computed anew: the pupil moves to the waiting list."""
    class_ids = sa.select(ClassMembership.class_id).where(ClassMembership.student_id == student.id)
    drafts = db.session.scalars(
        sa.select(PairingRound)
        .join(ClassPartnership, ClassPartnership.id == PairingRound.class_partnership_id)
        .where(
            PairingRound.state == RoundState.draft,
            ClassPartnership.state == ClassPartnershipState.active,
            sa.or_(ClassPartnership.german_class_id.in_(class_ids), ClassPartnership.russian_class_id.in_(class_ids)),
        )
    ).all()
    for pairing in drafts:
        compute(pairing, date.today())


@consent_withdrawn.connect
def pause_pairs_without_consent(student: User, scope: ConsentScope, **_kwargs) -> None:
    """Withdrawn tandem consent: the pupil's pairs pause at once (a triad goes on without them), open proposals
    are computed anew, and the teachers of both classes are told (Finding #1, Issue 10 item 2)."""
    if scope is not ConsentScope.tandem:
        return
    for pair in _running_pairs(student):
        teachers = supervisors(pair)
        link = url_for("tandem.show_pair", pair_id=pair.id)
        if len(pair.members) > 2:
            _leave_triad(pair, student)
            kind = "tandem_consent_triad"
        else:
            kind = "tandem_consent_paused"
            if pair.state is PairState.active:
                pair.state = PairState.paused
                for member in pair.members:
                    if member.user_id != student.id:
                        notify(member.user, "tandem_paused", link=link)
        for teacher in teachers:
            notify(teacher, kind, link=link)
    db.session.flush()
    _recompute_open_rounds(student)
