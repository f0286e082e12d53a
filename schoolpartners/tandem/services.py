"""Tandem profiles and pairing rounds: from the two classes' learners to proposed, approved, published pairs.

Every change of a round starts with `lock_round` (the class partnership's row lock, then the round's), and starting
a round with the class partnership's lock: the rule "one open proposal per class partnership" and "nobody in two
running pairs of it" hold however many teachers act at once, and the second of two approvals publishes.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..cities.models import Country
from ..classes.models import (
    ClassMembership,
    ClassPartnership,
    ClassPartnershipState,
    ClassTeacher,
    ConsentScope,
    Level,
    SchoolClass,
)
from ..classes.services import current_teachers_of, lacking_consent
from ..domain import DomainError
from ..extensions import db
from ..i18n import label
from ..locking import get_locked
from ..notifications.services import notify
from ..schools.models import MembershipStatus, School, StaffMembership
from ..sqltypes import utcnow
from . import matching
from .choices import LEARNABLE, SLOT_CODES, VIOLATIONS
from .models import (
    PairingRound,
    PairState,
    RoundState,
    Surplus,
    TandemMember,
    TandemPair,
    TandemProfile,
    WaitingLearner,
)

ADULT_AGE_MONTHS = 40 * 12  # staff have no birth date on record; the age rule concerns minors only


# --- profiles ---------------------------------------------------------------------------------------------


def profile_of(user: User) -> TandemProfile | None:
    return db.session.scalar(sa.select(TandemProfile).where(TandemProfile.user_id == user.id))


def save_profile(user: User, data: dict) -> TandemProfile:
    """Create or update the user's tandem profile from validated form data."""
    if data.get("learns") not in LEARNABLE:
        raise DomainError(_("Choose the language you learn in the tandem."), field="learns")
    profile = profile_of(user) or TandemProfile(user_id=user.id)
    profile.speaks = sorted(set(data.get("speaks") or []))
    profile.learns = data["learns"]
    profile.level = Level(data["level"]) if data.get("level") else None
    profile.interests = sorted(set(data.get("interests") or []))
    profile.slots = sorted({int(code) for code in data.get("slots") or [] if int(code) in SLOT_CODES})
    profile.modes = sorted(set(data.get("modes") or []))
    profile.adult_pool = bool(data.get("adult_pool")) and not user.is_student
    db.session.add(profile)
    db.session.flush()
    return profile


def age_months(user: User, today: date) -> int | None:
    if user.birth_year is None or user.birth_month is None:
        return None if user.is_student else ADULT_AGE_MONTHS
    return (today.year - user.birth_year) * 12 + today.month - user.birth_month


def learner(user: User, profile: TandemProfile | None, zone: str, today: date, default: SchoolClass | None = None):
    """The matching's view of a user: their profile, or for a student without one what their class suggests."""
    if profile is None:
        german_class = default is not None and default.school.country is Country.DE
        speaks, learns = ({"de"}, "ru") if german_class else ({"ru"}, "de")
        level = default.level.value if default is not None and default.level else "A1"
        interests, slots, modes = frozenset(), frozenset(), frozenset({"lessons"})
    else:
        speaks, learns = set(profile.speaks), profile.learns
        level = profile.level.value if profile.level else "A1"
        interests, slots, modes = frozenset(profile.interests), frozenset(profile.slots), frozenset(profile.modes)
    return matching.Learner(
        id=user.id,
        speaks=frozenset(speaks),
        learns=learns,
        level=matching.LEVELS.index(level),
        age_months=age_months(user, today) or 0,
        interests=interests,
        slots=slots,
        zone=zone,
        modes=modes,
    )


# --- who may do what ---------------------------------------------------------------------------------------


# Teachers of a class who are still active staff of the class's school: a teacher who has left the school no
# longer runs rounds, reads pairs or moderates their messages.
_TEACHING = (
    sa.select(ClassTeacher.user_id, ClassTeacher.class_id)
    .join(SchoolClass, SchoolClass.id == ClassTeacher.class_id)
    .join(
        StaffMembership,
        sa.and_(
            StaffMembership.user_id == ClassTeacher.user_id,
            StaffMembership.school_id == SchoolClass.school_id,
            StaffMembership.status == MembershipStatus.active,
        ),
    )
)


def current_teachers(class_ids) -> sa.Select:
    """(user id, class id) of the current teachers of these classes."""
    return _TEACHING.where(ClassTeacher.class_id.in_(class_ids))


