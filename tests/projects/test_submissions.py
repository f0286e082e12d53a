"""Handing in work: versions, late marks, safe uploads through the page, feedback, who sees what."""

import io
import os
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from schoolpartners.classes.models import ParentalConsent
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.projects.models import (
    Milestone,
    MilestoneMode,
)
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions.models import Submission, SubmissionFile, SubmissionStatus
from tests.factories import as_user

# A PDF with one page: every stored PDF is opened and rewritten without metadata (Finding #6).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def running(make_running):
    """An active project with both classes and two stages: one individual, one for mixed teams."""
    future = utcnow() + timedelta(days=10)
    return make_running(
        [
            Milestone(title_de="Archiv", title_ru="Архив", task_de="Sucht Quellen.", deadline=future),
            Milestone(title_de="Zeitstrahl", title_ru="Лента", deadline=future, mode=MilestoneMode.mixed_teams),
        ]
    )


def hand_in(client, project, milestone, text="", files=()):
    data = {"text": text, "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(
        f"/projects/{project.id}/milestones/{milestone.id}", data=data, content_type="multipart/form-data"
    )


def png_bytes(extra: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue() + extra


def test_a_student_hands_in_in_russian_and_versions_are_kept(app, duo, running):
    student = as_user(app, duo["ru_student"])
    stage = running.milestones[0]
    page = student.get(f"/projects/{running.id}/milestones/{stage.id}?lang=ru").get_data(as_text=True)
    assert "Сдать работу" in page
    response = hand_in(student, running, stage, "Мой текст о **Гамбурге**", [("Сочинение о Гамбурге.pdf", PDF)])
    assert response.status_code == 302
    submission = db.session.scalar(sa.select(Submission))
    assert submission.student_id == duo["ru_student"].id and not submission.late
    assert submission.versions[0].files[0].original_name == "Сочинение о Гамбурге.pdf"
    hand_in(student, running, stage, "Вторая версия")
    db.session.refresh(submission)
    assert [v.number for v in submission.versions] == [1, 2] and submission.versions[0].text.startswith("Мой текст")
    kinds = db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == duo["de_teacher"].id))
    assert "submission_received" in list(kinds)


def test_late_work_is_marked(app, duo, running):
    stage = running.milestones[0]
    stage.deadline = utcnow() - timedelta(hours=1)
    db.session.flush()
    hand_in(as_user(app, duo["de_student"]), running, stage, "Zu spät, aber fertig")
    submission = db.session.scalar(sa.select(Submission))
    assert submission.late and submission.versions[0].late


def test_teachers_of_both_schools_give_feedback_and_the_student_is_told(app, duo, running):
    hand_in(as_user(app, duo["ru_student"]), running, running.milestones[0], "Текст")
    submission = db.session.scalar(sa.select(Submission))
    teacher = as_user(app, duo["de_teacher"])
    assert "Текст" in teacher.get(f"/submissions/{submission.id}").get_data(as_text=True)
    teacher.post(f"/submissions/{submission.id}", data={"body": "", "status": "needs_revision"})
    db.session.refresh(submission)
    assert submission.status is SubmissionStatus.submitted  # "needs revision" needs a word why
    teacher.post(f"/submissions/{submission.id}", data={"body": "Bitte Quellen ergänzen.", "status": "needs_revision"})
    db.session.refresh(submission)
    assert submission.status is SubmissionStatus.needs_revision
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == duo["ru_student"].id))
    assert note.kind == "feedback_received"
    as_user(app, duo["ru_teacher"]).post(f"/submissions/{submission.id}", data={"body": "Хорошо", "status": "accepted"})
    db.session.refresh(submission)
    assert submission.status is SubmissionStatus.accepted and len(submission.feedback) == 2


