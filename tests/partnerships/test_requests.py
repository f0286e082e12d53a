"""The request workflow: send, ask, accept, decline, withdraw, expire; partnerships and their pages."""

import csv
import io

import pytest
import sqlalchemy as sa

from schoolpartners.cities.models import Country
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification, OutboxEmail
from schoolpartners.partnerships.models import (
    Partnership,
    PartnershipRequest,
    PartnershipStatus,
    RequestState,
)
from schoolpartners.schools.models import SchoolStatus
from schoolpartners.sqltypes import utcnow


@pytest.fixture
def pair(make_school, make_user, make_city):
    german = make_school(Country.DE, "Gymnasium Nord", city=make_city(Country.DE, "Bremen"))
    russian = make_school(Country.RU, "Школа № 5", city=make_city(Country.RU, "Twer"))
    return {
        "german": german,
        "russian": russian,
        "de_head": make_user("school_coordinator", school=german, display_name="Frau Nord", locale="de"),
        "de_teacher": make_user("teacher", school=german, display_name="Herr Lehrer"),
        "ru_head": make_user("school_coordinator", school=russian, display_name="Ольга Юг", locale="ru"),
        "ru_teacher": make_user("teacher", school=russian, display_name="Иван Учитель", locale="ru"),
    }


def send(client, login, pair, sender="de_teacher", **data):
    login(pair[sender])
    payload = {
        "from_school": str(pair["german"].id),
        "message_de": "Hallo!",
        "message_ru": "Привет!",
        "topics": ["history"],
        "forms": ["tandem"],
    }
    payload.update(data)
    response = client.post(f"/requests/new/{pair['russian'].id}", data=payload)
    client.post("/logout")
    return response


def the_request():
    return db.session.scalars(sa.select(PartnershipRequest)).one()


def kinds(user):
    return set(db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user.id)))


def test_teacher_sends_a_request_and_the_other_school_is_told_in_its_language(client, login, pair):
    assert send(client, login, pair).status_code == 302
    req = the_request()
    assert req.state is RequestState.open and req.from_school_id == pair["german"].id
    assert (req.expires_at - req.created_at).days == 60
    assert "request_received" in kinds(pair["ru_head"]) and "request_received" in kinds(pair["ru_teacher"])
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.recipient == pair["ru_head"].email))
    assert mail.locale == "ru" and "Gymnasium Nord" in mail.subject


def test_contacts_stay_hidden_until_accepted(client, login, pair):
    send(client, login, pair)
    req = the_request()
    login(pair["ru_head"])
    html = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Hallo!" in html and "Привет!" in html
    assert pair["de_teacher"].display_name not in html and pair["de_teacher"].email not in html
    client.post(f"/requests/{req.id}/messages", data={"body": "Сколько учеников?"})
    client.post("/logout")
    login(pair["de_teacher"])
    html = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Сколько учеников?" in html and "Ольга Юг" not in html and "Школа № 5" in html
    assert "request_message" in kinds(pair["de_teacher"])


def test_receiving_coordinator_accepts_and_both_see_contacts(client, login, pair):
    send(client, login, pair)
    req = the_request()
    login(pair["ru_teacher"])  # a teacher of the receiving school cannot decide
    assert "Ваше решение" not in client.get(f"/requests/{req.id}").get_data(as_text=True)
    client.post(f"/requests/{req.id}/accept", data={"contact": str(pair["ru_teacher"].id)})
    assert req.state is RequestState.open
    client.post("/logout")
    login(pair["ru_head"])
    response = client.post(f"/requests/{req.id}/accept", data={"contact": str(pair["ru_teacher"].id)})
    partnership = db.session.scalars(sa.select(Partnership)).one()
    assert response.headers["Location"] == f"/partnerships/{partnership.id}"
    assert req.state is RequestState.accepted and req.partnership_id == partnership.id
    assert partnership.german_contact_id == pair["de_teacher"].id
    assert partnership.russian_contact_id == pair["ru_teacher"].id
    assert partnership.status is PartnershipStatus.active
    assert "request_accepted" in kinds(pair["de_head"])
    client.post("/logout")
    login(pair["de_head"])
    html = client.get(f"/partnerships/{partnership.id}?lang=de").get_data(as_text=True)
    assert "Gymnasium Nord" in html and "Школа № 5" in html
    assert "Иван Учитель" in html and pair["ru_teacher"].email in html and "Herr Lehrer" in html


def test_other_schools_cannot_see_or_decide(client, login, pair, make_user, make_school):
    send(client, login, pair)
    req = the_request()
    stranger = make_user("school_coordinator", school=make_school(Country.RU))
    login(stranger)
    assert client.get(f"/requests/{req.id}").status_code == 404
    assert client.post(f"/requests/{req.id}/accept", data={"contact": str(stranger.id)}).status_code == 404
    assert req.state is RequestState.open


def test_contact_must_be_on_the_accepting_schools_staff(client, login, pair):
    send(client, login, pair)
    req = the_request()
    login(pair["ru_head"])
    client.post(f"/requests/{req.id}/accept", data={"contact": str(pair["de_head"].id)})
    assert req.state is RequestState.open and db.session.scalar(sa.select(sa.func.count(Partnership.id))) == 0


