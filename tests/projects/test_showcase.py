"""Showcase (both contact teachers agree; students as first name + initial, only with consent),
recognitions by the foundation, and bilingual participation certificates."""

from datetime import date

import pytest
import sqlalchemy as sa

from schoolpartners.classes.models import ConsentScope, ParentalConsent
from schoolpartners.extensions import db
from schoolpartners.projects.models import ProjectState
from schoolpartners.showcase.models import Recognition
from schoolpartners.submissions.models import Submission, SubmissionFile, SubmissionVersion
from tests.factories import as_user

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def completed(app, duo, completed_project):
    """A completed project; the German student (16+) and the young Russian student each handed in work."""
    duo["de_student"].display_name = "Lena Schmidt"
    duo["de_student"].birth_year, duo["de_student"].birth_month = 2008, 1
    duo["ru_student"].display_name = "Иван Петров"
    duo["ru_student"].birth_year, duo["ru_student"].birth_month = date.today().year - 13, 1
    project = completed_project
    # The young student handed in work, so the parents had agreed to taking part (Finding #8 checks it).
    db.session.add(
        ParentalConsent(
            student_id=duo["ru_student"].id, scope=ConsentScope.participation, recorded_by_id=duo["ru_teacher"].id
        )
    )
    db.session.flush()
    works = {}
    for key in ("de_student", "ru_student"):
        work = Submission(milestone_id=project.milestones[0].id, project_id=project.id, student_id=duo[key].id)
        version = SubmissionVersion(number=1, text=f"Arbeit von {key}")
        if key == "de_student":
            path = app.config["UPLOAD_DIR"] + "/" + "ab" * 16 + ".pdf"
            with open(path, "wb") as handle:
                handle.write(PDF)
            version.files = [
                SubmissionFile(
                    storage_name="ab" * 16 + ".pdf",
                    original_name="Plakat.pdf",
                    kind="pdf",
                    mime_type="application/pdf",
                    size=len(PDF),
                    sha256="0" * 64,
                )
            ]
        work.versions = [version]
        db.session.add(work)
        works[key] = work
    db.session.flush()
    return project, works


def test_publication_needs_both_contacts_and_shows_first_name_and_initial(app, duo, completed):
    project, works = completed
    de = as_user(app, duo["de_teacher"])
    response = de.post(
        f"/projects/{project.id}/showcase",
        data={
            "summary_de": "Wir haben ausgestellt.",
            "summary_ru": "Мы сделали выставку.",
            "works": [works["de_student"].id],
        },
    )
    assert response.status_code == 302
    assert app.test_client().get(f"/showcase/{project.id}").status_code == 404  # one side is not enough
    ru = as_user(app, duo["ru_teacher"])
    ru.post(f"/projects/{project.id}/showcase/agree")
    public = app.test_client()
    html = public.get(f"/showcase/{project.id}?lang=de").get_data(as_text=True)
    assert "Wir haben ausgestellt." in html and "Lena S." in html and "Schmidt" not in html
    assert "Иван" not in html  # not chosen, and no consent
    assert "Unsere Städte" in public.get("/showcase").get_data(as_text=True)
    stored = works["de_student"].versions[0].files[0]
    download = public.get(f"/showcase/{project.id}/files/{stored.id}")
    assert download.status_code == 200 and download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    ru.post(f"/projects/{project.id}/showcase/withdraw")
    assert public.get(f"/showcase/{project.id}").status_code == 404


def test_works_without_publication_consent_cannot_be_chosen(app, duo, completed):
    project, works = completed
    de = as_user(app, duo["de_teacher"])
    response = de.post(
        f"/projects/{project.id}/showcase", data={"summary_de": "Text", "works": [works["ru_student"].id]}
    )
    assert response.status_code == 200 and not works["ru_student"].showcased
    db.session.add(
        ParentalConsent(
            student_id=duo["ru_student"].id, scope=ConsentScope.showcase, recorded_by_id=duo["ru_teacher"].id
        )
    )
    db.session.flush()
    de.post(f"/projects/{project.id}/showcase", data={"summary_de": "Text", "works": [works["ru_student"].id]})
    db.session.refresh(works["ru_student"])
    assert works["ru_student"].showcased