def test_team_stages_need_a_mixed_team(app, duo, running):
    stage = running.milestones[1]
    student = as_user(app, duo["de_student"])
    response = hand_in(student, running, stage, "Teamarbeit")
    assert response.status_code == 400 and db.session.scalar(sa.select(Submission)) is None
    teacher = as_user(app, duo["de_teacher"])
    teacher.post(f"/projects/{running.id}/teams", data={"name": "Team 1", "students": [duo["de_student"].id]})
    assert (
        not running.milestones[1].project.id
        or db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("team"))) == 0
    )  # one school only is not a mixed team
    teacher.post(
        f"/projects/{running.id}/teams",
        data={"name": "Team 1", "students": [duo["de_student"].id, duo["ru_student"].id]},
    )
    assert hand_in(student, running, stage, "Teamarbeit").status_code == 302
    submission = db.session.scalar(sa.select(Submission))
    assert submission.team_id is not None and submission.student_id is None
    partner = as_user(app, duo["ru_student"])
    assert partner.get(f"/submissions/{submission.id}").status_code == 200  # the team mate sees it


def test_consent_is_required_below_the_consent_age(app, duo, running):
    young = duo["de_student"]
    young.birth_year, young.birth_month = date.today().year - 13, 1
    db.session.execute(sa.delete(ParentalConsent).where(ParentalConsent.student_id == young.id))
    db.session.flush()
    response = hand_in(as_user(app, young), running, running.milestones[0], "Text")
    assert response.status_code == 400 and db.session.scalar(sa.select(Submission)) is None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bericht.pdf", b"<html><script>alert(1)</script></html>"),  # HTML renamed .pdf
        ("bild.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 100),  # a Windows executable
        ("leer.pdf", b""),
        ("../../etc/passwd", b"root:x:0:0"),
    ],
)
def test_upload_attacks_are_refused_through_the_page_and_nothing_is_kept(app, duo, running, name, content):
    student = as_user(app, duo["de_student"])
    before = set(os.listdir(app.config["UPLOAD_DIR"]))
    response = hand_in(student, running, running.milestones[0], "", [(name, content)])
    assert response.status_code == 400
    assert db.session.scalar(sa.select(Submission)) is None
    assert set(os.listdir(app.config["UPLOAD_DIR"])) == before


def test_one_refused_file_keeps_none_of_the_hand_in(app, duo, running):
    before = set(os.listdir(app.config["UPLOAD_DIR"]))
    response = hand_in(
        as_user(app, duo["de_student"]),
        running,
        running.milestones[0],
        "Text",
        [("gut.pdf", PDF), ("schlecht.pdf", b"<html></html>")],
    )
    assert response.status_code == 400 and db.session.scalar(sa.select(Submission)) is None
    assert set(os.listdir(app.config["UPLOAD_DIR"])) == before


def test_limit_plus_one_byte_gives_413_with_a_clear_message(app, duo, running, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024)
    student = as_user(app, duo["de_student"])
    ok = hand_in(student, running, running.milestones[0], "", [("genau.pdf", PDF + b"0" * (1024 - len(PDF)))])
    assert ok.status_code == 302
    too_big = hand_in(student, running, running.milestones[0], "", [("gross.pdf", PDF + b"0" * (1025 - len(PDF)))])
    assert too_big.status_code == 413 and "größer als" in too_big.get_data(as_text=True)


def test_a_png_with_script_after_its_data_is_stored_clean(app, duo, running):
    hand_in(
        as_user(app, duo["de_student"]),
        running,
        running.milestones[0],
        "",
        [("foto.png", png_bytes(b"<script>x</script>"))],
    )
    stored = db.session.scalar(sa.select(SubmissionFile))
    with open(os.path.join(app.config["UPLOAD_DIR"], stored.storage_name), "rb") as handle:
        assert b"<script>" not in handle.read()


