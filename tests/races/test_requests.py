"""Decisions on a partnership request, and changes to a partnership, made at the same moment (review §1, F4, F5):
exactly one takes effect, the others are told which one did, and only its notifications go out."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from schoolpartners.accounts.models import User
from schoolpartners.cities.models import Country
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.partnerships.models import (
    Partnership,
    PartnershipEvent,
    PartnershipRequest,
    PartnershipStatus,
    RequestState,
)
from schoolpartners.partnerships.services import pair_key
from schoolpartners.sqltypes import utcnow
from tests.committed import Background, holding_lock, together, wait_for_lock_waiters
from tests.factories import add_partnership, as_user
from tests.texts import shown

pytestmark = pytest.mark.committed

DECISION_KINDS = ("request_accepted", "request_declined", "request_withdrawn", "partnership_started")


@pytest.fixture
def world(committed_app, make_school, make_user, make_city):
    """An open request from a German school (sent by its teacher) to a Russian school with two coordinators."""
    with committed_app.app_context():
        de = make_school(Country.DE, city=make_city(Country.DE))
        ru = make_school(Country.RU, city=make_city(Country.RU, timezone="Europe/Moscow"))
        people = {
            "de_teacher": make_user("teacher", school=de),
            "de_head": make_user("school_coordinator", school=de),
            "ru_head": make_user("school_coordinator", school=ru, locale="ru"),
            "ru_head2": make_user("school_coordinator", school=ru, locale="ru"),
            "ru_teacher": make_user("teacher", school=ru, locale="ru"),
        }
        now = utcnow()
        req = PartnershipRequest(
            from_school_id=de.id,
            to_school_id=ru.id,
            pair_key=pair_key(de.id, ru.id),
            sender_id=people["de_teacher"].id,
            message_de="Hallo!",
            state=RequestState.open,
            created_at=now,
            expires_at=now + timedelta(days=60),
        )
        db.session.add(req)
        db.session.commit()
        return SimpleNamespace(
            request_id=req.id,
            url=f"/requests/{req.id}",
            ids={key: user.id for key, user in people.items()},
            german_id=de.id,
            russian_id=ru.id,
        )


def client_of(committed_app, user_id):
    with committed_app.app_context():
        return as_user(committed_app, db.session.get(User, user_id))


def the_request(committed_app, request_id):
    with committed_app.app_context():
        req = db.session.get(PartnershipRequest, request_id)
        db.session.expunge(req)
        return req


def told(committed_app, world) -> list[str]:
    """The decision notifications the people of this world got, sorted."""
    with committed_app.app_context():
        return sorted(
            db.session.scalars(
                sa.select(Notification.kind).where(
                    Notification.user_id.in_(world.ids.values()), Notification.kind.in_(DECISION_KINDS)
                )
            )
        )


def partnerships(committed_app, world) -> int:
    with committed_app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(Partnership.id)).where(Partnership.german_school_id == world.german_id)
        )


def accept(client, world):
    return client.post(f"{world.url}/accept", data={"contact": str(world.ids["ru_teacher"])})


def decline(client, world):
    return client.post(f"{world.url}/decline", data={"reason": "race"})


def withdraw(client, world):
    return client.post(f"{world.url}/withdraw")


EXPECTED_NOTIFICATIONS = {
    # the sending school's two staff members, or the receiving school's staff but the deciding coordinator
    RequestState.accepted: ["partnership_started", "partnership_started", "request_accepted", "request_accepted"],
    RequestState.declined: ["request_declined", "request_declined"],
    RequestState.withdrawn: ["request_withdrawn", "request_withdrawn", "request_withdrawn"],
}
def seen(committed_app, msgid: str, page: str) -> bool:
    """The message is on the page, in the reader's language (these schools' staff read German or Russian)."""
    return any(shown(committed_app, msgid, locale) in page for locale in ("de", "ru"))


ALREADY = {
    RequestState.accepted: "This request has already been accepted.",
    RequestState.declined: "This request has already been declined.",
    RequestState.withdrawn: "This request has already been withdrawn.",
    RequestState.expired: "This request has expired.",
}


def _decide_first(committed_app, world, state: RequestState, make_post, user_key: str):
    """The request under test (user_key's POST) waits for the row lock while another decision commits `state`."""
    client = client_of(committed_app, world.ids[user_key])
    with holding_lock(committed_app, PartnershipRequest, world.request_id) as first:
        waiting = Background(lambda: make_post(client, world))
        wait_for_lock_waiters(committed_app)
        row = first.get(PartnershipRequest, world.request_id)
        row.state, row.decided_at = state, utcnow()
        first.commit()
    response = waiting.result()
    assert response.status_code == 302 and response.headers["Location"] == world.url
    assert seen(committed_app, ALREADY[state], client.get(world.url).get_data(as_text=True))
    return response


@pytest.mark.parametrize(
    ("winner", "loser", "user_key"),
    [
        (RequestState.withdrawn, accept, "ru_head"),
        (RequestState.accepted, decline, "ru_head"),
        (RequestState.declined, withdraw, "de_teacher"),
        (RequestState.expired, accept, "ru_head"),  # the daily expiry job got there first
    ],
    ids=["accept-after-withdraw", "decline-after-accept", "withdraw-after-decline", "accept-after-expiry"],
)
def test_a_decision_waiting_for_another_sees_it_and_is_refused(committed_app, world, winner, loser, user_key):
    _decide_first(committed_app, world, winner, loser, user_key)
    req = the_request(committed_app, world.request_id)
    assert req.state is winner and req.decline_reason == "" and req.partnership_id is None
    assert partnerships(committed_app, world) == 0
    assert told(committed_app, world) == []  # the winner here sent none; the loser must not either


def test_six_sessions_accepting_the_same_request_make_one_partnership(committed_app, world):
    clients = [client_of(committed_app, world.ids[key]) for key in ("ru_head", "ru_head2") * 3]
    answers = together(*(lambda client=client: accept(client, world) for client in clients))
    assert all(answer.status_code == 302 for answer in answers), [answer.status_code for answer in answers]
    won = [n for n, answer in enumerate(answers) if answer.headers["Location"].startswith("/partnerships/")]
    assert len(won) == 1
    assert partnerships(committed_app, world) == 1
    with committed_app.app_context():
        partnership_id = db.session.scalar(
            sa.select(Partnership.id).where(Partnership.german_school_id == world.german_id)
        )
        assert db.session.scalars(
            sa.select(PartnershipEvent.kind).where(PartnershipEvent.partnership_id == partnership_id)
        ).all() == ["started"]
    assert the_request(committed_app, world.request_id).state is RequestState.accepted
    assert told(committed_app, world) == EXPECTED_NOTIFICATIONS[RequestState.accepted]
    for n, client in enumerate(clients):
        if n not in won:
            assert seen(committed_app, ALREADY[RequestState.accepted], client.get(world.url).get_data(as_text=True))


@pytest.mark.parametrize("trial", range(3))
def test_withdraw_accept_and_decline_at_once_give_one_decision(committed_app, world, trial):
    sender = client_of(committed_app, world.ids["de_teacher"])
    receivers = [client_of(committed_app, world.ids[key]) for key in ("ru_head", "ru_head2")]
    answers = together(
        lambda: withdraw(sender, world), lambda: accept(receivers[0], world), lambda: decline(receivers[1], world)
    )
    assert all(answer.status_code == 302 for answer in answers), [answer.status_code for answer in answers]
    req = the_request(committed_app, world.request_id)
    assert req.state in EXPECTED_NOTIFICATIONS
    assert partnerships(committed_app, world) == (1 if req.state is RequestState.accepted else 0)
    assert req.decline_reason == ("race" if req.state is RequestState.declined else "")
    assert told(committed_app, world) == EXPECTED_NOTIFICATIONS[req.state]
    clients = {RequestState.withdrawn: sender, RequestState.accepted: receivers[0], RequestState.declined: receivers[1]}
    for state, client in clients.items():
        if state is not req.state:
            assert seen(committed_app, ALREADY[req.state], client.get(world.url).get_data(as_text=True))


@pytest.fixture
def partnership(committed_app, make_school, make_user, make_city):
    """An active partnership; each school has a coordinator."""
    with committed_app.app_context():
        de = make_school(Country.DE, city=make_city(Country.DE))
        ru = make_school(Country.RU, city=make_city(Country.RU, timezone="Europe/Moscow"))
        de_head = make_user("school_coordinator", school=de)
        ru_head = make_user("school_coordinator", school=ru, locale="ru")
        partnership = add_partnership(de, ru, de_head, ru_head, status=PartnershipStatus.active)
        db.session.commit()
        return SimpleNamespace(id=partnership.id, de_head=de_head.id, ru_head=ru_head.id)


def test_pausing_a_partnership_that_was_ended_meanwhile_is_refused(committed_app, partnership):
    client = client_of(committed_app, partnership.de_head)
    url = f"/partnerships/{partnership.id}"
    with holding_lock(committed_app, Partnership, partnership.id) as first:
        waiting = Background(lambda: client.post(f"{url}/status", data={"status": "paused", "note": ""}))
        wait_for_lock_waiters(committed_app)
        row = first.get(Partnership, partnership.id)
        row.status = PartnershipStatus.ended
        first.add(PartnershipEvent(partnership_id=partnership.id, kind="ended", by_id=partnership.ru_head))
        first.commit()
    response = waiting.result()
    assert response.status_code == 302 and response.headers["Location"] == url
    message = "An ended partnership cannot be changed; send a new request instead."
    assert seen(committed_app, message, client.get(url).get_data(as_text=True))
    with committed_app.app_context():
        assert db.session.get(Partnership, partnership.id).status is PartnershipStatus.ended
        kinds = db.session.scalars(
            sa.select(PartnershipEvent.kind).where(PartnershipEvent.partnership_id == partnership.id)
        ).all()
        assert kinds == ["ended"]
