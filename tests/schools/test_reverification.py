"""Finding #18: a verified school that changes its name, city or country is verified again by the foundation."""

import pytest
import sqlalchemy as sa

from schoolpartners.cities.models import Country
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.schools.models import SchoolStatus


def profile(school, city, **changes) -> dict:
    data = {
        "name": school.name,
        "name_alt": school.name_alt or "",
        "school_type": "gymnasium",
        "city_id": str(city.id),
        "address": "Schulweg 1",
        "website": "",
        "age_min": "10",
        "age_max": "18",
        "learners": "120",
        "offer_de": "",
        "offer_ru": "",
        "visibility": "public",
    }
    data.update(changes)
    return data


def told(user, kind):
    return db.session.scalars(
        sa.select(Notification.params).where(Notification.user_id == user.id, Notification.kind == kind)
    ).all()


@pytest.fixture
def verified(make_school, make_city):
    return make_school(Country.DE, "Lessing-Gymnasium", city=make_city(Country.DE, "Hameln"))


@pytest.mark.parametrize("change", ["name", "name_alt", "city", "country"])
def test_a_renamed_or_moved_school_goes_back_to_the_foundation(client, login, make_user, make_city, verified, change):
    """Finding #18: "Foundation Official Help Desk" stayed verified after its coordinator renamed the school."""
    foundation = make_user("coordinator")
    head = make_user("school_coordinator", school=verified)
    changes = {
        "name": {"name": "Foundation Official Help Desk"},
        "name_alt": {"name_alt": "Фонд: служба поддержки"},
        "city": {"city_id": str(make_city(Country.DE, "Bremen").id)},
        "country": {"city_id": str(make_city(Country.RU, "Tver").id), "school_type": "lyceum"},
    }[change]
    login(head)
    response = client.post(f"/schools/{verified.id}/edit?lang=en", data=profile(verified, verified.city, **changes))
    assert response.status_code == 302
    assert verified.status is SchoolStatus.pending
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "the foundation verifies the school again" in page
    assert told(foundation, "school_changed") == [{"school": verified.name}]
    client.post("/logout")
    assert verified.name not in client.get("/schools?lang=en").get_data(as_text=True)  # no longer listed


def test_other_changes_keep_the_school_verified(client, login, make_user, verified):
    """Finding #18: the address, offer or age range need no new check."""
    foundation = make_user("coordinator")
    login(make_user("school_coordinator", school=verified))
    client.post(f"/schools/{verified.id}/edit", data=profile(verified, verified.city, address="Neuer Weg 2"))
    assert verified.address == "Neuer Weg 2" and verified.status is SchoolStatus.verified
    assert told(foundation, "school_changed") == []


def test_the_foundation_corrects_a_name_without_a_new_check(client, login, make_user, verified):
    """Finding #18: a coordinator of the foundation fixing a typo keeps the school verified."""
    login(make_user("coordinator"))
    client.post(f"/schools/{verified.id}/edit", data=profile(verified, verified.city, name="Lessing-Gymnasium Hameln"))
    assert verified.name == "Lessing-Gymnasium Hameln" and verified.status is SchoolStatus.verified


def test_control_characters_are_stripped_from_school_names(client, login, make_user, verified):
    """Finding #28: names are kept on one line, without control or bidi-override characters."""
    login(make_user("coordinator"))
    client.post(
        f"/schools/{verified.id}/edit",
        data=profile(verified, verified.city, name="Lessing\n\nSubject: Passwort\x7f", name_alt="\u202eабв\t x"),
    )  # a NUL never gets this far: the whole request is refused (tests/test_bad_input.py)
    assert verified.name == "Lessing Subject: Passwort" and verified.name_alt == "абв x"
