"""Pupils without the parents' consent to taking part are left out of what the partner school sees: member
lists, team pickers, stage lists, submissions, showcase, certificates (Finding #8, Issue 10 item 2)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from schoolpartners.classes.models import ConsentScope, ParentalConsent
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification, OutboxEmail
from schoolpartners.projects.models import Post, Team, TeamMember
from schoolpartners.submissions.models import Submission, SubmissionVersion
from tests.factories import as_user


def _badge(app, locale: str = "de") -> str:
    """The "consent missing" badge as the reader sees it (whatever the catalogs hold today)."""
    with app.test_request_context(), force_locale(locale):
        return gettext("consent missing")


def withdraw(app, duo, scope=ConsentScope.participation):
    """Mia's teacher withdraws the consent through the class page's form."""
    mia = duo["de_student"]
    consent = db.session.scalar(
        sa.select(ParentalConsent).where(
            ParentalConsent.student_id == mia.id, ParentalConsent.scope == scope, ParentalConsent.withdrawn_at.is_(None)
        )
    )
    url = f"/classes/{duo['de_class'].id}/students/{mia.id}/consent/{consent.id}/withdraw"
    assert as_user(app, duo["de_teacher"]).post(url).status_code == 302
    db.session.expire_all()


def test_the_member_list_leaves_the_pupil_out_for_the_partner_school(app, duo, mia_running):
    """Finding #8: after the withdrawal the partner school's pupil and teacher no longer see Mia (nor her posts) in
    the workspace, on the very next request; her own teacher sees her with the "consent missing" badge."""
    db.session.add(Post(project_id=mia_running.id, author_id=duo["de_student"].id, body="Ich wohne in Altona."))
    db.session.flush()
    url = f"/projects/{mia_running.id}/workspace"
    partner_pupil, partner_teacher = as_user(app, duo["ru_student"]), as_user(app, duo["ru_teacher"])
    for viewer in (partner_pupil, partner_teacher):
        page = viewer.get(url).get_data(as_text=True)
        assert "Mia Wagner" in page and "Altona" in page

    withdraw(app, duo)

    for viewer in (partner_pupil, partner_teacher):
        page = viewer.get(url).get_data(as_text=True)
        assert "Mia" not in page and "Wagner" not in page and "Altona" not in page
    own = as_user(app, duo["de_teacher"]).get(url).get_data(as_text=True)
    assert "Mia Wagner" in own and _badge(app) in own


def test_the_team_picker_offers_the_pupil_to_nobody(app, duo, mia_running):
    """Finding #8: the partner school's teacher no longer sees Mia in the mixed-team picker; her own teacher sees
    her apart, marked, and cannot put her into a team."""
    url = f"/projects/{mia_running.id}/teams"
    partner_teacher, own_teacher = as_user(app, duo["ru_teacher"]), as_user(app, duo["de_teacher"])
    assert "Mia Wagner" in partner_teacher.get(url).get_data(as_text=True)

    withdraw(app, duo)

    assert "Mia" not in partner_teacher.get(url).get_data(as_text=True)
    own = own_teacher.get(url).get_data(as_text=True)
    assert "Mia Wagner" in own and _badge(app) in own
    assert f'value="{duo["de_student"].id}"' not in own
    mia, ivan = duo["de_student"], duo["ru_student"]
    response = own_teacher.post(url, data={"name": "Brücke", "students": [str(mia.id), str(ivan.id)]})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(Team).where(Team.project_id == mia_running.id)) is None


def test_withdrawal_takes_the_pupil_out_of_mixed_teams_and_tells_both_schools(app, duo, mia_running):
    """Issue 10 item 2: the withdrawal removes Mia from her mixed team and hides her versions of the team's work
    from the partner school; the teachers of both classes are told, by email in their own language."""
    mia, ivan = duo["de_student"], duo["ru_student"]
    own_teacher = as_user(app, duo["de_teacher"])
    response = own_teacher.post(
        f"/projects/{mia_running.id}/teams", data={"name": "Brücke", "students": [str(mia.id), str(ivan.id)]}
    )
    assert response.status_code == 302
    stage = mia_running.milestones[1]
    mia_client = as_user(app, mia)
    mia_client.post(f"/projects/{mia_running.id}/milestones/{stage.id}", data={"text": "Mias Teil: Hamburg-Altona"})
    work = db.session.scalar(sa.select(Submission).where(Submission.milestone_id == stage.id))
    ivan_client = as_user(app, ivan)
    assert "Hamburg-Altona" in ivan_client.get(f"/submissions/{work.id}").get_data(as_text=True)

    withdraw(app, duo)

    assert db.session.scalar(sa.select(TeamMember).where(TeamMember.student_id == mia.id)) is None
    for viewer in (ivan_client, as_user(app, duo["ru_teacher"])):
        page = viewer.get(f"/submissions/{work.id}").get_data(as_text=True)
        assert "Hamburg-Altona" not in page and "Mia" not in page
    assert "Hamburg-Altona" in own_teacher.get(f"/submissions/{work.id}").get_data(as_text=True)
    told = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "team_consent_removed")))
    assert told == {duo["de_teacher"].id, duo["ru_teacher"].id}
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.recipient == duo["ru_teacher"].email))
    assert mail is not None and mail.locale == "ru"


def test_her_own_work_is_hidden_from_the_partner_school(app, duo, mia_running):
    """Finding #8: Mia's own submission leaves the partner school's stage list (a kept fragment must not show it)
    and its page answers 404 there; her own teacher still sees it, marked."""
    stage = mia_running.milestones[0]
    as_user(app, duo["de_student"]).post(
        f"/projects/{mia_running.id}/milestones/{stage.id}", data={"text": "Mein Text über Altona"}
    )
    work = db.session.scalar(sa.select(Submission).where(Submission.milestone_id == stage.id))
    stage_url = f"/projects/{mia_running.id}/milestones/{stage.id}"
    partner_teacher = as_user(app, duo["ru_teacher"])
    assert "Mia Wagner" in partner_teacher.get(stage_url).get_data(as_text=True)
    assert partner_teacher.get(f"/submissions/{work.id}").status_code == 200

    withdraw(app, duo)

    assert "Mia" not in partner_teacher.get(stage_url).get_data(as_text=True)
    response = partner_teacher.get(f"/submissions/{work.id}")
    assert response.status_code == 404 and "Altona" not in response.get_data(as_text=True)
    own = as_user(app, duo["de_teacher"]).get(stage_url).get_data(as_text=True)
    assert "Mia Wagner" in own and _badge(app) in own


@pytest.fixture
def published(app, duo, completed_project):
    """A completed project in the public showcase with Mia's work (consent to taking part and to publication)."""
    mia = duo["de_student"]
    mia.display_name = "Mia Wagner"
    project = completed_project
    for scope in (ConsentScope.participation, ConsentScope.showcase):
        db.session.add(ParentalConsent(student_id=mia.id, scope=scope, recorded_by_id=duo["de_teacher"].id))
    db.session.flush()
    work = Submission(milestone_id=project.milestones[0].id, project_id=project.id, student_id=mia.id)
    work.versions = [SubmissionVersion(number=1, text="Plakat über Altona", author_id=mia.id)]
    db.session.add(work)
    db.session.flush()
    de, ru = as_user(app, duo["de_teacher"]), as_user(app, duo["ru_teacher"])
    de.post(f"/projects/{project.id}/showcase", data={"summary_de": "Ausstellung", "works": [work.id]})
    ru.post(f"/projects/{project.id}/showcase/agree")
    return project, work


