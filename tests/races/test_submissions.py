"""Hand-ins and feedback at the same moment (review §1, F5, F6): a pupil's first hand-in and new versions from
several tabs get the numbers 1, 2, 3 … on both databases, never a 500, and no stored file is left without its row;
feedback given at once keeps every comment and the status of the latest one."""

import html
import io
import re
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from schoolpartners.accounts.models import User
from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ClassMembership, ClassTeacher, ConsentScope, ParentalConsent, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.projects.models import Milestone, MilestoneMode, ProjectState, Team, TeamMember
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions import services
from schoolpartners.submissions.models import Feedback, Submission, SubmissionFile, SubmissionStatus, SubmissionVersion
from schoolpartners.uploads import STORAGE_NAME
from tests.committed import Background, holding_lock, together, wait_for_lock_waiters
from tests.factories import add_partnership, add_project, as_user
from tests.uploads.samples import PDF

pytestmark = pytest.mark.committed

HIDDEN = re.compile(r"<input[^>]*\btype=\"hidden\"[^>]*>")


@pytest.fixture
def stage(committed_app, make_school, make_user, make_city):
    """A running project of two classes with a stage and a team stage; a German pupil and a Russian one (with
    consent) in a mixed team, both teachers."""
    with committed_app.app_context():
        de = make_school(Country.DE, city=make_city(Country.DE))
        ru = make_school(Country.RU, city=make_city(Country.RU))
        world = {"de": de, "ru": ru}
        world["de_teacher"] = make_user("teacher", school=de)
        world["ru_teacher"] = make_user("teacher", school=ru, locale="ru", timezone="Europe/Moscow")
        world["partnership"] = add_partnership(de, ru, world["de_teacher"], world["ru_teacher"])
        pupil, partner = make_user("student", school=de), make_user("student", school=ru)
        for key, school in (("de", de), ("ru", ru)):
            school_class = SchoolClass(
                school_id=school.id, name=f"9{key}", school_year="2026/27", join_code=f"SB{key.upper()}{school.id:06d}"
            )
            school_class.teacher_links.append(ClassTeacher(user_id=world[f"{key}_teacher"].id))
            db.session.add(school_class)
            world[f"{key}_class"] = school_class
        world["de_class"].memberships.append(ClassMembership(student_id=pupil.id))
        world["ru_class"].memberships.append(ClassMembership(student_id=partner.id))
        for student in (pupil, partner):
            db.session.add(
                ParentalConsent(
                    student_id=student.id, scope=ConsentScope.participation, recorded_by_id=world["de_teacher"].id
                )
            )
        db.session.flush()
        deadline = utcnow() + timedelta(days=10)
        milestone = Milestone(title_de="Archiv", title_ru="Архив", deadline=deadline)
        together_stage = Milestone(
            title_de="Zeitstrahl", title_ru="Лента", deadline=deadline, mode=MilestoneMode.mixed_teams
        )
        project = add_project(
            world, ProjectState.active, date(2026, 9, 1), date(2027, 6, 1), [milestone, together_stage]
        )
        team = Team(
            project_id=project.id, name="Brücke", members=[TeamMember(student_id=s.id) for s in (pupil, partner)]
        )
        db.session.add(team)
        db.session.commit()
        return {
            "url": f"/projects/{project.id}/milestones/{milestone.id}",
            "team_url": f"/projects/{project.id}/milestones/{together_stage.id}",
            "team_stage_id": together_stage.id,
            "team": [person(pupil), person(partner)],
            "milestone_id": milestone.id,
            "project_id": project.id,
            "pupil": person(pupil),
            "teachers": [person(world["de_teacher"]), person(world["ru_teacher"])],
        }


def person(user) -> SimpleNamespace:
    """What the tests need of a user once the building session is gone: the id and the name to log in with."""
    return SimpleNamespace(id=user.id, login_name=user.login_name)


def hand_in(client, url: str, text: str, pdf: bool = False):
    """POST the hand-in form as a browser does: with the hidden fields of the page it shows."""
    page = client.get(url).get_data(as_text=True)
    data = {}
    for tag in HIDDEN.findall(page):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name:
            data[html.unescape(name[1])] = html.unescape(value[1]) if value else ""
    data["text"] = text
    data["files"] = [(io.BytesIO(PDF), "Aufsatz.pdf")] if pdf else []
    return client.post(url, data=data, content_type="multipart/form-data")


