"""Fixtures for classes: a class with a teacher, and a partner school with its own class."""

import pytest

from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ClassMembership, ClassTeacher, SchoolClass
from schoolpartners.extensions import db
from tests.factories import add_partnership

_codes = iter(range(10_000, 99_999))


@pytest.fixture
def make_class():
    def make(teacher, school=None, name="9b", students=()) -> SchoolClass:
        school_id = school.id if school else teacher.memberships[0].school_id
        school_class = SchoolClass(school_id=school_id, name=name, school_year="2026/27", join_code=f"C{next(_codes)}")
        school_class.teacher_links.append(ClassTeacher(user_id=teacher.id))
        for student in students:
            school_class.memberships.append(ClassMembership(student_id=student.id))
        db.session.add(school_class)
        db.session.flush()
        return school_class

    return make


@pytest.fixture
def pair(make_school, make_user, make_class):
    """A German and a Russian school in an active partnership, each with a teacher and a class."""
    de, ru = make_school(Country.DE), make_school(Country.RU)
    de_teacher, ru_teacher = make_user("teacher", school=de), make_user("teacher", school=ru, locale="ru")
    add_partnership(de, ru, de_teacher, ru_teacher)
    return {
        "de": de,
        "ru": ru,
        "de_teacher": de_teacher,
        "ru_teacher": ru_teacher,
        "de_class": make_class(de_teacher, name="9b"),
        "ru_class": make_class(ru_teacher, name="8А"),
    }
