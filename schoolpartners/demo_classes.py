"""Demo classes: a 9th grade in Hamburg and one in St. Petersburg, partners, with the demo students."""

from __future__ import annotations

import sqlalchemy as sa

from .accounts.models import User, UserRole
from .accounts.services import find_by_login
from .classes.models import (
    ClassMembership,
    ClassPartnership,
    ClassPartnershipState,
    ClassTeacher,
    ConsentScope,
    Level,
    ParentalConsent,
    SchoolClass,
)
from .classes.services import new_join_code
from .extensions import db
from .partnerships.models import Partnership
from .schools.models import School
from .sqltypes import utcnow

CLASSES = [
    # school, class name, subject, level, teachers, birth year of the students
    (
        "Gymnasium Am Elbufer",
        "9b",
        "Russisch",
        Level.A2,
        ["teacher.hamburg@example.org", "history.hamburg@example.org"],
        2012,
    ),
    (
        "Школа № 2107 с углублённым изучением немецкого языка",
        "9Б",
        "Немецкий язык",
        Level.B1,
        ["teacher.spb@example.org", "history.spb@example.org"],
        2011,
    ),
]


def seed_classes() -> None:
    """Run once, on the first seed: the two partner classes, their students, consent for the younger ones."""
    made = []
    for school_name, name, subject, level, teachers, born in CLASSES:
        school = db.session.scalar(sa.select(School).where(School.name == school_name))
        school_class = SchoolClass(
            school_id=school.id,
            name=name,
            grade=9,
            school_year="2026/27",
            subject=subject,
            level=level,
            join_code=new_join_code(),
        )
        school_class.teacher_links = [ClassTeacher(user_id=find_by_login(email).id) for email in teachers]
        students = db.session.scalars(
            sa.select(User).where(User.role == UserRole.student, User.school_id == school.id).order_by(User.id)
        ).all()
        for number, student in enumerate(students):
            student.birth_year, student.birth_month = born - number % 2, 1 + (number * 5) % 12
            school_class.memberships.append(ClassMembership(student_id=student.id))
            if student.age(utcnow().date()) < 16:
                for scope in (ConsentScope.participation, ConsentScope.showcase, ConsentScope.tandem):
                    db.session.add(
                        ParentalConsent(
                            student_id=student.id,
                            scope=scope,
                            recorded_by_id=find_by_login(teachers[0]).id,
                            note="Formular im Sekretariat"
                            if school_name.startswith("Gym")
                            else "Согласие в канцелярии",
                        )
                    )
        db.session.add(school_class)
        made.append(school_class)
    db.session.flush()
    german, russian = made
    partnership = db.session.scalar(
        sa.select(Partnership).where(
            Partnership.german_school_id == german.school_id, Partnership.russian_school_id == russian.school_id
        )
    )
    db.session.add(
        ClassPartnership(
            partnership_id=partnership.id,
            german_class_id=german.id,
            russian_class_id=russian.id,
            state=ClassPartnershipState.active,
            proposed_from_id=german.id,
            proposed_by_id=find_by_login("teacher.hamburg@example.org").id,
            confirmed_by_id=find_by_login("teacher.spb@example.org").id,
            confirmed_at=utcnow(),
        )
    )
    db.session.flush()
