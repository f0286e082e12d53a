"""Demo tandems: Lena (Hamburg) and Иван (St. Petersburg) are a published pair with messages, sessions and
vocabulary; the other students of 9b and 9Б have profiles, so a pairing round is ready to run."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from .accounts.models import User
from .accounts.services import find_by_login
from .classes.models import ClassMembership, ClassPartnership, Level, SchoolClass
from .extensions import db
from .sqltypes import utcnow
from .tandem.matching import slot_code
from .tandem.models import (
    PairingRound,
    PairState,
    RoundState,
    SessionNote,
    TandemMember,
    TandemMessage,
    TandemPair,
    TandemProfile,
    TandemSession,
    VocabularyEntry,
)

INTEREST_SETS = [
    ["football", "games", "history"],
    ["music", "dance", "films"],
    ["books", "history", "travel"],
    ["computers", "games", "science"],
    ["art", "photography", "fashion"],
    ["sports", "nature", "travel"],
    ["cooking", "music", "films"],
    ["theatre", "books", "volunteering"],
]
# Lessons on Tuesday and Thursday: 10–12 in Hamburg meets 12–14 in St. Petersburg (winter and summer).
HAMBURG_SLOTS = [slot_code(1, 10), slot_code(3, 10), slot_code(2, 16)]
SPB_SLOTS = [slot_code(1, 12), slot_code(3, 12), slot_code(4, 18)]

MESSAGES = [
    ("lena", "Привет, Иван! Меня зовут Лена, мне 14 лет. Я живу в Гамбурге. Я люблю музыку и историю. А ты?"),
    (
        "ivan",
        "Hallo Lena! Ich heiße Ivan und ich wohne in Sankt Petersburg. Ich spiele gern Fußball. "
        "Kennst du die Brücken an der Newa?",
    ),
    ("lena", "Да! Я видела фото разводных мостов. В Гамбурге тоже много мостов — больше, чем в Венеции!"),
    ("ivan", "Wirklich? Das wusste ich nicht. Am Donnerstag erzähle ich dir in der Stunde von unserem Projekt."),
]

WORDS = [
    ("lena", "разводной мост", "Klappbrücke", "Ночью в Петербурге разводят мосты."),
    ("ivan", "die Speicherstadt", "Шпайхерштадт (район складов)", "Die Speicherstadt liegt am Hafen."),
    ("lena", "город-побратим", "Partnerstadt", "Гамбург и Петербург — города-побратимы с 1957 года."),
]


def _profile(user: User, german: bool, number: int, level: Level) -> TandemProfile:
    heritage = user.username == "alina.kusnezow"  # grew up with Russian at home
    return TandemProfile(
        user_id=user.id,
        speaks=["de", "ru"] if heritage else (["de"] if german else ["ru"]),
        learns="ru" if german else "de",
        level=Level.B1 if heritage else level,
        interests=INTEREST_SETS[number % len(INTEREST_SETS)],
        slots=HAMBURG_SLOTS if german else SPB_SLOTS,
        modes=["lessons", "written"] if number % 3 else ["lessons", "visit"],
    )


def seed_tandem() -> None:
    """Run once, on the first seed, after the demo classes."""
    link = db.session.scalar(sa.select(ClassPartnership).order_by(ClassPartnership.id).limit(1))
    german, russian = (
        db.session.get(SchoolClass, link.german_class_id),
        db.session.get(SchoolClass, link.russian_class_id),
    )
    for school_class, is_german in ((german, True), (russian, False)):
        students = db.session.scalars(
            sa.select(User)
            .join(ClassMembership, ClassMembership.student_id == User.id)
            .where(ClassMembership.class_id == school_class.id)
            .order_by(User.id)
        )
        for number, student in enumerate(students):
            db.session.add(_profile(student, is_german, number, school_class.level or Level.A2))

    lena, ivan = find_by_login("student.hamburg@example.org"), find_by_login("student.spb@example.org")
    anna, elena = find_by_login("teacher.hamburg@example.org"), find_by_login("teacher.spb@example.org")
    now = utcnow()
    start = now - timedelta(days=20)
    pairing = PairingRound(
        class_partnership_id=link.id,
        state=RoundState.published,
        created_by_id=anna.id,
        created_at=start,
        german_approved_by_id=anna.id,
        german_approved_at=start,
        russian_approved_by_id=elena.id,
        russian_approved_at=start + timedelta(hours=3),
        published_at=start + timedelta(hours=3),
    )
    pair = TandemPair(state=PairState.active, score=80, published_at=pairing.published_at, last_activity_at=now)
    pair.members = [TandemMember(user_id=lena.id, position=0), TandemMember(user_id=ivan.id, position=1)]
    pairing.pairs.append(pair)
    db.session.add(pairing)
    db.session.flush()

    authors = {"lena": lena, "ivan": ivan}
    for number, (who, body) in enumerate(MESSAGES):
        sent = start + timedelta(days=1 + number * 2, hours=number)
        db.session.add(TandemMessage(pair_id=pair.id, author_id=authors[who].id, body=body, created_at=sent))
    for days_ago, de, ru, topics, learned in (
        (14, 20, 25, "Schule, Stundenplan / школа, расписание", ("Wochentage auf Russisch", "Wörter für Schulfächer")),
        (7, 25, 20, "Brücken unserer Städte / мосты наших городов", ("разводной мост", "Speicherstadt, Hafen")),
    ):
        session = TandemSession(
            pair_id=pair.id,
            held_on=(now - timedelta(days=days_ago)).date(),
            minutes_de=de,
            minutes_ru=ru,
            topics=topics,
            logged_by_id=lena.id,
        )
        session.notes = [
            SessionNote(user_id=lena.id, learned=learned[0]),
            SessionNote(user_id=ivan.id, learned=learned[1]),
        ]
        db.session.add(session)
    for who, word, translation, example in WORDS:
        db.session.add(
            VocabularyEntry(
                pair_id=pair.id, word=word, translation=translation, example=example, added_by_id=authors[who].id
            )
        )
    db.session.flush()
