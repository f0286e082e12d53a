"""Moderators hide, restore, dismiss and warn; each decision closes the open reports of the same thing."""

import pytest
import sqlalchemy as sa

from schoolpartners.extensions import db
from schoolpartners.moderation.models import DecisionAction, ModerationDecision, ReportState
from schoolpartners.notifications.models import Notification


@pytest.fixture
def reported(world, make_report):
    """The note, reported by two members."""
    return [make_report(world["note"], world["reporter"]), make_report(world["note"], world["classmate"], "Mean")]


def decide(client, report, action, note=""):
    return client.post(f"/moderation/reports/{report.id}/{action}", data={"note": note})


def history(report) -> list[tuple[DecisionAction, int]]:
    rows = db.session.scalars(
        sa.select(ModerationDecision).where(ModerationDecision.report_id == report.id).order_by(ModerationDecision.id)
    )
    return [(row.action, row.by_id) for row in rows]


def warnings(user) -> list[dict]:
    return list(
        db.session.scalars(
            sa.select(Notification.params).where(
                Notification.user_id == user.id, Notification.kind == "moderation_warning"
            )
        )
    )


def test_hiding_hides_the_target_and_closes_every_open_report_of_it(client, login, world, target, reported):
    login(world["teacher"])
    response = decide(client, reported[0], "hide", "Insult")
    assert response.status_code == 302 and response.location == "/moderation"
    assert target.hidden == {world["note"].id}
    for report in reported:
        assert report.state is ReportState.hidden
        assert (report.decided_by_id, report.decision_note) == (world["teacher"].id, "Insult")
        assert report.decided_at is not None
        assert history(report) == [(DecisionAction.hide, world["teacher"].id)]
    assert "Members no longer see it" in client.get("/moderation?lang=en").get_data(as_text=True)


def test_restoring_shows_the_target_again_and_keeps_the_earlier_decision(client, login, world, target, reported):
    login(world["teacher"])
    decide(client, reported[0], "hide")
    client.post("/logout")
    login(world["coordinator"])
    decide(client, reported[1], "restore", "It was a quote")
    assert target.hidden == set()
    for report in reported:
        assert report.state is ReportState.dismissed and report.decided_by_id == world["coordinator"].id
        assert history(report) == [
            (DecisionAction.hide, world["teacher"].id),
            (DecisionAction.restore, world["coordinator"].id),
        ]


def test_restoring_what_is_not_hidden_is_refused(client, login, world, target, reported):
    login(world["teacher"])
    decide(client, reported[0], "restore")
    assert "This is not hidden" in client.get("/moderation?lang=en").get_data(as_text=True)
    assert reported[0].state is ReportState.open and history(reported[0]) == []


def test_dismissing_leaves_the_target_and_closes_the_reports(client, login, world, target, reported):
    login(world["teacher"])
    decide(client, reported[0], "dismiss", "Harmless joke")
    assert target.hidden == set()
    assert [r.state for r in reported] == [ReportState.dismissed, ReportState.dismissed]
    assert reported[1].decision_note == "Harmless joke"
    decide(client, reported[0], "dismiss")
    assert "has been decided already" in client.get("/moderation?lang=en").get_data(as_text=True)
    assert len(history(reported[0])) == 1


def test_a_dismissed_report_can_still_lead_to_hiding(client, login, world, target, reported):
    login(world["teacher"])
    decide(client, reported[0], "dismiss")
    decide(client, reported[0], "hide", "On second thought")
    assert target.hidden == {world["note"].id} and reported[0].state is ReportState.hidden
    assert reported[1].state is ReportState.dismissed  # it was not open any more


def test_warning_sends_the_note_to_the_author_and_dismisses(client, login, world, target, reported):
    login(world["teacher"])
    decide(client, reported[0], "warn", "Please stay polite.")
    assert warnings(world["author"]) == [{"note": "Please stay polite."}]
    assert target.hidden == set() and [r.state for r in reported] == [ReportState.dismissed] * 2
    assert history(reported[1]) == [(DecisionAction.warn, world["teacher"].id)]
    client.post("/logout")
    login(world["author"])
    html = client.get("/notifications?lang=en").get_data(as_text=True)
    assert "keep to the rules of respectful exchange: Please stay polite." in html
    assert "Lena Melder" not in html and "Insults a classmate" not in html  # the author learns nothing of the report


def test_warning_after_hiding_keeps_it_hidden(client, login, world, target, reported):
    login(world["teacher"])
    decide(client, reported[0], "hide")
    decide(client, reported[0], "warn", "Not like this.")
    assert reported[0].state is ReportState.hidden and target.hidden == {world["note"].id}
    assert [a for a, _ in history(reported[0])] == [DecisionAction.hide, DecisionAction.warn]
    assert warnings(world["author"]) == [{"note": "Not like this."}]


def test_a_warning_needs_a_note(client, login, world, reported):
    login(world["teacher"])
    decide(client, reported[0], "warn", "   ")
    assert "Please write what the author should know" in client.get("/moderation?lang=en").get_data(as_text=True)
    assert warnings(world["author"]) == [] and reported[0].state is ReportState.open


def test_a_too_long_note_is_refused(client, login, world, target, reported):
    login(world["teacher"])
    decide(client, reported[0], "hide", "x" * 1001)
    assert "The note is too long" in client.get("/moderation?lang=en").get_data(as_text=True)
    assert target.hidden == set() and reported[0].state is ReportState.open


def test_an_unknown_action_is_a_bad_request(client, login, world, reported):
    login(world["teacher"])
    assert decide(client, reported[0], "delete").status_code == 400
    assert reported[0].state is ReportState.open


def test_staff_outside_the_scope_get_404_on_every_action(client, login, world, target, reported):
    login(world["outsider"])
    for action in ("hide", "restore", "dismiss", "warn", "delete"):
        assert decide(client, reported[0], action, "x").status_code == 404
    assert client.post("/moderation/reports/999999/hide").status_code == 404
    assert target.hidden == set() and reported[0].state is ReportState.open and warnings(world["author"]) == []


def test_the_author_cannot_decide_on_reports_of_their_own_text(client, login, world, target, make_report):
    from .conftest import write_note

    own = write_note(world["teacher"], "Teacher's remark")
    report = make_report(own, world["reporter"])
    login(world["teacher"])
    assert decide(client, report, "dismiss").status_code == 404
    assert "Teacher&#39;s remark" not in client.get("/moderation?lang=en").get_data(as_text=True)
    client.post("/logout")
    login(world["coordinator"])
    decide(client, report, "dismiss")
    assert report.state is ReportState.dismissed


def test_students_may_not_decide(client, login, world, reported):
    login(world["reporter"])
    assert decide(client, reported[0], "dismiss").status_code == 403
    assert reported[0].state is ReportState.open


def test_a_report_of_something_gone_can_be_dismissed_but_not_hidden(client, login, world, reported):
    db.session.delete(world["note"])
    db.session.flush()
    login(world["teacher"])
    html = client.get("/moderation?lang=en").get_data(as_text=True)
    assert "does not exist any more" in html and ">Hide<" not in html
    decide(client, reported[0], "hide")
    assert reported[0].state is ReportState.open
    decide(client, reported[0], "dismiss")
    assert reported[0].state is ReportState.dismissed
