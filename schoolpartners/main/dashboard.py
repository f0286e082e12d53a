"""What each role's dashboard shows: open to-dos first, then current work, then figures."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User, UserRole
from ..cities.models import Country, LinkStatus, TwinCityLink
from ..extensions import db
from ..notifications.models import Notification, OutboxEmail, OutboxState
from ..partnerships.models import PartnershipRequest, RequestState
from ..schools.catalog import catalog
from ..schools.models import MembershipStatus, School, SchoolStatus, StaffMembership, StaffRole
from ..sqltypes import utcnow

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
        "pending_staff": pending_staff,
        "open_requests": open_requests,
        "partnerships": partners,
        "notifications": recent_notifications(user),
    }


def student_dashboard(user: User) -> dict:
    """A student's school and notifications; classes and projects join here later."""
    school = None
    if user.school_id:
        school = db.session.scalar(
            sa.select(School).where(School.id == user.school_id).options(joinedload(School.city))
        )
    return {"school": school, "notifications": recent_notifications(user)}
