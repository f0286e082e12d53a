"""What each role's dashboard shows: open to-dos first, then current work, then figures."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User, UserRole
from ..cities.models import Country, LinkStatus, TwinCityLink
from ..classes.models import ClassMembership
from ..extensions import db
from ..i18n import current_locale
from ..notifications.models import Notification, OutboxEmail, OutboxState
from ..partnerships.models import PartnershipRequest, RequestState
from ..projects.models import (
    Milestone,
    Project,
    ProjectClass,
    ProjectRevision,
    ProjectSide,
    ProjectState,
    RevisionState,
)
from ..schools.catalog import catalog
from ..schools.models import MembershipStatus, School, SchoolStatus, StaffMembership, StaffRole
from ..sqltypes import utcnow
from ..submissions.models import Submission, SubmissionStatus
from ..tandem import overview as tandem

# Dashboards show a school's name, place and status only: leave the long texts unread.
_CARD_COLUMNS = (School.id, School.name, School.country, School.city_id, School.status)
# Dashboards are the most visited pages: their statements are built once, with parameters.
_RECENT_NOTIFICATIONS = (
    sa.select(Notification)
    .where(Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None))
    .order_by(Notification.created_at.desc(), Notification.id.desc())
    .limit(5)
)
_MEMBERSHIPS = (
    sa.select(StaffMembership)
    .where(StaffMembership.user_id == sa.bindparam("user_id"))
    .options(joinedload(StaffMembership.school).load_only(*_CARD_COLUMNS).joinedload(School.city))
    .order_by(StaffMembership.id)
)


def _project_rows(side_filter, now):
    """Running and draft projects with what needs doing: one statement, counts as subqueries (built once)."""
    to_review = (
        sa.select(sa.func.count())
        .where(Submission.project_id == Project.id, Submission.status == SubmissionStatus.submitted)
        .scalar_subquery()
    )
    next_deadline = (
        sa.select(sa.func.min(Milestone.deadline))
        .where(Milestone.project_id == Project.id, Milestone.deadline > now)
        .scalar_subquery()
    )
    waiting_change = (
        sa.select(sa.func.count())
        .where(
            ProjectRevision.project_id == Project.id,
            ProjectRevision.state == RevisionState.pending,
            ProjectRevision.school_id != ProjectSide.school_id,
        )
        .scalar_subquery()
    )
    return (
        sa.select(
            Project.id,
            Project.title_de,
            Project.title_ru,
            Project.state,
            ProjectSide.confirmed_at,
            to_review,
            next_deadline,
            waiting_change,
        )
        .join(ProjectSide, ProjectSide.project_id == Project.id)
        .where(side_filter, Project.state.in_([ProjectState.draft, ProjectState.active]))
        .order_by(Project.start_date, Project.id)
    )


_PROJECT_TODOS = _project_rows(
    ProjectSide.school_id.in_(sa.bindparam("school_ids", expanding=True)),
    sa.bindparam("now", type_=Milestone.deadline.type),
)


def project_todos(school_ids: list[int]) -> list[dict]:
    """For a teacher: projects of their schools with confirmations, answers, reviews and deadlines due."""
    if not school_ids:
        return []
    now = utcnow()
    rows = db.session.execute(_PROJECT_TODOS, {"school_ids": school_ids, "now": now}).all()
    return [
        {
            "id": pid,
            "title": title_ru if current_locale() == "ru" and title_ru else (title_de or title_ru),
            "state": state,
            "confirm": state is ProjectState.draft and confirmed is None,
            "to_review": to_review,
            "deadline": deadline,
            "soon": deadline is not None and deadline - now < timedelta(days=7),
            "answer_change": bool(waiting),
        }
        for pid, title_de, title_ru, state, confirmed, to_review, deadline, waiting in rows
    ]


def student_projects(user: User) -> list[dict]:
    """A student's running projects with the next deadline (one statement)."""
    now = utcnow()
    next_deadline = (
        sa.select(sa.func.min(Milestone.deadline))
        .where(Milestone.project_id == Project.id, Milestone.deadline > now)
        .scalar_subquery()
    )
    classes = sa.select(ClassMembership.class_id).where(ClassMembership.student_id == user.id)
    rows = db.session.execute(
        sa.select(Project.id, Project.title_de, Project.title_ru, next_deadline)
        .where(
            Project.id.in_(sa.select(ProjectClass.project_id).where(ProjectClass.class_id.in_(classes))),
            Project.state == ProjectState.active,
        )
        .order_by(Project.start_date)
    ).all()
    locale = current_locale()
    return [
        {
            "id": pid,
            "title": title_ru if locale == "ru" and title_ru else (title_de or title_ru),
            "deadline": deadline,
            "soon": deadline is not None and deadline - now < timedelta(days=7),
        }
        for pid, title_de, title_ru, deadline in rows
    ]


