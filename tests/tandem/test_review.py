"""Review findings: impossible ids and dates, proposed pairs, idle state changes, triads, ended partnerships,
and the adult pool's declined and withdrawn proposals."""

from __future__ import annotations

import sqlalchemy as sa

from schoolpartners.classes.models import ClassPartnershipState
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.tandem.models import (
    InvitationState,
    PairingRound,
    PairState,
    RoundState,
    Surplus,
    TandemInvitation,
    TandemMeeting,
    TandemMember,
    TandemPair,
    TandemProfile,
)
from tests.factories import as_user

from .conftest import GERMAN_PROFILE, RUSSIAN_PROFILE

HUGE = 2**70


def _notifications(user) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user.id))


def test_ids_beyond_the_integer_range_give_404_not_500(client, login, world, live_pair):
    login(world["de_teacher"])
    for url in (f"/tandem/pairs/{HUGE}", f"/tandem/rounds/{HUGE}", f"/tandem/class-partnerships/{HUGE}"):
        assert client.get(url).status_code == 404
    for url in (
        f"/tandem/invitations/{HUGE}/accept",
        f"/tandem/adults/{HUGE}/invite",
        f"/tandem/pairs/{live_pair.id}/meetings/{HUGE}/cancel",
        f"/tandem/rounds/{live_pair.round_id}/pairs/{HUGE}/fix",
    ):
        assert client.post(url).status_code == 404


def test_a_meeting_on_a_far_off_day_is_refused_next_to_the_field(client, login, world, live_pair):
    for student in (world["german"][0], world["russian"][0]):  # Berlin and Moscow: both sides of UTC's calendar
        login(student)
        for day, time in (("0001-01-01", "00:00"), ("9999-12-31", "23:59")):
            response = client.post(
                f"/tandem/pairs/{live_pair.id}/meetings", data={"day": day, "time": time, "minutes": "45"}
            )
            assert response.status_code == 400
            page = response.get_data(as_text=True)
            assert "is-invalid" in page and 'name="day"' in page
    assert db.session.scalar(sa.select(sa.func.count(TandemMeeting.id))) == 0


def test_a_proposed_pair_cannot_be_ended_or_paused_before_it_is_published(client, login, world, proposed_pair):
    pair, pairing = proposed_pair, proposed_pair.round
    login(world["de_teacher"])
    assert client.get(f"/tandem/pairs/{pair.id}").status_code == 404  # it lives on the round's page
    for action in ("end", "pause", "resume"):
        assert client.post(f"/tandem/pairs/{pair.id}/{action}").status_code == 404
    assert pair.state is PairState.proposed
    assert _notifications(world["german"][2]) == 0  # the student learns nothing before both schools approve
    # Published by both schools, the pair is active (an earlier "end" would have been overwritten anyway).
    client.post(f"/tandem/rounds/{pairing.id}/approve")
    as_user(client.application, world["ru_teacher"]).post(f"/tandem/rounds/{pairing.id}/approve")
    db.session.expire_all()
    assert pair.state is PairState.active


def test_resuming_a_running_pair_tells_nobody(client, login, world, live_pair):
    login(world["de_teacher"])
    before = _notifications(world["german"][0])
    client.post(f"/tandem/pairs/{live_pair.id}/resume")
    client.post(f"/tandem/pairs/{live_pair.id}/pause")
    client.post(f"/tandem/pairs/{live_pair.id}/pause")  # a double click
    assert live_pair.state is PairState.paused
    assert _notifications(world["german"][0]) == before + 1  # one "paused", no "goes on", no second "paused"


def test_a_proposal_is_not_published_once_the_class_partnership_has_ended(client, app, login, world):
    login(world["de_teacher"])
    client.post(f"/tandem/class-partnerships/{world['link'].id}/rounds", data={"surplus": "waiting"})
    pairing = db.session.scalar(sa.select(PairingRound))
    assert pairing.pairs
    client.post(f"/tandem/rounds/{pairing.id}/approve")
    world["link"].state = ClassPartnershipState.ended
    db.session.flush()
    page = as_user(app, world["ru_teacher"]).post(f"/tandem/rounds/{pairing.id}/approve", follow_redirects=True)
    client.post(f"/tandem/rounds/{pairing.id}/recompute")
    db.session.expire_all()
    assert pairing.state is RoundState.draft and pairing.russian_approved_at is None
    assert {pair.state for pair in pairing.pairs} == {PairState.proposed}
    assert "alert-danger" in page.get_data(as_text=True)
    assert all(_notifications(student) == 0 for student in world["german"] + world["russian"])


