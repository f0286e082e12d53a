"""School operations: profiles, search keys, staff membership, verification. They flush, never commit."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..accounts.models import User, UserRole, fold
from ..accounts.services import digest
from ..cities.models import City
from ..domain import DomainError
from ..extensions import db
from ..links import absolute_url
from ..locking import get_locked
from ..notifications.services import notify, queue_email
from ..search import index_keys, query_terms, successor
from ..sqltypes import utcnow
from .catalog import bump_catalog
from .models import (
    Invitation,
    MembershipStatus,
    School,
    SchoolStatus,
    SearchToken,
    StaffMembership,
    StaffRole,
    Visibility,
)
from .options import FORMS, LANGUAGES, TOPICS

PROFILE_FIELDS = (
    "name",
    "name_alt",
    "school_type",
    "address",
    "website",
    "age_min",
    "age_max",
    "learners",
    "offer_de",
    "offer_ru",
    "looking_for_partners",
    "visibility",
)


class SchoolError(DomainError):
    """Bad input for an operation of this domain."""


def reindex(school: School, city: City | None = None) -> None:
    """Replace the school's search keys: its names, its city's names and region in every language."""
    city = city or db.session.get(City, school.city_id)
    keys = index_keys(
        school.name, school.name_alt, city.name_de, city.name_ru, city.name_en, city.region_de, city.region_ru
    )
    db.session.execute(sa.delete(SearchToken).where(SearchToken.school_id == school.id))
    if keys:
        db.session.execute(sa.insert(SearchToken), [{"school_id": school.id, "key": key} for key in sorted(keys)])


def search_ids(query: str) -> list[int] | None:
    """Ids of the schools matching every word of the query, in any script or spelling (None: no words).

    One statement: per word, a prefix range scan of the key index for each spelling; the words intersect.
    """
    terms = query_terms(query)
    if not terms:
        return None
    selects = []
    for variants in terms:
        ranges = [sa.and_(SearchToken.key >= v, SearchToken.key < successor(v)) for v in sorted(variants)]
        selects.append(sa.select(SearchToken.school_id).where(sa.or_(*ranges)))
    statement = selects[0] if len(selects) == 1 else sa.intersect(*selects)
    return list(set(db.session.scalars(statement)))


def apply_profile(school: School, data: dict, by: User | None = None) -> bool:
    """Copy validated form data onto the school; returns whether it now waits for verification again.

    A verified school whose name, city or country its staff changes goes back to pending and the foundation
    verifies it again (finding #18): otherwise a verified school could rename itself into another one."""
    if school.id is not None:  # against the foundation's decision at the same moment: the later sees the earlier
        get_locked(School, school.id)
    before = (school.name, school.name_alt, school.city_id, school.country)
    city = db.session.get(City, int(data["city_id"]))
    if city is None:
        raise SchoolError(_l("Please choose a city from the list."), field="city_id")
    school_type = data.get("school_type")
    if school_type is not None and school_type.country is not city.country:
        raise SchoolError(_l("This school type does not exist in the school's country."), field="school_type")
    for field in PROFILE_FIELDS:
        if field in data:
            value = data[field]
            setattr(school, field, value.strip() if isinstance(value, str) else value)
    school.city_id, school.country = city.id, city.country
    school.languages_mask = LANGUAGES.mask(data.get("languages", []))
    school.topics_mask = TOPICS.mask(data.get("topics", []))
    school.forms_mask = FORMS.mask(data.get("forms", []))
    reverify = (
        school.id is not None  # a school being created is not a change (the demo creates verified ones)
        and school.status is SchoolStatus.verified
        and before != (school.name, school.name_alt, school.city_id, school.country)
        and not (by is not None and by.is_coordinator)  # the foundation's own correction needs no check
    )
    if reverify:
        school.status, school.status_reason, school.status_changed_at = SchoolStatus.pending, "", utcnow()
    db.session.add(school)
    db.session.flush()
    reindex(school, city)
    bump_catalog()
    if reverify:
        link = url_for("schools.verification_queue")
        foundation = sa.select(User).where(User.role == UserRole.coordinator, User.is_active)
        for coordinator in db.session.scalars(foundation):
            notify(coordinator, "school_changed", link=link, school=school.name)
    return reverify


def register_school(user: User, data: dict) -> School:
    """A new school, pending verification, with the registering staff member as its school coordinator."""
    school = School(status=SchoolStatus.pending)
    apply_profile(school, data)
    db.session.add(
        StaffMembership(
            user_id=user.id,
            school_id=school.id,
            role=StaffRole.school_coordinator,
            status=MembershipStatus.active,
            confirmed_at=utcnow(),
        )
    )
    link = url_for("schools.verification_queue")
    for coordinator in db.session.scalars(sa.select(User).where(User.role == UserRole.coordinator, User.is_active)):
        notify(coordinator, "school_submitted", link=link, school=school.name)
    db.session.flush()
    return school


def _active_staff(school_id: int, coordinators_only: bool):
    query = sa.select(StaffMembership.user_id).where(
        StaffMembership.school_id == school_id, StaffMembership.status == MembershipStatus.active
    )
    return query.where(StaffMembership.role == StaffRole.school_coordinator) if coordinators_only else query


def staff_ids(school_id: int, coordinators_only: bool = False) -> set[int]:
    """Ids of the school's confirmed staff (or only its school coordinators)."""
    return set(db.session.scalars(_active_staff(school_id, coordinators_only)))


def staff_users(school_id: int, coordinators_only: bool = False) -> list[User]:
    """The school's confirmed staff (or only its school coordinators), by name."""
    ids = _active_staff(school_id, coordinators_only).scalar_subquery()
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.display_name)))


