"""Who belongs to a project: the teachers who lead it and the students of its classes, grouped by school, with
the students the viewer may not see (parents' consent to taking part) left out."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..accounts.models import User, UserRole
from ..classes.models import ClassMembership, ClassTeacher, ConsentScope, SchoolClass
from ..classes.services import consent_marks, hidden_from
from ..extensions import db
from ..schools.models import MembershipStatus, StaffMembership
from .models import Comment, Post, Project, ProjectClass, ProjectSide


def leads(project_id: int | None = None, user_id: int | None = None) -> sa.Subquery:
    """Rows (project_id, school_id, user_id) of the teachers who lead projects: contact persons, class teachers."""
    contacts = sa.select(ProjectSide.project_id, ProjectSide.school_id, ProjectSide.contact_id.label("user_id")).where(
        ProjectSide.contact_id.is_not(None)
    )
    teachers = (
        sa.select(ProjectClass.project_id, SchoolClass.school_id, ClassTeacher.user_id)
        .join(SchoolClass, SchoolClass.id == ProjectClass.class_id)
        .join(ClassTeacher, ClassTeacher.class_id == SchoolClass.id)
        .join(
            ProjectSide,
            sa.and_(ProjectSide.project_id == ProjectClass.project_id, ProjectSide.school_id == SchoolClass.school_id),
        )
    )
    if project_id is not None:
        contacts = contacts.where(ProjectSide.project_id == project_id)
        teachers = teachers.where(ProjectClass.project_id == project_id)
    if user_id is not None:
        contacts = contacts.where(ProjectSide.contact_id == user_id)
        teachers = teachers.where(ClassTeacher.user_id == user_id)
    return sa.union(contacts, teachers).subquery()


def confirmed_staff(led: sa.Subquery) -> sa.ColumnElement[bool]:
    """Join condition: the leading teacher is still confirmed staff of that school."""
    return sa.and_(
        StaffMembership.user_id == led.c.user_id,
        StaffMembership.school_id == led.c.school_id,
        StaffMembership.status == MembershipStatus.active,
    )


def project_teachers(project_id: int) -> list[tuple[User, int]]:
    """The teachers who lead the project, each with their school, by name (one query)."""
    led = leads(project_id=project_id)
    rows = db.session.execute(
        sa.select(User, led.c.school_id)
        .join(led, led.c.user_id == User.id)
        .join(StaffMembership, confirmed_staff(led))
        .where(User.is_active.is_(True))
        .order_by(User.display_name, User.id)
    )
    return [(user, school_id) for user, school_id in rows]


def project_students(project: Project, viewer: User | None = None) -> list[User]:
    """The current students of the project's classes, by name (one query); with a `viewer`, without those who lack
    the parents' consent to taking part, except for their own school's staff (Finding #8)."""
    class_ids = [link.class_id for link in project.class_links]
    if not class_ids:
        return []
    in_classes = sa.select(ClassMembership.student_id).where(ClassMembership.class_id.in_(class_ids))
    students = list(
        db.session.scalars(
            sa.select(User)
            .where(User.id.in_(in_classes), User.archived_at.is_(None), User.is_active.is_(True))
            .order_by(User.display_name, User.id)
        )
    )
    if viewer is None:
        return students
    hidden = hidden_from(viewer, students, ConsentScope.participation)
    return [s for s in students if s.id not in hidden]


def students_and_authors(project: Project) -> tuple[list[User], list[User]]:
    """The current students of the project's classes by name, and the other students who wrote a post or comment
    in the project (archived, moved to another class): one query."""
    class_ids = [link.class_id for link in project.class_links]
    in_classes = sa.select(ClassMembership.student_id).where(ClassMembership.class_id.in_(class_ids))
    member = sa.and_(User.id.in_(in_classes), User.archived_at.is_(None), User.is_active.is_(True))
    wrote = sa.union(
        sa.select(Post.author_id).where(Post.project_id == project.id),
        sa.select(Comment.author_id).join(Post, Post.id == Comment.post_id).where(Post.project_id == project.id),
    )
    rows = db.session.execute(
        sa.select(User, sa.case((member, True), else_=False))
        .where(sa.or_(member, sa.and_(User.role == UserRole.student, User.id.in_(wrote))))
        .order_by(User.display_name, User.id)
    ).all()
    return [user for user, is_member in rows if is_member], [user for user, is_member in rows if not is_member]


@dataclass
class SchoolMembers:
    side: ProjectSide
    teachers: list[User]
    students: list[User]
    lacking: set[int]  # students shown to their own teachers only, with a "consent missing" badge


def members_by_school(project: Project, viewer: User) -> tuple[list[SchoolMembers], set[int]]:
    """Both schools as equals, each with its leading teachers and the students the viewer may see, and the ids of
    the students the viewer may not see (Finding #8)."""
    teachers = project_teachers(project.id)
    students, authors = students_and_authors(project)
    # Every pupil the page shows is checked, not only the current ones of the project's classes: one who has left
    # (archived, kept until the purge) or moved to another class still wrote posts and comments here.
    hidden, lacking = consent_marks(viewer, students + authors, ConsentScope.participation)
    students = [s for s in students if s.id not in hidden]
    groups = [
        SchoolMembers(
            side,
            [user for user, school_id in teachers if school_id == side.school_id],
            [user for user in students if user.school_id == side.school_id],
            lacking,
        )
        for side in project.sides
    ]
    return groups, hidden
