"""Deleting a pupil: on the family's request and by the retention purge (Finding #7, Issue 10 item 6).

Everything the pupil wrote goes, files on disk included: those once the deletion is committed (the caller
commits, then calls `remove_files`), so a failed commit never leaves rows whose files are gone. Where a
partner's thread must stay coherent (tandem messages, a workspace post that others answered, a session the pair
logged together) the row stays with its text blanked and no author; everything else is deleted. Services add
and flush, never commit."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, selectinload

from ..accounts.models import User, UserRole
from ..classes.models import ClassMembership, ClassPartnership, ClassTeacher, ParentalConsent
from ..classes.services import archive_student
from ..extensions import db
from ..moderation.models import Report
from ..notifications.models import Notification, OutboxEmail
from ..projects.models import Comment, Post
from ..sqltypes import utcnow
from ..submissions.models import Submission, SubmissionFile, SubmissionVersion
from ..tandem.models import (
    PairingRound,
    SessionNote,
    TandemInvitation,
    TandemMeeting,
    TandemMember,
    TandemMessage,
    TandemPair,
    TandemSession,
    VocabularyEntry,
)
from ..uploads import delete_stored
from .models import DeletionReason, DeletionRecord

# Notifications to other people that carry the pupil's name as a parameter.
NAMING_KINDS = ("tandem_leave_requested", "tandem_invitation", "tandem_invitation_accepted", "join_requested")
CHUNK = 200  # pupils per round of statements: keeps every IN list far below the databases' parameter limits


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


def _own_versions(*student_ids: int) -> sa.Select:
    """Versions the pupils handed in: all of their own submissions, and their versions of team work."""
    own = sa.select(Submission.id).where(Submission.student_id.in_(student_ids))
    return sa.select(SubmissionVersion.id).where(
        sa.or_(SubmissionVersion.submission_id.in_(own), SubmissionVersion.author_id.in_(student_ids))
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


@dataclass(frozen=True)
class Erased:
    """What an erasure did: how many pupils went, and the stored files to remove once the transaction committed."""

    count: int
    files: tuple[str, ...]


def erase_student(student: User) -> tuple[str, ...]:
    """Delete one pupil's account and delete or blank everything they wrote; see `erase_students`."""
    return erase_students([student])


def erase_students(students: Sequence[User]) -> tuple[str, ...]:
    """Delete the pupils' accounts and delete or blank everything they wrote, in a fixed number of statements
    for each chunk of pupils, whatever the amount of data. Returns the names of their stored files, which stay on
    disk: the caller removes them with `remove_files` once its commit succeeded, so a failed commit never
    leaves rows whose files are gone."""
    if any(student.role is not UserRole.student for student in students):
        raise ValueError("only pupils' accounts are erased here")
    files: list[str] = []
    for start in range(0, len(students), CHUNK):
        files += _erase_chunk(students[start : start + CHUNK])
    db.session.expire_all()  # the bulk statements changed rows the session may hold
    return tuple(files)


def remove_files(names: Iterable[str]) -> None:
    """Remove erased pupils' stored files: only after the commit that deleted their rows. A file that cannot be
    removed is logged and left for the operator (no row points at it any more, so nobody is served it)."""
    folder = current_app.config["UPLOAD_DIR"]
    for name in names:
        try:
            delete_stored(folder, name)
        except OSError:
            current_app.logger.exception("could not remove the stored file %s of an erased pupil", name)