def taught_classes(user_id) -> sa.Select:
    """The ids of the classes a user currently teaches, for use as a subquery (`user_id` may be a bindparam)."""
    return _TEACHING.with_only_columns(ClassTeacher.class_id).where(ClassTeacher.user_id == user_id)


def teaching_side(link: ClassPartnership, user: User) -> str | None:
    """ "german" or "russian": the class of the link this user teaches (None: neither)."""
    if not user.is_authenticated or not user.is_staff:
        return None
    rows = db.session.execute(
        current_teachers((link.german_class_id, link.russian_class_id)).where(ClassTeacher.user_id == user.id)
    )
    taught = {class_id for _user_id, class_id in rows}
    if link.german_class_id in taught:
        return "german"
    if link.russian_class_id in taught:
        return "russian"
    return None


def taught_links(user: User) -> list[ClassPartnership]:
    """Active class partnerships with a class this teacher teaches, both classes and schools loaded."""
    taught = taught_classes(user.id)
    return list(
        db.session.scalars(
            sa.select(ClassPartnership)
            .where(
                ClassPartnership.state == ClassPartnershipState.active,
                sa.or_(ClassPartnership.german_class_id.in_(taught), ClassPartnership.russian_class_id.in_(taught)),
            )
            .options(
                joinedload(ClassPartnership.german_class).joinedload(SchoolClass.school).joinedload(School.city),
                joinedload(ClassPartnership.russian_class).joinedload(SchoolClass.school).joinedload(School.city),
            )
            .order_by(ClassPartnership.id)
        )
    )


# --- rounds -------------------------------------------------------------------------------------------------


def busy_ids(link: ClassPartnership) -> set[int]:
    """Learners already in a running pair of this class partnership (a new round leaves them be)."""
    return set(
        db.session.scalars(
            sa.select(TandemMember.user_id)
            .join(TandemPair)
            .join(PairingRound)
            .where(
                PairingRound.class_partnership_id == link.id,
                TandemPair.state.in_((PairState.active, PairState.paused)),
            )
        )
    )


def class_learners(school_class: SchoolClass, skip: set[int], today: date):
    """(learners, waiting reasons) of one class's current students; those without the tandem consent they need
    only wait ("no_consent", shown to their own teachers alone)."""
    students = db.session.scalars(
        sa.select(User)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == school_class.id, User.archived_at.is_(None))
        .order_by(User.display_name)
    ).all()
    ids = [s.id for s in students if s.id not in skip]
    profiles = {
        p.user_id: p for p in db.session.scalars(sa.select(TandemProfile).where(TandemProfile.user_id.in_(ids)))
    }
    zone = school_class.school.city.zone
    # Finding #1: without the parents' tandem consent nobody is paired (their own teachers see why).
    no_consent = lacking_consent([s for s in students if s.id not in skip], ConsentScope.tandem, today)
    learners, waiting = [], {}
    for student in students:
        if student.id in skip:
            continue
        if student.id in no_consent:
            waiting[student.id] = "no_consent"
            continue
        if age_months(student, today) is None:
            waiting[student.id] = "no_birth_date"
            continue
        found = learner(student, profiles.get(student.id), zone, today, default=school_class)
        if found.learns is None:
            waiting[student.id] = "no_learning_language"
            continue
        learners.append(found)
    return learners, waiting


def open_round(link: ClassPartnership) -> PairingRound | None:
    return db.session.scalar(
        sa.select(PairingRound).where(
            PairingRound.class_partnership_id == link.id, PairingRound.state == RoundState.draft
        )
    )


def _check_link_active(link: ClassPartnership) -> None:
    # An ended class partnership gets no new pairs, not even from a proposal made while it was active.
    if link.state is not ClassPartnershipState.active:
        raise DomainError(_("Pairing rounds need an active class partnership."))


def start_round(link: ClassPartnership, by: User, surplus: Surplus, today: date) -> PairingRound:
    """Propose pairs for the two classes (one open proposal per class partnership at a time)."""
    # The parent of the rule: a teacher starting a round at the same moment waits here, then sees this proposal.
    get_locked(ClassPartnership, link.id)
    _check_link_active(link)
    if open_round(link) is not None:
        raise DomainError(_("This class partnership already has a proposal waiting for approval."))
    pairing = PairingRound(class_partnership=link, surplus=surplus, created_by_id=by.id)
    db.session.add(pairing)
    compute(pairing, today)
    return pairing


def round_sides(pairing: PairingRound, today: date):
    link = pairing.class_partnership
    skip = busy_ids(link)
    german, waiting = class_learners(link.german_class, skip, today)
    russian, waiting_ru = class_learners(link.russian_class, skip, today)
    return german, russian, waiting | waiting_ru


