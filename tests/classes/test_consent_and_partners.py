"""Parental consent below the consent age, and class partnerships both sides confirm."""

from datetime import date

import sqlalchemy as sa

from schoolpartners.classes import services
from schoolpartners.classes.models import ClassPartnership, ClassPartnershipState, ConsentScope
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification


def test_age_follows_from_birth_year_and_month(make_user):
    student = make_user("student", birth_year=2012, birth_month=5)
    assert student.age(date(2026, 4, 30)) == 13
    assert student.age(date(2026, 5, 1)) == 14


def test_consent_is_needed_below_the_configured_age_per_scope(app, make_user):
    young = make_user("student", birth_year=2013, birth_month=1)
    older = make_user("student", birth_year=2008, birth_month=1)
    today = date(2026, 11, 25)
    assert services.needs_consent(young, today) and not services.needs_consent(older, today)
    assert not services.may(young, ConsentScope.participation, today)
    assert services.may(older, ConsentScope.tandem, today)
    app.config["CONSENT_AGE"] = {"DE": 12, "RU": 16}
    try:
        assert not services.needs_consent(young, today)
    finally:
        app.config["CONSENT_AGE"] = {"DE": 16, "RU": 16}


def test_teacher_records_and_withdraws_consent(client, login, make_user, make_class):
    teacher = make_user("teacher")
    student = make_user("student", school=teacher.memberships[0].school, birth_year=2013, birth_month=3)
    school_class = make_class(teacher, students=[student])
    login(teacher)
    base = f"/classes/{school_class.id}/students/{student.id}"
    client.post(f"{base}/consent", data={"scopes": ["participation", "showcase"], "note": "Formular im Sekretariat"})
    consents = services.active_consents(student)
    assert set(consents) == {ConsentScope.participation, ConsentScope.showcase}
    assert consents[ConsentScope.showcase].recorded_by_id == teacher.id
    assert services.may(student, ConsentScope.participation) and not services.may(student, ConsentScope.tandem)
    client.post(f"{base}/consent/{consents[ConsentScope.showcase].id}/withdraw")
    assert set(services.active_consents(student)) == {ConsentScope.participation}
    client.post(f"{base}/consent", data={"scopes": ["nonsense"]})
    assert set(services.active_consents(student)) == {ConsentScope.participation}
    html = client.get(base).get_data(as_text=True)
    assert "Formular im Sekretariat" in html


def test_class_partnership_is_proposed_by_one_side_and_confirmed_by_the_other(client, login, pair, app):
    de_class, ru_class = pair["de_class"], pair["ru_class"]
    login(pair["de_teacher"])
    client.post(f"/classes/{de_class.id}/partners", data={"choice": ru_class.id})
    link = db.session.scalar(sa.select(ClassPartnership))
    assert link.state is ClassPartnershipState.proposed and link.german_class_id == de_class.id
    assert (
        db.session.scalar(sa.select(Notification).where(Notification.user_id == pair["ru_teacher"].id)).kind
        == "class_partnership_proposed"
    )
    client.post(f"/classes/{de_class.id}/partners/{link.id}/confirm")
    assert link.state is ClassPartnershipState.proposed  # the proposing side cannot confirm alone
    client.post(f"/classes/{de_class.id}/partners", data={"choice": ru_class.id})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClassPartnership)) == 1

    other = app.test_client()
    login_ru = other.post("/login", data={"email": pair["ru_teacher"].login_name, "password": _password()})
    assert login_ru.status_code == 302
    other.post(f"/classes/{ru_class.id}/partners/{link.id}/confirm")
    db.session.refresh(link)
    assert link.state is ClassPartnershipState.active and link.confirmed_by_id == pair["ru_teacher"].id
    other.post(f"/classes/{ru_class.id}/partners/{link.id}/end")
    db.session.refresh(link)
    assert link.state is ClassPartnershipState.ended


def test_classes_without_an_active_school_partnership_cannot_be_linked(
    client, login, make_user, make_class, make_school
):
    from schoolpartners.cities.models import Country

    de_teacher = make_user("teacher")
    ru_teacher = make_user("teacher", school=make_school(Country.RU))
    de_class, ru_class = make_class(de_teacher), make_class(ru_teacher)
    login(de_teacher)
    client.post(f"/classes/{de_class.id}/partners", data={"choice": ru_class.id})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClassPartnership)) == 0


def _password():
    from tests.factories import PASSWORD

    return PASSWORD
