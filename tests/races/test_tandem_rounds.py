"""Pairing rounds under concurrency (review §1, F1 and F3): both schools approving at the same moment publish the
round; teachers starting rounds at the same moment leave one proposal; nobody ends up in two running pairs."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from schoolpartners.cities.models import Country
from schoolpartners.classes.models import (
    ClassMembership,
    ClassPartnership,
    ClassTeacher,
    ConsentScope,
    Level,
    ParentalConsent,
    SchoolClass,
)
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.sqltypes import utcnow
from schoolpartners.tandem.matching import slot_code
from schoolpartners.tandem.models import (
    PairingRound,
    PairState,
    RoundState,
    TandemMember,
    TandemPair,
    TandemProfile,
)
from tests.committed import Background, holding_lock, together, wait_for_lock_waiters
from tests.factories import PASSWORD, add_class_link, add_partnership
from tests.texts import translated

pytestmark = pytest.mark.committed

PUPILS_PER_CLASS = 3
ALREADY_OPEN = "This class partnership already has a proposal waiting for approval."
PAIRED_MEANWHILE = (
    "Some learners of this proposal have been paired in another round in the meantime. "
    "Please compute the proposal anew."
)
BOTH_APPROVED = "Both schools have approved: the pairs are published and the students are told."
_codes = itertools.count(1)


@pytest.fixture
def classes(committed_app, make_school, make_user, make_city):
    """An active class partnership of a German and a Russian class, two teachers each, three pupils each with
    profile and tandem consent; ids and login names."""
    today = date.today()
    with committed_app.app_context():
        de = make_school(Country.DE, city=make_city(Country.DE))
        ru = make_school(Country.RU, city=make_city(Country.RU, timezone="Europe/Moscow"))
        teachers = {
            "de": [make_user("teacher", school=de) for _ in range(2)],
            "ru": [make_user("teacher", school=ru, locale="ru", timezone="Europe/Moscow") for _ in range(2)],
        }
        partnership = add_partnership(de, ru, teachers["de"][0], teachers["ru"][0])
        built, pupils = {}, {}
        for key, school, level in (("de", de, Level.A2), ("ru", ru, Level.B1)):
            school_class = SchoolClass(
                school_id=school.id, name=f"9{key}", school_year="2026/27", level=level, join_code=f"TR{next(_codes)}"
            )
            school_class.teacher_links.extend(ClassTeacher(user_id=t.id) for t in teachers[key])
            db.session.add(school_class)
            db.session.flush()
            pupils[key] = []
            for _ in range(PUPILS_PER_CLASS):
                pupil = make_user("student", school=school, birth_year=today.year - 14, birth_month=today.month)
                school_class.memberships.append(ClassMembership(student_id=pupil.id))
                db.session.add(ParentalConsent(student_id=pupil.id, scope=ConsentScope.tandem))
                db.session.add(
                    TandemProfile(
                        user_id=pupil.id,
                        speaks=[key],
                        learns="ru" if key == "de" else "de",
                        level=level,
                        interests=["football"],
                        slots=[slot_code(1, 10)],
                        modes=["lessons"],
                    )
                )
                pupils[key].append(pupil.id)
            built[key] = school_class
        link = add_class_link(partnership, built["de"], built["ru"])
        db.session.commit()
        return {
            "link": link.id,
            "teachers": {key: [(t.id, t.login_name) for t in people] for key, people in teachers.items()},
            "pupils": pupils,
        }


def _client(committed_app, login_name: str):
    client = committed_app.test_client()
    answer = client.post("/login", data={"email": login_name, "password": PASSWORD})
    assert answer.status_code == 302
    with client.session_transaction() as session:
        session.pop("_flashes", None)  # "welcome back": the tests read the flashes of their own requests
    return client


def _teacher(committed_app, classes, side: str, n: int = 0):
    return _client(committed_app, classes["teachers"][side][n][1])


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _draft(classes, german_approved: bool = False, pupils=None) -> PairingRound:
    """A proposal pairing the n-th German with the n-th Russian pupil (added to the session, not committed)."""
    pairing = PairingRound(class_partnership_id=classes["link"], state=RoundState.draft)
    if german_approved:
        pairing.german_approved_by_id, pairing.german_approved_at = classes["teachers"]["de"][0][0], utcnow()
    for german, russian in pupils or zip(classes["pupils"]["de"], classes["pupils"]["ru"], strict=True):
        pair = TandemPair(state=PairState.proposed)
        pair.members = [TandemMember(user_id=german, position=0), TandemMember(user_id=russian, position=1)]
        pairing.pairs.append(pair)
    db.session.add(pairing)
    return pairing


def _rounds(committed_app, classes) -> list[PairingRound]:
    with committed_app.app_context():
        return list(
            db.session.scalars(
                sa.select(PairingRound)
                .where(PairingRound.class_partnership_id == classes["link"])
                .order_by(PairingRound.id)
            )
        )


def _running_pairs_per_pupil(committed_app, classes) -> dict[int, int]:
    pupils = classes["pupils"]["de"] + classes["pupils"]["ru"]
    with committed_app.app_context():
        rows = db.session.execute(
            sa.select(TandemMember.user_id, sa.func.count())
            .join(TandemPair)
            .where(TandemMember.user_id.in_(pupils), TandemPair.state == PairState.active)
            .group_by(TandemMember.user_id)
        )
        return dict(rows.all())


def _notified(committed_app, kind: str) -> list[int]:
    with committed_app.app_context():
        return sorted(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == kind)))


def _forget_notifications(committed_app):
    with committed_app.app_context():
        db.session.execute(sa.delete(Notification))
        db.session.commit()


# --- F1: approving at the same moment -----------------------------------------------------------------------


def test_an_approval_waiting_for_the_other_schools_sees_it_and_publishes(committed_app, classes):
    with committed_app.app_context():
        pairing = _draft(classes)
        db.session.commit()
        round_id = pairing.id
    russian = _teacher(committed_app, classes, "ru")
    with holding_lock(committed_app, PairingRound, round_id) as german:
        approving = Background(lambda: russian.post(f"/tandem/rounds/{round_id}/approve"))
        wait_for_lock_waiters(committed_app)
        pairing = german.get(PairingRound, round_id)
        pairing.german_approved_by_id, pairing.german_approved_at = classes["teachers"]["de"][0][0], utcnow()
        german.commit()
    assert approving.result().status_code == 302
    (pairing,) = [r for r in _rounds(committed_app, classes) if r.id == round_id]
    assert pairing.state is RoundState.published
    assert pairing.german_approved_at and pairing.russian_approved_at and pairing.published_at
    assert _flashes(russian) == [translated(committed_app, BOTH_APPROVED, "ru")]
    assert set(_running_pairs_per_pupil(committed_app, classes).values()) == {1}


def test_both_schools_approving_at_once_publish_the_round(committed_app, classes):
    _forget_notifications(committed_app)
    with committed_app.app_context():
        pairing = _draft(classes)
        db.session.commit()
        round_id = pairing.id
    german, russian = _teacher(committed_app, classes, "de"), _teacher(committed_app, classes, "ru")
    answers = together(*(lambda c=c: c.post(f"/tandem/rounds/{round_id}/approve") for c in (german, russian)))
    assert [answer.status_code for answer in answers] == [302, 302]
    (pairing,) = [r for r in _rounds(committed_app, classes) if r.id == round_id]
    assert pairing.state is RoundState.published
    pupils = sorted(classes["pupils"]["de"] + classes["pupils"]["ru"])
    assert _notified(committed_app, "tandem_paired") == pupils  # each learner told once
    # The first approval told the other school's two teachers; the second published.
    assert len(_notified(committed_app, "tandem_round_approved")) == 2


# --- F3: starting rounds at the same moment, and publishing over a running pair -----------------------------


def test_a_round_started_while_another_teacher_starts_one_is_refused(committed_app, classes):
    russian = _teacher(committed_app, classes, "ru")
    with holding_lock(committed_app, ClassPartnership, classes["link"]) as first:
        starting = Background(
            lambda: russian.post(f"/tandem/class-partnerships/{classes['link']}/rounds", data={"surplus": "waiting"})
        )
        wait_for_lock_waiters(committed_app)
        first.add(PairingRound(class_partnership_id=classes["link"], state=RoundState.draft))
        first.commit()
    assert starting.result().status_code == 302
    assert _flashes(russian) == [translated(committed_app, ALREADY_OPEN, "ru")]
    drafts = [r for r in _rounds(committed_app, classes) if r.state is RoundState.draft]
    assert len(drafts) == 1


def test_four_teachers_starting_a_round_at_once_leave_one_proposal(committed_app, classes):
    teachers = [(_teacher(committed_app, classes, side, n), side) for side in ("de", "ru") for n in range(2)]
    url = f"/tandem/class-partnerships/{classes['link']}/rounds"
    answers = together(*(lambda c=c: c.post(url, data={"surplus": "waiting"}) for c, _side in teachers))
    assert [answer.status_code for answer in answers] == [302] * 4
    assert [r.state for r in _rounds(committed_app, classes)] == [RoundState.draft]
    refused = [c for c, side in teachers if _flashes(c) == [translated(committed_app, ALREADY_OPEN, side)]]
    assert len(refused) == 3


def test_publishing_over_a_pair_published_meanwhile_is_refused(committed_app, classes):
    with committed_app.app_context():
        first, second = _draft(classes), _draft(classes, german_approved=True)
        db.session.commit()
        first_id, second_id = first.id, second.id
    russian = _teacher(committed_app, classes, "ru")
    with holding_lock(committed_app, ClassPartnership, classes["link"]) as other:
        approving = Background(lambda: russian.post(f"/tandem/rounds/{second_id}/approve"))
        wait_for_lock_waiters(committed_app)
        winner = other.get(PairingRound, first_id)
        winner.state, winner.published_at = RoundState.published, utcnow()
        for pair in winner.pairs:
            pair.state = PairState.active
        other.commit()
    assert approving.result().status_code == 302
    assert _flashes(russian) == [translated(committed_app, PAIRED_MEANWHILE, "ru")]
    states = {r.id: r.state for r in _rounds(committed_app, classes)}
    assert states == {first_id: RoundState.published, second_id: RoundState.draft}
    assert set(_running_pairs_per_pupil(committed_app, classes).values()) == {1}


def test_two_proposals_approved_at_once_pair_nobody_twice(committed_app, classes):
    with committed_app.app_context():
        first, second = _draft(classes, german_approved=True), _draft(classes, german_approved=True)
        db.session.commit()
        ids = (first.id, second.id)
    clients = [_teacher(committed_app, classes, "ru", n) for n in range(2)]
    answers = together(
        *(lambda c=c, i=i: c.post(f"/tandem/rounds/{i}/approve") for c, i in zip(clients, ids, strict=True))
    )
    assert [answer.status_code for answer in answers] == [302, 302]
    states = sorted(r.state.value for r in _rounds(committed_app, classes))
    assert states == ["draft", "published"]
    assert set(_running_pairs_per_pupil(committed_app, classes).values()) == {1}
    messages = sorted(m for c in clients for m in _flashes(c))
    assert messages == sorted(
        [translated(committed_app, BOTH_APPROVED, "ru"), translated(committed_app, PAIRED_MEANWHILE, "ru")]
    )


# --- a running pair: ended by two teachers at once; adults accepting each other's invitations at once -----------

PAIR_ENDED = "This tandem has ended."
ALREADY_PAIRED = "You already have a tandem with this person."


def _published_pair(committed_app, classes) -> int:
    with committed_app.app_context():
        pairing = _draft(classes, pupils=[(classes["pupils"]["de"][0], classes["pupils"]["ru"][0])])
        pairing.state = RoundState.published
        pairing.pairs[0].state = PairState.active
        db.session.commit()
        return pairing.pairs[0].id


def test_ending_a_pair_ended_meanwhile_is_refused(committed_app, classes):
    _forget_notifications(committed_app)
    pair_id = _published_pair(committed_app, classes)
    russian = _teacher(committed_app, classes, "ru")
    with holding_lock(committed_app, TandemPair, pair_id) as german:
        ending = Background(lambda: russian.post(f"/tandem/pairs/{pair_id}/end"))
        wait_for_lock_waiters(committed_app)
        german.get(TandemPair, pair_id).state = PairState.ended
        german.commit()
    assert ending.result().status_code == 302
    assert _flashes(russian) == [translated(committed_app, PAIR_ENDED, "ru")]
    assert _notified(committed_app, "tandem_ended") == []


def test_two_teachers_ending_a_pair_at_once_tell_the_partners_once(committed_app, classes):
    _forget_notifications(committed_app)
    pair_id = _published_pair(committed_app, classes)
    teachers = [_teacher(committed_app, classes, "de"), _teacher(committed_app, classes, "ru")]
    answers = together(*(lambda c=c: c.post(f"/tandem/pairs/{pair_id}/end") for c in teachers))
    assert [answer.status_code for answer in answers] == [302, 302]
    partners = sorted([classes["pupils"]["de"][0], classes["pupils"]["ru"][0]])
    assert _notified(committed_app, "tandem_ended") == partners


def test_adults_accepting_each_others_invitations_at_once_form_one_tandem(committed_app, make_school, make_user):
    from schoolpartners.tandem.models import InvitationState, TandemInvitation

    with committed_app.app_context():
        people = []
        for country, speaks, learns in ((Country.DE, "de", "ru"), (Country.RU, "ru", "de")):
            adult = make_user("teacher", school=make_school(country))
            db.session.add(
                TandemProfile(user_id=adult.id, speaks=[speaks], learns=learns, modes=["written"], adult_pool=True)
            )
            people.append(adult)
        first, second = people
        invitations = [
            TandemInvitation(from_user_id=first.id, to_user_id=second.id),
            TandemInvitation(from_user_id=second.id, to_user_id=first.id),
        ]
        db.session.add_all(invitations)
        db.session.commit()
        ids = [person.id for person in people]
        # each answers the invitation sent to them
        answering = [(first.login_name, invitations[1].id), (second.login_name, invitations[0].id)]
    clients = [(_client(committed_app, name), ident) for name, ident in answering]
    answers = together(*(lambda c=c, i=i: c.post(f"/tandem/invitations/{i}/accept") for c, i in clients))
    assert [answer.status_code for answer in answers] == [302, 302]
    with committed_app.app_context():
        pairs = db.session.scalars(
            sa.select(TandemMember.pair_id).where(TandemMember.user_id.in_(ids)).group_by(TandemMember.pair_id)
        ).all()
        states = sorted(i.state.value for i in db.session.scalars(sa.select(TandemInvitation)))
    assert len(pairs) == 1
    assert states == sorted([InvitationState.accepted.value, InvitationState.pending.value])
    assert sum(_flashes(c) == [translated(committed_app, ALREADY_PAIRED)] for c, _i in clients) == 1