def versions(committed_app, milestone_id) -> list[int]:
    with committed_app.app_context():
        return list(
            db.session.scalars(
                sa.select(SubmissionVersion.number)
                .join(Submission, Submission.id == SubmissionVersion.submission_id)
                .where(Submission.milestone_id == milestone_id)
                .order_by(SubmissionVersion.number)
            )
        )


def files_on_disk_match_rows(committed_app) -> bool:
    """Every stored file has its row and every row its file (the whole module's upload folder)."""
    folder = Path(committed_app.config["UPLOAD_DIR"])
    on_disk = (
        {path.name for path in folder.iterdir() if STORAGE_NAME.fullmatch(path.name)} if folder.is_dir() else set()
    )
    with committed_app.app_context():
        rows = set(db.session.scalars(sa.select(SubmissionFile.storage_name)))
    return on_disk == rows


def first_version(session, stage) -> int:
    """What a request that got the stage first commits: the submission with version 1 (no file)."""
    submission = Submission(
        milestone_id=stage["milestone_id"], project_id=stage["project_id"], student_id=stage["pupil"].id
    )
    submission.versions.append(SubmissionVersion(number=1, text="Erste", author_id=stage["pupil"].id))
    session.add(submission)
    session.flush()
    return submission.id


def committed_submission(committed_app, stage) -> int:
    with committed_app.app_context():
        submission_id = first_version(db.session, stage)
        db.session.commit()
        return submission_id


@pytest.mark.parametrize("pdf", [False, True], ids=["text", "pdf"])
def test_a_first_hand_in_waits_for_the_pupil_and_becomes_version_2(committed_app, stage, pdf):
    tab = as_user(committed_app, stage["pupil"])
    with holding_lock(committed_app, User, stage["pupil"].id) as first:
        waiting = Background(lambda: hand_in(tab, stage["url"], "Zweite", pdf))
        wait_for_lock_waiters(committed_app)
        first_version(first, stage)
        first.commit()
    assert waiting.result().status_code == 302
    assert versions(committed_app, stage["milestone_id"]) == [1, 2]
    assert files_on_disk_match_rows(committed_app)


@pytest.mark.parametrize("pdf", [False, True], ids=["text", "pdf"])
def test_first_hand_ins_from_three_tabs_at_once_become_versions_1_2_3(committed_app, stage, pdf):
    tabs = [as_user(committed_app, stage["pupil"]) for _ in range(3)]
    answers = together(
        *(lambda tab=tab, n=n: hand_in(tab, stage["url"], f"Tab {n}", pdf) for n, tab in enumerate(tabs))
    )
    assert [answer.status_code for answer in answers] == [302] * 3
    assert versions(committed_app, stage["milestone_id"]) == [1, 2, 3]
    assert files_on_disk_match_rows(committed_app)
    with committed_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SubmissionFile.id))) >= (3 if pdf else 0)
        told = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == stage["teachers"][0].id, Notification.kind == "submission_received"
            )
        )
    assert told == 3  # one notice per version that was kept


def test_first_hand_ins_of_both_team_members_at_once_become_versions_1_2(committed_app, stage):
    tabs = [as_user(committed_app, member) for member in stage["team"]]
    answers = together(
        *(lambda tab=tab, n=n: hand_in(tab, stage["team_url"], f"Teil {n}", True) for n, tab in enumerate(tabs))
    )
    assert [answer.status_code for answer in answers] == [302] * 2
    assert versions(committed_app, stage["team_stage_id"]) == [1, 2]
    assert files_on_disk_match_rows(committed_app)


def test_a_new_version_waits_for_the_submission_and_takes_the_next_number(committed_app, stage):
    submission_id = committed_submission(committed_app, stage)
    tab = as_user(committed_app, stage["pupil"])
    with holding_lock(committed_app, Submission, submission_id) as first:
        waiting = Background(lambda: hand_in(tab, stage["url"], "Dritte", pdf=True))
        wait_for_lock_waiters(committed_app)
        first.add(SubmissionVersion(submission_id=submission_id, number=2, text="Zweite", author_id=stage["pupil"].id))
        first.commit()
    assert waiting.result().status_code == 302
    assert versions(committed_app, stage["milestone_id"]) == [1, 2, 3]
    assert files_on_disk_match_rows(committed_app)


