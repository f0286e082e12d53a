"""Data for benchmarks, in bulk inserts: `flask seed-scale` adds many realistic schools (search keys, no
people); `flask seed-project-scale` grows the demo Hamburg – St. Petersburg project to many members and
submissions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from .accounts.models import User, UserRole, fold
from .accounts.services import hash_password
from .cities.models import City, Country
from .classes.models import ClassMembership, ClassTeacher, SchoolClass
from .extensions import db
from .projects.models import Milestone, MilestoneMode, Project
from .schools.catalog import bump_catalog
from .schools.models import School, SchoolStatus, SchoolType, SearchToken, Visibility
from .schools.options import FORMS, LANGUAGES, TOPICS
from .search import index_keys
from .sqltypes import utcnow
from .submissions.models import Feedback, Submission, SubmissionStatus, SubmissionVersion

GERMAN_KINDS = [
    ("Gymnasium", SchoolType.gymnasium),
    ("Gesamtschule", SchoolType.gesamtschule),
    ("Realschule", SchoolType.realschule),
    ("Oberschule", SchoolType.oberschule),
    ("Grundschule", SchoolType.grundschule),
]
GERMAN_PLACES = [
    "Am Stadtpark",
    "An der Linde",
    "Am Mühlenberg",
    "Im Grünen Winkel",
    "Am Hafen",
    "Lindenhof",
    "Am Wall",
    "Sonnenhang",
    "Am Rathaus",
    "Feldmark",
    "Am Kanal",
    "Waldblick",
]
RUSSIAN_KINDS = [
    ("Школа №", SchoolType.ru_secondary),
    ("Гимназия №", SchoolType.ru_gymnasium),
    ("Лицей №", SchoolType.lyceum),
    ("Школа № {n} с углублённым изучением немецкого языка", SchoolType.ru_german_profile),
]


def seed_scale(count: int, seed: int = 7) -> int:
    """Add `count` verified schools with varied profiles in the known cities; returns how many."""
    rng = random.Random(seed)
    cities = {Country.DE: [], Country.RU: []}
    for city in db.session.scalars(sa.select(City)):
        cities[city.country].append(city)
    city_keys = {
        c.id: index_keys(c.name_de, c.name_ru, c.name_en, c.region_de, c.region_ru)
        for group in cities.values()
        for c in group
    }
    rows, names = [], []
    for i in range(count):
        country = Country.DE if i % 2 == 0 else Country.RU
        city = rng.choice(cities[country])
        if country is Country.DE:
            kind, school_type = rng.choice(GERMAN_KINDS)
            name = f"{kind} {rng.choice(GERMAN_PLACES)} {city.name_de}"
            languages = ["russian_foreign", "english"] if rng.random() < 0.7 else ["english", "other"]
        else:
            kind, school_type = rng.choice(RUSSIAN_KINDS)
            number = 100 + i
            name = kind.format(n=number) if "{n}" in kind else f"{kind} {number}"
            languages = ["german_foreign", "english"] if rng.random() < 0.6 else ["english"]
        age_min = rng.choice([6, 10, 11, 12, 14])
        names.append((name, city.id))
        rows.append(
            {
                "name": name,
                "school_type": school_type,
                "city_id": city.id,
                "country": country,
                "languages_mask": LANGUAGES.mask(languages),
                "topics_mask": TOPICS.mask(rng.sample(TOPICS.keys, 3)),
                "forms_mask": FORMS.mask(rng.sample(FORMS.keys, 2)),
                "age_min": age_min,
                "age_max": min(age_min + rng.choice([4, 6, 8]), 19),
                "learners": rng.choice([20, 40, 80, 150]),
                "looking_for_partners": rng.random() < 0.8,
                "visibility": Visibility.public,
                "status": SchoolStatus.verified,
                "status_changed_at": utcnow(),
                "created_at": utcnow(),
                "offer_de": "",
                "offer_ru": "",
                "address": "",
                "website": "",
                "status_reason": "",
            }
        )
    ids = db.session.scalars(sa.insert(School).returning(School.id, sort_by_parameter_order=True), rows).all()
    tokens = []
    for school_id, (name, city_id) in zip(ids, names, strict=True):
        tokens.extend({"school_id": school_id, "key": key} for key in index_keys(name) | city_keys[city_id])
    db.session.execute(sa.insert(SearchToken), tokens)
    bump_catalog()
    return len(ids)


# --- `flask seed-project-scale`: a big demo project ------------------------------------------------------

DEMO_PROJECT_TITLE = "Hamburg – Sankt Petersburg: eine Städtepartnerschaft seit 1957"
FIRST_NAMES = {
    "de": ["Lukas", "Marie", "Finn", "Sophie", "Elias", "Lea", "Felix", "Clara", "Jakob", "Ida", "Moritz", "Greta"],
    "ru": ["Артём", "Софья", "Михаил", "Варвара", "Лев", "Дарья", "Матвей", "Ксения", "Глеб", "Вера", "Егор", "Ульяна"],
}
LAST_NAMES = {
    "de": ["Schäfer", "Koch", "Bauer", "Wolff", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hartmann"],
    "ru": ["Смирнов", "Кузнецов", "Васильев", "Павлов", "Семёнов", "Голубев", "Виноградов", "Богданов", "Зайцев"],
}
TIMEZONES = {"de": "Europe/Berlin", "ru": "Europe/Moscow"}
VERSION_TEXTS = {
    "de": "Mein Beitrag: Notizen aus dem Staatsarchiv und drei Fragen an unsere Partnerklasse.",
    "ru": "Моя работа: заметки из архива и три вопроса нашему классу-партнёру.",
}
FEEDBACK_TEXTS = {
    SubmissionStatus.accepted: "Gut gemacht, danke! / Отлично, спасибо!",
    SubmissionStatus.needs_revision: "Bitte ergänze die Quellen. / Пожалуйста, добавь источники.",
}


class MissingDemoProject(LookupError):
    pass


def seed_project_scale(members: int, submissions: int, seed: int = 11) -> dict[str, int]:
    """Grow the demo Hamburg – St. Petersburg project to about `members` members (students added to its two
    classes, old enough to need no consent) and `submissions` submissions (one per student and individual
    stage, with a version each, some with feedback); adds nothing it already has. Returns the counts."""
    project = db.session.scalar(sa.select(Project).where(Project.title_de == DEMO_PROJECT_TITLE))
    if project is None:
        raise MissingDemoProject(f"The demo project “{DEMO_PROJECT_TITLE}” is missing: run `flask seed-demo` first.")
    rng = random.Random(seed)
    classes = sorted((link.school_class for link in project.class_links), key=lambda c: c.school.country.value)
    class_ids = [c.id for c in classes]
    teachers = {c.id: c.teacher_links[0].user_id if c.teacher_links else None for c in classes}
    added_students = _add_students(classes, members - _member_count(class_ids), rng)
    students = db.session.execute(
        sa.select(ClassMembership.student_id, ClassMembership.class_id, School.country)
        .join(User, User.id == ClassMembership.student_id)
        .join(School, School.id == User.school_id)
        .where(ClassMembership.class_id.in_(class_ids), User.archived_at.is_(None))
        .order_by(ClassMembership.student_id)
    ).all()
    students = list({row.student_id: row for row in students}.values())  # a student in both classes counts once
    existing = db.session.scalar(
        sa.select(sa.func.count()).select_from(Submission).where(Submission.project_id == project.id)
    )
    added_stages = _add_stages(project, submissions - existing, len(students))
    added = _add_submissions(project, students, teachers, submissions - existing, rng)
    return {
        "students_added": added_students,
        "members": _member_count(class_ids),
        "stages_added": added_stages,
        "submissions_added": added,
        "submissions": existing + added,
    }


def _member_count(class_ids: list[int]) -> int:
    """Current students and teachers of the project's classes."""
    students = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(ClassMembership.student_id)))
        .join(User, User.id == ClassMembership.student_id)
        .where(ClassMembership.class_id.in_(class_ids), User.archived_at.is_(None))
    )
    teachers = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(ClassTeacher.user_id))).where(ClassTeacher.class_id.in_(class_ids))
    )
    return students + teachers


