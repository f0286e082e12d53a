"""The pair workspace: messages, consent, supervision, pause and leave, session log and balance, vocabulary."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import sqlalchemy as sa

from schoolpartners.classes.models import ParentalConsent
from schoolpartners.extensions import db
from schoolpartners.moderation.models import Report, ReportState
from schoolpartners.notifications.models import Notification
from schoolpartners.tandem import pairs
from schoolpartners.tandem.models import PairState, TandemMessage, TandemSession, VocabularyEntry
from tests.factories import as_user


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def _messages(pair):
    return db.session.scalars(sa.select(TandemMessage).where(TandemMessage.pair_id == pair.id)).all()


def test_partners_write_in_their_languages_and_read_each_other(client, app, login, world, live_pair):
    lena, ivan = world["german"][0], world["russian"][0]
    login(lena)
    response = client.post(f"/tandem/pairs/{live_pair.id}/messages", data={"body": "Привет! Как дела?"})
    assert response.status_code == 302
    other = as_user(app, ivan)
    other.post(f"/tandem/pairs/{live_pair.id}/messages", data={"body": "Hallo Lena! Mir geht es gut."})
    page = other.get(f"/tandem/pairs/{live_pair.id}?lang=ru").get_data(as_text=True)
    assert "Привет! Как дела?" in page and "Hallo Lena! Mir geht es gut." in page
    assert "учителя обеих школ" in page.lower()  # both partners are told that teachers can read along
    assert len(_messages(live_pair)) == 2


def test_links_in_messages_are_rendered_safely(client, login, world, live_pair):
    login(world["german"][0])
    body = "[Museum](https://example.org/museum) <script>alert(1)</script> [x](javascript:alert(2))"
    client.post(f"/tandem/pairs/{live_pair.id}/messages", data={"body": body})
    page = client.get(f"/tandem/pairs/{live_pair.id}").get_data(as_text=True)
    assert 'href="https://example.org/museum"' in page
    assert "<script>alert(1)" not in page and 'href="javascript' not in page


def test_empty_message_is_refused_with_a_translated_error(client, login, world, live_pair):
    login(world["german"][0])
    response = client.post(f"/tandem/pairs/{live_pair.id}/messages", data={"body": "   "})
    assert response.status_code == 400
    assert "Schreib zuerst eine Nachricht." in response.get_data(as_text=True)
    assert not _messages(live_pair)


def test_no_messaging_without_consent_under_the_consent_age(client, login, world, live_pair):
    lena = world["german"][0]
    consent = db.session.scalar(sa.select(ParentalConsent).where(ParentalConsent.student_id == lena.id))
    db.session.delete(consent)
    db.session.flush()
    login(lena)
    response = client.post(f"/tandem/pairs/{live_pair.id}/messages", data={"body": "Hallo"})
    assert response.status_code == 404  # Finding #1: without consent the pair is not even readable
    assert not _messages(live_pair)
    page = client.get(f"/tandem/pairs/{live_pair.id}")
    assert page.status_code == 404
    assert 'name="body"' not in page.get_data(as_text=True)


def test_a_student_above_the_consent_age_needs_no_consent(client, login, world, make_student, live_pair):
    from schoolpartners.tandem.models import TandemMember

    older = make_student(world["ru"], world["ru_class"], age=17, consent=False)
    live_pair.members.append(TandemMember(user_id=older.id, position=2))
    db.session.flush()
    login(older)
    assert client.post(f"/tandem/pairs/{live_pair.id}/messages", data={"body": "Hallo!"}).status_code == 302


def test_teacher_pauses_and_the_partners_cannot_write(client, app, login, world, live_pair):
    login(world["ru_teacher"])
    client.post(f"/tandem/pairs/{live_pair.id}/pause")
    db.session.refresh(live_pair)
    assert live_pair.state is PairState.paused
    student = as_user(app, world["german"][0])
    response = student.post(f"/tandem/pairs/{live_pair.id}/messages", data={"body": "Hallo"})
    assert response.status_code == 400 and "pausiert" in response.get_data(as_text=True)
    client.post(f"/tandem/pairs/{live_pair.id}/resume")
    db.session.refresh(live_pair)
    assert live_pair.state is PairState.active
    kinds = set(db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == world["german"][0].id)))
    assert {"tandem_paused", "tandem_resumed"} <= kinds


def test_a_student_cannot_pause(client, login, world, live_pair):
    login(world["german"][0])
    assert client.post(f"/tandem/pairs/{live_pair.id}/pause").status_code == 403
    db.session.refresh(live_pair)
    assert live_pair.state is PairState.active


def test_asking_to_leave_tells_the_teachers(client, login, world, live_pair):
    login(world["russian"][0])
    client.post(f"/tandem/pairs/{live_pair.id}/leave")
    told = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "tandem_leave_requested")))
    assert told == {world["de_teacher"].id, world["ru_teacher"].id}
    db.session.refresh(live_pair)
    assert live_pair.state is PairState.active and live_pair.member(world["russian"][0]).leave_requested_at


def test_session_log_and_balance(client, login, world, live_pair):
    lena, ivan = world["german"][0], world["russian"][0]
    login(lena)
    response = client.post(
        f"/tandem/pairs/{live_pair.id}/sessions",
        data={
            "held_on": date.today().isoformat(),
            "minutes_de": "20",
            "minutes_ru": "25",
            "topics": "Schule",
            f"learned-{lena.id}": "Wochentage",
            f"learned-{ivan.id}": "Fächer",
        },
    )
    assert response.status_code == 302
    session = db.session.scalar(sa.select(TandemSession).where(TandemSession.pair_id == live_pair.id))
    assert (session.minutes_de, session.minutes_ru) == (20, 25)
    assert {n.user_id: n.learned for n in session.notes} == {lena.id: "Wochentage", ivan.id: "Fächer"}
    page = client.get(f"/tandem/pairs/{live_pair.id}").get_data(as_text=True)
    assert "44 %" in page and "56 %" in page


def test_bad_session_input_changes_nothing(client, login, world, live_pair):
    login(world["german"][0])
    url = f"/tandem/pairs/{live_pair.id}/sessions"
    future = (date.today() + timedelta(days=5)).isoformat()
    for data in (
        {"held_on": future, "minutes_de": "10", "minutes_ru": "10"},
        {"held_on": date.today().isoformat(), "minutes_de": "0", "minutes_ru": "0"},
        {"held_on": date.today().isoformat(), "minutes_de": "-5", "minutes_ru": "10"},
        {"held_on": "gestern", "minutes_de": "10", "minutes_ru": "10"},
    ):
        assert client.post(url, data=data).status_code == 400
    assert not db.session.scalars(sa.select(TandemSession)).all()


def test_balance_warns_when_one_language_dominates_for_weeks():
    today = date(2027, 3, 10)
    logged = [
        TandemSession(held_on=today - timedelta(days=1), minutes_de=40, minutes_ru=10),
        TandemSession(held_on=today - timedelta(days=8), minutes_de=35, minutes_ru=10),
    ]
    assert pairs.balance(logged, today).dominant == "de"
    assert pairs.balance(logged[:1], today).dominant is None  # one week is not "for weeks"
    even = [TandemSession(held_on=s.held_on, minutes_de=20, minutes_ru=20) for s in logged]
    assert pairs.balance(even, today).dominant is None
    old = [TandemSession(held_on=today - timedelta(days=60), minutes_de=5, minutes_ru=90)] + even
    assert pairs.balance(old, today).dominant is None and pairs.balance(old, today).minutes_ru == 130


def test_vocabulary_list_and_csv_export(client, login, world, live_pair):
    login(world["german"][0])
    client.post(
        f"/tandem/pairs/{live_pair.id}/vocabulary",
        data={"word": "разводной мост", "translation": "Klappbrücke", "example": "=SUMME(A1)"},
    )
    assert (
        client.post(f"/tandem/pairs/{live_pair.id}/vocabulary", data={"word": "", "translation": "x"}).status_code
        == 400
    )
    assert db.session.scalar(sa.select(sa.func.count(VocabularyEntry.id))) == 1
    response = client.get(f"/tandem/pairs/{live_pair.id}/vocabulary.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[1][:3] == ["разводной мост", "Klappbrücke", "'=SUMME(A1)"]
    assert rows[1][3] == world["german"][0].display_name


def test_reporting_a_message_reaches_the_supervising_teachers(client, app, login, world, live_pair):
    message = TandemMessage(pair_id=live_pair.id, author_id=world["russian"][0].id, body="Gib mir deine Nummer")
    db.session.add(message)
    db.session.flush()
    login(world["german"][0])
    response = client.post(f"/report/tandem_message/{message.id}", data={"reason": "Er will meine Telefonnummer."})
    assert response.status_code == 302
    report = db.session.scalar(sa.select(Report))
    assert report.scope == f"tandem:{world['link'].id}" and report.state is ReportState.open
    teacher = as_user(app, world["ru_teacher"])
    assert "Gib mir deine Nummer" in teacher.get("/moderation").get_data(as_text=True)
    teacher.post(f"/moderation/reports/{report.id}/hide")
    db.session.refresh(message)
    assert message.hidden_at is not None
    student_page = client.get(f"/tandem/pairs/{live_pair.id}").get_data(as_text=True)
    assert "Gib mir deine Nummer" not in student_page
    overview = teacher.get(f"/tandem/class-partnerships/{world['link'].id}").get_data(as_text=True)
    assert "Gib mir deine Nummer" not in overview  # the overview shows figures, not messages


def test_nobody_reports_their_own_message(client, login, world, live_pair):
    message = TandemMessage(pair_id=live_pair.id, author_id=world["german"][0].id, body="Hallo")
    db.session.add(message)
    db.session.flush()
    login(world["german"][0])
    assert client.get(f"/report/tandem_message/{message.id}").status_code == 404


def test_a_planned_meeting_shows_in_both_cities_time_in_winter_and_summer(client, app, login, world, live_pair):
    from schoolpartners.tandem.models import TandemMeeting

    lena, ivan = world["german"][0], world["russian"][0]
    login(lena)  # Europe/Berlin
    year = date.today().year + 1
    for day, berlin, moscow in ((f"{year}-01-14", "16:00", "18:00"), (f"{year}-07-14", "16:00", "17:00")):
        response = client.post(
            f"/tandem/pairs/{live_pair.id}/meetings",
            data={"day": day, "time": berlin, "minutes": "45", "place": "Russischstunde, Raum 204"},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        page = _text(client.get(f"/tandem/pairs/{live_pair.id}"))
        assert re.search(rf"{berlin} / [0-9.]+, {moscow} ", page), page
    starts = [m.starts_at.hour for m in db.session.scalars(sa.select(TandemMeeting).order_by(TandemMeeting.starts_at))]
    assert starts == [15, 14]  # 16:00 in Berlin is 15:00 UTC in winter and 14:00 UTC in summer
    assert "tandem_meeting_planned" in set(
        db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == ivan.id))
    )
    ivan_page = _text(as_user(app, ivan).get(f"/tandem/pairs/{live_pair.id}"))
    assert re.search(r"18:00 / [0-9.]+, 16:00 ", ivan_page)  # Moscow first for Иван, then Berlin


def test_a_meeting_in_the_past_is_refused(client, login, world, live_pair):
    from schoolpartners.tandem.models import TandemMeeting

    login(world["german"][0])
    response = client.post(
        f"/tandem/pairs/{live_pair.id}/meetings",
        data={"day": (date.today() - timedelta(days=2)).isoformat(), "time": "10:00", "minutes": "45"},
    )
    assert response.status_code == 400 and "Zukunft" in response.get_data(as_text=True)
    assert not db.session.scalars(sa.select(TandemMeeting)).all()


def test_a_student_who_leaves_the_school_leaves_the_tandem(client, app, login, world, live_pair):
    lena, ivan = world["german"][0], world["russian"][0]
    login(world["de_teacher"])
    response = client.post(f"/classes/{world['de_class'].id}/students/{lena.id}/archive")
    assert response.status_code == 302
    db.session.refresh(live_pair)
    assert live_pair.state is PairState.ended
    assert "tandem_partner_left" in set(
        db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == ivan.id))
    )
    page = as_user(app, ivan).get(f"/tandem/pairs/{live_pair.id}").get_data(as_text=True)
    assert 'name="body"' not in page  # nobody writes into an ended tandem