def test_changing_the_summary_asks_the_other_side_again(app, duo, completed):
    project, works = completed
    de, ru = as_user(app, duo["de_teacher"]), as_user(app, duo["ru_teacher"])
    de.post(f"/projects/{project.id}/showcase", data={"summary_de": "Erste Fassung"})
    ru.post(f"/projects/{project.id}/showcase/agree")
    assert app.test_client().get(f"/showcase/{project.id}").status_code == 200
    ru.post(f"/projects/{project.id}/showcase", data={"summary_ru": "Вторая версия"})
    assert app.test_client().get(f"/showcase/{project.id}").status_code == 404
    de.post(f"/projects/{project.id}/showcase/agree")
    assert "Вторая версия" in app.test_client().get(f"/showcase/{project.id}?lang=ru").get_data(as_text=True)


def test_only_completed_projects_and_their_contacts_publish(app, duo, completed, make_user, make_school):
    project, _works = completed
    stranger = as_user(app, make_user("teacher", school=make_school()))
    assert stranger.post(f"/projects/{project.id}/showcase", data={"summary_de": "x"}).status_code == 404
    colleague = as_user(app, make_user("teacher", school=duo["de"]))
    assert colleague.post(f"/projects/{project.id}/showcase", data={"summary_de": "x"}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recognition)) == 0
    project.state = ProjectState.active
    db.session.flush()
    html = as_user(app, duo["de_teacher"]).post(f"/projects/{project.id}/showcase", data={"summary_de": "x"})
    assert html.status_code == 200 and project.state is ProjectState.active


def test_the_coordinator_awards_recognitions_shown_on_showcase_and_school_pages(app, duo, completed, make_user):
    project, _works = completed
    as_user(app, duo["de_teacher"]).post(f"/projects/{project.id}/showcase", data={"summary_de": "Gut"})
    as_user(app, duo["ru_teacher"]).post(f"/projects/{project.id}/showcase/agree")
    assert (
        as_user(app, duo["de_teacher"])
        .post(f"/showcase/{project.id}/recognitions", data={"kind": "project_of_the_month"})
        .status_code
        == 403
    )
    coordinator = as_user(app, make_user("coordinator"))
    coordinator.post(f"/showcase/{project.id}/recognitions", data={"kind": "project_of_the_month", "note": "Nov 2026"})
    assert db.session.scalar(sa.select(Recognition)).note == "Nov 2026"
    public = app.test_client()
    assert "Projekt des Monats" in public.get(f"/showcase/{project.id}?lang=de").get_data(as_text=True)
    assert "Проект месяца" in public.get(f"/schools/{duo['ru'].id}?lang=ru").get_data(as_text=True)


def test_participants_download_bilingual_certificates(app, duo, completed, make_user, make_school):
    project, _works = completed
    student = as_user(app, duo["ru_student"])
    response = student.get(f"/projects/{project.id}/certificate")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Type"] == "application/pdf"
    teacher = as_user(app, duo["de_teacher"])
    assert teacher.get(f"/projects/{project.id}/certificates/{duo['ru_student'].id}").data.startswith(b"%PDF")
    assert teacher.get(f"/projects/{project.id}/certificate").data.startswith(b"%PDF")
    assert "Иван Петров" in teacher.get(f"/projects/{project.id}/certificates").get_data(as_text=True)
    stranger = as_user(app, make_user("teacher", school=make_school()))
    assert stranger.get(f"/projects/{project.id}/certificates/{duo['ru_student'].id}").status_code == 404
    other_student = as_user(app, make_user("student", school=duo["de"]))
    assert other_student.get(f"/projects/{project.id}/certificate").status_code == 404
    project.state = ProjectState.active
    db.session.flush()
    assert student.get(f"/projects/{project.id}/certificate").status_code == 404