def test_showcase_and_certificate_lists_leave_the_pupil_out(app, duo, published):
    """Finding #8: after the withdrawal the public showcase no longer shows Mia's work, and the partner school's
    certificate list and her certificate are gone for them; her own teacher sees her, marked."""
    project, _work = published
    public = app.test_client()
    certificates = f"/projects/{project.id}/certificates"
    mia_certificate = f"/projects/{project.id}/certificates/{duo['de_student'].id}"
    partner_teacher, own_teacher = as_user(app, duo["ru_teacher"]), as_user(app, duo["de_teacher"])
    page = public.get(f"/showcase/{project.id}").get_data(as_text=True)
    assert "Mia W." in page and "Plakat über Altona" in page
    assert "Mia Wagner" in partner_teacher.get(certificates).get_data(as_text=True)
    assert partner_teacher.get(mia_certificate).data.startswith(b"%PDF")

    withdraw(app, duo)

    page = public.get(f"/showcase/{project.id}").get_data(as_text=True)
    assert "Mia" not in page and "Altona" not in page
    assert "Mia" not in partner_teacher.get(certificates).get_data(as_text=True)
    assert partner_teacher.get(mia_certificate).status_code == 404
    own = own_teacher.get(certificates).get_data(as_text=True)
    assert "Mia Wagner" in own and _badge(app) in own
    edit = own_teacher.get(f"/projects/{project.id}/showcase").get_data(as_text=True)
    assert "Mia Wagner" in edit and _badge(app) in edit
    assert "Mia" not in partner_teacher.get(f"/projects/{project.id}/showcase").get_data(as_text=True)