def _add_students(classes: list[SchoolClass], count: int, rng: random.Random) -> int:
    """Students named like real ones, alternating between the classes, with one password hash for all."""
    if count <= 0:
        return 0
    taken = db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.username_key.like("bench.student.%"))
    )
    password_hash = hash_password(current_app.config["DEMO_PASSWORD"])
    born = utcnow().year - 17  # born in January: 17 years old, so no parental consent is needed
    rows, class_of = [], []
    for n in range(taken + 1, taken + count + 1):
        school_class = classes[n % len(classes)]
        lang = "de" if school_class.school.country is Country.DE else "ru"
        username = f"bench.student.{n}"
        rows.append(
            {
                "role": UserRole.student,
                "username": username,
                "username_key": fold(username),
                # The mapped column behind the display_name property (a bulk insert takes mapped attributes).
                "_display_name": f"{rng.choice(FIRST_NAMES[lang])} {rng.choice(LAST_NAMES[lang])}",
                "password_hash": password_hash,
                "locale": lang,
                "timezone": TIMEZONES[lang],
                "is_active": True,
                "school_id": school_class.school_id,
                "birth_year": born,
                "birth_month": 1,
                "must_change_password": False,
                "created_at": utcnow(),
            }
        )
        class_of.append(school_class.id)
    ids = db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), rows).all()
    db.session.execute(
        sa.insert(ClassMembership),
        [
            {"class_id": class_id, "student_id": student_id, "joined_at": utcnow()}
            for student_id, class_id in zip(ids, class_of, strict=True)
        ],
    )
    return len(ids)


