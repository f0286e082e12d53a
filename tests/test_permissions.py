"""The role × route matrix, built from app.url_map: a new route without a rule fails here."""

import re
from datetime import date, timedelta

import pytest

from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ClassMembership, ClassTeacher, ConsentScope, ParentalConsent, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.moderation.models import Report
from schoolpartners.notifications.services import notify
from schoolpartners.partnerships.models import Partnership, PartnershipRequest
from schoolpartners.permissions import RULES, allows
from schoolpartners.projects.models import Comment, Milestone, Post, Project, ProjectRevision, ProjectSide, Team
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions.models import Submission

EXEMPT = {"static", "bootstrap.static"}
ROLES = ["anonymous", "student", "teacher", "school_coordinator", "coordinator"]


def _routes(app):
    # Logging out ends the test's session, so it comes last.
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "accounts.logout")
    for rule in rules:
        if rule.endpoint in EXEMPT:
            continue
        yield rule, app.view_functions[rule.endpoint]


def test_every_route_declares_an_access_rule(app):
    missing = [rule.rule for rule, view in _routes(app) if getattr(view, "access_rule", None) not in RULES]
    assert not missing, f"routes without an access rule: {missing}"


@pytest.fixture
def sample_args(make_link, make_user, make_school):
    link = make_link()
    owner = make_user("teacher")
    note = notify(owner, "welcome", email=False, name="x")
    school = make_school()
    member = make_user("teacher", school=school)
    other = make_school(Country.RU)
    other_member = make_user("school_coordinator", school=other)
    request = PartnershipRequest(
        from_school_id=school.id,
        to_school_id=other.id,
        pair_key=f"{school.id}-{other.id}",
        sender_id=member.id,
        expires_at=utcnow() + timedelta(days=60),
    )
    partnership = Partnership(
        german_school_id=school.id,
        russian_school_id=other.id,
        german_contact_id=member.id,
        russian_contact_id=other_member.id,
    )
    db.session.add_all([request, partnership])
    db.session.flush()
    school_class = SchoolClass(school_id=school.id, name="9b", school_year="2026/27", join_code="SAMPLE23")
    school_class.teacher_links.append(ClassTeacher(user_id=member.id))
    student = make_user("student", school=school)
    school_class.memberships.append(ClassMembership(student_id=student.id))
    consent = ParentalConsent(student_id=student.id, scope=ConsentScope.participation, recorded_by_id=member.id)
    db.session.add_all([school_class, consent])
    report = Report(kind="post", target_id=note.id, scope="project:0", reporter_id=student.id, reason="Rude")
    db.session.add(report)
    project = Project(
        partnership_id=partnership.id, title_de="P", start_date=date(2027, 1, 1), end_date=date(2027, 6, 1)
    )
    project.sides = [ProjectSide(school_id=school.id, contact_id=member.id), ProjectSide(school_id=other.id)]
    project.milestones = [Milestone(title_de="M", deadline=utcnow())]
    db.session.add(project)
    db.session.flush()
    revision = ProjectRevision(
        project_id=project.id, school_id=school.id, start_date=date(2027, 1, 1), end_date=date(2027, 6, 1)
    )
    team = Team(project_id=project.id, name="T")
    submission = Submission(milestone_id=project.milestones[0].id, project_id=project.id, student_id=student.id)
    post = Post(project_id=project.id, author_id=member.id, body="Hallo")
    post.comments = [Comment(author_id=member.id, body="Привет")]
    db.session.add_all([revision, team, submission, post])
    db.session.flush()
    return {
        "project_id": project.id,
        "milestone_id": project.milestones[0].id,
        "revision_id": revision.id,
        "decision": "withdraw",
        "team_id": team.id,
        "submission_id": submission.id,
        "post_id": post.id,
        "comment_id": post.comments[0].id,
        "file_id": 999999,
        "recognition_id": 999999,
        "class_id": school_class.id,
        "student_id": student.id,
        "user_id": member.id,
        "consent_id": consent.id,
        "request_id": request.id,
        "partnership_id": partnership.id,
        "link_id": link.id,
        "note_id": note.id,
        "mail_id": 999999,
        "token": "not-a-real-token",
        "school_id": school.id,
        "member_id": member.memberships[0].id,
        "report_id": report.id,
        "action": "dismiss",
        "kind": "post",
        "target_id": note.id,
        "round_id": 999999,
        "pair_id": 999999,
        "invitation_id": 999999,
        "meeting_id": 999999,
        "verdict": "accept",
    }


@pytest.mark.parametrize("role", ROLES)
def test_role_route_matrix(app, client, login, make_user, sample_args, role):
    user = None
    if role != "anonymous":
        user = make_user(role)
        login(user)
    problems = []
    for rule, view in _routes(app):
        unknown = set(rule.arguments) - set(sample_args)
        assert not unknown, f"add sample values for {unknown} used by {rule.rule}"
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(sample_args[name]), url)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        access = view.access_rule
        if response.status_code >= 500:
            problems.append((url, method, response.status_code, "server error"))
        elif access == "public" or (user is not None and allows(access, user)):
            # Routes about one object may still refuse it (not this user's school): that check is tested per domain.
            refused = response.status_code == 401 or (response.status_code == 403 and not rule.arguments)
            if refused or "/login?next" in response.headers.get("Location", ""):
                problems.append((url, method, response.status_code, "refused an allowed role"))
        elif user is None:
            if response.status_code != 302 or "/login" not in response.headers["Location"]:
                problems.append((url, method, response.status_code, "anonymous not sent to login"))
        elif response.status_code != 403:
            problems.append((url, method, response.status_code, "wrong role not refused"))
    assert not problems


def test_other_users_notification_is_not_found(client, login, make_user, sample_args):
    login(make_user("teacher"))
    assert client.post(f"/notifications/{sample_args['note_id']}/read").status_code == 404


def test_refusals_are_logged(client, login, make_user, caplog):
    import logging

    login(make_user("teacher"))
    with caplog.at_level(logging.INFO, logger="schoolpartners.events"):
        assert client.get("/outbox").status_code == 403
    assert '"event": "access_refused"' in caplog.text and "/outbox" in caplog.text


def test_ids_no_row_can_have_are_not_found(app, client, login, make_user, sample_args):
    """An id beyond the databases' INTEGER names nothing: 404 on every route, never an overflow (500)."""
    login(make_user("teacher"))
    checked = 0
    for rule, _view in _routes(app):
        numbers = [
            name for name, converter in rule._converters.items() if converter.__class__.__name__ == "IdConverter"
        ]
        if not numbers or rule.endpoint == "accounts.logout":
            continue
        url = rule.rule
        for name in rule.arguments:
            value = 2**70 if name in numbers else sample_args[name]
            url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(value), url)
        method = "GET" if "GET" in rule.methods else "POST"
        assert client.open(url, method=method).status_code == 404, url
        checked += 1
    assert checked > 40
