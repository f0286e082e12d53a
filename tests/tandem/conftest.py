"""A German and a Russian class in an active class partnership, with students who have tandem profiles."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from schoolpartners.cities.models import Country
from schoolpartners.classes.models import (
    ClassMembership,
    ClassTeacher,
    ConsentScope,
    Level,
    ParentalConsent,
    SchoolClass,
)
from schoolpartners.extensions import db
from schoolpartners.tandem.matching import slot_code
from schoolpartners.tandem.models import PairState, TandemMember, TandemPair, TandemProfile
from tests.factories import add_class_link, add_partnership, add_published_pair

_codes = itertools.count(50_000)
TODAY = date.today()


def born(age: int) -> tuple[int, int]:
    """(year, month) of a student who is `age` years and a few months old today."""
    month = TODAY.month
    return TODAY.year - age, month


@pytest.fixture
def make_student(make_user):
    def make(school, school_class, *, age=14, consent=True, profile=None, **fields):
        year, month = born(age)
        student = make_user("student", school=school, birth_year=year, birth_month=month, **fields)
        school_class.memberships.append(ClassMembership(student_id=student.id))
        if consent:
            db.session.add(ParentalConsent(student_id=student.id, scope=ConsentScope.tandem))
        if profile is not None:
            db.session.add(TandemProfile(user_id=student.id, **profile))
        db.session.flush()
        return student

    return make


@pytest.fixture
def make_adult(make_user):
    """make_adult(school, speaks, learns, zone): a teacher of the school (without a school: registered and
    confirmed, on no school's staff) with a profile in the adult pool."""

    def make(school, speaks, learns, zone, **fields):
        user = make_user("teacher", school=school, timezone=zone, **fields) if school else make_user("staff", **fields)
        db.session.add(
            TandemProfile(
                user_id=user.id,
                speaks=[speaks],
                learns=learns,
                interests=["history"],
                slots=[slot_code(2, 16)] if zone == "Europe/Berlin" else [slot_code(2, 18)],
                modes=["written"],
                adult_pool=True,
            )
        )
        db.session.flush()
        return user

    return make


GERMAN_PROFILE = {
    "speaks": ["de"],
    "learns": "ru",
    "level": Level.A2,
    "interests": ["football", "music"],
    "slots": [slot_code(1, 10)],
    "modes": ["lessons"],
}
RUSSIAN_PROFILE = {
    "speaks": ["ru"],
    "learns": "de",
    "level": Level.B1,
    "interests": ["football", "books"],
    "slots": [slot_code(1, 12)],
    "modes": ["lessons"],
}


@pytest.fixture
def world(make_school, make_user, make_city, make_student):
    """Two schools (Hamburg zone, Moscow zone), their teachers, classes 9b/9Б in a class partnership, 3 + 3 students."""
    de = make_school(Country.DE)
    ru = make_school(Country.RU, city=make_city(Country.RU, timezone="Europe/Moscow"))
    de_teacher = make_user("teacher", school=de)
    ru_teacher = make_user("teacher", school=ru, locale="ru", timezone="Europe/Moscow")
    partnership = add_partnership(de, ru, de_teacher, ru_teacher)
    classes = []
    for school, teacher, name, level in ((de, de_teacher, "9b", Level.A2), (ru, ru_teacher, "9Б", Level.B1)):
        school_class = SchoolClass(
            school_id=school.id, name=name, school_year="2026/27", level=level, join_code=f"T{next(_codes)}"
        )
        school_class.teacher_links.append(ClassTeacher(user_id=teacher.id))
        db.session.add(school_class)
        classes.append(school_class)
    db.session.flush()
    link = add_class_link(partnership, classes[0], classes[1])
    german = [make_student(de, classes[0], profile=dict(GERMAN_PROFILE)) for _ in range(3)]
    russian = [
        make_student(ru, classes[1], age=15, profile=dict(RUSSIAN_PROFILE), locale="ru", timezone="Europe/Moscow")
        for _ in range(3)
    ]
    return {
        "de": de,
        "ru": ru,
        "de_teacher": de_teacher,
        "ru_teacher": ru_teacher,
        "de_class": classes[0],
        "ru_class": classes[1],
        "link": link,
        "german": german,
        "russian": russian,
    }


@pytest.fixture
def live_pair(world):
    """A published pair of the first German and first Russian student (a round of its own)."""
    return add_published_pair(world["link"], world["german"][0], world["russian"][0])


@pytest.fixture
def proposed_pair(world):
    """A pair of the third German and third Russian student in a round that is still a proposal."""
    from schoolpartners.tandem.models import PairingRound

    pairing = PairingRound(class_partnership_id=world["link"].id)
    pair = TandemPair(state=PairState.proposed)
    pair.members = [
        TandemMember(user_id=world["german"][2].id),
        TandemMember(user_id=world["russian"][2].id, position=1),
    ]
    pairing.pairs.append(pair)
    db.session.add(pairing)
    db.session.flush()
    return pair
