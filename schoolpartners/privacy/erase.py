"""Deleting a pupil: on the family's request and by the retention purge (Finding #7, Issue 10 item 6).

Everything the pupil wrote goes, files on disk included. Where a partner's thread must stay coherent (tandem
messages, a workspace post that others answered, a session the pair logged together) the row stays with its
text blanked and no author; everything else is deleted. Services add and flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User, UserRole
from ..classes.models import ClassMembership, ParentalConsent
from ..classes.services import archive_student
from ..extensions import db
from ..moderation.models import Report
from ..notifications.models import Notification, OutboxEmail
from ..projects.models import Comment, Post
from ..sqltypes import utcnow
from ..submissions.models import Submission, SubmissionFile, SubmissionVersion
from ..tandem.models import SessionNote, TandemMeeting, TandemMessage, TandemSession, VocabularyEntry
from ..uploads import delete_stored
from .models import DeletionReason, DeletionRecord

# Notifications to other people that carry the pupil's name as a parameter.
NAMING_KINDS = ("tandem_leave_requested", "tandem_invitation", "tandem_invitation_accepted", "join_requested")


@dataclass(frozen=True)
class ErasureSummary:
    """What a deletion will remove, for the confirmation page."""

    submissions: int
    files: int
    messages: int
    posts: int
    comments: int
    vocabulary: int
    notes: int


def _own_versions(student_id: int) -> sa.Select:
    """Versions the pupil handed in: all of their own submissions, and their versions of team work."""
    own = sa.select(Submission.id).where(Submission.student_id == student_id)
    return sa.select(SubmissionVersion.id).where(
        sa.or_(SubmissionVersion.submission_id.in_(own), SubmissionVersion.author_id == student_id)
    )


def erasure_summary(student: User) -> ErasureSummary:
    """Counts of what the pupil wrote, in one statement."""
    sid = student.id

    def count(model, *where):
        return sa.select(sa.func.count()).select_from(model).where(*where).correlate(None).scalar_subquery()

    row = db.session.execute(
        sa.select(
            count(Submission, Submission.student_id == sid),
            count(SubmissionFile, SubmissionFile.version_id.in_(_own_versions(sid))),
            count(TandemMessage, TandemMessage.author_id == sid),
            count(Post, Post.author_id == sid),
            count(Comment, Comment.author_id == sid),
            count(VocabularyEntry, VocabularyEntry.added_by_id == sid),
            count(SessionNote, SessionNote.user_id == sid),
        )
    ).one()
    return ErasureSummary(*row)


def erase_student(student: User) -> None:
    """Delete the pupil's account and delete or blank everything they wrote; stored files are removed from
    disk once the rows are flushed. A fixed number of statements, whatever the amount of data."""
    if student.role is not UserRole.student:
        raise ValueError("only pupils' accounts are erased here")
    sid = student.id
    files = db.session.scalars(
        sa.select(SubmissionFile.storage_name).where(SubmissionFile.version_id.in_(_own_versions(sid)))
    ).all()
    team_work = sa.select(SubmissionVersion.submission_id).where(SubmissionVersion.author_id == sid)
    touched_teams = db.session.scalars(
        sa.select(Submission.id).where(Submission.team_id.is_not(None), Submission.id.in_(team_work))
    ).all()
    run = db.session.execute
    options = {"synchronize_session": False}
    # Work: their own submissions (versions, files and feedback go with them by cascade), their versions of
    # team work, and team submissions left without any version.
    run(sa.delete(Submission).where(Submission.student_id == sid), execution_options=options)
    run(sa.delete(SubmissionVersion).where(SubmissionVersion.author_id == sid), execution_options=options)
    if touched_teams:
        left = sa.select(SubmissionVersion.id).where(SubmissionVersion.submission_id == Submission.id)
        run(
            sa.delete(Submission).where(Submission.id.in_(touched_teams), ~left.exists()),
            execution_options=options,
        )
    # Tandem: messages stay as blank placeholders so the partner's replies keep their place in the thread.
    run(
        sa.update(TandemMessage).where(TandemMessage.author_id == sid).values(body="", author_id=None),
        execution_options=options,
    )
    run(
        sa.update(TandemSession).where(TandemSession.logged_by_id == sid).values(topics="", logged_by_id=None),
        execution_options=options,
    )
    run(sa.delete(SessionNote).where(SessionNote.user_id == sid), execution_options=options)
    run(sa.delete(VocabularyEntry).where(VocabularyEntry.added_by_id == sid), execution_options=options)
    run(
        sa.update(TandemMeeting).where(TandemMeeting.created_by_id == sid).values(place="", created_by_id=None),
        execution_options=options,
    )
    # Workspace: comments go; a post others answered stays blank for their comments, the others go.
    run(sa.delete(Comment).where(Comment.author_id == sid), execution_options=options)
    answered = sa.select(Comment.id).where(Comment.post_id == Post.id).exists()
    run(
        sa.update(Post).where(Post.author_id == sid, answered).values(body="", author_id=None),
        execution_options=options,
    )
    run(sa.delete(Post).where(Post.author_id == sid), execution_options=options)
    # Reports the pupil made: the moderators' record stays, the pupil's words do not.
    run(sa.update(Report).where(Report.reporter_id == sid).values(reason=""), execution_options=options)
    _forget_name_in_notifications(student)
    # The account and what hangs on it (consents, class memberships, tandem profile and memberships, team
    # memberships, sessions, tokens, own notifications) go by the foreign keys' ON DELETE CASCADE.
    run(sa.delete(ParentalConsent).where(ParentalConsent.student_id == sid), execution_options=options)
    run(sa.delete(ClassMembership).where(ClassMembership.student_id == sid), execution_options=options)
    run(sa.delete(Notification).where(Notification.user_id == sid), execution_options=options)
    db.session.delete(student)
    db.session.flush()
    db.session.expire_all()  # the bulk statements changed rows the session may hold
    folder = current_app.config["UPLOAD_DIR"]
    for name in files:  # after the rows: a failed flush leaves files, never rows without files
        delete_stored(folder, name)


def _forget_name_in_notifications(student: User) -> None:
    """Delete other people's notifications and emails that name the pupil ("Lena would like to leave their
    tandem")."""
    candidates = db.session.scalars(sa.select(Notification).where(Notification.kind.in_(NAMING_KINDS))).all()
    naming = [n.id for n in candidates if (n.params or {}).get("name") == student.display_name]
    if naming:
        db.session.execute(
            sa.delete(Notification).where(Notification.id.in_(naming)), execution_options={"synchronize_session": False}
        )
    # The emails of those notifications (queued or kept after sending) name the pupil too.
    name = student.display_name
    db.session.execute(
        sa.delete(OutboxEmail).where(
            sa.or_(
                OutboxEmail.body.contains(name, autoescape=True), OutboxEmail.subject.contains(name, autoescape=True)
            )
        ),
        execution_options={"synchronize_session": False},
    )


def delete_on_request(student: User, by: User) -> DeletionRecord:
    """The family asked for deletion (through the pupil's teacher or school coordinator): end the pupil's
    tandems as a leaver's, erase everything, and record who asked and when (not the pupil's name)."""
    if student.archived_at is None:
        archive_student(student)  # partners are told as when a pupil leaves
    record = DeletionRecord(
        student_id=student.id, school_id=student.school_id, reason=DeletionReason.family_request, requested_by_id=by.id
    )
    erase_student(student)
    db.session.add(record)
    db.session.flush()
    return record


def purge_archived(now: datetime | None = None) -> int:
    """Erase the pupils archived longer ago than STUDENT_RETENTION_DAYS, everything they wrote included;
    returns how many (Finding #7)."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["STUDENT_RETENTION_DAYS"])
    students = db.session.scalars(
        sa.select(User).where(User.role == UserRole.student, User.archived_at.is_not(None), User.archived_at < cutoff)
    ).all()
    records = [
        DeletionRecord(student_id=s.id, school_id=s.school_id, reason=DeletionReason.retention) for s in students
    ]
    for student in students:
        erase_student(student)
    db.session.add_all(records)
    db.session.flush()
    return len(students)
