# ruff: noqa: F811  (the fixtures duo and make_running are imported from the projects tests)
"""Finding #6 / Issue 10 item 3: the pupil and their own teachers see the name a file was uploaded with; the
partner school and the public (showcase page and downloads) get a neutral name without the surname."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from schoolpartners.extensions import db
from schoolpartners.projects.models import Milestone, ProjectState
from schoolpartners.showcase.models import ShowcaseEntry
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions.models import Submission, SubmissionFile
from tests.factories import as_user
from tests.projects.conftest import duo, make_running  # noqa: F401

from . import samples

ORIGINAL = "Lena Schmidt 9b Referat.docx"
NEUTRAL = re.compile(r"Unsere-Staedte_(Etappe|Stage|Etap)-2_Lena-S_1\.docx")


@pytest.fixture(autouse=True)
def _english_request():
    """These tests make real requests; no request context of the package's conftest around them."""
    yield


@pytest.fixture
def handed_in(app, duo, make_running):
    """Lena Schmidt (German school) handed in a DOCX named after herself for the project's second stage."""
    duo["de_student"].display_name = "Lena Schmidt"
    duo["de_student"].birth_year, duo["de_student"].birth_month = 2008, 1  # 16+: decides on the showcase herself
    future = utcnow() + timedelta(days=30)
    project = make_running(
        [
            Milestone(title_de="Archiv", title_ru="Архив", deadline=future),
            Milestone(title_de="Plakat", title_ru="Плакат", deadline=future + timedelta(days=7)),
        ]
    )
    stage = project.milestones[1]
    student = as_user(app, duo["de_student"])
    response = student.post(
        f"/projects/{project.id}/milestones/{stage.id}",
        data={"text": "", "files": [(io.BytesIO(samples.DOCX), ORIGINAL)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    submission = db.session.scalar(sa.select(Submission).where(Submission.milestone_id == stage.id))
    stored = db.session.scalar(sa.select(SubmissionFile))
    assert stored.original_name == ORIGINAL
    return project, submission, stored, student


def download_name(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    response.close()
    return response.headers["Content-Disposition"]


def test_the_pupil_keeps_the_original_name(app, duo, handed_in):
    project, submission, stored, student = handed_in
    page = student.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert ORIGINAL in page
    assert ORIGINAL in download_name(student, f"/submissions/{submission.id}/files/{stored.id}")


def test_the_pupils_own_teacher_sees_the_original_name(app, duo, handed_in):
    project, submission, stored, _student = handed_in
    teacher = as_user(app, duo["de_teacher"])
    assert ORIGINAL in teacher.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert ORIGINAL in download_name(teacher, f"/submissions/{submission.id}/files/{stored.id}")


def test_the_partner_school_teacher_gets_the_neutral_name(app, duo, handed_in):
    project, submission, stored, _student = handed_in
    teacher = as_user(app, duo["ru_teacher"])
    page = teacher.get(f"/submissions/{submission.id}?lang=de").get_data(as_text=True)
    assert "Referat.docx" not in page and NEUTRAL.search(page)
    header = download_name(teacher, f"/submissions/{submission.id}/files/{stored.id}?lang=de")
    assert "Schmidt" not in header and "Referat" not in header
    assert NEUTRAL.search(header), header


def test_the_public_showcase_page_and_download_show_no_surname_and_not_the_original_name(app, duo, handed_in):
    project, submission, stored, _student = handed_in
    project.state = ProjectState.completed
    submission.showcased = True
    db.session.add(ShowcaseEntry(project_id=project.id, summary_de="Plakate", published_at=utcnow()))
    db.session.flush()
    public = app.test_client()
    page = public.get(f"/showcase/{project.id}?lang=de").get_data(as_text=True)
    assert "Lena S." in page  # the work is shown
    assert "Schmidt" not in page and "Referat" not in page and NEUTRAL.search(page)
    header = download_name(public, f"/showcase/{project.id}/files/{stored.id}?lang=de")
    assert "Schmidt" not in header and "Referat" not in header and NEUTRAL.search(header), header
