"""Factory fixtures: make_city, make_school, make_user, and a login helper; plain builders for a German and a Russian
school working together: partnership, class partnership, published tandem, project of both classes."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from schoolpartners.accounts.models import User, UserRole
from schoolpartners.accounts.services import hash_password
from schoolpartners.cities.models import City, Country, TwinCityLink
from schoolpartners.classes.models import ClassPartnership, ClassPartnershipState, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.partnerships.models import Partnership
from schoolpartners.projects.models import Project, ProjectClass, ProjectSide, ProjectState
from schoolpartners.schools.catalog import bump_catalog
from schoolpartners.schools.models import MembershipStatus, School, SchoolStatus, StaffMembership, StaffRole
from schoolpartners.schools.services import reindex
from schoolpartners.sqltypes import utcnow
from schoolpartners.tandem.models import PairingRound, PairState, RoundState, TandemMember, TandemPair

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


@pytest.fixture
def make_city():
    def make(country: Country = Country.DE, name: str | None = None, **fields) -> City:
        n = next(_seq)
        name = name or f"Stadt {n}"
        city = City(
            country=country,
            name_de=name,
            name_ru=fields.pop("name_ru", f"Город {n}"),
            name_en=fields.pop("name_en", name),
            timezone=fields.pop("timezone", "Europe/Berlin" if country is Country.DE else "Europe/Moscow"),
            **fields,
        )
        db.session.add(city)
        db.session.flush()
        return city

    return make


@pytest.fixture
def make_link(make_city):
    def make(**fields) -> TwinCityLink:
        link = TwinCityLink(
            german_city_id=fields.pop("german_city", None).id if "german_city" in fields else make_city().id,
            russian_city_id=fields.pop("russian_city", None).id
            if "russian_city" in fields
            else make_city(Country.RU).id,
            source=fields.pop("source", "https://example.org/a ; https://example.org/b"),
            **fields,
        )
        db.session.add(link)
        db.session.flush()
        return link

    return make


@pytest.fixture
def make_school(make_city):
    def make(country: Country = Country.DE, name: str | None = None, city: City | None = None, **fields) -> School:
        """A verified, public school unless told otherwise; its search keys are indexed."""
        city = city or make_city(country)
        fields.setdefault("status", SchoolStatus.verified)
        school = School(name=name or f"Schule {next(_seq)}", city_id=city.id, country=city.country, **fields)
        db.session.add(school)
        db.session.flush()
        reindex(school, city)
        bump_catalog()
        return school

    return make


@pytest.fixture
def password_hash(app):
    with app.app_context():
        return hash_password(PASSWORD)


@pytest.fixture
def make_user(password_hash, make_school):
    """make_user("teacher"), make_user("school_coordinator"), make_user("student"), make_user("coordinator")."""

    def make(kind: str = "teacher", school: School | None = None, confirmed: bool = True, **fields) -> User:
        n = next(_seq)
        role = {"coordinator": UserRole.coordinator, "student": UserRole.student}.get(kind, UserRole.staff)
        user = User(
            role=role,
            display_name=fields.pop("display_name", f"User {n}"),
            password_hash=password_hash,
            locale=fields.pop("locale", "de"),
            timezone=fields.pop("timezone", "Europe/Berlin"),
            email_confirmed_at=utcnow() if confirmed else None,
            **fields,
        )
        if kind == "student":
            school = school or make_school()
            user.school_id = school.id
            user.set_username(f"student{n}")
        else:
            user.set_email(f"user{n}@example.org")
        db.session.add(user)
        db.session.flush()
        if kind in ("teacher", "school_coordinator"):
            school = school or make_school()
            role = StaffRole.teacher if kind == "teacher" else StaffRole.school_coordinator
            db.session.add(
                StaffMembership(user_id=user.id, school_id=school.id, role=role, status=MembershipStatus.active)
            )
            db.session.flush()
        return user

    return make


@pytest.fixture
def login(client):
    """login(user) logs the test client in through the real login form."""

    def do(user: User, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.login_name, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do


def as_user(app, user, password: str = PASSWORD):
    """A second test client, logged in as `user` (for journeys with several people)."""
    other = app.test_client()
    response = other.post("/login", data={"email": user.login_name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return other


def add_partnership(german: School, russian: School, german_contact: User, russian_contact: User, **fields):
    """A partnership of the two schools with these contact persons (flushed)."""
    partnership = Partnership(
        german_school_id=german.id,
        russian_school_id=russian.id,
        german_contact_id=german_contact.id,
        russian_contact_id=russian_contact.id,
        **fields,
    )
    db.session.add(partnership)
    db.session.flush()
    return partnership


def add_class_link(partnership: Partnership, german: SchoolClass, russian: SchoolClass, **fields) -> ClassPartnership:
    """A class partnership of the two classes, proposed by the German one; active unless `state` says otherwise
    (flushed)."""
    fields.setdefault("state", ClassPartnershipState.active)
    link = ClassPartnership(
        partnership_id=partnership.id,
        german_class_id=german.id,
        russian_class_id=russian.id,
        proposed_from_id=german.id,
        **fields,
    )
    db.session.add(link)
    db.session.flush()
    return link


def add_published_pair(link: ClassPartnership, *members: User) -> TandemPair:
    """An active tandem of these students, in this order, in a published round of its own (flushed)."""
    pairing = PairingRound(class_partnership_id=link.id, state=RoundState.published)
    pair = TandemPair(state=PairState.active)
    pair.members = [TandemMember(user_id=member.id, position=n) for n, member in enumerate(members)]
    pairing.pairs.append(pair)
    db.session.add(pairing)
    db.session.flush()
    return pair


def add_project(world: dict, state: ProjectState, start: date, end: date, milestones) -> Project:
    """A project of the world's two classes (keys de, ru, de_teacher, ru_teacher, partnership, de_class, ru_class),
    both sides confirmed by their contact teachers (flushed)."""
    project = Project(
        partnership_id=world["partnership"].id,
        title_de="Unsere Städte",
        title_ru="Наши города",
        start_date=start,
        end_date=end,
        state=state,
    )
    project.sides = [
        ProjectSide(school_id=world["de"].id, contact_id=world["de_teacher"].id, confirmed_at=utcnow()),
        ProjectSide(school_id=world["ru"].id, contact_id=world["ru_teacher"].id, confirmed_at=utcnow()),
    ]
    project.class_links = [ProjectClass(class_id=world["de_class"].id), ProjectClass(class_id=world["ru_class"].id)]
    project.milestones = milestones
    db.session.add(project)
    db.session.flush()
    return project