def school_coordinators(school: School) -> list[User]:
    return staff_users(school.id, coordinators_only=True)


def set_status(school: School, status: SchoolStatus, reason: str = "") -> None:
    """Verify or reject a pending school (the foundation's decision) and tell its school coordinators; of two
    decisions at the same moment the first counts and the second is refused."""
    get_locked(School, school.id)
    if school.status is SchoolStatus.verified:
        raise SchoolError(_l("%(school)s has already been verified.", school=school.name))
    if school.status is SchoolStatus.rejected:
        raise SchoolError(_l("%(school)s has already been rejected.", school=school.name))
    if status is SchoolStatus.rejected and not reason.strip():
        raise SchoolError(_l("Please give a reason; the school will read it."), field="reason")
    school.status, school.status_reason, school.status_changed_at = status, reason.strip(), utcnow()
    bump_catalog()
    kind = "school_verified" if status is SchoolStatus.verified else "school_rejected"
    link = url_for("schools.show_school", school_id=school.id)
    for user in school_coordinators(school):
        notify(user, kind, link=link, school=school.name, reason=school.status_reason)
    db.session.flush()


def membership(user: User, school: School) -> StaffMembership | None:
    return db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == user.id, StaffMembership.school_id == school.id)
    )


def request_membership(user: User, school: School) -> StaffMembership:
    """Ask to join a school's staff as a teacher; its school coordinators confirm."""
    if membership(user, school) is not None:
        raise SchoolError(_l("You are already on this school's staff or have asked to join."))
    member = StaffMembership(user_id=user.id, school_id=school.id, role=StaffRole.teacher)
    db.session.add(member)
    link = url_for("schools.manage_staff", school_id=school.id)
    for coordinator in school_coordinators(school):
        notify(coordinator, "join_requested", link=link, name=user.display_name, school=school.name)
    db.session.flush()
    return member


def _locked_membership(member: StaffMembership) -> StaffMembership:
    """Lock the school, then the membership, and re-read both: changes to one school's staff happen one after the
    other, so the rule "at least one school coordinator" holds and no join request is decided twice."""
    get_locked(School, member.school_id)
    locked = get_locked(StaffMembership, member.id)
    if locked is None:
        raise SchoolError(_l("This person is no longer on the staff, or their join request has been refused."))
    return locked


