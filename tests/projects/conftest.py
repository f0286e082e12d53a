"""Two partner schools (Hamburg-like and St. Petersburg-like), a teacher and a class on each side."""

from datetime import date

import pytest

from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ClassMembership, ClassTeacher, ConsentScope, ParentalConsent, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.partnerships.models import Partnership
from schoolpartners.projects.models import Project, ProjectClass, ProjectSide, ProjectState
from schoolpartners.sqltypes import utcnow


@pytest.fixture
def duo(make_school, make_user, make_city):
    de = make_school(Country.DE, city=make_city(Country.DE, timezone="Europe/Berlin"))
    ru = make_school(Country.RU, city=make_city(Country.RU, timezone="Europe/Moscow"))
    de_teacher = make_user("teacher", school=de, display_name="Anna Becker")
    ru_teacher = make_user("teacher", school=ru, display_name="Елена Козлова", locale="ru", timezone="Europe/Moscow")
    partnership = Partnership(
        german_school_id=de.id,
        russian_school_id=ru.id,
        german_contact_id=de_teacher.id,
        russian_contact_id=ru_teacher.id,
    )
    db.session.add(partnership)
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
        project = Project(
            partnership_id=duo["partnership"].id,
            title_de="Unsere Städte",
            title_ru="Наши города",
            start_date=date(2026, 9, 1),
            end_date=date(2027, 6, 1),
            state=ProjectState.active,
        )
        project.sides = [
            ProjectSide(school_id=duo["de"].id, contact_id=duo["de_teacher"].id, confirmed_at=utcnow()),
            ProjectSide(school_id=duo["ru"].id, contact_id=duo["ru_teacher"].id, confirmed_at=utcnow()),
        ]
        project.class_links = [ProjectClass(class_id=duo["de_class"].id), ProjectClass(class_id=duo["ru_class"].id)]
        project.milestones = milestones
        db.session.add(project)
        for key in ("de_student", "ru_student"):  # the young students' parents agreed to take part
            db.session.add(
                ParentalConsent(
                    student_id=duo[key].id, scope=ConsentScope.participation, recorded_by_id=duo["de_teacher"].id
                )
            )
        db.session.flush()
        return project

    return make
