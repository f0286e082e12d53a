"""Joint projects on equal footing: nobody activates or revises a project alone.

- A project is created as a draft by a teacher of one school, whose side counts as confirmed.
- It becomes active when the contact teacher of the other school confirms; a teacher who confirms a side
  without a contact person becomes that side's contact.
- Editing a draft resets the other side's confirmation (it must confirm what it agrees to).
- In an active project a change to goals or dates is a pending revision; the project runs on the confirmed
  version until the other side's contact teacher accepts it.
- It is completed when both contact teachers say so; either may cancel it, giving a reason.

Every change of state or of a side starts with `lock_project`: the project's row lock serialises the two schools,
so the second of two confirmations (or completions) sees the first and takes the project on.
Services never commit; the views do, once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..classes.models import SchoolClass
from ..extensions import db
from ..locking import get_locked, lock
from ..notifications.services import notify
from ..partnerships.models import Partnership, PartnershipStatus
from ..schools.models import MembershipStatus, StaffMembership
from ..schools.services import staff_ids, staff_users
from ..sqltypes import utcnow
from .access import CONTACT_REPLACERS, ProjectError, may_replace_contact, require_contact, require_staff, school_of
from .models import (
    Milestone,
    MilestoneMode,
    Project,
    ProjectClass,
    ProjectRevision,
    ProjectSide,
    ProjectState,
    RevisionState,
)
from .templates_catalogue import ProjectTemplate

TEXT_FIELDS = (
    "title_de",
    "title_ru",
    "description_de",
    "description_ru",
    "goals_de",
    "goals_ru",
    "benefit_german",
    "benefit_russian",
)
REVISED_FIELDS = ("goals_de", "goals_ru", "start_date", "end_date")
DEADLINE_HOUR = time(18, 0)  # template deadlines: 18:00 in the creating school's time zone


# --- helpers shared by the services ------------------------------------------------------------------


def other_side(project: Project, side: ProjectSide) -> ProjectSide:
    return next(s for s in project.sides if s.id != side.id)


def side_recipients(side: ProjectSide) -> list[User]:
    """Who hears for a side: its contact person while on the school's active staff; otherwise (none yet, or
    removed from the staff) all its active staff. A removed teacher hears nothing more (finding #17)."""
    staff = staff_users(side.school_id)
    return [person for person in staff if person.id == side.contact_id] or staff


def notify_side(project: Project, side: ProjectSide, kind: str, **params) -> None:
    """Tell the other school: its contact person, or all its staff while it has none on its staff."""
    link = f"/projects/{project.id}"
    for person in side_recipients(side):
        with_title = {"title": project.title(person.locale), **params}
        notify(person, kind, link=link, **with_title)


def lock_project(project: Project) -> Project:
    """Take the project's row lock and re-read the project and both its sides under it (their confirmations,
    contacts and wishes): a side changed by the other school a moment ago is seen as it is now."""
    get_locked(Project, project.id)  # a plain select: the page's loader options need no outer join FOR UPDATE
    db.session.scalars(
        sa.select(ProjectSide).where(ProjectSide.project_id == project.id).execution_options(populate_existing=True)
    ).all()
    return project


# --- creating and editing ------------------------------------------------------------------------------


def partnerships_of(user: User) -> list[Partnership]:
    """The active partnerships of the user's schools (where projects can start)."""
    mine = sa.select(StaffMembership.school_id).where(
        StaffMembership.user_id == user.id, StaffMembership.status == MembershipStatus.active
    )
    return list(
        db.session.scalars(
            sa.select(Partnership)
            .where(
                Partnership.status == PartnershipStatus.active,
                sa.or_(Partnership.german_school_id.in_(mine), Partnership.russian_school_id.in_(mine)),
            )
            .order_by(Partnership.id)
        )
    )


def check_dates(start: date, end: date) -> None:
    if end < start:
        raise ProjectError(_l("The project cannot end before it starts."), field="end_date")
    if (end - start).days > 3 * 366:
        raise ProjectError(_l("A project runs at most three years."), field="end_date")


def apply_classes(project: Project, user: User, class_ids: list[int]) -> None:
    """Set the user's school's participating classes (the other school chooses its own)."""
    own = school_of(project, user)
    allowed = {
        c.id: c
        for c in db.session.scalars(
            sa.select(SchoolClass).where(SchoolClass.school_id == own, SchoolClass.archived_at.is_(None))
        )
    }
    if any(i not in allowed for i in class_ids):
        raise ProjectError(_l("Choose classes of your own school."), field="classes")
    keep = [link for link in project.class_links if link.school_class.school_id != own]
    project.class_links = keep + [ProjectClass(class_id=i, school_class=allowed[i]) for i in class_ids]


def create_project(user: User, partnership: Partnership, data: dict, template: ProjectTemplate | None) -> Project:
    if partnership.status is not PartnershipStatus.active:
        raise ProjectError(_l("Projects start inside an active school partnership."))
    if not (data.get("title_de") or "").strip() and not (data.get("title_ru") or "").strip():
        raise ProjectError(_l("Give the project a title in German or Russian."), field="title_de")
    check_dates(data["start_date"], data["end_date"])
    project = Project(
        partnership_id=partnership.id, partnership=partnership, template=template.key if template else None
    )
    for field in TEXT_FIELDS:
        setattr(project, field, (data.get(field) or "").strip())
    project.start_date, project.end_date = data["start_date"], data["end_date"]
    project.working_languages = ",".join(data.get("working_languages") or ["de", "ru"])
    project.created_by_id = user.id
    project.sides = [
        ProjectSide(school_id=partnership.german_school_id),
        ProjectSide(school_id=partnership.russian_school_id),
    ]
    own = require_staff(project, user)
    own.contact_id, own.confirmed_at, own.confirmed_by_id = user.id, utcnow(), user.id
    db.session.add(project)
    db.session.flush()
    apply_classes(project, user, data.get("classes") or [])
    if template:
        zone = ZoneInfo(own.school.city.zone if own.school else "Europe/Berlin")
        for step in template.milestones:
            day = project.start_date + timedelta(days=step.offset_days)
            project.milestones.append(
                Milestone(
                    title_de=step.title_de,
                    title_ru=step.title_ru,
                    task_de=step.task_de,
                    task_ru=step.task_ru,
                    mode=MilestoneMode(step.mode),
                    deadline=datetime.combine(day, DEADLINE_HOUR, tzinfo=zone),
                )
            )
    db.session.flush()
    notify_side(project, other_side(project, own), "project_proposed", school=own.school.name)
    return project


def update_project(project: Project, user: User, data: dict) -> ProjectRevision | None:
    """Draft: apply, and the other side must confirm again. Active: texts apply, goals and dates wait."""
    lock_project(project)
    side = require_staff(project, user)
    if project.state not in (ProjectState.draft, ProjectState.active):
        raise ProjectError(_l("A completed or cancelled project can no longer be changed."))
    if not (data.get("title_de") or "").strip() and not (data.get("title_ru") or "").strip():
        raise ProjectError(_l("Give the project a title in German or Russian."), field="title_de")
    check_dates(data["start_date"], data["end_date"])
    revision = None
    if project.state is ProjectState.active:
        if any(_changed(project, field, data) for field in REVISED_FIELDS):
            revision = propose_revision(project, user, data)
        fields = [f for f in TEXT_FIELDS if f not in REVISED_FIELDS]
    else:
        fields = list(TEXT_FIELDS)
        project.start_date, project.end_date = data["start_date"], data["end_date"]
        other = other_side(project, side)
        if other.confirmed_at is not None:
            other.confirmed_at = other.confirmed_by_id = None
        side.confirmed_at, side.confirmed_by_id = utcnow(), user.id
        side.contact_id = side.contact_id or user.id
    for field in fields:
        setattr(project, field, (data.get(field) or "").strip())
    if "working_languages" in data:
        project.working_languages = ",".join(data["working_languages"] or ["de", "ru"])
    apply_classes(project, user, data.get("classes") or [])
    if project.state is ProjectState.draft:
        notify_side(project, other_side(project, side), "project_changed", school=side.school.name)
    return revision


def _changed(project: Project, field: str, data: dict) -> bool:
    value = data.get(field)
    return (value.strip() if isinstance(value, str) else value) != getattr(project, field)


# --- confirming, contacts, revisions, status -----------------------------------------------------------


def confirm_project(project: Project, user: User) -> None:
    """Confirm the draft for the user's school; the second school's confirmation makes the project active."""
    lock_project(project)
    if project.state is not ProjectState.draft:
        raise ProjectError(_l("Only a draft needs confirming."))
    side = require_staff(project, user)
    if side.contact_id not in (None, user.id):
        raise ProjectError(_l("Only your school's contact person for this project can do this."))
    if side.confirmed_at is not None:
        raise ProjectError(_l("Your school has already confirmed this version."))
    side.contact_id, side.confirmed_at, side.confirmed_by_id = user.id, utcnow(), user.id
    other = other_side(project, side)
    if other.confirmed_at is not None:
        project.state, project.state_changed_at = ProjectState.active, utcnow()
        notify_side(project, other, "project_active", school=side.school.name)
    else:
        notify_side(project, other, "project_confirmed", school=side.school.name)


def replace_contact(project: Project, user: User, new_contact: User) -> None:
    """A school's contact person changes only by naming the replacement (never none)."""
    lock_project(project)
    side = require_staff(project, user)
    if not may_replace_contact(project, side, user):
        raise ProjectError(CONTACT_REPLACERS)
    if new_contact.id not in staff_ids(side.school_id):
        raise ProjectError(_l("The contact person must be on your school's staff."), field="contact")
    side.contact_id = new_contact.id
    notify(
        new_contact, "project_contact_named", link=f"/projects/{project.id}", title=project.title(new_contact.locale)
    )


def propose_revision(project: Project, user: User, data: dict) -> ProjectRevision:
    """A pending change of goals or dates (one at a time); the caller holds the project's lock (update_project)."""
    side = require_staff(project, user)
    pending = db.session.scalar(
        sa.select(ProjectRevision.id).where(
            ProjectRevision.project_id == project.id, ProjectRevision.state == RevisionState.pending
        )
    )
    if pending is not None:
        raise ProjectError(_l("A change is already waiting for the other school. Wait for its answer or withdraw it."))
    revision = ProjectRevision(
        project_id=project.id,
        school_id=side.school_id,
        proposed_by_id=user.id,
        goals_de=(data.get("goals_de") or "").strip(),
        goals_ru=(data.get("goals_ru") or "").strip(),
        start_date=data["start_date"],
        end_date=data["end_date"],
        note=(data.get("note") or "").strip(),
    )
    db.session.add(revision)
    notify_side(project, other_side(project, side), "project_revision_proposed", school=side.school.name)
    return revision


def decide_revision(project: Project, revision: ProjectRevision, user: User, accept: bool) -> None:
    """The other school's contact accepts (the change applies) or rejects a pending change."""
    lock_project(project)
    lock(revision)
    if revision.state is not RevisionState.pending:
        raise ProjectError(_l("This change has already been decided."))
    if project.state is not ProjectState.active:
        raise ProjectError(_l("A completed or cancelled project can no longer be changed."))
    side = require_staff(project, user)
    if side.school_id == revision.school_id:
        raise ProjectError(_l("The other school decides on your change."))
    require_contact(project, user)
    revision.state = RevisionState.accepted if accept else RevisionState.rejected
    revision.decided_at, revision.decided_by_id = utcnow(), user.id
    if accept:
        for field in REVISED_FIELDS:
            setattr(project, field, getattr(revision, field))
    proposing = project.side_of_school(revision.school_id)
    kind = "project_revision_accepted" if accept else "project_revision_rejected"
    notify_side(project, proposing, kind, school=side.school.name)


def withdraw_revision(project: Project, revision: ProjectRevision, user: User) -> None:
    """The proposing school takes back its pending change."""
    lock_project(project)
    lock(revision)
    side = require_staff(project, user)
    if revision.state is not RevisionState.pending or side.school_id != revision.school_id:
        raise ProjectError(_l("Only the proposing school can withdraw a waiting change."))
    revision.state, revision.decided_at, revision.decided_by_id = RevisionState.withdrawn, utcnow(), user.id


def complete_project(project: Project, user: User) -> None:
    """The user's school considers the project completed; the second school's wish completes it."""
    lock_project(project)
    if project.state is not ProjectState.active:
        raise ProjectError(_l("Only an active project can be completed."))
    side = require_contact(project, user)
    if side.wants_completion:
        raise ProjectError(_l("Your school has already marked the project as completed."))
    side.wants_completion = True
    other = other_side(project, side)
    if other.wants_completion:
        project.state, project.state_changed_at = ProjectState.completed, utcnow()
        notify_side(project, other, "project_completed", school=side.school.name)
    else:
        notify_side(project, other, "project_completion_proposed", school=side.school.name)


def cancel_project(project: Project, user: User, reason: str) -> None:
    """Either contact person ends a draft or running project, giving the other school a reason."""
    lock_project(project)
    if project.state not in (ProjectState.draft, ProjectState.active):
        raise ProjectError(_l("This project has already ended."))
    side = require_staff(project, user)
    if side.contact_id not in (None, user.id):
        raise ProjectError(_l("Only your school's contact person for this project can do this."))
    if not reason.strip():
        raise ProjectError(_l("Please give a reason; the other school reads it."), field="reason")
    project.state, project.state_changed_at, project.cancel_reason = ProjectState.cancelled, utcnow(), reason.strip()
    notify_side(project, other_side(project, side), "project_cancelled", school=side.school.name, reason=reason.strip())


# --- milestones ----------------------------------------------------------------------------------------


def save_milestone(project: Project, user: User, milestone: Milestone | None, data: dict) -> Milestone:
    lock_project(project)
    require_staff(project, user)
    if project.state not in (ProjectState.draft, ProjectState.active):
        raise ProjectError(_l("A completed or cancelled project can no longer be changed."))
    if not (data.get("title_de") or "").strip() and not (data.get("title_ru") or "").strip():
        raise ProjectError(_l("Give the stage a title in German or Russian."), field="title_de")
    milestone = milestone or Milestone(project_id=project.id)
    for field in ("title_de", "title_ru", "task_de", "task_ru"):
        setattr(milestone, field, (data.get(field) or "").strip())
    milestone.deadline, milestone.mode = data["deadline"], data["mode"]
    if milestone not in project.milestones:
        project.milestones.append(milestone)
    return milestone


def delete_milestone(project: Project, user: User, milestone: Milestone) -> None:
    """Delete a stage nobody has handed in work for; pupils' work (and its files) is never deleted with it
    (finding #9)."""
    lock_project(project)
    require_staff(project, user)
    if project.state not in (ProjectState.draft, ProjectState.active):
        raise ProjectError(_l("A completed or cancelled project can no longer be changed."))
    if milestone_has_submissions(milestone):
        raise ProjectError(
            _l("Work has been handed in for this stage, so it cannot be deleted. Change its title or task instead.")
        )
    project.milestones.remove(milestone)


def milestone_has_submissions(milestone: Milestone) -> bool:
    from ..submissions.models import Submission  # submissions build on projects

    first = sa.select(Submission.id).where(Submission.milestone_id == milestone.id).limit(1)
    return db.session.scalar(first) is not None
