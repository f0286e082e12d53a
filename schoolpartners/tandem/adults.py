"""The adult tandem pool: teachers and staff who opt in get ranked suggestions; a pair forms when both accept."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..accounts.models import User, UserRole
from ..domain import DomainError
from ..extensions import db
from ..locking import get_locked, lock
from ..notifications.services import notify
from ..schools.models import MembershipStatus, School, SchoolStatus, StaffMembership
from ..schools.services import is_verified_staff
from ..sqltypes import utcnow
from . import matching, services
from .models import InvitationState, PairState, TandemInvitation, TandemMember, TandemPair, TandemProfile
from .presenters import chip_texts

SUGGESTIONS = 10
POOL_CLOSED = _l("The adult pool is open to the staff of verified schools.")


# Staff of a verified school: the pool is for colleagues the foundation knows, not for anyone who registers
# (finding #14).
_VERIFIED_STAFF = (
    sa.select(StaffMembership.user_id)
    .join(School, School.id == StaffMembership.school_id)
    .where(StaffMembership.status == MembershipStatus.active, School.status == SchoolStatus.verified)
)


def may_use_pool(user: User) -> bool:
    """Adults with an active membership in a verified school see, propose and accept adult tandems."""
    return user.is_authenticated and user.is_active and user.is_staff and is_verified_staff(user)


def _pool_profiles() -> list[TandemProfile]:
    return list(
        db.session.scalars(
            sa.select(TandemProfile)
            .join(User, User.id == TandemProfile.user_id)
            .where(
                TandemProfile.adult_pool.is_(True),
                User.role == UserRole.staff,
                User.is_active.is_(True),
                User.id.in_(_VERIFIED_STAFF),
            )
            .options(joinedload(TandemProfile.user))
        )
    )


def _paired_ids(user: User) -> set[int]:
    """Whoever shares a running tandem with this user."""
    paired = sa.select(TandemMember.pair_id).where(TandemMember.user_id == user.id)
    return set(
        db.session.scalars(
            sa.select(TandemMember.user_id)
            .join(TandemPair)
            .where(TandemMember.pair_id.in_(paired), TandemPair.state != PairState.ended)
        )
    )


def _partner_ids(user: User) -> set[int]:
    """Adults this user is paired with, has an open invitation with or was declined by (not suggested again)."""
    ids = _paired_ids(user)
    for inv in db.session.scalars(
        sa.select(TandemInvitation).where(
            sa.or_(
                sa.and_(
                    TandemInvitation.state == InvitationState.pending,
                    sa.or_(TandemInvitation.from_user_id == user.id, TandemInvitation.to_user_id == user.id),
                ),
                # A "no" stands: whoever was declined cannot send the same person proposal after proposal.
                sa.and_(TandemInvitation.state == InvitationState.declined, TandemInvitation.from_user_id == user.id),
            )
        )
    ):
        ids |= {inv.from_user_id, inv.to_user_id}
    return ids


def suggestions(user: User, today: date) -> list[tuple[User, int, list[str]]]:
    """Ranked partners for an adult in the pool: hard rules plus at least one common hour; with chips."""
    if not may_use_pool(user):
        return []
    profiles = _pool_profiles()
    own = next((p for p in profiles if p.user_id == user.id), None)
    if own is None or own.learns is None:
        return []
    skip = _partner_ids(user)
    pool = [p for p in profiles if p.user_id not in skip and p.user_id != user.id and p.learns]
    learners = {p.user_id: services.learner(p.user, p, p.user.timezone, today) for p in pool}
    me = services.learner(user, own, user.timezone, today)
    ranked = matching.suggest(me, list(learners.values()), limit=SUGGESTIONS)
    users = {p.user_id: p.user for p in pool}
    return [(users[uid], score, chip_texts(matching.reasons(me, learners[uid]))) for uid, score in ranked]


def _lock_people(*users: User) -> None:
    """Lock the users' rows, lowest id first: two adults proposing to (or accepting) each other at the same moment
    are served one after the other, and the second sees the first one's invitation or tandem."""
    for user_id in sorted({user.id for user in users}):
        get_locked(User, user_id)


def invite(user: User, other: User, today: date) -> TandemInvitation:
    """Propose a tandem to an adult among the user's suggestions."""
    _lock_people(user, other)
    if not may_use_pool(user):
        raise DomainError(POOL_CLOSED)
    if other.id not in {u.id for u, _score, _chips in suggestions(user, today)}:
        raise DomainError(_("This person is not among your suggestions (any more)."))
    invitation = TandemInvitation(from_user_id=user.id, to_user_id=other.id)
    db.session.add(invitation)
    notify(other, "tandem_invitation", link=url_for("tandem.home"), name=user.display_name)
    db.session.flush()
    return invitation


def _in_pool(user: User) -> bool:
    profile = services.profile_of(user)
    return profile is not None and profile.adult_pool and may_use_pool(user)


def answer(invitation: TandemInvitation, user: User, accept: bool) -> TandemPair | None:
    """Accept (the pair starts at once) or decline an invitation, decided on its state under its row lock."""
    lock(invitation)
    _lock_people(invitation.from_user, user)
    if invitation.to_user_id != user.id or invitation.state is not InvitationState.pending:
        raise DomainError(_("This invitation is no longer open."))
    if accept and not may_use_pool(user):
        raise DomainError(POOL_CLOSED)
    if accept and not _in_pool(invitation.from_user):  # the proposer has left the pool (or the platform) since
        raise DomainError(_("This invitation is no longer open."))
    if accept and invitation.from_user_id in _paired_ids(user):  # both proposed to each other at once
        raise DomainError(_("You already have a tandem with this person."))
    invitation.state = InvitationState.accepted if accept else InvitationState.declined
    invitation.answered_at = utcnow()
    if not accept:
        db.session.flush()
        return None
    now = utcnow()
    pair = TandemPair(state=PairState.active, published_at=now, last_activity_at=now)
    pair.members = [
        TandemMember(user_id=invitation.from_user_id, position=0),
        TandemMember(user_id=user.id, position=1),
    ]
    db.session.add(pair)
    db.session.flush()
    notify(
        invitation.from_user,
        "tandem_invitation_accepted",
        link=url_for("tandem.show_pair", pair_id=pair.id),
        name=user.display_name,
    )
    return pair


def open_invitations(user: User) -> list[TandemInvitation]:
    return list(
        db.session.scalars(
            sa.select(TandemInvitation)
            .where(TandemInvitation.to_user_id == user.id, TandemInvitation.state == InvitationState.pending)
            .options(joinedload(TandemInvitation.from_user))
        )
    )