def test_new_versions_from_three_tabs_at_once_get_numbers_2_3_4(committed_app, stage):
    committed_submission(committed_app, stage)
    tabs = [as_user(committed_app, stage["pupil"]) for _ in range(3)]
    answers = together(
        *(lambda tab=tab, n=n: hand_in(tab, stage["url"], f"Tab {n}", True) for n, tab in enumerate(tabs))
    )
    assert [answer.status_code for answer in answers] == [302] * 3
    assert versions(committed_app, stage["milestone_id"]) == [1, 2, 3, 4]
    assert files_on_disk_match_rows(committed_app)


def test_a_hand_in_that_loses_on_the_unique_constraint_keeps_no_file(committed_app, stage, monkeypatch):
    """The last guard: a hand-in that never sees the existing submission (as a lost race without the stage lock)
    fails on uq_submission_student; it answers 409 and its stored file is removed after the rollback."""
    committed_submission(committed_app, stage)
    monkeypatch.setattr(services, "own_submission", lambda *args: None)
    answer = hand_in(as_user(committed_app, stage["pupil"]), stage["url"], "Verloren", pdf=True)
    assert answer.status_code == 409
    assert versions(committed_app, stage["milestone_id"]) == [1]
    assert files_on_disk_match_rows(committed_app)


def test_a_hand_in_that_fails_after_storing_its_file_keeps_no_file(committed_app, stage, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the mail queue is gone")

    monkeypatch.setattr(services, "notify", broken)
    tab = as_user(committed_app, stage["pupil"])
    with pytest.raises(RuntimeError):  # TESTING propagates it; in production the error page rolls back
        hand_in(tab, stage["url"], "Mit Datei", pdf=True)
    assert versions(committed_app, stage["milestone_id"]) == []
    assert files_on_disk_match_rows(committed_app)
    folder = Path(committed_app.config["UPLOAD_DIR"])
    assert not [path for path in folder.iterdir() if path.name.startswith(".part-")]


def feedback_rows(committed_app, submission_id) -> tuple[SubmissionStatus, list[SubmissionStatus]]:
    with committed_app.app_context():
        status = db.session.get(Submission, submission_id).status
        given = list(
            db.session.scalars(
                sa.select(Feedback.status).where(Feedback.submission_id == submission_id).order_by(Feedback.id)
            )
        )
        return status, given


def test_feedback_waits_for_the_submission_and_its_status_stays_the_latest(committed_app, stage):
    submission_id = committed_submission(committed_app, stage)
    teacher = as_user(committed_app, stage["teachers"][1])
    with holding_lock(committed_app, Submission, submission_id) as first:
        waiting = Background(
            lambda: teacher.post(f"/submissions/{submission_id}", data={"body": "Fast", "status": "needs_revision"})
        )
        wait_for_lock_waiters(committed_app)
        submission = first.get(Submission, submission_id)
        submission.status = SubmissionStatus.accepted
        first.add(Feedback(submission_id=submission_id, author_id=stage["teachers"][0].id, status=submission.status))
        first.commit()
    assert waiting.result().status_code == 302
    status, given = feedback_rows(committed_app, submission_id)
    assert given == [SubmissionStatus.accepted, SubmissionStatus.needs_revision]
    assert status is SubmissionStatus.needs_revision


def test_four_teachers_giving_feedback_at_once_keep_all_and_the_latest_status(committed_app, stage):
    submission_id = committed_submission(committed_app, stage)
    teachers = [as_user(committed_app, teacher) for teacher in stage["teachers"] * 2]
    choices = ["accepted", "needs_revision", "needs_revision", "accepted"]
    answers = together(
        *(
            lambda teacher=teacher, status=status, n=n: teacher.post(
                f"/submissions/{submission_id}", data={"body": f"Rückmeldung {n}", "status": status}
            )
            for n, (teacher, status) in enumerate(zip(teachers, choices, strict=True))
        )
    )
    assert [answer.status_code for answer in answers] == [302] * 4
    status, given = feedback_rows(committed_app, submission_id)
    assert len(given) == 4 and status is given[-1]
    with committed_app.app_context():
        told = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == stage["pupil"].id, Notification.kind == "feedback_received"
            )
        )
    assert told == 4
