"""The moderation queue: who sees which reports, filters, empty states, a fixed number of queries."""

import pytest

from schoolpartners.moderation.models import ReportState

from .conftest import OTHER_SCOPE, write_note


def queue(client, query="") -> str:
    response = client.get(f"/moderation?lang=en{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_moderator_sees_what_was_reported_why_by_whom_and_where(client, login, world, make_report):
    report = make_report(world["note"], world["reporter"], "Insults a classmate")
    login(world["teacher"])
    html = queue(client)
    assert "You are all stupid" in html and "Insults a classmate" in html and "Lena Melder" in html
    assert f'href="/notifications#note-{world["note"].id}"' in html and "1 open report" in html
    for action in ("hide", "dismiss", "warn"):
        assert f'action="/moderation/reports/{report.id}/{action}"' in html
    assert f"/moderation/reports/{report.id}/restore" not in html
    assert html.count("data-confirm=") == 3  # hide, dismiss, warn each ask first


def test_coordinators_see_reports_of_every_scope(client, login, world, make_report):
    make_report(world["note"], world["reporter"])
    make_report(write_note(world["author"], "Elsewhere", room=OTHER_SCOPE), world["reporter"])
    login(world["coordinator"])
    html = queue(client)
    assert "You are all stupid" in html and "Elsewhere" in html and "2 open reports" in html


def test_staff_outside_the_scope_do_not_see_the_report(client, login, world, make_report):
    make_report(world["note"], world["reporter"])
    make_report(write_note(world["author"], "Elsewhere", room=OTHER_SCOPE), world["reporter"])
    login(world["outsider"])
    html = queue(client)
    assert "Elsewhere" in html and "You are all stupid" not in html and "Lena Melder" in html


def test_staff_who_moderate_nothing_are_told_what_the_queue_is(client, login, world, make_user, make_report):
    make_report(world["note"], world["reporter"])
    login(make_user("teacher", locale="en"))
    html = queue(client)
    assert "You lead no project yet" in html and "You are all stupid" not in html


def test_an_empty_queue_says_what_happens_next(client, login, world):
    login(world["teacher"])
    assert "When a member reports a post or message, it appears here" in queue(client)


def test_decided_reports_are_listed_with_their_decisions(client, login, world, make_report):
    report = make_report(world["note"], world["reporter"])
    login(world["teacher"])
    client.post(f"/moderation/reports/{report.id}/dismiss?state=decided", data={"note": "A quote from a book"})
    assert report.state is ReportState.dismissed
    assert "Nothing to decide" in queue(client)
    html = queue(client, "&state=decided")
    assert "You are all stupid" in html and "A quote from a book" in html and "Frau Berg" in html
    assert "1 decided report" in html and "/hide" in html and "/dismiss" not in html


def test_the_decision_goes_back_to_the_tab_it_came_from(client, login, world, make_report):
    report = make_report(world["note"], world["reporter"])
    login(world["teacher"])
    response = client.post(f"/moderation/reports/{report.id}/warn?state=decided", data={"note": "Be kind"})
    assert response.location == "/moderation?state=decided"


def test_students_are_refused_the_queue(client, login, world):
    login(world["reporter"])
    assert client.get("/moderation").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/moderation")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("who", ["coordinator", "teacher"])
def test_the_number_of_queries_does_not_grow_with_the_reports(
    client, login, world, target, make_user, make_report, queries, who
):
    make_report(world["note"], world["reporter"])
    login(world[who])
    queue(client)
    queries.statements.clear()
    queue(client)
    few = queries.count
    for n in range(12):
        reporter = make_user("student", locale="en")
        target.members.add(reporter.id)
        note = write_note(world["author"], f"Note {n}")
        make_report(note, reporter)
    queries.statements.clear()
    html = queue(client)
    assert "13 open reports" in html
    assert queries.count == few, "\n".join(s[:150] for s in queries.statements)