def compute(pairing: PairingRound, today: date) -> None:
    """(Re)compute the proposal: fixed pairs stay, every other learner is paired anew or put on the waiting list."""
    german, russian, waiting = round_sides(pairing, today)
    present = {found.id for found in german + russian}
    fixed = []
    for pair in list(pairing.pairs):
        # A fixed pair stays while all its learners are still in the classes (and not paired elsewhere).
        if pair.fixed and {m.user_id for m in pair.members} <= present:
            fixed.append(pair)
        else:
            pairing.pairs.remove(pair)
    pairing.waiting.clear()
    db.session.flush()
    fixed_ids = [tuple(m.user_id for m in pair.members) for pair in fixed]
    result = matching.pair_round(german, russian, surplus=pairing.surplus.value, fixed=fixed_ids)
    scores = {frozenset(proposal.members): proposal.score for proposal in result.pairs}
    for pair, members in zip(fixed, fixed_ids, strict=True):
        pair.score = scores.get(frozenset(members), pair.score)
    kept = {frozenset(members) for members in fixed_ids}
    for proposal in result.pairs:
        if frozenset(proposal.members) in kept:
            continue
        pair = TandemPair(score=proposal.score)
        pair.members = [TandemMember(user_id=uid, position=pos) for pos, uid in enumerate(proposal.members)]
        pairing.pairs.append(pair)
    feasible_any = _has_partner(german, russian)
    for user_id in result.waiting:
        waiting.setdefault(user_id, "surplus" if feasible_any.get(user_id) else "no_partner")
    pairing.waiting.extend(WaitingLearner(user_id=uid, reason=reason) for uid, reason in waiting.items())
    reset_approvals(pairing)
    db.session.flush()


def _has_partner(german: list, russian: list) -> dict[int, bool]:
    if not german or not russian:
        return {}
    feasible = matching.feasible_matrix(matching.Group.of(german), matching.Group.of(russian))
    found = {g.id: bool(feasible[i].any()) for i, g in enumerate(german)}
    found.update({r.id: bool(feasible[:, j].any()) for j, r in enumerate(russian)})
    return found


def reset_approvals(pairing: PairingRound) -> None:
    """A changed proposal needs both schools' approval again (equal footing)."""
    pairing.german_approved_by_id = pairing.german_approved_at = None
    pairing.russian_approved_by_id = pairing.russian_approved_at = None


def lock_round(pairing: PairingRound) -> PairingRound:
    """Lock the round's class partnership, then the round, and re-read the round with its pairs, their members and
    its waiting list under the locks (the partnership first, as start_round does, so two rounds never deadlock)."""
    get_locked(ClassPartnership, pairing.class_partnership_id)
    db.session.scalars(
        sa.select(PairingRound)
        .where(PairingRound.id == pairing.id)
        .with_for_update()
        .options(selectinload(PairingRound.pairs).selectinload(TandemPair.members), selectinload(PairingRound.waiting))
        .execution_options(populate_existing=True)
    ).one()
    return pairing


def load_round(round_id: int) -> PairingRound | None:
    return db.session.scalar(
        sa.select(PairingRound)
        .where(PairingRound.id == round_id)
        .options(
            joinedload(PairingRound.class_partnership).joinedload(ClassPartnership.german_class),
            joinedload(PairingRound.class_partnership).joinedload(ClassPartnership.russian_class),
            selectinload(PairingRound.pairs).selectinload(TandemPair.members).joinedload(TandemMember.user),
            selectinload(PairingRound.waiting).joinedload(WaitingLearner.user),
        )
    )


def swap(pairing: PairingRound, first: TandemPair, second: TandemPair, today: date) -> None:
    """Exchange the German-class partners of two proposed pairs; refused when a new pair breaks a hard rule."""
    lock_round(pairing)
    if pairing.state is not RoundState.draft:
        raise DomainError(_("This round is published already and cannot be changed."))
    if first is second or first not in pairing.pairs or second not in pairing.pairs:
        raise DomainError(_("Choose two different pairs of this proposal."))
    german, russian, _waiting = round_sides(pairing, today)
    learners = {found.id: found for found in german + russian}
    a, b = first.members, second.members
    new_first = [learners.get(b[0].user_id), learners.get(a[1].user_id)]
    new_second = [learners.get(a[0].user_id), learners.get(b[1].user_id)]
    links = [new_first, new_second]
    # A triad's third member from the Russian class is the partner of the German student, who changes here.
    german_ids = {found.id for found in german}
    for pair, german_partner in ((first, new_first[0]), (second, new_second[0])):
        links += [[german_partner, learners.get(m.user_id)] for m in pair.members[2:] if m.user_id not in german_ids]
    broken = []
    for one, other in links:
        if one is None or other is None:
            raise DomainError(_("Choose two different pairs of this proposal."))
        broken += matching.violations(one, other)
    if broken:
        reasons = ", ".join(label(VIOLATIONS[code]) for code in sorted(set(broken)))
        raise DomainError(_("This swap is not possible: %(reasons)s.", reasons=reasons))
    a[0].user_id, b[0].user_id = b[0].user_id, a[0].user_id
    weights = matching.DEFAULT_WEIGHTS
    first.score = int(_pair_score(new_first, weights))
    second.score = int(_pair_score(new_second, weights))
    reset_approvals(pairing)
    db.session.flush()