def recent_notifications(user: User) -> list[Notification]:
    """The five newest unread notifications (no query when the header's count says there are none)."""
    if not getattr(user, "unread_notifications", 1):
        return []
    return list(db.session.scalars(_RECENT_NOTIFICATIONS, {"user_id": user.id}))


def coordinator_dashboard(user: User) -> dict:
    """Platform figures and what the foundation should look at."""
    role_counts = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    link_counts = dict(
        db.session.execute(sa.select(TwinCityLink.status, sa.func.count()).group_by(TwinCityLink.status)).all()
    )
    outbox_counts = dict(
        db.session.execute(sa.select(OutboxEmail.state, sa.func.count()).group_by(OutboxEmail.state)).all()
    )
    school_counts = dict(db.session.execute(sa.select(School.status, sa.func.count()).group_by(School.status)).all())
    return {
        "schools": school_counts.get(SchoolStatus.verified, 0),
        "pending_schools": school_counts.get(SchoolStatus.pending, 0),
        "teachers": role_counts.get(UserRole.staff, 0),
        "students": role_counts.get(UserRole.student, 0),
        "links": {status: link_counts.get(status, 0) for status in LinkStatus},
        "failed_mails": outbox_counts.get(OutboxState.failed, 0),
        "queued_mails": outbox_counts.get(OutboxState.queued, 0),
        "notifications": recent_notifications(user),
    }


def staff_dashboard(user: User) -> dict:
    """The schools a teacher works for and, for school coordinators, staff awaiting confirmation."""
    memberships = list(db.session.scalars(_MEMBERSHIPS, {"user_id": user.id}).unique())
    coordinated = [m.school_id for m in memberships if m.is_active and m.role is StaffRole.school_coordinator]
    pending_staff: list[StaffMembership] = []
    open_requests: list[PartnershipRequest] = []
    if coordinated:
        pending_staff = list(
            db.session.scalars(
                sa.select(StaffMembership)
                .where(
                    StaffMembership.school_id.in_(coordinated),
                    StaffMembership.status == MembershipStatus.pending,
                )
                .options(selectinload(StaffMembership.user))
                .order_by(StaffMembership.created_at)
            )
        )
        open_requests = list(
            db.session.scalars(
                sa.select(PartnershipRequest)
                .where(
                    PartnershipRequest.to_school_id.in_(coordinated),
                    PartnershipRequest.state == RequestState.open,
                    PartnershipRequest.expires_at > utcnow(),
                )
                .options(joinedload(PartnershipRequest.from_school))
                .order_by(PartnershipRequest.created_at)
            )
        )
    # Partner schools come from the in-memory catalogue (it changes with every partnership).
    cat = catalog() if any(m.is_active and m.school.is_verified for m in memberships) else None
    partners = []
    for m in memberships:
        for partnership_id, partner_id, status in cat.partners.get(m.school_id, []) if cat and m.is_active else []:
            name, country = cat.names.get(partner_id, ("", None))
            partners.append((partnership_id, status, name, "ru" if country is Country.RU else "de"))
    return {
        "memberships": memberships,
        "projects": project_todos([m.school_id for m in memberships if m.is_active and m.school.is_verified]),
        "pending_staff": pending_staff,
        "open_requests": open_requests,
        "partnerships": partners,
        "tandem_rounds": tandem.rounds_awaiting(user),
        "notifications": recent_notifications(user),
    }


def student_dashboard(user: User) -> dict:
    """A student's school, running projects with their next deadline, and notifications."""
    school = None
    if user.school_id:
        school = db.session.scalar(
            sa.select(School).where(School.id == user.school_id).options(joinedload(School.city))
        )
    return {
        "school": school,
        "projects": student_projects(user),
        "tandems": tandem.running_pairs(user),
        "notifications": recent_notifications(user),
    }
