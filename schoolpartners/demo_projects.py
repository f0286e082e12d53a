"""Demo projects: Hamburg – St. Petersburg from the history template (active), Köln – Wolgograd on the
environment template, each with classes on both sides; student.koeln sees nothing of Hamburg."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from .accounts.models import User, UserRole
from .accounts.services import find_by_login
from .classes.models import ClassMembership, ClassTeacher, Level, SchoolClass
from .classes.services import new_join_code
from .extensions import db
from .partnerships.models import Partnership, PartnershipEvent, PartnershipStatus
from .projects import services
from .projects.models import Project, ProjectClass, ProjectSide, ProjectState
from .projects.templates_catalogue import get_template
from .schools.models import MembershipStatus, School, StaffMembership, StaffRole
from .showcase.models import Recognition, RecognitionKind, ShowcaseEntry
from .sqltypes import utcnow
from .submissions.models import Feedback, Submission, SubmissionStatus, SubmissionVersion

HAMBURG = "Gymnasium Am Elbufer"
SPB = "Школа № 2107 с углублённым изучением немецкого языка"
KOELN = "Gymnasium Am Domblick"
VOLGOGRAD = "Лицей № 308 «Волжский»"


def _school(name: str) -> School:
    return db.session.scalar(sa.select(School).where(School.name == name))


def _class(school: School, name: str) -> SchoolClass:
    return db.session.scalar(sa.select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.name == name))


def _start(partnership: Partnership, creator: User, confirmer: User, template_key: str, titles, start, classes):
    template = get_template(template_key)
    data = {
        "title_de": titles[0],
        "title_ru": titles[1],
        "description_de": template.description_de,
        "description_ru": template.description_ru,
        "goals_de": template.goals_de,
        "goals_ru": template.goals_ru,
        "benefit_german": template.benefit_german,
        "benefit_russian": template.benefit_russian,
        "start_date": start,
        "end_date": date.fromordinal(start.toordinal() + template.duration_days),
        "working_languages": list(template.working_languages),
        "classes": [classes[0].id],
    }
    project = services.create_project(creator, partnership, data, template)
    services.apply_classes(project, confirmer, [classes[1].id])
    services.confirm_project(project, confirmer)
    assert project.state is ProjectState.active
    return project


def seed_cologne(seeder) -> tuple[Partnership, list[SchoolClass]]:
    """A separate Köln – Wolgograd partnership with one class each and the student.koeln account."""
    koeln, volgograd = _school(KOELN), _school(VOLGOGRAD)
    teacher = seeder.user(UserRole.staff, "Ирина Соловьёва", "ru", "Europe/Volgograd", email="volgograd@example.org")
    db.session.add(
        StaffMembership(
            user_id=teacher.id,
            school_id=volgograd.id,
            role=StaffRole.school_coordinator,
            status=MembershipStatus.active,
            confirmed_at=utcnow(),
        )
    )
    student = seeder.user(
        UserRole.student,
        "Leon Schneider",
        "de",
        "Europe/Berlin",
        email="student.koeln@example.org",
        username="leon.schneider",
        school=koeln,
    )
    student.birth_year, student.birth_month = 2010, 3
    partnership = Partnership(
        german_school_id=koeln.id,
        russian_school_id=volgograd.id,
        german_contact_id=find_by_login("koeln@example.org").id,
        russian_contact_id=teacher.id,
        status=PartnershipStatus.active,
        status_changed_at=utcnow(),
    )
    db.session.add(partnership)
    db.session.flush()
    db.session.add(PartnershipEvent(partnership_id=partnership.id, kind="started", by_id=teacher.id))
    classes = []
    for school, name, teacher_email, level in (
        (koeln, "10c", "koeln@example.org", Level.A2),
        (volgograd, "10А", "volgograd@example.org", Level.B1),
    ):
        school_class = SchoolClass(
            school_id=school.id, name=name, grade=10, school_year="2026/27", level=level, join_code=new_join_code()
        )
        school_class.teacher_links = [ClassTeacher(user_id=find_by_login(teacher_email).id)]
        db.session.add(school_class)
        classes.append(school_class)
    classes[0].memberships.append(ClassMembership(student_id=student.id))
    db.session.flush()
    return partnership, classes


def seed_work(project) -> None:
    """Hand-ins for the first stage by the demo students, with feedback from both schools."""
    stage = project.milestones[0]
    teachers = [find_by_login("teacher.hamburg@example.org"), find_by_login("teacher.spb@example.org")]
    texts = {
        "de": "In unserem Viertel erinnert eine Gedenktafel an den ersten Schüleraustausch 1989. "
        "Wir haben im Schularchiv Fotos gefunden.",
        "ru": "Мы нашли в школьном музее письма немецких школьников 1990 года и перевели два из них.",
    }
    students = db.session.scalars(
        sa.select(User)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .join(ProjectClass, ProjectClass.class_id == ClassMembership.class_id)
        .where(ProjectClass.project_id == project.id)
        .order_by(User.id)
    ).all()
    for number, student in enumerate(students[:8]):
        language = "ru" if student.locale == "ru" else "de"
        work = Submission(milestone_id=stage.id, project_id=project.id, student_id=student.id)
        work.versions = [SubmissionVersion(number=1, text=texts[language], author_id=student.id)]
        if number % 3 == 0:
            status = SubmissionStatus.accepted if number % 2 == 0 else SubmissionStatus.needs_revision
            teacher = teachers[number % 2]
            body = "Sehr gute Quellenarbeit!" if teacher.locale == "de" else "Отличная работа с источниками!"
            work.feedback = [Feedback(author_id=teacher.id, body=body, status=status)]
            work.status = status
        db.session.add(work)


def seed_showcase(partnership, teachers) -> None:
    """An earlier, completed project of Hamburg and St. Petersburg, published in the showcase."""
    project = Project(
        partnership_id=partnership.id,
        title_de="Brücken an Elbe und Newa",
        title_ru="Мосты на Эльбе и Неве",
        description_de="Zwei Klassen verglichen die Brücken ihrer Städte und bauten gemeinsam Modelle.",
        description_ru="Два класса сравнили мосты своих городов и вместе построили модели.",
        start_date=date(2025, 9, 15),
        end_date=date(2026, 3, 20),
        state=ProjectState.completed,
        state_changed_at=utcnow(),
    )
    project.sides = [
        ProjectSide(
            school_id=school_id,
            contact_id=teacher.id,
            confirmed_at=utcnow(),
            wants_completion=True,
            wants_publication=True,
        )
        for school_id, teacher in zip(
            (partnership.german_school_id, partnership.russian_school_id), teachers, strict=True
        )
    ]
    db.session.add(project)
    db.session.flush()
    db.session.add(
        ShowcaseEntry(
            project_id=project.id,
            summary_de="Hamburg hat mehr Brücken als Venedig, Sankt Petersburg heißt „Venedig des Nordens“: "
            "Unsere Klassen haben beide Städte verglichen, Brückenmodelle gebaut und eine zweisprachige "
            "Ausstellung in beiden Schulen gezeigt.",
            summary_ru="В Гамбурге мостов больше, чем в Венеции, а Санкт-Петербург называют «Северной Венецией». "
            "Наши классы сравнили оба города, построили модели мостов и показали двуязычную выставку "
            "в обеих школах.",
            published_at=utcnow(),
        )
    )
    db.session.add(
        Recognition(project_id=project.id, kind=RecognitionKind.project_of_the_month, note="März 2026 / март 2026")
    )


def seed_projects(seeder) -> None:
    """Run once, on the first seed."""
    hamburg, spb = _school(HAMBURG), _school(SPB)
    partnership = db.session.scalar(
        sa.select(Partnership).where(
            Partnership.german_school_id == hamburg.id, Partnership.russian_school_id == spb.id
        )
    )
    seed_showcase(partnership, [find_by_login("teacher.hamburg@example.org"), find_by_login("teacher.spb@example.org")])
    project = _start(
        partnership,
        find_by_login("teacher.hamburg@example.org"),
        find_by_login("teacher.spb@example.org"),
        "city_partnership_history",
        (
            "Hamburg – Sankt Petersburg: eine Städtepartnerschaft seit 1957",
            "Гамбург – Санкт-Петербург: города-побратимы с 1957 года",
        ),
        date(2026, 9, 14),
        [_class(hamburg, "9b"), _class(spb, "9Б")],
    )
    db.session.flush()
    seed_work(project)
    cologne, classes = seed_cologne(seeder)
    _start(
        cologne,
        find_by_login("koeln@example.org"),
        find_by_login("volgograd@example.org"),
        "environment_in_our_cities",
        ("Wasser in Köln und Wolgograd", "Вода в Кёльне и Волгограде"),
        date(2026, 10, 5),
        classes,
    )
    db.session.flush()
