"""Everything the platform holds about a pupil, as a zip: a readable index.html, data.json and the files
(Finding #21, Issue 10 item 6, GDPR Art. 15/20).

Other people appear as little as possible: tandem partners and team co-authors as first name and initial, and
not at all when the site hides them for lack of their parents' consent (participation for teams, tandem for
tandems); teachers by the name they work under. Of team work the export holds the team, the stage and the pupil's
own versions with their files, never a co-author's text or files (file names often hold full names, Finding #6).
A fixed number of statements, whatever the amount of data.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import Response, current_app, render_template, send_file
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..classes.models import ClassMembership, ConsentScope, ParentalConsent, SchoolClass
from ..classes.services import lacking_consent
from ..extensions import db
from ..i18n import current_locale
from ..moderation.models import Report
from ..notifications.models import Notification
from ..notifications.services import TEXTS, render_text
from ..projects.models import Comment, Milestone, Post, Project, Team, TeamMember
from ..showcase.services import public_name
from ..sqltypes import utcnow
from ..submissions.models import Feedback, Submission, SubmissionStatus, SubmissionVersion
from ..submissions.services import team_submission_ids
from ..tandem.models import (
    TandemMeeting,
    TandemMember,
    TandemMessage,
    TandemPair,
    TandemProfile,
    TandemSession,
    VocabularyEntry,
)

IN_MEMORY = 8 * 1024 * 1024  # exports up to this size are built and sent in memory


def _when(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_when)


def collect(student: User) -> tuple[dict, list[tuple[str, str]]]:
    """The pupil's data as plain values (dates as date/datetime objects, codes rather than labels), and the
    files of their work as (path in the zip, name on disk)."""
    locale = current_locale()
    works = _works(student)
    # Co-authors whose parents have not agreed to their taking part are left out, as the site leaves them out.
    hidden = lacking_consent(
        [m.student for work in works if work.team for m in work.team.members if m.student_id != student.id],
        ConsentScope.participation,
    )
    files = [
        (file_path(work, version, stored), stored.storage_name)
        for work in works
        for version in own_versions(student, work)
        for stored in version.files
    ]
    data = {
        "exported_at": utcnow(),
        "profile": {
            "display_name": student.display_name,
            "username": student.username,
            "birth_year": student.birth_year,
            "birth_month": student.birth_month,
            "school": student.school.name if student.school else None,
            "locale": student.locale,
            "timezone": student.timezone,
            "created_at": student.created_at,
            "last_login_at": student.last_login_at,
            "archived_at": student.archived_at,
        },
        "classes": _classes(student),
        "consents": [
            {"scope": c.scope.value, "recorded_at": c.recorded_at, "withdrawn_at": c.withdrawn_at, "note": c.note}
            for c in db.session.scalars(
                sa.select(ParentalConsent)
                .where(ParentalConsent.student_id == student.id)
                .order_by(ParentalConsent.recorded_at)
            )
        ],
        "submissions": [_work(student, work, locale, hidden) for work in works],
        **_tandem(student),
        **_workspace(student, locale),
        "notifications": [
            {"created_at": n.created_at, "read_at": n.read_at, "text": _notification_text(n), "link": n.link}
            for n in db.session.scalars(
                sa.select(Notification).where(Notification.user_id == student.id).order_by(Notification.created_at)
            )
        ],
        "reports": [
            {"created_at": r.created_at, "kind": r.kind, "reason": r.reason, "state": r.state.value}
            for r in db.session.scalars(
                sa.select(Report).where(Report.reporter_id == student.id).order_by(Report.created_at)
            )
        ],
    }
    return data, files


def _classes(student: User) -> list[dict]:
    rows = db.session.execute(
        sa.select(SchoolClass, ClassMembership.joined_at)
        .join(ClassMembership, ClassMembership.class_id == SchoolClass.id)
        .where(ClassMembership.student_id == student.id)
        .order_by(ClassMembership.joined_at)
    ).all()
    return [
        {"name": c.name, "school_year": c.school_year, "subject": c.subject, "joined_at": joined_at}
        for c, joined_at in rows
    ]


def _works(student: User) -> list[Submission]:
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(sa.or_(Submission.student_id == student.id, Submission.id.in_(team_submission_ids(student))))
            .options(
                joinedload(Submission.milestone).joinedload(Milestone.project),
                selectinload(Submission.versions).selectinload(SubmissionVersion.files),
                selectinload(Submission.feedback).joinedload(Feedback.author),
                selectinload(Submission.team)
                .selectinload(Team.members)
                .joinedload(TeamMember.student)
                .joinedload(User.school),
            )
            .order_by(Submission.id)
        )
    )


def own_versions(student: User, work: Submission) -> list[SubmissionVersion]:
    """All versions of the pupil's own work; of team work only those the pupil handed in."""
    if work.team_id is None:
        return list(work.versions)
    return [v for v in work.versions if v.author_id == student.id]