def test_files_are_served_only_to_those_allowed(app, duo, running, make_user, make_school):
    hand_in(as_user(app, duo["de_student"]), running, running.milestones[0], "", [("Bericht über Köln.pdf", PDF)])
    submission = db.session.scalar(sa.select(Submission))
    stored = submission.versions[0].files[0]
    url = f"/submissions/{submission.id}/files/{stored.id}"
    response = as_user(app, duo["ru_teacher"]).get(url)
    with open(os.path.join(app.config["UPLOAD_DIR"], stored.storage_name), "rb") as handle:
        assert response.status_code == 200 and response.data == handle.read()  # the stored, cleaned bytes
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()
    classmate = make_user("student", school=duo["de"])
    duo["de_class"].memberships.append(
        __import__("schoolpartners.classes.models", fromlist=["ClassMembership"]).ClassMembership(
            student_id=classmate.id
        )
    )
    db.session.flush()
    outsiders = [
        classmate,  # same class, someone else's work
        duo["ru_student"],  # the partner school's student
        make_user("teacher", school=make_school()),  # a teacher of an unrelated school
        make_user("coordinator"),  # the foundation does not read minors' work
    ]
    for person in outsiders:
        other = as_user(app, person)
        assert other.get(url).status_code == 404, person.role
        assert other.get(f"/submissions/{submission.id}").status_code == 404, person.role
    assert app.test_client().get(url).status_code == 302  # anonymous: to the login
    assert as_user(app, duo["de_teacher"]).get(f"/submissions/{submission.id}/files/999999").status_code == 404


def test_stage_page_query_count_does_not_grow_with_submissions(app, duo, running, make_user, queries):
    from schoolpartners.submissions.models import SubmissionVersion

    stage = running.milestones[0]
    teacher = as_user(app, duo["de_teacher"])
    url = f"/projects/{running.id}/milestones/{stage.id}"

    def add(n):
        for _ in range(n):
            student = make_user("student", school=duo["de"])
            submission = Submission(milestone_id=stage.id, project_id=running.id, student_id=student.id)
            submission.versions = [SubmissionVersion(number=1, text="x")]
            db.session.add(submission)
        db.session.flush()

    add(2)
    teacher.get(url)
    queries.statements.clear()
    teacher.get(url)
    few = queries.count
    add(30)
    queries.statements.clear()
    assert teacher.get(url).status_code == 200
    assert queries.count == few <= 12, queries.statements


def test_deadline_constant(running):
    assert running.milestones[0].deadline.tzinfo is not None
    assert datetime.now(UTC) < running.milestones[0].deadline


def test_export_holds_the_work_and_purging_removes_it_from_disk(app, duo, running):
    import json
    import zipfile

    from schoolpartners.classes import services as classes
    from schoolpartners.privacy import erase

    student = duo["de_student"]
    hand_in(as_user(app, student), running, running.milestones[0], "Mein Text", [("Plakat über Köln.pdf", PDF)])
    stored = db.session.scalar(sa.select(SubmissionFile))
    teacher = as_user(app, duo["de_teacher"])
    response = teacher.get(f"/classes/{duo['de_class'].id}/students/{student.id}/export")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    data = json.loads(archive.read("data.json"))
    assert data["submissions"][0]["versions"][0]["text"] == "Mein Text"
    name = data["submissions"][0]["versions"][0]["files"][0]["path"]
    with open(os.path.join(app.config["UPLOAD_DIR"], stored.storage_name), "rb") as handle:
        assert name.endswith("Plakat über Köln.pdf") and archive.read(name) == handle.read()

    classes.archive_student(student)
    db.session.flush()
    path = os.path.join(app.config["UPLOAD_DIR"], stored.storage_name)
    assert os.path.exists(path)
    later = utcnow() + timedelta(days=app.config["STUDENT_RETENTION_DAYS"] + 1)
    erased = erase.purge_archived(now=later)
    assert erased.count == 1 and os.path.exists(path)  # the files go only after the commit (Finding #7)
    db.session.commit()
    erase.remove_files(erased.files)
    assert not os.path.exists(path) and db.session.scalar(sa.select(Submission)) is None