def _add_stages(project: Project, needed: int, student_count: int) -> int:
    """Individual stages beyond the template's when the students cannot fill `needed` submissions otherwise
    (the history template has four individual stages: 200 students hand in at most 800 there)."""
    individual = [m for m in project.milestones if m.mode is MilestoneMode.individual]
    done = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Submission)
        .where(Submission.milestone_id.in_([m.id for m in individual]), Submission.student_id.is_not(None))
    )
    free = len(individual) * student_count - done
    if needed <= free or student_count == 0:
        return 0
    extra = -(-(needed - free) // student_count)
    start = datetime.combine(project.start_date, time(16), tzinfo=UTC)
    span = datetime.combine(project.end_date, time(16), tzinfo=UTC) - start
    for k in range(1, extra + 1):
        project.milestones.append(
            Milestone(
                title_de=f"Zusatzetappe {len(individual) + k}",
                title_ru=f"Дополнительный этап {len(individual) + k}",
                task_de="Eine kurze Reflexion: Was hast du in dieser Woche über die Partnerstadt gelernt?",
                task_ru="Короткая рефлексия: что ты узнал(а) на этой неделе о городе-партнёре?",
                deadline=start + span * k / (extra + 1),
                mode=MilestoneMode.individual,
            )
        )
    db.session.flush()
    return extra


def _add_submissions(project: Project, students, teachers: dict, count: int, rng: random.Random) -> int:
    """Stage by stage, one submission per student who has none there yet, until `count` are added."""
    if count <= 0:
        return 0
    stages = [m for m in project.milestones if m.mode is MilestoneMode.individual]
    have = set(
        db.session.execute(
            sa.select(Submission.milestone_id, Submission.student_id).where(Submission.project_id == project.id)
        ).tuples()
    )
    now = utcnow()
    rows, details = [], []
    for stage in stages:
        for student in students:
            if len(rows) == count:
                break
            if (stage.id, student.student_id) in have:
                continue
            created = now - timedelta(days=rng.uniform(0, 60))
            status = rng.choices(list(SubmissionStatus), weights=[5, 2, 3])[0]
            late = created > stage.deadline
            rows.append(
                {
                    "milestone_id": stage.id,
                    "project_id": project.id,
                    "student_id": student.student_id,
                    "status": status,
                    "late": late,
                    "created_at": created,
                    "updated_at": min(created + timedelta(days=1), now),
                    "showcased": False,
                }
            )
            details.append((student, status, created, late))
    ids = db.session.scalars(sa.insert(Submission).returning(Submission.id, sort_by_parameter_order=True), rows).all()
    versions, feedback = [], []
    for submission_id, (student, status, created, late) in zip(ids, details, strict=True):
        lang = "de" if student.country is Country.DE else "ru"
        versions.append(
            {
                "submission_id": submission_id,
                "number": 1,
                "text": VERSION_TEXTS[lang],
                "author_id": student.student_id,
                "created_at": created,
                "late": late,
            }
        )
        if status is not SubmissionStatus.submitted:
            feedback.append(
                {
                    "submission_id": submission_id,
                    "author_id": teachers[student.class_id],
                    "body": FEEDBACK_TEXTS[status],
                    "status": status,
                    "created_at": min(created + timedelta(days=1), now),
                }
            )
    if versions:
        db.session.execute(sa.insert(SubmissionVersion), versions)
    if feedback:
        db.session.execute(sa.insert(Feedback), feedback)
    return len(ids)