def _work(student: User, work: Submission, locale: str, hidden: set[int]) -> dict:
    team = work.team
    members = {m.student_id: m.student for m in team.members} if team else {}
    return {
        "id": work.id,
        "project": work.milestone.project.title(locale),
        "stage": work.milestone.title(locale),
        "team": team.name if team else None,
        "co_authors": [public_name(m) for i, m in members.items() if i not in hidden and i != student.id],
        "status": work.status.value,
        "created_at": work.created_at,
        "versions": [
            {
                "number": v.number,
                "handed_in_at": v.created_at,
                "late": v.late,
                "by": student.display_name if v.author_id == student.id else None,
                "text": v.text,
                "files": [{"name": f.original_name, "size": f.size, "path": file_path(work, v, f)} for f in v.files],
            }
            for v in own_versions(student, work)
        ],
        "feedback": [
            {
                "by": f.author.display_name if f.author else None,
                "created_at": f.created_at,
                "status": f.status.value,
                "text": f.body,
            }
            for f in work.feedback
        ],
    }


def file_path(work: Submission, version: SubmissionVersion, stored) -> str:
    """Where a file lies in the zip (the id keeps two files of the same name apart)."""
    return f"files/{work.id}/{version.number}/{stored.id}-{stored.original_name}"


def _tandem(student: User) -> dict:
    profile = db.session.scalar(sa.select(TandemProfile).where(TandemProfile.user_id == student.id))
    mine = sa.select(TandemMember.pair_id).where(TandemMember.user_id == student.id)
    pairs = db.session.scalars(
        sa.select(TandemPair)
        .where(TandemPair.id.in_(mine))
        .options(selectinload(TandemPair.members).joinedload(TandemMember.user).joinedload(User.school))
        .order_by(TandemPair.id)
    ).all()
    # Partners whose parents have not agreed to the tandem are left out, as the pair page leaves them out.
    hidden = lacking_consent(
        [m.user for p in pairs for m in p.members if m.user_id != student.id], ConsentScope.tandem
    )
    sessions = db.session.scalars(
        sa.select(TandemSession)
        .where(TandemSession.pair_id.in_(mine))
        .options(selectinload(TandemSession.notes))
        .order_by(TandemSession.held_on, TandemSession.id)
    ).all()
    meetings = db.session.scalars(
        sa.select(TandemMeeting)
        .where(TandemMeeting.pair_id.in_(mine))
        .options(joinedload(TandemMeeting.created_by))
        .order_by(TandemMeeting.starts_at, TandemMeeting.id)
    ).all()
    return {
        "tandem_profile": None
        if profile is None
        else {
            "speaks": profile.speaks,
            "learns": profile.learns,
            "level": profile.level.value if profile.level else None,
            "interests": profile.interests,
            "slots": profile.slots,
            "modes": profile.modes,
            "updated_at": profile.updated_at,
        },
        "tandem_pairs": [
            {
                "id": p.id,
                "state": p.state.value,
                "published_at": p.published_at,
                "partners": [
                    public_name(m.user) for m in p.members if m.user_id != student.id and m.user_id not in hidden
                ],
            }
            for p in pairs
        ],
        "tandem_messages": [
            {"pair_id": m.pair_id, "created_at": m.created_at, "text": m.body, "hidden": m.hidden_at is not None}
            for m in db.session.scalars(
                sa.select(TandemMessage)
                .where(TandemMessage.author_id == student.id)
                .order_by(TandemMessage.created_at, TandemMessage.id)
            )
        ],
        "tandem_sessions": [
            {
                "pair_id": s.pair_id,
                "held_on": s.held_on,
                "minutes_de": s.minutes_de,
                "minutes_ru": s.minutes_ru,
                "topics": None if s.logged_by_id in hidden else s.topics,
                "learned": next((n.learned for n in s.notes if n.user_id == student.id), None),
            }
            for s in sessions
        ],
        "tandem_meetings": [
            {
                "pair_id": m.pair_id,
                "starts_at": m.starts_at,
                "minutes": m.minutes,
                "place": m.place,
                "planned_by": None if m.created_by_id in hidden else _person(student, m.created_by),
            }
            for m in meetings
        ],
        "vocabulary": [
            {
                "pair_id": v.pair_id,
                "word": v.word,
                "translation": v.translation,
                "example": v.example,
                "created_at": v.created_at,
            }
            for v in db.session.scalars(
                sa.select(VocabularyEntry)
                .where(VocabularyEntry.added_by_id == student.id)
                .order_by(VocabularyEntry.created_at, VocabularyEntry.id)
            )
        ],
    }


