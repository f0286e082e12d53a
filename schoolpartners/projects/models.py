"""Joint projects of two partner schools: sides, classes, revisions, milestones."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..accounts.models import User
from ..classes.models import SchoolClass
from ..extensions import db
from ..i18n import label
from ..partnerships.models import Partnership
from ..schools.models import School
from ..sqltypes import UTCDateTime, utcnow


class ProjectState(enum.Enum):
    draft = "draft"
    active = "active"
    completed = "completed"
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return label(PROJECT_STATE_LABELS[self])


PROJECT_STATE_LABELS = {
    ProjectState.draft: _l("draft"),
    ProjectState.active: _l("active"),
    ProjectState.completed: _l("completed"),
    ProjectState.cancelled: _l("cancelled"),
}


class MilestoneMode(enum.Enum):
    individual = "individual"
    mixed_teams = "mixed_teams"

    @property
    def label(self) -> str:
        return label(MILESTONE_MODE_LABELS[self])


MILESTONE_MODE_LABELS = {
    MilestoneMode.individual: _l("individual work"),
    MilestoneMode.mixed_teams: _l("mixed teams (students of both schools)"),
}


class Project(db.Model):
    """A joint project inside a school partnership; it runs on the version both sides confirmed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    template: Mapped[str | None] = mapped_column(sa.String(40))
    title_de: Mapped[str] = mapped_column(sa.String(200), default="")
    title_ru: Mapped[str] = mapped_column(sa.String(200), default="")
    description_de: Mapped[str] = mapped_column(sa.Text, default="")
    description_ru: Mapped[str] = mapped_column(sa.Text, default="")
    goals_de: Mapped[str] = mapped_column(sa.Text, default="")
    goals_ru: Mapped[str] = mapped_column(sa.Text, default="")
    benefit_german: Mapped[str] = mapped_column(sa.Text, default="")  # what the German school gains
    benefit_russian: Mapped[str] = mapped_column(sa.Text, default="")  # what the Russian school gains
    working_languages: Mapped[str] = mapped_column(sa.String(20), default="de,ru")
    start_date: Mapped[date]
    end_date: Mapped[date]
    state: Mapped[ProjectState] = mapped_column(
        sa.Enum(ProjectState, native_enum=False, length=20), default=ProjectState.draft, index=True
    )
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Moves with every change to the project, its sides, classes or stages (see bump_versions below):
    # rendered parts of the project page are kept per version.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    partnership: Mapped[Partnership] = relationship()
    sides: Mapped[list[ProjectSide]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectSide.id"
    )
    class_links: Mapped[list[ProjectClass]] = relationship(cascade="all, delete-orphan")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="(Milestone.deadline, Milestone.id)"
    )

    def title(self, locale: str) -> str:
        """The title in the viewer's language, else the other one."""
        first, second = (self.title_ru, self.title_de) if locale == "ru" else (self.title_de, self.title_ru)
        return first or second

    def side_of_school(self, school_id: int) -> ProjectSide | None:
        return next((s for s in self.sides if s.school_id == school_id), None)

    @property
    def is_confirmed(self) -> bool:
        return bool(self.sides) and all(side.confirmed_at is not None for side in self.sides)


class ProjectSide(db.Model):
    """One school's part of a project: its fixed contact teacher and when it confirmed the project."""

    __tablename__ = "project_side"
    __table_args__ = (sa.UniqueConstraint("project_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    wants_completion: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    wants_publication: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    project: Mapped[Project] = relationship(back_populates="sides")
    school: Mapped[School] = relationship()
    contact: Mapped[User | None] = relationship(foreign_keys=[contact_id])


class ProjectClass(db.Model):
    """A participating class; its students and teachers are project members."""

    __tablename__ = "project_class"

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), primary_key=True, index=True)

    school_class: Mapped[SchoolClass] = relationship()


