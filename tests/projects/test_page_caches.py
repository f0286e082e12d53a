"""The project and stage pages keep rendered parts; every change must show on the very next request."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_datetime

from schoolpartners.extensions import db
from schoolpartners.projects.models import Milestone, ProjectRevision, RevisionState
from schoolpartners.schools.models import MembershipStatus, StaffMembership
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions.models import Submission
from tests.factories import as_user


@pytest.fixture
def running(make_running):
    future = utcnow() + timedelta(days=10)
    return make_running([Milestone(title_de="Archiv", title_ru="Архив", task_de="Sucht Quellen.", deadline=future)])


def hand_in(client, project, milestone, text):
    url = f"/projects/{project.id}/milestones/{milestone.id}"
    return client.post(url, data={"text": text}, content_type="multipart/form-data")


def test_the_stage_list_shows_hand_ins_feedback_and_names_at_once(app, duo, running):
    stage = running.milestones[0]
    url = f"/projects/{running.id}/milestones/{stage.id}"
    teacher = as_user(app, duo["de_teacher"])
    assert "Student de" not in teacher.get(url).get_data(as_text=True)
    hand_in(as_user(app, duo["de_student"]), running, stage, "Erste Fassung")
    page = teacher.get(url).get_data(as_text=True)
    assert "Student de" in page and 'text-bg-info">abgegeben</span>' in page
    submission = db.session.scalar(sa.select(Submission))
    teacher.post(f"/submissions/{submission.id}", data={"body": "Gut so.", "status": "accepted"})
    page = teacher.get(url).get_data(as_text=True)
    assert 'text-bg-success">angenommen</span>' in page and 'text-bg-info">abgegeben</span>' not in page
    duo["de_student"].display_name = "Lena Neumann"
    db.session.flush()
    page = teacher.get(url).get_data(as_text=True)
    assert "Lena Neumann" in page and "Student de" not in page
    hand_in(as_user(app, duo["ru_student"]), running, stage, "Текст")
    page = teacher.get(url).get_data(as_text=True)
    assert "Lena Neumann" in page and "Student ru" in page


def test_the_stage_page_follows_the_task_the_language_and_the_time_zone(app, duo, running):
    stage = running.milestones[0]
    url = f"/projects/{running.id}/milestones/{stage.id}"
    hand_in(as_user(app, duo["de_student"]), running, stage, "Erste Fassung")
    submission = db.session.scalar(sa.select(Submission))
    teacher = as_user(app, duo["de_teacher"])
    assert "Sucht Quellen." in teacher.get(url).get_data(as_text=True)
    stage.task_de = "Sucht Fotos."
    db.session.flush()
    page = teacher.get(url).get_data(as_text=True)
    assert "Sucht Fotos." in page and "Sucht Quellen." not in page
    duo["de_teacher"].timezone = "Asia/Vladivostok"
    db.session.flush()
    page = teacher.get(url).get_data(as_text=True)
    zone = ZoneInfo("Asia/Vladivostok")
    assert format_datetime(submission.updated_at, "short", tzinfo=zone, locale="de") in page
    assert format_datetime(stage.deadline, "short", tzinfo=zone, locale="de") in page
    page = teacher.get(url + "?lang=ru").get_data(as_text=True)
    assert 'text-bg-info">сдано</span>' in page and "Последняя сдача" in page
    assert format_datetime(submission.updated_at, "short", tzinfo=zone, locale="ru") in page


def test_the_project_page_shows_names_changes_and_decisions_at_once(app, duo, running, make_user):
    proposer = make_user("teacher", school=duo["ru"], display_name="Ольга Петрова")
    url = f"/projects/{running.id}"
    teacher = as_user(app, duo["de_teacher"])
    page = teacher.get(url).get_data(as_text=True)
    assert "Елена Козлова" in page and f"{url}/complete" in page
    duo["ru_teacher"].display_name = "Елена Новикова"
    duo["ru"].name = "Школа № 1957"
    db.session.flush()
    page = teacher.get(url).get_data(as_text=True)
    assert "Елена Новикова" in page and "Школа № 1957" in page and "Елена Козлова" not in page
    revision = ProjectRevision(
        project_id=running.id,
        school_id=duo["ru"].id,
        proposed_by_id=proposer.id,
        start_date=date(2026, 9, 1),
        end_date=date(2027, 7, 1),
        note="Mehr Zeit für die Ausstellung",
    )
    db.session.add(revision)
    db.session.flush()
    page = teacher.get(url).get_data(as_text=True)
    assert f"/revisions/{revision.id}/accept" in page and "Mehr Zeit für die Ausstellung" in page
    assert "Ольга Петрова" in page
    proposer.display_name = "Ольга Смирнова"
    db.session.flush()
    assert "Ольга Смирнова" in teacher.get(url).get_data(as_text=True)
    revision.state = RevisionState.withdrawn
    db.session.flush()
    page = teacher.get(url).get_data(as_text=True)
    assert "/revisions/" not in page and "Mehr Zeit" not in page
    assert teacher.post(f"{url}/complete").status_code == 302
    page = teacher.get(url).get_data(as_text=True)
    assert f"{url}/complete" not in page


def test_each_viewer_gets_their_own_project_page(app, duo, running):
    url = f"/projects/{running.id}"
    duo["ru_teacher"].locale = "de"  # the same language: only who looks tells the pages apart
    db.session.flush()
    de, ru = as_user(app, duo["de_teacher"]), as_user(app, duo["ru_teacher"])
    assert de.post(f"{url}/complete").status_code == 302
    de_page, ru_page = de.get(url).get_data(as_text=True), ru.get(url).get_data(as_text=True)
    assert f"{url}/complete" not in de_page and f"{url}/complete" in ru_page
    assert f"{url}/contact" in de_page and f"{url}/contact" in ru_page


def test_a_teacher_who_leaves_the_school_loses_the_project_at_once(app, duo, running):
    url = f"/projects/{running.id}"
    teacher = as_user(app, duo["de_teacher"])
    assert teacher.get(url).status_code == 200
    assert teacher.get(f"{url}/milestones/{running.milestones[0].id}").status_code == 200
    membership = db.session.scalar(sa.select(StaffMembership).where(StaffMembership.user_id == duo["de_teacher"].id))
    membership.status = MembershipStatus.pending
    db.session.flush()
    assert teacher.get(url).status_code == 404
    assert teacher.get(f"{url}/milestones/{running.milestones[0].id}").status_code == 404


def test_renamed_schools_and_classes_show_in_the_project_body(app, duo, running):
    teacher = as_user(app, duo["de_teacher"])
    url = f"/projects/{running.id}"
    teacher.get(url)
    running.sides[0].school.name = "Gymnasium Neuer Name"
    db.session.flush()
    assert teacher.get(url).get_data(as_text=True).count("Gymnasium Neuer Name") >= 2  # top and body
    duo["de_class"].name = "10c neu"
    db.session.flush()
    assert "10c neu" in teacher.get(url).get_data(as_text=True)
