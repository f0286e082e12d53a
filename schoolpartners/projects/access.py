"""Who may do what with a project: its staff, its students, its contact persons, and who writes in its workspace.

The predicates answer yes or no; the `require_*` guards return the user's side or raise `ProjectError`.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..classes.models import ClassMembership, ConsentScope
from ..classes.services import may
from ..domain import DomainError
from ..extensions import db
from ..schools.models import MembershipStatus, StaffMembership
from ..schools.services import staff_ids
from .models import Project, ProjectSide, ProjectState


class ProjectError(DomainError):
    pass


CONTACT_REPLACERS = _l("Only the current contact person or a school coordinator of your school can name another one.")
NOT_A_MEMBER = _l("Only members of the project write here.")
CONSENT_MISSING = _l("Your parents' consent to taking part is not recorded yet. Please ask your teacher.")

_STAFF_SCHOOL = (
    sa.select(StaffMembership.school_id)
    .where(
        StaffMembership.user_id == sa.bindparam("user_id"),
        StaffMembership.school_id.in_(sa.bindparam("school_ids", expanding=True)),
        StaffMembership.status == MembershipStatus.active,
    )
    .limit(1)
)


def school_of(project: Project, user: User) -> int | None:
    """The id of the user's school among the project's two schools (confirmed staff), if any.

    Asked several times per request (permission, page, forms): one query, remembered on the loaded project.
    """
    if not user.is_authenticated or not user.is_staff:
        return None
    known = project.__dict__.setdefault("_staff_school", {})
    if user.id not in known:
        school_ids = [side.school_id for side in project.sides]
        known[user.id] = db.session.scalar(_STAFF_SCHOOL, {"user_id": user.id, "school_ids": school_ids})
    return known[user.id]


def remember_school_of(project: Project, user: User, school_id: int | None) -> None:
    """Record what school_of() answers for a staff user, found while loading the project (same conditions)."""
    project.__dict__.setdefault("_staff_school", {})[user.id] = school_id


def student_member(project: Project, user: User) -> bool:
    """A current student of one of the participating classes."""
    if not user.is_authenticated or not user.is_student or user.archived_at is not None:
        return False
    class_ids = [link.class_id for link in project.class_links]
    return (
        bool(class_ids)
        and db.session.scalar(
            sa.select(ClassMembership.id).where(
                ClassMembership.class_id.in_(class_ids), ClassMembership.student_id == user.id
            )
        )
        is not None
    )


def can_view(project: Project, user: User) -> bool:
    """Staff of both schools; students of its classes once it runs; the foundation."""
    if not user.is_authenticated:
        return False
    if user.is_coordinator:
        return True
    if user.is_student:
        return project.state is not ProjectState.draft and student_member(project, user)
    return school_of(project, user) is not None


def require_staff(project: Project, user: User) -> ProjectSide:
    school_id = school_of(project, user)
    if school_id is None:
        raise ProjectError(_l("Only teachers of the two schools can do this."))
    return project.side_of_school(school_id)


def require_contact(project: Project, user: User) -> ProjectSide:
    side = require_staff(project, user)
    if side.contact_id != user.id:
        raise ProjectError(_l("Only your school's contact person for this project can do this."))
    return side


def may_replace_contact(project: Project, side: ProjectSide, user: User) -> bool:
    """Finding #13: the side's current contact person or a school coordinator of its school names a new one
    (while it has none, any of its staff may, as confirming the draft would make them the contact)."""
    if school_of(project, user) != side.school_id:
        return False
    if side.contact_id in (None, user.id):
        return True
    return user.id in staff_ids(side.school_id, coordinators_only=True)


def write_refusal(project: Project, user: User) -> LazyString | None:
    """Why `user` may not write in the workspace now (a translated text), or None when they may."""
    if project.state not in (ProjectState.draft, ProjectState.active):
        return _l("The project has ended. Its workspace stays readable, but nobody writes in it any more.")
    if user.is_student:
        if project.state is ProjectState.draft or not student_member(project, user):
            return NOT_A_MEMBER
        return None if may(user, ConsentScope.participation) else CONSENT_MISSING
    if school_of(project, user) is None:
        return NOT_A_MEMBER
    return None
