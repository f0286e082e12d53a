"""Tandem profiles (and their bad input) and the adult pool, where a pair forms when both accept."""

from __future__ import annotations

import sqlalchemy as sa

from schoolpartners.extensions import db
from schoolpartners.tandem.matching import slot_code
from schoolpartners.tandem.models import InvitationState, PairState, TandemInvitation, TandemPair, TandemProfile
from tests.factories import as_user


def _profile(user):
    return db.session.scalar(sa.select(TandemProfile).where(TandemProfile.user_id == user.id))


def test_student_fills_in_the_profile(client, login, world):
    student = world["german"][0]
    db.session.delete(_profile(student))
    db.session.flush()
    login(student)
    page = client.get("/tandem/profile").get_data(as_text=True)
    assert "Herkunftssprache" in page or "zu Hause" in page
    response = client.post(
        "/tandem/profile",
        data={
            "speaks": ["de", "ru"],
            "learns": "ru",
            "level": "B1",
            "interests": ["music", "history"],
            "modes": ["written"],
            "slots": [str(slot_code(0, 14)), str(slot_code(2, 16))],
            "adult_pool": "y",
        },
    )
    assert response.status_code == 302
    profile = _profile(student)
    assert profile.speaks == ["de", "ru"] and profile.learns == "ru" and profile.level.value == "B1"
    assert profile.slots == [slot_code(0, 14), slot_code(2, 16)]
    assert profile.adult_pool is False  # students never join the adult pool


def test_a_profile_without_a_learning_language_is_refused(client, login, world):
    student = world["german"][0]
    before = _profile(student).learns
    login(student)
    response = client.post("/tandem/profile", data={"speaks": ["de"], "level": "A2"})
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert _profile(student).learns == before


def test_unknown_codes_are_refused(client, login, world):
    student = world["german"][0]
    login(student)
    for data in (
        {"speaks": ["de"], "learns": "en", "level": "A2"},
        {"speaks": ["de"], "learns": "ru", "level": "Z9"},
        {"speaks": ["de"], "learns": "ru", "level": "A2", "slots": ["9999"]},
        {"speaks": ["klingon"], "learns": "ru", "level": "A2"},
    ):
        assert client.post("/tandem/profile", data=data).status_code == 200
    assert _profile(student).learns == "ru" and _profile(student).speaks == ["de"]


def test_adults_get_suggestions_and_pair_when_both_accept(client, app, login, world, make_adult):
    anna = make_adult(world["de"], "de", "ru", "Europe/Berlin")
    olga = make_adult(world["ru"], "ru", "de", "Europe/Moscow", locale="ru")
    same = make_adult(world["de"], "de", "ru", "Europe/Berlin")  # learns the same: never suggested
    login(anna)
    page = client.get("/tandem/adults").get_data(as_text=True)
    assert olga.display_name in page and same.display_name not in page
    client.post(f"/tandem/adults/{olga.id}/invite")
    invitation = db.session.scalar(sa.select(TandemInvitation))
    assert invitation.to_user_id == olga.id and invitation.state is InvitationState.pending
    assert not db.session.scalars(sa.select(TandemPair)).all()
    # A second proposal to the same person is not possible while the first is open.
    client.post(f"/tandem/adults/{olga.id}/invite")
    assert db.session.scalar(sa.select(sa.func.count(TandemInvitation.id))) == 1
    # Anna cannot accept her own proposal.
    assert client.post(f"/tandem/invitations/{invitation.id}/accept").status_code == 404
    other = as_user(app, olga)
    assert anna.display_name in other.get("/tandem?lang=ru").get_data(as_text=True)
    response = other.post(f"/tandem/invitations/{invitation.id}/accept")
    pair = db.session.scalar(sa.select(TandemPair))
    assert response.headers["Location"].endswith(f"/tandem/pairs/{pair.id}")
    assert pair.state is PairState.active and pair.round_id is None
    assert {m.user_id for m in pair.members} == {anna.id, olga.id}
    assert other.post(f"/tandem/pairs/{pair.id}/messages", data={"body": "Guten Tag, Anna!"}).status_code == 302


def test_adult_pool_needs_a_common_hour(client, login, world, make_adult):
    anna = make_adult(world["de"], "de", "ru", "Europe/Berlin")
    night = make_adult(world["ru"], "ru", "de", "Europe/Moscow")
    _profile(night).slots = [slot_code(6, 8)]
    db.session.flush()
    login(anna)
    assert night.display_name not in client.get("/tandem/adults").get_data(as_text=True)
    client.post(f"/tandem/adults/{night.id}/invite")
    assert not db.session.scalars(sa.select(TandemInvitation)).all()


def test_students_have_no_adult_pool(client, login, world):
    login(world["german"][0])
    assert client.get("/tandem/adults").status_code == 403


def test_proposals_sent_both_ways_make_one_tandem(client, app, login, world, make_adult):
    anna = make_adult(world["de"], "de", "ru", "Europe/Berlin")
    olga = make_adult(world["ru"], "ru", "de", "Europe/Moscow")
    for sender, receiver in ((anna, olga), (olga, anna)):
        db.session.add(TandemInvitation(from_user_id=sender.id, to_user_id=receiver.id))
    db.session.flush()
    first, second = db.session.scalars(sa.select(TandemInvitation).order_by(TandemInvitation.id)).all()
    as_user(app, olga).post(f"/tandem/invitations/{first.id}/accept")
    login(anna)
    client.post(f"/tandem/invitations/{second.id}/accept")
    assert db.session.scalar(sa.select(sa.func.count(TandemPair.id))) == 1


def test_a_teacher_who_left_the_school_no_longer_supervises(client, login, world, live_pair):
    from schoolpartners.schools.models import StaffMembership

    teacher = world["de_teacher"]
    db.session.execute(sa.delete(StaffMembership).where(StaffMembership.user_id == teacher.id))
    db.session.flush()
    login(teacher)
    assert client.get(f"/tandem/pairs/{live_pair.id}").status_code == 404
    assert client.get(f"/tandem/class-partnerships/{world['link'].id}").status_code == 404
