"""The demo world: the Hamburg–St. Petersburg school pair this platform grows from.

Fictional people and school names in real cities. Running it twice changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from . import demo_schools
from .accounts.models import User, UserRole, fold
from .accounts.services import find_by_login, hash_password
from .cities.models import City, Country, LinkStatus, TwinCityLink
from .cities.services import load_twin_cities
from .demo_classes import seed_classes
from .demo_projects import seed_projects
from .demo_tandem import seed_tandem
from .extensions import db
from .notifications.services import notify
from .partnerships.models import Partnership, PartnershipEvent, PartnershipRequest, PartnershipStatus, RequestState
from .schools.catalog import bump_catalog
from .schools.models import MembershipStatus, School, SchoolStatus, SchoolType, StaffMembership, StaffRole
from .schools.options import FORMS, TOPICS
from .schools.services import apply_profile
from .sqltypes import utcnow

COORDINATOR = ("coordinator@example.org", "Katharina Vogt")

# German cities whose partnership with a Russian city is reported as suspended since 2022
# (see cities/data/README.md); the demo coordinator has recorded that.
SUSPENDED_SINCE_2022 = [
    "Düsseldorf",
    "Köln",
    "Hamburg",
    "Kassel",
    "Hanau",
    "Emden",
    "Aachen",
    "Neuss",
    "Karlsruhe",
    "Baden-Baden",
    "Tübingen",
    "Erlangen",
]

SCHOOLS = [
    {
        "name": "Gymnasium Am Elbufer",
        "city": (Country.DE, "Hamburg"),
        "locale": "de",
        "timezone": "Europe/Berlin",
        "profile": {
            "school_type": SchoolType.gymnasium,
            "languages": ["russian_foreign", "russian_heritage", "english"],
            "topics": ["history", "culture", "civic"],
            "forms": ["online", "tandem", "project", "visits"],
            "age_min": 10,
            "age_max": 19,
            "learners": 96,
            "offer_de": "Wir erforschen mit unserer Partnerschule die Geschichte der Städtepartnerschaft "
            "Hamburg – Sankt Petersburg: im Staatsarchiv, mit Zeitzeug:innen und in einer zweisprachigen "
            "Ausstellung.",
            "offer_ru": "Вместе со школой-партнёром мы изучаем историю побратимских связей Гамбурга и "
            "Санкт-Петербурга: в архиве, в беседах с очевидцами и в двуязычной выставке.",
        },
        "staff": [
            ("admin.hamburg@example.org", "Dr. Jens Albers", StaffRole.school_coordinator),
            ("teacher.hamburg@example.org", "Anna Becker", StaffRole.teacher),
            ("history.hamburg@example.org", "Mehmet Yılmaz", StaffRole.teacher),
        ],
        "students": [
            ("lena.schmidt", "Lena Schmidt", "student.hamburg@example.org"),
            ("jonas.mueller", "Jonas Müller", None),
            ("mia.wagner", "Mia Wagner", None),
            ("paul.fischer", "Paul Fischer", None),
            ("emma.hoffmann", "Emma Hoffmann", None),
            ("leon.schulz", "Leon Schulz", None),
            ("alina.kusnezow", "Alina Kusnezow", None),
            ("ben.richter", "Ben Richter", None),
            ("hannah.klein", "Hannah Klein", None),
            ("noah.wolf", "Noah Wolf", None),
        ],
    },
    {
        "name": "Школа № 2107 с углублённым изучением немецкого языка",
        "city": (Country.RU, "Sankt Petersburg"),
        "locale": "ru",
        "timezone": "Europe/Moscow",
        "profile": {
            "name_alt": "Schule Nr. 2107 mit vertieftem Deutschunterricht",
            "school_type": SchoolType.ru_german_profile,
            "languages": ["german_foreign", "english"],
            "topics": ["history", "culture", "everyday"],
            "forms": ["online", "tandem", "project", "visits"],
            "age_min": 10,
            "age_max": 17,
            "learners": 140,
            "offer_de": "Deutsch ab der 2. Klasse. Wir möchten mit unserer Hamburger Partnerschule die gemeinsame "
            "Geschichte unserer Städte erforschen und Tandems zwischen unseren Klassen bilden.",
            "offer_ru": "Немецкий язык со 2-го класса. Вместе с гамбургской школой-партнёром мы хотим изучать общую "
            "историю наших городов и создавать тандемы между нашими классами.",
        },
        "staff": [
            ("admin.spb@example.org", "Ольга Смирнова", StaffRole.school_coordinator),
            ("teacher.spb@example.org", "Елена Козлова", StaffRole.teacher),
            ("history.spb@example.org", "Дмитрий Орлов", StaffRole.teacher),
        ],
        "students": [
            ("ivan.petrov", "Иван Петров", "student.spb@example.org"),
            ("anna.ivanova", "Анна Иванова", None),
            ("maria.sokolova", "Мария Соколова", None),
            ("dmitri.popov", "Дмитрий Попов", None),
            ("ekaterina.lebedeva", "Екатерина Лебедева", None),
            ("artem.novikov", "Артём Новиков", None),
            ("polina.morozova", "Полина Морозова", None),
            ("nikita.volkov", "Никита Волков", None),
            ("alisa.fedorova", "Алиса Фёдорова", None),
            ("maxim.egorov", "Максим Егоров", None),
        ],
    },
]


class Seeder:
    """Creates what is missing, keyed by email, username or name."""

    def __init__(self, password: str):
        # One hash for every demo account: argon2 is slow on purpose.
        self.password_hash = hash_password(password)
        self.created = 0

    def user(
        self,
        role: UserRole,
        display_name: str,
        locale: str,
        timezone: str,
        email: str | None = None,
        username: str | None = None,
        school: School | None = None,
    ) -> User:
        key = fold(email or username or "")
        column = User.email_key if email else User.username_key
        user = db.session.scalar(sa.select(User).where(column == key))
        if user is None:
            user = User(
                role=role,
                display_name=display_name,
                password_hash=self.password_hash,
                locale=locale,
                timezone=timezone,
                email_confirmed_at=utcnow(),
                school_id=school.id if school else None,
            )
            user.set_email(email)
            user.set_username(username)
            db.session.add(user)
            db.session.flush()
            self.created += 1
            notify(user, "welcome", link="/dashboard", email=False, name=display_name)
        return user

    def school(
        self, name: str, country: Country, city_name: str, profile: dict, status: SchoolStatus = SchoolStatus.verified
    ) -> School:
        school = db.session.scalar(sa.select(School).where(School.name == name))
        if school is None:
            city = db.session.scalar(sa.select(City).where(City.country == country, City.name_de == city_name))
            school = School(status=status, status_changed_at=utcnow() if status is SchoolStatus.verified else None)
            apply_profile(school, {"name": name, "city_id": city.id, **profile})
            self.created += 1
        return school

    def membership(self, user: User, school: School, role: StaffRole) -> None:
        exists = db.session.scalar(
            sa.select(StaffMembership.id).where(
                StaffMembership.user_id == user.id, StaffMembership.school_id == school.id
            )
        )
        if exists is None:
            db.session.add(
                StaffMembership(
                    user_id=user.id,
                    school_id=school.id,
                    role=role,
                    status=MembershipStatus.active,
                    confirmed_at=utcnow(),
                )
            )


OTHER_STAFF = [
    ("admin.newa@example.org", "Светлана Васильева", "ru", "Гимназия № 1957 «Невская»"),
    ("muenster@example.org", "Claudia Brinkmann", "de", "Gymnasium Am Aasee"),
    ("ryazan@example.org", "Наталья Кузнецова", "ru", "Школа № 187 с углублённым изучением немецкого языка"),
    ("kaliningrad@example.org", "Андрей Морозов", "ru", "Лицей № 144 «Балтика»"),
    ("koeln@example.org", "Stefan Wagner", "de", "Gymnasium Am Domblick"),
]


def seed_partnerships(schools: dict[str, School]) -> None:
    """Hamburg and St. Petersburg are partners; requests are open in both directions."""
    hamburg, spb = schools["Gymnasium Am Elbufer"], schools["Школа № 2107 с углублённым изучением немецкого языка"]
    partnership = Partnership(
        german_school_id=hamburg.id,
        russian_school_id=spb.id,
        german_contact_id=find_by_login("teacher.hamburg@example.org").id,
        russian_contact_id=find_by_login("teacher.spb@example.org").id,
        status=PartnershipStatus.active,
        status_changed_at=utcnow(),
    )
    db.session.add(partnership)
    db.session.flush()
    db.session.add(
        PartnershipEvent(partnership_id=partnership.id, kind="started", by_id=find_by_login("admin.spb@example.org").id)
    )
    requests = [
        (
            "muenster@example.org",
            "Gymnasium Am Aasee",
            "Школа № 187 с углублённым изучением немецкого языка",
            "Unsere Russischkurse suchen Partner in Rjasan – unserer Partnerstadt seit 1989.",
            "Наши классы, изучающие русский язык, ищут партнёров в Рязани — нашем городе-побратиме с 1989 года.",
        ),
        (
            "kaliningrad@example.org",
            "Лицей № 144 «Балтика»",
            "Gymnasium Am Elbufer",
            "Wir möchten mit Ihren Russischkursen ein Projekt über die Ostsee beginnen.",
            "Мы хотели бы начать с вашими классами проект о Балтийском море.",
        ),
    ]
    for email, sender_school, target, message_de, message_ru in requests:
        a, b = schools[sender_school], schools[target]
        db.session.add(
            PartnershipRequest(
                from_school_id=a.id,
                to_school_id=b.id,
                pair_key=f"{min(a.id, b.id)}-{max(a.id, b.id)}",
                sender_id=find_by_login(email).id,
                message_de=message_de,
                message_ru=message_ru,
                topics_mask=TOPICS.mask(["history", "environment"]),
                forms_mask=FORMS.mask(["project", "tandem"]),
                state=RequestState.open,
                expires_at=utcnow() + timedelta(days=60),
            )
        )
    bump_catalog()


def seed_demo() -> int:
    """Create the demo world; returns how many records were new."""
    if db.session.scalar(sa.select(sa.func.count(City.id))) == 0:
        load_twin_cities()
    seeder = Seeder(current_app.config["DEMO_PASSWORD"])
    coordinator = seeder.user(UserRole.coordinator, COORDINATOR[1], "de", "Europe/Berlin", email=COORDINATOR[0])
    first_run = seeder.created == 1
    for spec in SCHOOLS:
        country, city_name = spec["city"]
        school = seeder.school(spec["name"], country, city_name, spec["profile"])
        for email, name, role in spec["staff"]:
            user = seeder.user(UserRole.staff, name, spec["locale"], spec["timezone"], email=email)
            seeder.membership(user, school, role)
        for username, name, email in spec["students"]:
            seeder.user(
                UserRole.student, name, spec["locale"], spec["timezone"], email=email, username=username, school=school
            )
    schools = {
        spec["name"]: db.session.scalar(sa.select(School).where(School.name == spec["name"])) for spec in SCHOOLS
    }
    for profile in demo_schools.profiles():
        fields = {k: v for k, v in profile.items() if k not in ("country", "city", "name", "status")}
        schools[profile["name"]] = seeder.school(
            profile["name"], profile["country"], profile["city"], fields, profile["status"]
        )
    # Staff for a few other schools, so that requests can go both ways.
    for email, name, locale, school_name in OTHER_STAFF:
        zone = "Europe/Moscow" if locale == "ru" else "Europe/Berlin"
        user = seeder.user(UserRole.staff, name, locale, zone, email=email)
        seeder.membership(user, schools[school_name], StaffRole.school_coordinator)
    db.session.flush()
    if first_run:
        seed_partnerships(schools)
        seed_classes()
        seed_projects(seeder)
        seed_tandem()
    if first_run:
        links = db.session.scalars(
            sa.select(TwinCityLink)
            .join(City, TwinCityLink.german_city_id == City.id)
            .where(City.name_de.in_(SUSPENDED_SINCE_2022))
        )
        for link in links:
            link.set_status(LinkStatus.suspended, coordinator.id)
    db.session.flush()
    return seeder.created
