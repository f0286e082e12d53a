"""Two partner schools (Hamburg-like and St. Petersburg-like), a teacher and a class on each side."""

from datetime import date, timedelta

import pytest

from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ClassMembership, ClassTeacher, ConsentScope, ParentalConsent, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.projects.models import Milestone, MilestoneMode, Project, ProjectState
from schoolpartners.sqltypes import utcnow
from tests.factories import add_partnership, add_project


@pytest.fixture
def duo(make_school, make_user, make_city):
    de = make_school(Country.DE, city=make_city(Country.DE, timezone="Europe/Berlin"))
    ru = make_school(Country.RU, city=make_city(Country.RU, timezone="Europe/Moscow"))
    de_teacher = make_user("teacher", school=de, display_name="Anna Becker")
    ru_teacher = make_user("teacher", school=ru, display_name="Елена Козлова", locale="ru", timezone="Europe/Moscow")
    partnership = add_partnership(de, ru, de_teacher, ru_teacher)
    classes = {}
    students = {}
    for key, school, teacher, name in (("de", de, de_teacher, "9b"), ("ru", ru, ru_teacher, "9Б")):
        student = make_user("student", school=school, display_name=f"Student {key}")
        school_class = SchoolClass(
            school_id=school.id, name=name, school_year="2026/27", join_code=f"PJ{key.upper()}1234"
        )
        school_class.teacher_links.append(ClassTeacher(user_id=teacher.id))
        school_class.memberships.append(ClassMembership(student_id=student.id))
        db.session.add(school_class)
        classes[key], students[key] = school_class, student
    db.session.flush()
    return {
        "de": de,
        "ru": ru,
        "de_teacher": de_teacher,
        "ru_teacher": ru_teacher,
        "partnership": partnership,
        "de_class": classes["de"],
        "ru_class": classes["ru"],
        "de_student": students["de"],
        "ru_student": students["ru"],
    }


@pytest.fixture
def make_running(duo):
    """make_running(milestones): an active project of both classes whose students may take part."""

    def make(milestones) -> Project:
        project = add_project(duo, ProjectState.active, date(2026, 9, 1), date(2027, 6, 1), milestones)
        for key in ("de_student", "ru_student"):  # the young students' parents agreed to take part
            db.session.add(
                ParentalConsent(
                    student_id=duo[key].id, scope=ConsentScope.participation, recorded_by_id=duo["de_teacher"].id
                )
            )
        db.session.flush()
        return project

    return make


@pytest.fixture
def mia_running(duo, make_running) -> Project:
    """A running project; the German pupil Mia (age unknown, so consent is needed) has it for taking part."""
    duo["de_student"].display_name = "Mia Wagner"
    duo["ru_student"].display_name = "Иван Петров"
    future = utcnow() + timedelta(days=10)
    return make_running(
        [
            Milestone(title_de="Archiv", title_ru="Архив", deadline=future),
            Milestone(title_de="Zeitstrahl", title_ru="Лента", deadline=future, mode=MilestoneMode.mixed_teams),
        ]
    )


@pytest.fixture
def completed_project(duo) -> Project:
    """A completed project of both classes with one stage, "Ausstellung" (no consents, no works yet)."""
    milestones = [Milestone(title_de="Ausstellung", title_ru="Выставка", deadline=utcnow())]
    return add_project(duo, ProjectState.completed, date(2026, 2, 1), date(2026, 6, 30), milestones)