def _erase_chunk(students: Sequence[User]) -> list[str]:
    ids = [student.id for student in students]
    files = list(
        db.session.scalars(
            sa.select(SubmissionFile.storage_name).where(SubmissionFile.version_id.in_(_own_versions(*ids)))
        )
    )
    team_work = sa.select(SubmissionVersion.submission_id).where(SubmissionVersion.author_id.in_(ids))
    touched_teams = db.session.scalars(
        sa.select(Submission.id).where(Submission.team_id.is_not(None), Submission.id.in_(team_work))
    ).all()
    run = db.session.execute
    options = {"synchronize_session": False}
    # Work: their own submissions (versions, files and feedback go with them by cascade), their versions of
    # team work, and team submissions left without any version.
    run(sa.delete(Submission).where(Submission.student_id.in_(ids)), execution_options=options)
    run(sa.delete(SubmissionVersion).where(SubmissionVersion.author_id.in_(ids)), execution_options=options)
    if touched_teams:
        left = sa.select(SubmissionVersion.id).where(SubmissionVersion.submission_id == Submission.id)
        run(
            sa.delete(Submission).where(Submission.id.in_(touched_teams), ~left.exists()),
            execution_options=options,
        )
    # Tandem: messages stay as blank placeholders so the partner's replies keep their place in the thread.
    run(
        sa.update(TandemMessage).where(TandemMessage.author_id.in_(ids)).values(body="", author_id=None),
        execution_options=options,
    )
    run(
        sa.update(TandemSession).where(TandemSession.logged_by_id.in_(ids)).values(topics="", logged_by_id=None),
        execution_options=options,
    )
    run(sa.delete(SessionNote).where(SessionNote.user_id.in_(ids)), execution_options=options)
    run(sa.delete(VocabularyEntry).where(VocabularyEntry.added_by_id.in_(ids)), execution_options=options)
    run(
        sa.update(TandemMeeting).where(TandemMeeting.created_by_id.in_(ids)).values(place="", created_by_id=None),
        execution_options=options,
    )
    # Workspace: comments go; a post others answered stays blank for their comments, the others go.
    run(sa.delete(Comment).where(Comment.author_id.in_(ids)), execution_options=options)
    answered = sa.select(Comment.id).where(Comment.post_id == Post.id).exists()
    run(
        sa.update(Post).where(Post.author_id.in_(ids), answered).values(body="", author_id=None),
        execution_options=options,
    )
    run(sa.delete(Post).where(Post.author_id.in_(ids)), execution_options=options)
    # Reports the pupils made: the moderators' record stays, the pupils' words do not.
    run(sa.update(Report).where(Report.reporter_id.in_(ids)).values(reason=""), execution_options=options)
    _forget_names(students)  # while classes, pairs and invitations still say who was told about them
    # The accounts and what hangs on them (consents, class memberships, tandem profile and memberships, team
    # memberships, sessions, tokens, own notifications) go by the foreign keys' ON DELETE CASCADE.
    run(sa.delete(ParentalConsent).where(ParentalConsent.student_id.in_(ids)), execution_options=options)
    run(sa.delete(ClassMembership).where(ClassMembership.student_id.in_(ids)), execution_options=options)
    run(sa.delete(Notification).where(Notification.user_id.in_(ids)), execution_options=options)
    for student in students:
        db.session.delete(student)
    db.session.flush()
    return files


def _told_about(ids: list[int]) -> sa.Select:
    """(pupil id, user id, address) of everyone who can have been told about one of the pupils by name: the
    teachers of the pupil's classes and of the two classes of each tandem round, the tandem partners, and those
    the pupil proposed a tandem to or accepted one from."""
    mine, other = aliased(TandemMember), aliased(TandemMember)
    teachers = (
        sa.select(ClassMembership.student_id.label("pupil_id"), ClassTeacher.user_id.label("user_id"))
        .join(ClassTeacher, ClassTeacher.class_id == ClassMembership.class_id)
        .where(ClassMembership.student_id.in_(ids))
    )
    partners = (
        sa.select(mine.user_id, other.user_id)
        .join(other, sa.and_(other.pair_id == mine.pair_id, other.user_id != mine.user_id))
        .where(mine.user_id.in_(ids))
    )
    supervisors = (
        sa.select(mine.user_id, ClassTeacher.user_id)
        .join(TandemPair, TandemPair.id == mine.pair_id)
        .join(PairingRound, PairingRound.id == TandemPair.round_id)
        .join(ClassPartnership, ClassPartnership.id == PairingRound.class_partnership_id)
        .join(
            ClassTeacher,
            sa.or_(
                ClassTeacher.class_id == ClassPartnership.german_class_id,
                ClassTeacher.class_id == ClassPartnership.russian_class_id,
            ),
        )
        .where(mine.user_id.in_(ids))
    )
    invited = sa.select(TandemInvitation.from_user_id, TandemInvitation.to_user_id).where(
        TandemInvitation.from_user_id.in_(ids)
    )
    inviting = sa.select(TandemInvitation.to_user_id, TandemInvitation.from_user_id).where(
        TandemInvitation.to_user_id.in_(ids)
    )
    heard = sa.union(teachers, partners, supervisors, invited, inviting).subquery()
    return sa.select(heard.c.pupil_id, heard.c.user_id, User.email).join(User, User.id == heard.c.user_id)