def _person(student: User, user: User | None) -> str | None:
    """The pupil by name, other pupils by first name and initial, staff by the name they work under."""
    if user is None:
        return None
    if user.id == student.id:
        return student.display_name
    return public_name(user) if user.is_student else user.display_name


def _workspace(student: User, locale: str) -> dict:
    posts = db.session.execute(
        sa.select(Post, Project)
        .join(Project, Project.id == Post.project_id)
        .where(Post.author_id == student.id)
        .order_by(Post.created_at, Post.id)
    ).all()
    comments = db.session.execute(
        sa.select(Comment, Project)
        .join(Post, Post.id == Comment.post_id)
        .join(Project, Project.id == Post.project_id)
        .where(Comment.author_id == student.id)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    return {
        "posts": [{"project": p.title(locale), "created_at": post.created_at, "text": post.body} for post, p in posts],
        "comments": [
            {"project": p.title(locale), "created_at": comment.created_at, "text": comment.body}
            for comment, p in comments
        ],
    }


def _notification_text(note: Notification) -> str:
    if note.kind not in TEXTS:
        return note.kind
    try:
        return render_text(note.kind, note.params or {})
    except (KeyError, TypeError, ValueError):  # parameters of an older version of the text
        return note.kind


def export_zip(student: User) -> IO[bytes]:
    """The zip: index.html (in the requester's language), data.json and every file of the pupil's work."""
    data, stored = collect(student)
    index = render_template(
        "privacy/export_index.html",
        data=data,
        consent_labels={s.value: s.label for s in ConsentScope},
        status_labels={s.value: s.label for s in SubmissionStatus},
    )
    folder = Path(current_app.config["UPLOAD_DIR"])
    output = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115  returned open, closed by Flask
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", index)
        archive.writestr("data.json", _json(data))
        for path, storage_name in stored:
            source = folder / storage_name
            if source.is_file():  # read from disk in chunks by zipfile
                archive.write(source, path)
    output.seek(0)
    return output


def zip_response(output: IO[bytes], download_name: str) -> Response:
    """Send an export: from memory when small (the temporary file is closed at once), else streamed from the
    temporary file, which Flask closes when the response ends. Never cached."""
    size = output.seek(0, 2)
    output.seek(0)
    if size <= IN_MEMORY:
        with output:
            response = Response(output.read(), mimetype="application/zip")
        response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    else:
        response = send_file(output, mimetype="application/zip", as_attachment=True, download_name=download_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response
