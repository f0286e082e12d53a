"""Two partner schools (Hamburg-like and St. Petersburg-like), a teacher and a class on each side."""

import pytest

from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ClassMembership, ClassTeacher, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.partnerships.models import Partnership


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
