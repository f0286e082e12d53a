"""Tandems only with the parents' consent, wherever a pupil is exposed (Finding #1, Issue 10 item 2)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from schoolpartners.classes.models import ClassMembership, ConsentScope, ParentalConsent
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification, OutboxEmail
from schoolpartners.tandem.models import (
    PairingRound,
    PairState,
    RoundState,
    TandemMember,
    TandemMessage,
    TandemPair,
)
from tests.factories import add_published_pair, as_user


def _badge(app, locale: str = "de") -> str:
    """The "consent missing" badge as the reader sees it (whatever the catalogs hold today)."""
    with app.test_request_context(), force_locale(locale):
        return gettext("consent missing")


def _name(student, name: str):
    student.display_name = name
    db.session.flush()
    return student


def _consent(student) -> ParentalConsent:
    return db.session.scalar(
        sa.select(ParentalConsent).where(
            ParentalConsent.student_id == student.id,
            ParentalConsent.scope == ConsentScope.tandem,
            ParentalConsent.withdrawn_at.is_(None),
        )
    )


def _withdraw(app, world, student):
    """Their own teacher withdraws the tandem consent through the class page's form."""
    school_class = world["de_class"] if student.school_id == world["de"].id else world["ru_class"]
    teacher = world["de_teacher"] if school_class is world["de_class"] else world["ru_teacher"]
    consent = _consent(student)
    url = f"/classes/{school_class.id}/students/{student.id}/consent/{consent.id}/withdraw"
    response = as_user(app, teacher).post(url)
    assert response.status_code == 302
    db.session.expire_all()


def _start(client, world):
    response = client.post(f"/tandem/class-partnerships/{world['link'].id}/rounds", data={"surplus": "waiting"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return db.session.scalar(sa.select(PairingRound).order_by(PairingRound.id.desc()).limit(1))


def test_a_round_leaves_out_pupils_without_tandem_consent(app, world):
    """Finding #1: a pupil without the tandem consent is not paired; the partner school's teacher never sees the
    name on the round page, their own teacher sees it on the waiting list with the "consent missing" badge."""
    jonas = _name(world["german"][0], "Jonas Zimmermann")
    db.session.delete(_consent(jonas))
    db.session.flush()
    pairing = _start(as_user(app, world["de_teacher"]), world)
    paired = {m.user_id for p in pairing.pairs for m in p.members}
    assert jonas.id not in paired
    assert {w.user_id: w.reason for w in pairing.waiting}[jonas.id] == "no_consent"

    partner_page = as_user(app, world["ru_teacher"]).get(f"/tandem/rounds/{pairing.id}").get_data(as_text=True)
    assert "Jonas" not in partner_page and "Zimmermann" not in partner_page
    own_page = as_user(app, world["de_teacher"]).get(f"/tandem/rounds/{pairing.id}").get_data(as_text=True)
    assert "Jonas Zimmermann" in own_page and _badge(app) in own_page

    for teacher in ("de_teacher", "ru_teacher"):  # both approve: the pupil is not published into any pair
        as_user(app, world[teacher]).post(f"/tandem/rounds/{pairing.id}/approve")
    db.session.expire_all()
    assert db.session.get(PairingRound, pairing.id).state is RoundState.published
    assert db.session.scalar(sa.select(TandemMember).where(TandemMember.user_id == jonas.id)) is None
    overview = f"/tandem/class-partnerships/{world['link'].id}"
    assert "Jonas" not in as_user(app, world["ru_teacher"]).get(overview).get_data(as_text=True)
    assert "Jonas Zimmermann" in as_user(app, world["de_teacher"]).get(overview).get_data(as_text=True)


def test_withdrawing_the_consent_pauses_the_pair_and_hides_the_pupil_at_once(app, world, live_pair):
    """Finding #1: after the withdrawal the pupil gets 404 on the pair page, the partner (and the partner school's
    teacher) no longer see the pupil's name or messages on the very next request, the pair is paused, and the
    teachers of both classes are told, by email in their own language."""
    lena = _name(world["german"][0], "Lena Schmidt")
    ivan = _name(world["russian"][0], "Иван Петров")
    message = TandemMessage(pair_id=live_pair.id, author_id=lena.id, body="Ich heiße Lena und wohne in Altona.")
    db.session.add(message)
    db.session.flush()
    report_url = f"/report/tandem_message/{message.id}"
    url = f"/tandem/pairs/{live_pair.id}"
    lena_client, ivan_client = as_user(app, lena), as_user(app, ivan)
    ru_teacher, de_teacher = as_user(app, world["ru_teacher"]), as_user(app, world["de_teacher"])
    before = ivan_client.get(url).get_data(as_text=True)
    assert "Lena Schmidt" in before and "Altona" in before
    assert "Lena Schmidt" in ru_teacher.get(url).get_data(as_text=True)
    assert lena_client.get(url).status_code == 200
    assert "Altona" in ivan_client.get(report_url).get_data(as_text=True)

    _withdraw(app, world, lena)

    assert db.session.get(TandemPair, live_pair.id).state is PairState.paused
    response = lena_client.get(url)
    assert response.status_code == 404 and "Иван" not in response.get_data(as_text=True)
    assert "Иван Петров" not in lena_client.get("/tandem").get_data(as_text=True)
    for viewer in (ivan_client, ru_teacher):
        page = viewer.get(url).get_data(as_text=True)
        assert "Lena" not in page and "Schmidt" not in page and "Altona" not in page
    response = ivan_client.get(report_url)  # the report form's excerpt neither
    assert response.status_code == 404 and "Altona" not in response.get_data(as_text=True)
    assert "Lena" not in ivan_client.get("/tandem").get_data(as_text=True)
    assert "Lena" not in ivan_client.get("/").get_data(as_text=True)
    own = de_teacher.get(url).get_data(as_text=True)
    assert "Lena Schmidt" in own and "Altona" in own and _badge(app) in own

    told = db.session.execute(
        sa.select(Notification.user_id, Notification.kind).where(Notification.kind == "tandem_consent_paused")
    ).all()
    assert {user_id for user_id, _kind in told} == {world["de_teacher"].id, world["ru_teacher"].id}
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.recipient == world["ru_teacher"].email))
    assert mail is not None and mail.locale == "ru"


