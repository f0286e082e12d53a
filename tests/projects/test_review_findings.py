"""Security-review findings in projects: #9 (deleting a stage with work), #13 (who names the contact person),
#17 (people removed from a school's staff are no longer notified)."""

import io
import os
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.projects.models import Milestone, ProjectSide
from schoolpartners.schools.models import StaffMembership
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions.models import Submission, SubmissionFile
from tests.factories import as_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def running(make_running):
    future = utcnow() + timedelta(days=10)
    return make_running(
        [
            Milestone(title_de="Archiv", title_ru="Архив", deadline=future),
            Milestone(title_de="Leer", title_ru="Пусто", deadline=future),
        ]
    )


def hand_in(client, project, milestone, text="", files=()):
    data = {"text": text, "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(
        f"/projects/{project.id}/milestones/{milestone.id}", data=data, content_type="multipart/form-data"
    )


def notified(user, kind):
    return db.session.scalars(
        sa.select(Notification.link).where(Notification.user_id == user.id, Notification.kind == kind)
    ).all()


def store_file(app, submission) -> str:
    """A file on disk and its row, as an accepted upload leaves them (independent of the upload checks)."""
    name = secrets.token_hex(16) + ".pdf"
    with open(os.path.join(app.config["UPLOAD_DIR"], name), "wb") as handle:
        handle.write(PDF)
    submission.versions[-1].files.append(
        SubmissionFile(
            storage_name=name, original_name="a.pdf", kind="pdf", mime_type="application/pdf", size=len(PDF), sha256=""
        )
    )
    db.session.flush()
    return name


def leave_school(user, school):
    db.session.execute(
        sa.delete(StaffMembership).where(StaffMembership.user_id == user.id, StaffMembership.school_id == school.id)
    )
    db.session.flush()


def test_a_stage_with_work_is_not_deleted_and_its_files_stay(app, duo, running):
    """Finding #9: the partner school's teacher deleted a stage and the cascade destroyed both schools' work."""
    stage, empty = running.milestones
    empty_id = empty.id
    assert hand_in(as_user(app, duo["de_student"]), running, stage, "Mein Text").status_code == 302
    stored = store_file(app, db.session.scalars(sa.select(Submission)).one())
    partner = as_user(app, duo["ru_teacher"])
    assert "Work has been handed in for this stage" in partner.get(
        f"/projects/{running.id}/milestones/{stage.id}/edit?lang=en"
    ).get_data(as_text=True)
    response = partner.post(f"/projects/{running.id}/milestones/{stage.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in response.get_data(as_text=True)
    assert db.session.get(Milestone, stage.id) is not None
    assert db.session.scalar(sa.select(sa.func.count(Submission.id)).where(Submission.milestone_id == stage.id)) == 1
    assert os.path.exists(os.path.join(app.config["UPLOAD_DIR"], stored))
    # a stage nobody handed in for can still be deleted
    partner.post(f"/projects/{running.id}/milestones/{empty_id}/delete")
    assert db.session.get(Milestone, empty_id) is None


def test_a_plain_teacher_cannot_make_himself_the_contact_person(app, duo, running, make_user):
    """Finding #13: any teacher could name himself contact person (and then complete, cancel, showcase)."""
    colleague = make_user("teacher", school=duo["de"], display_name="Herr Geschichte")
    side_id = running.side_of_school(duo["de"].id).id
    client = as_user(app, colleague)
    page = client.get(f"/projects/{running.id}/contact?lang=en", follow_redirects=True).get_data(as_text=True)
    assert "Only the current contact person or a school coordinator" in page
    client.post(f"/projects/{running.id}/contact", data={"choice": str(colleague.id)})
    assert db.session.get(ProjectSide, side_id).contact_id == duo["de_teacher"].id


def test_the_contact_or_a_school_coordinator_names_another_contact(app, duo, running, make_user):
    """Finding #13: the current contact person and the school's coordinators still can."""
    colleague = make_user("teacher", school=duo["de"])
    head = make_user("school_coordinator", school=duo["de"])
    side_id = running.side_of_school(duo["de"].id).id
    as_user(app, duo["de_teacher"]).post(f"/projects/{running.id}/contact", data={"choice": str(colleague.id)})
    assert db.session.get(ProjectSide, side_id).contact_id == colleague.id
    as_user(app, head).post(f"/projects/{running.id}/contact", data={"choice": str(head.id)})
    assert db.session.get(ProjectSide, side_id).contact_id == head.id


def test_a_removed_contact_gets_no_news_of_hand_ins_and_the_staff_does(app, duo, running, make_user):
    """Finding #17: a teacher removed from the staff kept getting "new work handed in" as contact person."""
    head = make_user("school_coordinator", school=duo["de"])
    leave_school(duo["de_teacher"], duo["de"])
    hand_in(as_user(app, duo["ru_student"]), running, running.milestones[0], "Текст")
    assert notified(duo["de_teacher"], "submission_received") == []
    assert len(notified(head, "submission_received")) == 1
    assert len(notified(duo["ru_teacher"], "submission_received")) == 1  # a contact still on the staff


def test_a_removed_contact_gets_no_project_news_and_the_staff_does(app, duo, running, make_user):
    """Finding #17: project news for a side went to its contact person even after removal from the staff."""
    head = make_user("school_coordinator", school=duo["ru"], locale="ru")
    leave_school(duo["ru_teacher"], duo["ru"])
    as_user(app, duo["de_teacher"]).post(f"/projects/{running.id}/cancel", data={"reason": "Krankheit"})
    assert notified(duo["ru_teacher"], "project_cancelled") == []
    assert notified(head, "project_cancelled") == [f"/projects/{running.id}"]


def test_a_removed_class_teacher_gets_no_class_news(app, duo, make_user):
    """Finding #17: the class-teacher link outlives the removal; proposals for the class went to the removed teacher."""
    from schoolpartners.classes.models import ClassTeacher
    from schoolpartners.classes.services import propose_class_partnership

    gone = make_user("teacher", school=duo["ru"], locale="ru")
    duo["ru_class"].teacher_links.append(ClassTeacher(user_id=gone.id))
    db.session.flush()
    leave_school(gone, duo["ru"])
    propose_class_partnership(duo["de_class"], duo["ru_class"], duo["de_teacher"])
    db.session.flush()
    assert notified(gone, "class_partnership_proposed") == []
    assert notified(duo["ru_teacher"], "class_partnership_proposed") == [f"/classes/{duo['ru_class'].id}"]
