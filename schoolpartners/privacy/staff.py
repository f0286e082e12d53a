"""Deleting one's own staff account (Issue 10 item 6).

The row stays, so that what the person wrote for another school's record (feedback, partnership request
messages, the partnership history, workspace posts) keeps its author, shown as "former staff member of
<school>"; the name, addresses, password, memberships, sessions and personal data go. Refused while the
person is still a contact person, a class's only teacher or a school's only school coordinator: those are
handed over first.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.models import ActionToken, MfaRecoveryCode, User, UserSession
from ..accounts.services import check_password
from ..classes.models import ClassTeacher, SchoolClass
from ..domain import DomainError
from ..extensions import db
from ..notifications.models import Notification
from ..partnerships.models import Partnership, PartnershipStatus
from ..projects.models import Project, ProjectSide, ProjectState
from ..schools.models import Invitation, MembershipStatus, School, StaffMembership, StaffRole
from ..sqltypes import utcnow
from ..tandem.models import PairState, TandemInvitation, TandemMember, TandemPair, TandemProfile

UNUSABLE_PASSWORD = "!deleted"  # noqa: S105  no hash: no password ever matches it


class StaffDeletionError(DomainError):
    pass


def handovers(user: User) -> list[str]:
    """What the person must hand over before their account can go, each as a readable line."""
    partnerships = db.session.execute(
        sa.select(Partnership, School)
        .join(
            School,
            School.id
            == sa.case(
                (Partnership.german_contact_id == user.id, Partnership.russian_school_id),
                else_=Partnership.german_school_id,
            ),
        )
        .where(
            sa.or_(Partnership.german_contact_id == user.id, Partnership.russian_contact_id == user.id),
            Partnership.status != PartnershipStatus.ended,
        )
        .order_by(School.name)
    ).all()
    sides = db.session.scalars(
        sa.select(Project)
        .join(ProjectSide, ProjectSide.project_id == Project.id)
        .where(ProjectSide.contact_id == user.id, Project.state.in_((ProjectState.draft, ProjectState.active)))
        .order_by(Project.id)
    ).all()
    co_teachers = (
        sa.select(sa.func.count())
        .select_from(ClassTeacher)
        .where(ClassTeacher.class_id == SchoolClass.id)
        .correlate(SchoolClass)
        .scalar_subquery()
    )
    classes = db.session.scalars(
        sa.select(SchoolClass)
        .join(ClassTeacher, ClassTeacher.class_id == SchoolClass.id)
        .where(ClassTeacher.user_id == user.id, SchoolClass.archived_at.is_(None), co_teachers == 1)
        .order_by(SchoolClass.name)
    ).all()
    # A school always keeps a school coordinator (as when a member is removed or their role changes).
    coordinators = (
        sa.select(sa.func.count())
        .select_from(StaffMembership)
        .where(
            StaffMembership.school_id == School.id,
            StaffMembership.role == StaffRole.school_coordinator,
            StaffMembership.status == MembershipStatus.active,
        )
        .correlate(School)
        .scalar_subquery()
    )
    sole = db.session.scalars(
        sa.select(School)
        .join(StaffMembership, StaffMembership.school_id == School.id)
        .where(
            StaffMembership.user_id == user.id,
            StaffMembership.role == StaffRole.school_coordinator,
            StaffMembership.status == MembershipStatus.active,
            coordinators == 1,
        )
        .order_by(School.name)
    ).all()
    lines = [_("the only school coordinator of %(school)s", school=s.name) for s in sole]
    lines += [_("contact person of the school partnership with %(school)s", school=s.name) for _p, s in partnerships]
    lines += [_("contact person for the project “%(title)s”", title=p.title(user.locale)) for p in sides]
    lines += [_("the only teacher of the class %(name)s", name=c.name) for c in classes]
    return lines


def delete_staff_account(user: User, password: str) -> None:
    """Anonymise the account after checking the password; raises StaffDeletionError if something is to be
    handed over first or the password is wrong."""
    if not user.is_staff or user.deleted_at is not None:
        raise StaffDeletionError(_l("Only a staff account can be deleted here."))
    if not check_password(user, password):
        raise StaffDeletionError(_l("The password is not correct."), field="password")
    if handovers(user):
        raise StaffDeletionError(_l("Please hand over your tasks first (see the list)."))
    memberships = sorted(user.memberships, key=lambda m: (m.status is not MembershipStatus.active, m.created_at))
    user.former_of_school_id = memberships[0].school_id if memberships else None
    user.deleted_at = utcnow()
    user.display_name = ""
    user.set_email(None)
    user.set_username(None)
    user.password_hash = UNUSABLE_PASSWORD
    user.is_active = False
    user.email_confirmed_at = None
    user.last_login_at = None
    user.birth_year = user.birth_month = None
    user.mfa_secret = user.mfa_enabled_at = user.mfa_last_step = None
    user.memberships.clear()
    uid = user.id
    run, options = db.session.execute, {"synchronize_session": False}
    for model, column in (
        (UserSession, UserSession.user_id),
        (ActionToken, ActionToken.user_id),
        (MfaRecoveryCode, MfaRecoveryCode.user_id),
        (Notification, Notification.user_id),
        (TandemProfile, TandemProfile.user_id),
        (ClassTeacher, ClassTeacher.user_id),
    ):
        run(sa.delete(model).where(column == uid), execution_options=options)
    run(
        sa.delete(TandemInvitation).where(
            sa.or_(TandemInvitation.from_user_id == uid, TandemInvitation.to_user_id == uid)
        ),
        execution_options=options,
    )
    # Adult tandems end; their messages stay with the partner, under the former staff member's name.
    mine = sa.select(TandemMember.pair_id).where(TandemMember.user_id == uid)
    run(
        sa.update(TandemPair)
        .where(TandemPair.id.in_(mine), TandemPair.state != PairState.ended)
        .values(state=PairState.ended),
        execution_options=options,
    )
    # Invitations they sent and nobody accepted yet would let someone join on their word.
    run(
        sa.update(Invitation)
        .where(Invitation.invited_by_id == uid, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=utcnow()),
        execution_options=options,
    )
    db.session.flush()