def test_a_paused_pair_without_consent_does_not_go_on(app, world, live_pair):
    """Finding #1: the teachers cannot let the pair go on while a partner's consent is missing."""
    lena = world["german"][0]
    _withdraw(app, world, lena)
    response = as_user(app, world["ru_teacher"]).post(f"/tandem/pairs/{live_pair.id}/resume", follow_redirects=True)
    assert response.status_code == 200
    assert db.session.get(TandemPair, live_pair.id).state is PairState.paused


def test_in_a_triad_the_other_two_go_on(app, world):
    """Issue 10 item 2: the pupil whose consent was withdrawn leaves the triad; the other two go on as a pair."""
    german, russian = world["german"][0], world["russian"]
    pair = add_published_pair(world["link"], german, russian[0], russian[1])
    _name(russian[0], "Маша Иванова")

    _withdraw(app, world, russian[0])

    pair = db.session.get(TandemPair, pair.id)
    assert pair.state is PairState.active
    assert sorted((m.position, m.user_id) for m in pair.members) == [(0, german.id), (1, russian[1].id)]
    page = as_user(app, german).get(f"/tandem/pairs/{pair.id}").get_data(as_text=True)
    assert "Маша" not in page
    kinds = db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == world["de_teacher"].id))
    assert "tandem_consent_triad" in list(kinds)


def test_an_open_proposal_is_computed_anew_without_the_pupil(app, world):
    """Finding #1: a withdrawal while a proposal waits for approval takes the pupil out of it."""
    jonas = _name(world["german"][1], "Jonas Zimmermann")
    pairing = _start(as_user(app, world["de_teacher"]), world)
    assert jonas.id in {m.user_id for p in pairing.pairs for m in p.members}
    round_url = f"/tandem/rounds/{pairing.id}"
    assert "Jonas Zimmermann" in as_user(app, world["ru_teacher"]).get(round_url).get_data(as_text=True)

    _withdraw(app, world, jonas)

    pairing = db.session.get(PairingRound, pairing.id)
    assert jonas.id not in {m.user_id for p in pairing.pairs for m in p.members}
    assert {w.user_id: w.reason for w in pairing.waiting}[jonas.id] == "no_consent"
    assert "Jonas" not in as_user(app, world["ru_teacher"]).get(round_url).get_data(as_text=True)


def test_a_pupil_new_in_the_class_without_consent_stays_out(app, world, make_student):
    """Finding #1: no consent ever recorded (not only withdrawn) is the same: not paired, not shown."""
    from tests.tandem.conftest import GERMAN_PROFILE

    newcomer = make_student(world["de"], world["de_class"], consent=False, profile=dict(GERMAN_PROFILE))
    _name(newcomer, "Paul Neumann")
    assert db.session.scalar(sa.select(ClassMembership).where(ClassMembership.student_id == newcomer.id))
    pairing = _start(as_user(app, world["ru_teacher"]), world)
    assert newcomer.id not in {m.user_id for p in pairing.pairs for m in p.members}
    assert "Paul" not in as_user(app, world["ru_teacher"]).get(f"/tandem/rounds/{pairing.id}").get_data(as_text=True)


def test_the_queue_withholds_a_hidden_pupils_tandem_message_from_the_partner_schools_teacher(app, world, live_pair):
    """Finding #1: Lena's own teacher reports her message, then her parents withdraw the tandem consent. The
    partner school's teacher, who moderates the class partnership too, reads neither the message nor her name in
    the moderation queue; her own teacher still does."""
    from schoolpartners.moderation.models import Report

    lena = _name(world["german"][0], "Lena Schmidt")
    message = TandemMessage(pair_id=live_pair.id, author_id=lena.id, body="Ich wohne in Altona, Elbchaussee 12.")
    db.session.add(message)
    db.session.flush()
    de_teacher, ru_teacher = as_user(app, world["de_teacher"]), as_user(app, world["ru_teacher"])
    assert de_teacher.post(f"/report/tandem_message/{message.id}", data={"reason": "Adresse"}).status_code == 302
    assert db.session.scalar(sa.select(Report).where(Report.target_id == message.id)) is not None
    assert "Elbchaussee" in ru_teacher.get("/moderation").get_data(as_text=True)  # seen while she has consent

    _withdraw(app, world, lena)

    partner_queue = ru_teacher.get("/moderation").get_data(as_text=True)
    assert "Elbchaussee" not in partner_queue and "Lena" not in partner_queue
    assert "Elbchaussee" in de_teacher.get("/moderation").get_data(as_text=True)