def _forget_names(students: Sequence[User]) -> None:
    """Delete what named the pupils to the people who were told about them ("Lena would like to leave their
    tandem", as a notification and as its email) and the emails to the pupils themselves. Matched on who was
    told and on the whole name, so another person's mail (a pending reset of "Max Mannheim" when "Max Mann" is
    erased) and notices about a namesake elsewhere stay. Three reads and three deletes, whatever the tables'
    size: the rows read are those of the people told, and of their emails only those that contain a name."""
    run = db.session.execute
    options = {"synchronize_session": False}
    own = [student.email for student in students if student.email]
    if own:
        run(sa.delete(OutboxEmail).where(OutboxEmail.recipient.in_(own)), execution_options=options)
    names = {student.id: student.display_name for student in students}
    told: dict[int, set[str]] = defaultdict(set)  # user id -> the names they may have been told
    told_at: dict[str, set[str]] = defaultdict(set)  # the same by email address
    for pupil_id, user_id, email in run(_told_about(list(names))):
        told[user_id].add(names[pupil_id])
        if email:
            told_at[email].add(names[pupil_id])
    if not told:
        return
    notes = run(
        sa.select(Notification.id, Notification.user_id, Notification.params).where(
            Notification.user_id.in_(list(told)), Notification.kind.in_(NAMING_KINDS)
        )
    )
    doomed = [note_id for note_id, user_id, params in notes if (params or {}).get("name") in told[user_id]]
    if doomed:
        run(sa.delete(Notification).where(Notification.id.in_(doomed)), execution_options=options)
    if not told_at:
        return
    # The notifications' emails (queued, or kept after sending with their subject) name the pupil too; they
    # hold only text, so the name is matched whole in the emails of those who were told.
    spelled = {name for told_names in told_at.values() for name in told_names}
    holding = [
        column.contains(name, autoescape=True) for name in spelled for column in (OutboxEmail.subject, OutboxEmail.body)
    ]
    mails = run(
        sa.select(OutboxEmail.id, OutboxEmail.recipient, OutboxEmail.subject, OutboxEmail.body).where(
            OutboxEmail.recipient.in_(list(told_at)), sa.or_(*holding)
        )
    )
    patterns = {email: _whole_names(told_names) for email, told_names in told_at.items()}
    doomed = [
        mail_id
        for mail_id, recipient, subject, body in mails
        if patterns[recipient].search(subject) or patterns[recipient].search(body)
    ]
    if doomed:
        run(sa.delete(OutboxEmail).where(OutboxEmail.id.in_(doomed)), execution_options=options)


def _whole_names(names: Iterable[str]) -> re.Pattern:
    """A pattern for any of the names as whole words: "Max Mann" is not found in "Max Mannheim"."""
    return re.compile("|".join(rf"(?<!\w){re.escape(name)}(?!\w)" for name in sorted(names)))


def delete_on_request(student: User, by: User) -> Erased:
    """The family asked for deletion (through the pupil's teacher or school coordinator): end the pupil's
    tandems as a leaver's, erase everything, and record who asked and when (not the pupil's name). The caller
    commits, then removes the returned files."""
    if student.archived_at is None:
        archive_student(student)  # partners are told as when a pupil leaves
    record = DeletionRecord(
        student_id=student.id, school_id=student.school_id, reason=DeletionReason.family_request, requested_by_id=by.id
    )
    files = erase_student(student)
    db.session.add(record)
    db.session.flush()
    return Erased(1, files)


def purge_archived(now: datetime | None = None) -> Erased:
    """Erase the pupils archived longer ago than STUDENT_RETENTION_DAYS, everything they wrote included
    (Finding #7). The caller commits, then removes the returned files."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["STUDENT_RETENTION_DAYS"])
    students = db.session.scalars(
        sa.select(User)
        .where(User.role == UserRole.student, User.archived_at.is_not(None), User.archived_at < cutoff)
        .options(selectinload(User.memberships))  # deleting an account cascades over them: no query per pupil
        .order_by(User.id)
    ).all()
    records = [{"student_id": s.id, "school_id": s.school_id, "reason": DeletionReason.retention} for s in students]
    files = erase_students(students)
    if records:
        db.session.execute(sa.insert(DeletionRecord), records)  # one statement for all of them
    return Erased(len(students), files)