def confirm_membership(member: StaffMembership) -> None:
    """Confirm a join request; the newcomer is told."""
    member = _locked_membership(member)
    if member.is_active:
        raise SchoolError(_l("This join request has already been confirmed."))
    member.status, member.confirmed_at = MembershipStatus.active, utcnow()
    notify(member.user, "join_confirmed", link=url_for("main.dashboard"), school=member.school.name)
    db.session.flush()


def _active_coordinator_count(school_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(StaffMembership.id)).where(
            StaffMembership.school_id == school_id,
            StaffMembership.role == StaffRole.school_coordinator,
            StaffMembership.status == MembershipStatus.active,
        )
    )


def refuse_membership(member: StaffMembership) -> None:
    """Refuse a join request that is still waiting; the person is told."""
    member = _locked_membership(member)
    if member.is_active:
        raise SchoolError(_l("This join request has already been confirmed."))
    _drop_membership(member)


def remove_membership(member: StaffMembership) -> None:
    """Remove a staff member (or refuse a join request); a school always keeps a school coordinator."""
    _drop_membership(_locked_membership(member))


def _drop_membership(member: StaffMembership) -> None:
    if (
        member.role is StaffRole.school_coordinator
        and member.is_active
        and _active_coordinator_count(member.school_id) <= 1
    ):
        raise SchoolError(_l("A school needs at least one school coordinator. Name another one first."))
    kind = "join_refused" if not member.is_active else "staff_removed"
    notify(member.user, kind, school=member.school.name)
    # Whatever they invited stays behind with them: nobody comes back through an invitation sent before.
    cancel_invitations_by(member.school_id, member.user_id)
    db.session.delete(member)
    db.session.flush()


def set_role(member: StaffMembership, role: StaffRole) -> None:
    """Make a staff member a school coordinator or a teacher (keeping at least one coordinator)."""
    member = _locked_membership(member)
    if not member.is_active:
        raise SchoolError(_l("Only confirmed staff members have a role. Confirm the join request first."))
    demoted = member.role is StaffRole.school_coordinator and role is StaffRole.teacher
    if demoted and _active_coordinator_count(member.school_id) <= 1:
        raise SchoolError(_l("A school needs at least one school coordinator. Name another one first."))
    member.role = role
    if demoted:
        cancel_invitations_by(member.school_id, member.user_id)
    db.session.flush()


def listed_schools(city_ids: list[int], verified_staff: bool) -> list[School]:
    """Verified schools of some cities that the viewer may see listed, by name."""
    query = sa.select(School).where(School.city_id.in_(city_ids), School.status == SchoolStatus.verified)
    if not verified_staff:
        query = query.where(School.visibility == Visibility.public)
    return list(db.session.scalars(query.order_by(School.name)))


def verified_schools_of(user) -> list[School]:
    """The verified schools the user works for (confirmed staff), with their cities."""
    return list(
        db.session.scalars(
            sa.select(School)
            .join(StaffMembership, StaffMembership.school_id == School.id)
            .where(
                StaffMembership.user_id == user.id,
                StaffMembership.status == MembershipStatus.active,
                School.status == SchoolStatus.verified,
            )
            .options(joinedload(School.city))
            .order_by(School.id)
        )
    )


def is_verified_staff(user) -> bool:
    """Staff of at least one verified school (may see schools listed for staff only)."""
    if not user.is_authenticated or not (user.is_staff or user.is_coordinator):
        return False
    if user.is_coordinator:
        return True
    return (
        db.session.scalar(
            sa.select(StaffMembership.id)
            .join(School, School.id == StaffMembership.school_id)
            .where(
                StaffMembership.user_id == user.id,
                StaffMembership.status == MembershipStatus.active,
                School.status == SchoolStatus.verified,
            )
            .limit(1)
        )
        is not None
    )


INVITATION_DAYS = 14