def _triad_round(world, make_student):
    """A triad (German 15, Russian 13, Russian third 16) and a pair (German 12, Russian 14) in one proposal."""
    de, ru, de_class, ru_class = world["de"], world["ru"], world["de_class"], world["ru_class"]
    older = make_student(de, de_class, age=15, profile=dict(GERMAN_PROFILE))
    younger = make_student(de, de_class, age=12, profile=dict(GERMAN_PROFILE))
    partner = make_student(ru, ru_class, age=13, profile=dict(RUSSIAN_PROFILE))
    third = make_student(ru, ru_class, age=16, profile=dict(RUSSIAN_PROFILE))
    other = make_student(ru, ru_class, age=14, profile=dict(RUSSIAN_PROFILE))
    pairing = PairingRound(class_partnership_id=world["link"].id, surplus=Surplus.triad)
    triad, pair = TandemPair(), TandemPair()
    triad.members = [TandemMember(user_id=u.id, position=n) for n, u in enumerate((older, partner, third))]
    pair.members = [TandemMember(user_id=u.id, position=n) for n, u in enumerate((younger, other))]
    pairing.pairs.extend([triad, pair])
    db.session.add(pairing)
    db.session.flush()
    return pairing, triad, pair, younger, third


def test_a_swap_keeps_the_age_rule_for_a_triads_third_member(client, login, world, make_student):
    pairing, triad, pair, younger, third = _triad_round(world, make_student)
    login(world["de_teacher"])
    page = client.post(
        f"/tandem/rounds/{pairing.id}/swap", data={"first": triad.id, "second": pair.id}, follow_redirects=True
    ).get_data(as_text=True)
    db.session.expire_all()
    triad_ids = {m.user_id for m in triad.members}
    assert younger.id not in triad_ids and third.id in triad_ids  # a 12- and a 16-year-old are never paired
    assert "alert-danger" in page


def test_a_russian_third_members_chips_are_with_the_german_partner(client, login, world, make_student):
    pairing, _triad, _pair, _younger, _third = _triad_round(world, make_student)
    login(world["de_teacher"])
    page = client.get(f"/tandem/rounds/{pairing.id}").get_data(as_text=True)
    assert "Russisch ↔ Deutsch" in page
    assert "Deutsch ↔ Deutsch" not in page  # not two learners of German shown as partners


def test_a_declined_adult_cannot_be_proposed_to_again(client, app, login, world, make_adult):
    anna = make_adult(world["de"], "de", "ru", "Europe/Berlin")
    olga = make_adult(world["ru"], "ru", "de", "Europe/Moscow", locale="ru")
    login(anna)
    client.post(f"/tandem/adults/{olga.id}/invite")
    invitation = db.session.scalar(sa.select(TandemInvitation))
    as_user(app, olga).post(f"/tandem/invitations/{invitation.id}/decline")
    assert invitation.state is InvitationState.declined
    before = _notifications(olga)
    assert olga.display_name not in client.get("/tandem/adults").get_data(as_text=True)
    client.post(f"/tandem/adults/{olga.id}/invite")
    assert db.session.scalar(sa.select(sa.func.count(TandemInvitation.id))) == 1
    assert _notifications(olga) == before


def test_a_proposal_cannot_be_accepted_after_its_sender_left_the_pool(client, app, login, world, make_adult):
    anna = make_adult(world["de"], "de", "ru", "Europe/Berlin")
    olga = make_adult(world["ru"], "ru", "de", "Europe/Moscow", locale="ru")
    login(anna)
    client.post(f"/tandem/adults/{olga.id}/invite")
    invitation = db.session.scalar(sa.select(TandemInvitation))
    db.session.scalar(sa.select(TandemProfile).where(TandemProfile.user_id == anna.id)).adult_pool = False
    db.session.flush()
    as_user(app, olga).post(f"/tandem/invitations/{invitation.id}/accept")
    assert invitation.state is InvitationState.pending
    assert db.session.scalar(sa.select(sa.func.count(TandemPair.id))) == 0
