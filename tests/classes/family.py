"""A pupil with something in every corner of the platform, for the export and deletion tests (Issue 10 item 6).

Every text Lena writes carries the word MARK, so a test can look for it in every column of every table.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ClassMembership, ClassTeacher, ConsentScope, ParentalConsent, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.moderation.models import Report
from schoolpartners.notifications.models import Notification, OutboxEmail
from schoolpartners.projects.models import Comment, Milestone, MilestoneMode, Post, ProjectState, Team, TeamMember
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions.models import Feedback, Submission, SubmissionFile, SubmissionStatus, SubmissionVersion
from schoolpartners.tandem.models import (
    SessionNote,
    TandemMeeting,
    TandemMessage,
    TandemProfile,
    TandemSession,
    VocabularyEntry,
)
from tests.factories import add_class_link, add_partnership, add_project, add_published_pair

MARK = "Zebrafink"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def stored_file(app, version: SubmissionVersion, name: str) -> Path:
    """A file on disk under a generated name, as uploads.store_upload leaves it."""
    storage_name = f"{secrets.token_hex(16)}.pdf"
    path = Path(app.config["UPLOAD_DIR"]) / storage_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF + name.encode())
    version.files.append(
        SubmissionFile(
            storage_name=storage_name, original_name=name, kind="pdf", mime_type="application/pdf", size=1, sha256="0"
        )
    )
    return path


def build(app, make_school, make_user, extra: int = 1) -> dict:
    """Lena (German school) and Ivan Petrov (Russian school) in a tandem and a mixed team of a project."""
    de, ru = make_school(Country.DE), make_school(Country.RU)
    de_teacher = make_user("teacher", school=de, display_name="Anna Becker")
    ru_teacher = make_user("teacher", school=ru, display_name="Елена Козлова", locale="ru")
    partnership = add_partnership(de, ru, de_teacher, ru_teacher)
    lena = make_user("student", school=de, display_name=f"Lena {MARK}", birth_year=2012, birth_month=3)
    ivan = make_user("student", school=ru, display_name="Ivan Petrov", locale="ru", birth_year=2011, birth_month=5)
    classes = []
    for school, teacher, student, name in ((de, de_teacher, lena, "9b"), (ru, ru_teacher, ivan, "9Б")):
        school_class = SchoolClass(
            school_id=school.id, name=name, school_year="2026/27", join_code=secrets.token_hex(4)
        )
        school_class.teacher_links.append(ClassTeacher(user_id=teacher.id))
        school_class.memberships.append(ClassMembership(student_id=student.id))
        db.session.add(school_class)
        classes.append(school_class)
    for student in (lena, ivan):
        for scope in ConsentScope:
            db.session.add(
                ParentalConsent(
                    student_id=student.id,
                    scope=scope,
                    note=f"Brief {MARK}" if student is lena else "Письмо",
                    recorded_by_id=de_teacher.id,
                )
            )
    db.session.flush()
    world = {
        "de": de,
        "ru": ru,
        "de_teacher": de_teacher,
        "ru_teacher": ru_teacher,
        "partnership": partnership,
        "de_class": classes[0],
        "ru_class": classes[1],
    }
    link = add_class_link(partnership, classes[0], classes[1])

    # Tandem: profile, a pair, messages both ways, a session with both notes, words.
    db.session.add(TandemProfile(user_id=lena.id, speaks=["de"], learns="ru", interests=["music"]))
    pair = add_published_pair(link, lena, ivan)
    for n in range(extra):
        db.session.add(TandemMessage(pair_id=pair.id, author_id=lena.id, body=f"Ich heiße Lena {MARK}, 14 <b>{n}</b>"))
        db.session.add(TandemMessage(pair_id=pair.id, author_id=ivan.id, body=f"Привет, я Иван {n}"))
        session = TandemSession(
            pair_id=pair.id,
            held_on=date(2026, 10, 1),
            minutes_de=20,
            minutes_ru=25,
            topics=f"Hobbys {MARK}",
            logged_by_id=lena.id,
        )
        session.notes = [
            SessionNote(user_id=lena.id, learned=f"Слово {MARK}"),
            SessionNote(user_id=ivan.id, learned="Wort Apfel"),
        ]
        db.session.add(session)
        db.session.add(VocabularyEntry(pair_id=pair.id, word=f"{MARK} {n}", translation="зяблик", added_by_id=lena.id))
        db.session.add(VocabularyEntry(pair_id=pair.id, word="Apfel", translation="яблоко", added_by_id=ivan.id))
        starts = datetime(2026, 10, 5, 12, 0, tzinfo=UTC) + timedelta(days=7 * n)
        db.session.add(TandemMeeting(pair_id=pair.id, starts_at=starts, place=f"Raum {MARK}", created_by_id=lena.id))
        db.session.add(
            TandemMeeting(
                pair_id=pair.id, starts_at=starts + timedelta(days=1), minutes=30, place="Урок", created_by_id=ivan.id
            )
        )

    # A project: posts and comments, an own submission and a team submission.
    deadline = utcnow() + timedelta(days=10)
    milestones = [
        Milestone(title_de="Archiv", title_ru="Архив", deadline=deadline),
        Milestone(title_de="Zeitstrahl", title_ru="Лента", deadline=deadline, mode=MilestoneMode.mixed_teams),
    ]
    project = add_project(world, ProjectState.active, date(2026, 9, 1), date(2027, 6, 1), milestones)
    answered = Post(project_id=project.id, author_id=lena.id, body=f"Frage von {MARK}")
    answered.comments = [
        Comment(author_id=ivan.id, body="Ответ Ивана"),
        Comment(author_id=lena.id, body=f"Danke {MARK}"),
    ]
    lonely = Post(project_id=project.id, author_id=lena.id, body=f"Noch ein Post {MARK}")
    other = Post(project_id=project.id, author_id=ivan.id, body="Пост Ивана")
    other.comments = [Comment(author_id=lena.id, body=f"Kommentar {MARK}")]
    db.session.add_all([answered, lonely, other])

    files = []
    own = Submission(milestone_id=project.milestones[0].id, project_id=project.id, student_id=lena.id)
    for n in range(extra):
        version = SubmissionVersion(number=n + 1, text=f"Mein Text {MARK} {n}", author_id=lena.id)
        own.versions.append(version)
        files.append(stored_file(app, version, f"Plakat {MARK} {n}.pdf"))
    own.feedback = [Feedback(author_id=de_teacher.id, body="Gut gemacht", status=SubmissionStatus.accepted)]
    team = Team(project_id=project.id, name="Team Elbe")
    team.members = [TeamMember(student_id=lena.id), TeamMember(student_id=ivan.id)]
    db.session.add_all([own, team])
    db.session.flush()
    team_work = Submission(milestone_id=project.milestones[1].id, project_id=project.id, team_id=team.id)
    ivans = SubmissionVersion(number=1, text="Часть Ивана", author_id=ivan.id)
    ivan_file = stored_file(app, ivans, "Иван.pdf")
    lenas = SubmissionVersion(number=2, text=f"Teil von {MARK}", author_id=lena.id)
    files.append(stored_file(app, lenas, f"Teil {MARK}.pdf"))
    team_work.versions = [ivans, lenas]
    db.session.add(team_work)

    # What others hold that names her, and what she reported.
    db.session.add(Notification(user_id=lena.id, kind="class_teacher_added", params={"name": "9b"}))
    db.session.add(
        Notification(user_id=de_teacher.id, kind="tandem_leave_requested", params={"name": lena.display_name})
    )
    db.session.add(
        OutboxEmail(recipient=de_teacher.email, locale="de", subject="Tandem", body=f"Lena {MARK} möchte gehen.")
    )
    db.session.add(
        Report(kind="tandem_message", target_id=1, scope="pair:0", reporter_id=lena.id, reason=f"Gemein {MARK}")
    )
    db.session.flush()
    return {
        **world,
        "lena": lena,
        "ivan": ivan,
        "pair": pair,
        "project": project,
        "team_work": team_work,
        "files": files,
        "ivan_file": ivan_file,
    }


def texts_holding(marker: str) -> list[tuple[str, str]]:
    """(table, value) of every stored value, in every column of every table, that contains the marker."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            for value in row:
                if value is not None and marker.casefold() in str(value).casefold():
                    found.append((table.name, str(value)))
    return found