def test_decline_with_reason_and_withdraw(client, login, pair):
    send(client, login, pair)
    req = the_request()
    login(pair["ru_head"])
    client.post(f"/requests/{req.id}/decline", data={"reason": "Нет свободных классов."})
    assert req.state is RequestState.declined and req.decline_reason == "Нет свободных классов."
    assert "request_declined" in kinds(pair["de_teacher"])
    client.post("/logout")
    # A declined request is closed, so a new one may be sent — and withdrawn.
    assert send(client, login, pair).status_code == 302
    new = db.session.scalar(sa.select(PartnershipRequest).where(PartnershipRequest.state == RequestState.open))
    login(pair["ru_head"])
    assert client.post(f"/requests/{new.id}/withdraw").status_code == 302
    assert new.state is RequestState.open  # only the sender may withdraw
    client.post("/logout")
    login(pair["de_head"])
    client.post(f"/requests/{new.id}/withdraw")
    assert new.state is RequestState.withdrawn and "request_withdrawn" in kinds(pair["ru_head"])


def test_one_open_request_per_pair_in_either_direction(client, login, pair):
    send(client, login, pair)
    again = send(client, login, pair)
    assert again.status_code == 200
    login(pair["ru_head"])
    client.post(f"/requests/new/{pair['german'].id}?lang=en", data={"from_school": str(pair["russian"].id)})
    assert db.session.scalar(sa.select(sa.func.count(PartnershipRequest.id))) == 1


def test_expired_requests_close_and_free_the_pair(client, login, pair):
    send(client, login, pair)
    req = the_request()
    req.expires_at = utcnow().replace(year=2020)
    db.session.commit()
    login(pair["ru_head"])
    html = client.get("/requests?lang=en").get_data(as_text=True)
    assert "expired" in html and req.current_state is RequestState.expired
    assert req.state is RequestState.open  # a GET changes nothing
    client.post(f"/requests/{req.id}/accept", data={"contact": str(pair["ru_head"].id)})
    assert db.session.scalar(sa.select(sa.func.count(Partnership.id))) == 0
    client.post("/logout")
    assert send(client, login, pair).status_code == 302


def test_expire_requests_command(client, login, pair, runner):
    send(client, login, pair)
    req = the_request()
    req.expires_at = utcnow().replace(year=2020)
    db.session.commit()
    assert "1 requests expired." in runner.invoke(args=["expire-requests"]).output
    db.session.refresh(req)
    assert req.state is RequestState.expired


@pytest.mark.parametrize("case", ["own_school", "same_country", "unverified", "too_long", "unknown"])
def test_bad_requests_change_nothing(client, login, pair, make_school, case):
    login(pair["de_head"])
    target = {
        "own_school": pair["german"].id,
        "same_country": make_school(Country.DE).id,
        "unverified": make_school(Country.RU, status=SchoolStatus.pending).id,
        "too_long": pair["russian"].id,
        "unknown": 999999,
    }[case]
    data = {"from_school": str(pair["german"].id), "message_de": "x" * (4001 if case == "too_long" else 5)}
    response = client.post(f"/requests/new/{target}?lang=en", data=data)
    assert response.status_code in (200, 302, 404)
    assert db.session.scalar(sa.select(sa.func.count(PartnershipRequest.id))) == 0


def test_partnership_status_and_contact_changes(client, login, pair):
    send(client, login, pair)
    req = the_request()
    login(pair["ru_head"])
    client.post(f"/requests/{req.id}/accept", data={"contact": str(pair["ru_head"].id)})
    partnership = db.session.scalars(sa.select(Partnership)).one()
    client.post(f"/partnerships/{partnership.id}/status", data={"status": "paused", "note": "Ferien"})
    assert partnership.status is PartnershipStatus.paused
    client.post(f"/partnerships/{partnership.id}/contact", data={"contact": str(pair["ru_teacher"].id)})
    assert partnership.russian_contact_id == pair["ru_teacher"].id
    assert "contact_named" in kinds(pair["ru_teacher"])
    client.post("/logout")
    login(pair["de_teacher"])  # a teacher can read but not change
    client.post(f"/partnerships/{partnership.id}/status", data={"status": "ended"})
    assert partnership.status is PartnershipStatus.paused
    html = client.get(f"/partnerships/{partnership.id}?lang=en").get_data(as_text=True)
    assert "Paused" in html and "Ferien" in html and "New contact person: Иван Учитель" in html


def test_coordinator_overview_and_csv(client, login, pair, make_user):
    send(client, login, pair)
    req = the_request()
    login(pair["ru_head"])
    client.post(f"/requests/{req.id}/accept", data={"contact": str(pair["ru_head"].id)})
    client.post("/logout")
    login(make_user("coordinator"))
    html = client.get("/partnerships?lang=en").get_data(as_text=True)
    assert "Gymnasium Nord" in html and "Bremen" in html and "Twer" in html
    response = client.get("/partnerships.csv?status=active&lang=en")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "ID" and rows[1][3] == "Gymnasium Nord" and rows[1][6] == "Школа № 5"
    ended = client.get("/partnerships.csv?status=ended").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(ended), delimiter=";"))) == 1


def test_partners_are_not_suggested_again(client, login, pair):
    send(client, login, pair)
    req = the_request()
    login(pair["ru_head"])
    client.post(f"/requests/{req.id}/accept", data={"contact": str(pair["ru_head"].id)})
    client.post("/logout")
    login(pair["de_head"])
    assert "Школа № 5" not in client.get("/partners/suggestions").get_data(as_text=True)


def test_request_button_only_where_a_request_is_possible(client, login, pair, make_school):
    login(pair["de_teacher"])
    assert "/requests/new/" in client.get(f"/schools/{pair['russian'].id}").get_data(as_text=True)
    other_german = make_school(Country.DE)
    assert "/requests/new/" not in client.get(f"/schools/{other_german.id}").get_data(as_text=True)
    assert "/requests/new/" not in client.get(f"/schools/{pair['german'].id}").get_data(as_text=True)