class RevisionState(enum.Enum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    withdrawn = "withdrawn"

    @property
    def label(self) -> str:
        return label(REVISION_STATE_LABELS[self])


REVISION_STATE_LABELS = {
    RevisionState.pending: _l("awaiting the other side"),
    RevisionState.accepted: _l("accepted"),
    RevisionState.rejected: _l("rejected"),
    RevisionState.withdrawn: _l("withdrawn"),
}


class ProjectRevision(db.Model):
    """A change to goals or dates of an active project; it applies once the other side accepts it."""

    __tablename__ = "project_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))  # the proposing side
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    goals_de: Mapped[str] = mapped_column(sa.Text, default="")
    goals_ru: Mapped[str] = mapped_column(sa.Text, default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[RevisionState] = mapped_column(
        sa.Enum(RevisionState, native_enum=False, length=20), default=RevisionState.pending
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])


class Milestone(db.Model):
    """A stage with a deadline: one instant (stored in UTC), shown in each viewer's time zone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    title_de: Mapped[str] = mapped_column(sa.String(200), default="")
    title_ru: Mapped[str] = mapped_column(sa.String(200), default="")
    task_de: Mapped[str] = mapped_column(sa.Text, default="")
    task_ru: Mapped[str] = mapped_column(sa.Text, default="")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[MilestoneMode] = mapped_column(
        sa.Enum(MilestoneMode, native_enum=False, length=20), default=MilestoneMode.individual
    )

    project: Mapped[Project] = relationship(back_populates="milestones")

    def title(self, locale: str) -> str:
        first, second = (self.title_ru, self.title_de) if locale == "ru" else (self.title_de, self.title_ru)
        return first or second


class Team(db.Model):
    """A mixed team: students of both schools working together on a stage."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[TeamMember]] = relationship(cascade="all, delete-orphan")


class TeamMember(db.Model):
    __tablename__ = "team_member"

    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)

    student: Mapped[User] = relationship()


class Post(db.Model):
    """A post in the project workspace (Markdown, sanitised when shown); teachers' posts may be announcements."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    is_announcement: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="Comment.id"
    )


class Comment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    post: Mapped[Post] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


_PARTS = (ProjectSide, ProjectClass, Milestone)


def _renamed_in(session: Session) -> set[int]:
    """Projects that show a school or class renamed in this flush (their page bodies name them)."""
    classes = [o.id for o in session.dirty if isinstance(o, SchoolClass) and _name_changed(o)]
    schools = [o.id for o in session.dirty if isinstance(o, School) and _name_changed(o)]
    if not classes and not schools:
        return set()
    found = sa.union(
        sa.select(ProjectClass.project_id).where(ProjectClass.class_id.in_(classes)),
        sa.select(ProjectSide.project_id).where(ProjectSide.school_id.in_(schools)),
    )
    return set(session.connection().scalars(found))


def _name_changed(obj) -> bool:
    return sa.inspect(obj).attrs.name.history.has_changes()


@sa.event.listens_for(Session, "before_flush")
def bump_versions(session: Session, _context, _instances) -> None:
    """Count a change of a project or of one of its parts (sides, classes, stages) as a new version."""
    bumped: set[int] = set()
    for obj in list(session.dirty):
        if isinstance(obj, Project) and session.is_modified(obj):
            obj.version = (obj.version or 0) + 1
            bumped.add(obj.id)
    touched = {
        obj.project_id
        for obj in list(session.new) + list(session.dirty) + list(session.deleted)
        if isinstance(obj, _PARTS) and obj.project_id is not None
    }
    touched |= _renamed_in(session)
    for project_id in touched - bumped:
        project = session.identity_map.get(sa.inspect(Project).identity_key_from_primary_key((project_id,)))
        if project is not None and project not in session.deleted:
            project.version = (project.version or 0) + 1  # flushed with the change itself
        else:
            session.connection().execute(
                sa.update(Project).where(Project.id == project_id).values(version=Project.version + 1)
            )
