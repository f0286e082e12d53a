"""Handing in work and giving feedback. Services never commit; the views do, once.

A student hands in text and/or files for a stage of a running project: alone, or for their mixed team when
the stage is team work. Each hand-in is a new version (earlier ones stay); one after the deadline is marked
late. Files go through `uploads.store_upload` (type by content, size limit, images re-encoded); if any
file of a hand-in is refused, or the hand-in is not committed, none of them is kept and nothing changes.

Hand-ins of the same student (or team) from several tabs at once are serialised by row locks: a first hand-in
locks the student's (or team's) row, a new version the submission, so each gets the next version number (1, 2, 3),
on PostgreSQL as on SQLite (issue 11).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from ..accounts.models import User
from ..classes.models import ConsentScope
from ..classes.services import hidden_from, lacking_consent, may
from ..domain import DomainError
from ..extensions import db
from ..locking import get_locked, lock
from ..notifications.services import notify
from ..projects import access as project_access
from ..projects import services as projects
from ..projects.models import Milestone, MilestoneMode, Project, ProjectState, Team, TeamMember
from ..projects.queries import project_teachers
from ..signals import consent_withdrawn
from ..sqltypes import utcnow
from ..uploads import remove_unless_committed, store_upload
from .models import Feedback, Submission, SubmissionFile, SubmissionStatus, SubmissionVersion

MAX_TEXT = 20_000
MAX_FILES = 5


class SubmissionError(DomainError):
    pass


def upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]


def team_of(project: Project, student: User) -> Team | None:
    return db.session.scalar(
        sa.select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(Team.project_id == project.id, TeamMember.student_id == student.id)
    )


def team_submission_ids(student: User) -> sa.Select:
    """Ids of the submissions of every team the student belongs to (a subquery)."""
    teams = sa.select(TeamMember.team_id).where(TeamMember.student_id == student.id)
    return sa.select(Submission.id).where(Submission.team_id.in_(teams))


def own_submission(milestone: Milestone, student: User, team: Team | None) -> Submission | None:
    """The submission the student works on for this stage (their team's for team work)."""
    if milestone.mode is MilestoneMode.mixed_teams:
        if team is None:
            return None
        return db.session.scalar(
            sa.select(Submission).where(Submission.milestone_id == milestone.id, Submission.team_id == team.id)
        )
    return db.session.scalar(
        sa.select(Submission).where(Submission.milestone_id == milestone.id, Submission.student_id == student.id)
    )


def can_view(submission: Submission, user: User) -> bool:
    """Teachers of both schools; the student who handed it in and their team. Not the foundation: minors' work."""
    if not user.is_authenticated:
        return False
    project = db.session.get(Project, submission.project_id)
    if user.is_staff:
        # Finding #8: a student's own work without consent to taking part stays with their own school.
        if submission.student is not None and hidden_from(user, [submission.student], ConsentScope.participation):
            return False
        return project_access.school_of(project, user) is not None
    if user.is_student and user.archived_at is None:
        if submission.student_id == user.id:
            return True
        if submission.team_id is not None:
            return (
                db.session.scalar(
                    sa.select(TeamMember.student_id).where(
                        TeamMember.team_id == submission.team_id, TeamMember.student_id == user.id
                    )
                )
                is not None
            )
    return False


def check_may_submit(project: Project, milestone: Milestone, student: User) -> Team | None:
    if project.state is not ProjectState.active:
        raise SubmissionError(_l("Work can be handed in while the project is running."))
    if not project_access.student_member(project, student):
        raise SubmissionError(_l("Only students of the project's classes hand in work."))
    if not may(student, ConsentScope.participation):
        raise SubmissionError(_l("Your parents' consent to taking part is not recorded yet. Please ask your teacher."))
    team = team_of(project, student)
    if milestone.mode is MilestoneMode.mixed_teams and team is None:
        raise SubmissionError(_l("This stage is team work. Your teacher puts you into a mixed team first."))
    return team


def submit(
    project: Project, milestone: Milestone, student: User, text: str, files: Iterable[FileStorage]
) -> Submission:
    """Hand in a new version: stores its files first and keeps none of them if one is refused."""
    team = check_may_submit(project, milestone, student)
    if milestone.mode is not MilestoneMode.mixed_teams:
        team = None  # a pupil in a mixed team still hands in alone on an individual stage (as own_submission looks)
    text = (text or "").strip()
    files = [f for f in files if f and f.filename]
    if not text and not files:
        raise SubmissionError(_l("Write something or attach a file."), field="text")
    if len(text) > MAX_TEXT:
        raise SubmissionError(_l("The text is too long."), field="text")
    if len(files) > MAX_FILES:
        raise SubmissionError(_l("Attach at most %(count)s files at a time.", count=MAX_FILES), field="files")
    stored = []
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    for upload in files:  # a refused file raises: the view rolls back, and the files stored before it go too
        item = store_upload(upload, upload.filename or "", upload_dir(), limit)
        remove_unless_committed(upload_dir(), item.storage_name)
        stored.append(item)
    submission = locked_submission(project, milestone, student, team)
    now = utcnow()
    late = now > milestone.deadline
    version = SubmissionVersion(
        submission_id=submission.id, number=next_number(submission), text=text, author_id=student.id, late=late
    )
    version.files = [
        SubmissionFile(
            storage_name=item.storage_name,
            original_name=item.original_name,
            kind=item.kind,
            mime_type=item.mime_type,
            size=item.size,
            sha256=item.sha256,
        )
        for item in stored
    ]
    submission.versions.append(version)
    submission.status, submission.updated_at, submission.late = SubmissionStatus.submitted, now, late
    for side in project.sides:  # the contact persons still on their school's staff (finding #17)
        for person in projects.side_recipients(side):
            notify(
                person,
                "submission_received",
                link=f"/submissions/{submission.id}",
                stage=milestone.title(person.locale),
            )
    return submission


def locked_submission(project: Project, milestone: Milestone, student: User, team: Team | None) -> Submission:
    """The student's (or team's) submission for the stage under its row lock, made on the first hand-in.

    A first hand-in locks whoever hands in (the student, or the team), so a first hand-in from another tab waits,
    then finds the submission and adds version 2 instead of failing on the unique constraint."""
    submission = own_submission(milestone, student, team)
    if submission is None:
        lock_author(student, team)
        submission = own_submission(milestone, student, team)  # re-read: made by whoever held the lock before
    if submission is not None:
        return lock(submission)
    submission = Submission(
        milestone_id=milestone.id,
        project_id=project.id,
        student_id=None if team else student.id,
        team_id=team.id if team else None,
    )
    db.session.add(submission)
    db.session.flush()
    return submission


def lock_author(student: User, team: Team | None) -> None:
    """Lock the row of the student (or team) handing in, with FOR NO KEY UPDATE: it serialises their first hand-ins
    but, unlike FOR UPDATE, lets rows that merely refer to them (a notification for the pupil) be written meanwhile.

    Not the stage's row: a teacher saving the stage locks the project first and then updates the stage, while a
    hand-in holding the stage would wait for the project (its new row refers to it), a deadlock."""
    model, ident = (Team, team.id) if team is not None else (User, student.id)
    db.session.execute(sa.select(model.id).where(model.id == ident).with_for_update(key_share=True))


def next_number(submission: Submission) -> int:
    """The next version number, counted in the database under the submission's lock (not from a loaded list)."""
    last = db.session.scalar(
        sa.select(sa.func.max(SubmissionVersion.number)).where(SubmissionVersion.submission_id == submission.id)
    )
    return (last or 0) + 1


def give_feedback(submission: Submission, teacher: User, body: str, status: SubmissionStatus) -> Feedback:
    """A teacher's comment and the status it sets; feedback at the same moment is serialised, so the status
    is always the one of the latest feedback."""
    # get_locked, not lock(): the page loaded the submission with outer joins, which FOR UPDATE cannot take along.
    get_locked(Submission, submission.id)
    project = db.session.get(Project, submission.project_id)
    if project_access.school_of(project, teacher) is None:
        raise SubmissionError(_l("Only teachers of the two schools give feedback."))
    body = (body or "").strip()
    if len(body) > MAX_TEXT:
        raise SubmissionError(_l("The text is too long."), field="body")
    if not body and status is SubmissionStatus.needs_revision:
        raise SubmissionError(_l("Say what should be revised."), field="body")
    feedback = Feedback(submission_id=submission.id, author_id=teacher.id, body=body, status=status)
    submission.feedback.append(feedback)
    submission.status = status
    for student in authors(submission):
        notify(
            student,
            "feedback_received",
            link=f"/submissions/{submission.id}",
            stage=submission.milestone.title(student.locale),
            status=status.value,
        )
    return feedback


def authors(submission: Submission) -> list[User]:
    """The student, or every member of the team."""
    if submission.team_id is None:
        return [submission.student] if submission.student else []
    return list(
        db.session.scalars(
            sa.select(User)
            .join(TeamMember, TeamMember.student_id == User.id)
            .where(TeamMember.team_id == submission.team_id)
        )
    )


def make_team(project: Project, teacher: User, name: str, student_ids: list[int]) -> Team:
    """A mixed team: students of the project's classes from both schools."""
    if project_access.school_of(project, teacher) is None:
        raise SubmissionError(_l("Only teachers of the two schools form teams."))
    if not name.strip():
        raise SubmissionError(_l("Give the team a name."), field="name")
    members = db.session.scalars(sa.select(User).where(User.id.in_(student_ids))).all()
    if len(members) != len(set(student_ids)) or not all(project_access.student_member(project, s) for s in members):
        raise SubmissionError(_l("Choose students of the project's classes."), field="students")
    if len({s.school_id for s in members}) < 2:
        raise SubmissionError(_l("A mixed team has students of both schools."), field="students")
    if lacking_consent(members, ConsentScope.participation):  # Finding #8: never shown to the partner school
        raise SubmissionError(
            _l("Students without their parents' consent to taking part cannot join a mixed team."), field="students"
        )
    taken = db.session.scalars(
        sa.select(TeamMember.student_id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(Team.project_id == project.id, TeamMember.student_id.in_(student_ids))
    ).all()
    if taken:
        raise SubmissionError(_l("Some of these students are already in a team of this project."), field="students")
    team = Team(project_id=project.id, name=name.strip(), members=[TeamMember(student_id=s.id) for s in members])
    db.session.add(team)
    return team


def hidden_contributors(submission: Submission, viewer: User) -> set[int]:
    """Authors of the submission or of its versions whom the viewer must not see: no consent to taking part, of
    another school (Finding #8; a team's work stays, without their name and their versions)."""
    people = authors(submission) + [v.author for v in submission.versions if v.author is not None]
    return hidden_from(viewer, people, ConsentScope.participation)


@consent_withdrawn.connect
def leave_teams_without_consent(student: User, scope: ConsentScope, **_kwargs) -> None:
    """Withdrawn consent to taking part: the student leaves every mixed team, and the teachers who lead the project
    at both schools are told (Issue 10 item 2). Their work stays, hidden from the partner school."""
    if scope is not ConsentScope.participation:
        return
    memberships = db.session.scalars(
        sa.select(TeamMember).join(Team, Team.id == TeamMember.team_id).where(TeamMember.student_id == student.id)
    ).all()
    for membership in memberships:
        team = db.session.get(Team, membership.team_id)
        db.session.delete(membership)
        db.session.flush()
        project = db.session.get(Project, team.project_id)
        told = set()
        for teacher, _school_id in project_teachers(project.id):
            if teacher.id not in told:
                told.add(teacher.id)
                notify(
                    teacher,
                    "team_consent_removed",
                    link=f"/projects/{project.id}/teams",
                    title=project.title(teacher.locale),
                )
