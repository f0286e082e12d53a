"""Members report posts and messages; the moderators of the place and the coordinators are told."""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from schoolpartners.domain import DomainError
from schoolpartners.extensions import db
from schoolpartners.moderation import registry, services
from schoolpartners.moderation.models import Report, ReportState
from schoolpartners.notifications.models import Notification, OutboxEmail

from .conftest import write_note


def reports() -> list[Report]:
    return list(db.session.scalars(sa.select(Report).order_by(Report.id)))


def notified(kind: str) -> set[int]:
    return set(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == kind)))


def test_the_report_page_shows_what_is_reported(client, login, world):
    login(world["reporter"])
    html = client.get(f"/report/testnote/{world['note'].id}?lang=en").get_data(as_text=True)
    assert "Report to the moderators" in html and "You are all stupid" in html
    assert "does not learn who reported" in html


def test_reporting_tells_the_moderators_and_the_coordinators(client, login, world):
    login(world["reporter"])
    response = client.post(f"/report/testnote/{world['note'].id}", data={"reason": "  Insults the class  "})
    assert response.status_code == 302 and response.location == f"/notifications#note-{world['note'].id}"
    [report] = reports()
    assert (report.kind, report.target_id, report.scope) == ("testnote", world["note"].id, "testroom:1")
    assert report.reporter_id == world["reporter"].id and report.author_id == world["author"].id
    assert report.reason == "Insults the class" and report.state is ReportState.open
    assert notified("report_received") == {world["teacher"].id, world["coordinator"].id}
    mails = set(db.session.scalars(sa.select(OutboxEmail.recipient)))
    assert mails == {world["teacher"].email, world["coordinator"].email}
    assert "Thank you. The moderators have been told" in client.get("/notifications?lang=en").get_data(as_text=True)


def test_a_second_report_of_the_same_thing_by_the_same_person_is_refused(client, login, world):
    login(world["reporter"])
    url = f"/report/testnote/{world['note'].id}?lang=en"
    client.post(url, data={"reason": "Rude"})
    html = client.post(url, data={"reason": "Still rude"}).get_data(as_text=True)
    assert "You have reported this already" in html and "Still rude" in html  # the text is kept
    assert len(reports()) == 1 and len(notified("report_received")) == 2


def test_another_member_may_report_the_same_thing(client, login, world, make_report):
    make_report(world["note"], world["reporter"])
    login(world["classmate"])
    client.post(f"/report/testnote/{world['note'].id}", data={"reason": "Me too"})
    assert [r.reporter_id for r in reports()] == [world["reporter"].id, world["classmate"].id]


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_an_empty_or_too_long_reason_is_refused_and_nothing_is_stored(client, login, world, reason):
    login(world["reporter"])
    response = client.post(f"/report/testnote/{world['note'].id}?lang=en", data={"reason": reason})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'aria-invalid="true"' in html
    assert ("too long" in html) if reason.strip() else ("Please fill in this field." in html)
    assert reports() == [] and notified("report_received") == set()


@pytest.mark.parametrize(
    ("kind", "reason", "message"),
    [
        ("testnote", "", "Please say what is wrong"),
        ("testnote", "x" * 1001, "too long"),
        ("nosuchkind", "Rude", "This cannot be reported"),
    ],
)
def test_the_service_refuses_bad_input(app, world, kind, reason, message):
    with app.test_request_context(), force_locale("en"), pytest.raises(DomainError, match=message):
        services.report(kind, world["note"].id, world["reporter"], reason)
    assert reports() == []


def test_the_service_refuses_gone_targets_and_outsiders(app, world, make_user):
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(DomainError, match="does not exist any more"):
            services.report("testnote", 999_999, world["reporter"], "Rude")
        with pytest.raises(DomainError, match="You cannot report this"):
            services.report("testnote", world["note"].id, make_user("student", locale="en"), "Rude")


@pytest.mark.parametrize("case", ["unknown_kind", "missing_target", "not_a_member"])
def test_unknown_kinds_missing_targets_and_outsiders_get_404(client, login, make_user, world, case):
    url = f"/report/testnote/{world['note'].id}"
    user = world["reporter"]
    if case == "unknown_kind":
        url = f"/report/nosuchkind/{world['note'].id}"
    elif case == "missing_target":
        url = "/report/testnote/999999"
    else:
        user = make_user("student")
    login(user)
    assert client.get(url).status_code == 404
    assert client.post(url, data={"reason": "Rude"}).status_code == 404
    assert reports() == []


def test_anonymous_visitors_are_sent_to_login(client, world):
    for method in ("GET", "POST"):
        response = client.open(f"/report/testnote/{world['note'].id}", method=method, data={"reason": "Rude"})
        assert response.status_code == 302 and "/login" in response.location
    assert reports() == []


def test_authors_who_moderate_are_not_told_about_reports_of_their_own_text(client, login, world):
    own = write_note(world["teacher"], "Teacher's remark")
    login(world["reporter"])
    client.post(f"/report/testnote/{own.id}", data={"reason": "Unfair"})
    assert notified("report_received") == {world["coordinator"].id}


def test_registry_refuses_a_kind_twice_and_lists_each_moderator_once(target, make_user):
    with pytest.raises(ValueError):
        registry.register(type(target)())
    with pytest.raises(KeyError):
        registry.target("nosuchkind")
    teacher = make_user("teacher")
    target.rooms["testroom:1"].append(teacher.id)
    second = registry.register_scopes(lambda user: {"testroom:1"}, lambda scope: [teacher])
    try:
        assert registry.moderators_of("testroom:1") == [teacher]
        assert registry.scopes_for(teacher) == {"testroom:1"}
    finally:
        registry.unregister_scopes(second)