def invite(school: School, email: str, role: StaffRole, by: User) -> Invitation:
    """Email an expiring invitation to join the school's staff; written in the inviter's language."""
    existing = db.session.scalar(
        sa.select(StaffMembership.id)
        .join(User, User.id == StaffMembership.user_id)
        .where(StaffMembership.school_id == school.id, User.email_key == fold(email))
    )
    if existing is not None:
        raise SchoolError(_l("This person is already on the staff or has asked to join."), field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        school_id=school.id,
        email=email.strip(),
        role=role,
        token_hash=digest(token),
        invited_by_id=by.id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    link = absolute_url("schools.show_invitation", token=token)
    queue_email(email.strip(), by.locale, "invitation", school=school, inviter=by, link=link, days=INVITATION_DAYS)
    db.session.flush()
    return invitation


def _open_invitation_filter(now):
    return sa.and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at >= now)


def open_invitations(school: School) -> list[Invitation]:
    """The school's invitations that can still be accepted, newest first, with who sent them."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(Invitation.school_id == school.id, _open_invitation_filter(utcnow()))
            .options(joinedload(Invitation.invited_by))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def revoke_invitation(invitation: Invitation) -> None:
    """Withdraw an invitation; its link stops working. Refused once it has been accepted (or withdrawn)."""
    get_locked(Invitation, invitation.id)
    if invitation.accepted_at is not None:
        raise SchoolError(_l("This invitation has already been accepted."))
    if invitation.revoked_at is not None:
        raise SchoolError(_l("This invitation has already been withdrawn."))
    invitation.revoked_at = utcnow()
    db.session.flush()


def cancel_invitations_by(school_id: int, user_id: int) -> None:
    """Withdraw the open invitations someone sent for a school (when they leave it or stop coordinating it)."""
    db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.school_id == school_id,
            Invitation.invited_by_id == user_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def _inviter_may_still_invite(invitation: Invitation) -> bool:
    """Whether whoever sent the invitation still manages the school (an active school coordinator, or the
    foundation): an invitation is only as good as its sender's standing now."""
    inviter = db.session.get(User, invitation.invited_by_id)
    if inviter is None or not inviter.is_active:
        return False
    if inviter.role is UserRole.coordinator:
        return True
    return (
        db.session.scalar(
            sa.select(StaffMembership.id).where(
                StaffMembership.school_id == invitation.school_id,
                StaffMembership.user_id == inviter.id,
                StaffMembership.role == StaffRole.school_coordinator,
                StaffMembership.status == MembershipStatus.active,
            )
        )
        is not None
    )


def find_invitation(token: str) -> Invitation:
    """The open invitation behind a link; raises SchoolError when it is unknown, used, withdrawn or expired."""
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == digest(token)))
    if invitation is None:
        raise SchoolError(_l("This invitation is invalid or has already been used."))
    _require_open_invitation(invitation)
    return invitation


def _require_open_invitation(invitation: Invitation) -> None:
    # Only someone holding the link reads these, so they may say what happened to it.
    if invitation.accepted_at is not None:
        raise SchoolError(_l("This invitation has already been accepted."))
    if invitation.revoked_at is not None:
        raise SchoolError(_l("This invitation has been withdrawn. Ask the school for a new one."))
    if invitation.expires_at < utcnow():
        raise SchoolError(_l("This invitation has expired. Ask the school for a new one."))


def accept_invitation(token: str, user: User) -> StaffMembership:
    """Join the staff through an invitation sent to the user's own email address."""
    invitation = find_invitation(token)
    # The school's staff first (as every staff change does), then the invitation; then look again: it may have
    # been withdrawn, accepted in another tab, or its sender removed, while this request waited.
    get_locked(School, invitation.school_id)
    get_locked(Invitation, invitation.id)
    _require_open_invitation(invitation)
    if user.email_key != fold(invitation.email):
        raise SchoolError(_l("This invitation was sent to another email address. Log in with that address."))
    if not _inviter_may_still_invite(invitation):
        raise SchoolError(_l("This invitation is no longer valid. Ask the school for a new one."))
    member = membership(user, invitation.school)
    if member is None:
        member = StaffMembership(user_id=user.id, school_id=invitation.school_id, role=invitation.role)
        db.session.add(member)
    member.role, member.status, member.confirmed_at = invitation.role, MembershipStatus.active, utcnow()
    invitation.accepted_at = utcnow()
    db.session.flush()
    return member