def _pair_score(two: list, weights) -> int:
    group_a, group_b = matching.Group.of([two[0]]), matching.Group.of([two[1]])
    return int(matching.score_matrix(group_a, group_b, weights)[0, 0])


def set_fixed(pairing: PairingRound, pair: TandemPair, fixed: bool) -> None:
    """Keep a proposed pair when the proposal is computed anew (or let it go)."""
    lock_round(pairing)
    if pair not in pairing.pairs:  # computed away in the meantime
        raise DomainError(_("The proposal has been computed anew in the meantime. Please check it again."))
    if pairing.state is not RoundState.draft:
        raise DomainError(_("This round is published already and cannot be changed."))
    pair.fixed = fixed
    db.session.flush()


def approve(pairing: PairingRound, by: User, side: str) -> bool:
    """Record one school's approval; the second one publishes the round. Returns whether it is published now."""
    lock_round(pairing)
    if pairing.state is not RoundState.draft:
        raise DomainError(_("This round is published already and cannot be changed."))
    _check_link_active(pairing.class_partnership)
    if not pairing.pairs:
        raise DomainError(_("The proposal has no pairs yet."))
    now = utcnow()
    if side == "german":
        pairing.german_approved_by_id, pairing.german_approved_at = by.id, now
    else:
        pairing.russian_approved_by_id, pairing.russian_approved_at = by.id, now
    if pairing.german_approved_at and pairing.russian_approved_at:
        publish(pairing)
        return True
    link = pairing.class_partnership
    other_class = link.russian_class if side == "german" else link.german_class
    for teacher in current_teachers_of(other_class):  # not those removed from the staff (finding #17)
        notify(teacher, "tandem_round_approved", link=url_for("tandem.show_round", round_id=pairing.id))
    db.session.flush()
    return False


def publish(pairing: PairingRound) -> None:
    """Make the proposed pairs real and tell every learner (waiting ones too); refused while a learner of it is in a
    running pair of another round of the class partnership (the caller holds its lock)."""
    proposed = {member.user_id for pair in pairing.pairs for member in pair.members}
    if proposed & busy_ids(pairing.class_partnership):
        raise DomainError(
            _(
                "Some learners of this proposal have been paired in another round in the meantime. "
                "Please compute the proposal anew."
            )
        )
    now = utcnow()
    pairing.state, pairing.published_at = RoundState.published, now
    for pair in pairing.pairs:
        pair.state, pair.published_at, pair.last_activity_at = PairState.active, now, now
        for member in pair.members:
            notify(member.user, "tandem_paired", link=url_for("tandem.show_pair", pair_id=pair.id))
    for waiting in pairing.waiting:
        notify(waiting.user, "tandem_waiting", link=url_for("tandem.home"))
    db.session.flush()


def discard(pairing: PairingRound) -> None:
    """Throw a proposal away (a published round stays)."""
    lock_round(pairing)
    if pairing.state is not RoundState.draft:
        raise DomainError(_("This round is published already and cannot be changed."))
    db.session.delete(pairing)
    db.session.flush()


def recompute(pairing: PairingRound, today: date) -> None:
    """Pair everyone anew except the fixed pairs (a published round stays as it is)."""
    lock_round(pairing)
    if pairing.state is not RoundState.draft:
        raise DomainError(_("This round is published already and cannot be changed."))
    _check_link_active(pairing.class_partnership)
    compute(pairing, today)


def profiles_of(members) -> list[TandemProfile]:
    """The tandem profiles of a pair's members (those who have one), in one query."""
    ids = [member.user_id for member in members]
    return list(db.session.scalars(sa.select(TandemProfile).where(TandemProfile.user_id.in_(ids))))
