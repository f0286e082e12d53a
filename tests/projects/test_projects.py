"""Joint projects: nobody activates or revises a project alone; deadlines are one instant for everyone."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.projects.models import Milestone, Project, ProjectRevision, ProjectState, RevisionState
from tests.factories import as_user

FORM = {
    "title_de": "Unsere Städte",
    "title_ru": "Наши города",
    "description_de": "Wir forschen gemeinsam.",
    "description_ru": "Мы исследуем вместе.",
    "goals_de": "Eine Ausstellung",
    "goals_ru": "Выставка",
    "start_date": "2027-01-11",
    "end_date": "2027-05-28",
    "working_languages": ["de", "ru"],
}


def create(client, duo, **changes):
    data = {**FORM, "classes": [duo["de_class"].id], **changes}
    return client.post(f"/projects/new?partnership={duo['partnership'].id}", data=data)


def project_of(duo) -> Project:
    return db.session.scalar(sa.select(Project).where(Project.partnership_id == duo["partnership"].id))


def test_a_project_from_the_template_is_a_draft_until_the_other_side_confirms(client, login, app, duo):
    login(duo["de_teacher"])
    form = client.get(f"/projects/new?template=city_partnership_history&partnership={duo['partnership'].id}")
    assert form.status_code == 200 and "Archiv" in form.get_data(as_text=True)
    response = client.post(
        f"/projects/new?template=city_partnership_history&partnership={duo['partnership'].id}",
        data={**FORM, "classes": [duo["de_class"].id]},
    )
    project = project_of(duo)
    assert response.status_code == 302 and project.state is ProjectState.draft
    assert project.template == "city_partnership_history" and len(project.milestones) >= 5
    german, russian = (project.side_of_school(duo["de"].id), project.side_of_school(duo["ru"].id))
    assert german.confirmed_at is not None and german.contact_id == duo["de_teacher"].id
    assert russian.confirmed_at is None and russian.contact_id is None
    # Template deadlines: 18:00 in Hamburg's zone (winter: 17:00 UTC).
    first = project.milestones[0]
    assert first.deadline.astimezone(UTC).hour == 17
    assert db.session.scalar(sa.select(Notification.kind).where(Notification.user_id == duo["ru_teacher"].id)) == (
        "project_proposed"
    )

    client.post(f"/projects/{project.id}/confirm")  # the creating side cannot activate it alone
    assert project.state is ProjectState.draft

    ru = as_user(app, duo["ru_teacher"])
    html = ru.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Наши города" in html and "Подтвердить" in html
    ru.post(f"/projects/{project.id}/confirm")
    db.session.refresh(project)
    assert project.state is ProjectState.active
    assert project.side_of_school(duo["ru"].id).contact_id == duo["ru_teacher"].id


def test_editing_a_draft_asks_the_other_side_again(client, login, app, duo):
    login(duo["de_teacher"])
    create(client, duo)
    project = project_of(duo)
    ru = as_user(app, duo["ru_teacher"])
    ru.post(f"/projects/{project.id}/edit", data={**FORM, "title_ru": "Наши города-побратимы"})
    db.session.refresh(project)
    german, russian = project.side_of_school(duo["de"].id), project.side_of_school(duo["ru"].id)
    assert russian.confirmed_at is not None and german.confirmed_at is None
    assert project.state is ProjectState.draft and project.title_ru == "Наши города-побратимы"
    client.post(f"/projects/{project.id}/confirm")
    db.session.refresh(project)
    assert project.state is ProjectState.active


def activate(client, app, duo) -> Project:
    create(client, duo)
    project = project_of(duo)
    as_user(app, duo["ru_teacher"]).post(f"/projects/{project.id}/confirm")
    db.session.refresh(project)
    assert project.state is ProjectState.active
    return project


def test_a_change_of_goals_or_dates_waits_for_the_other_sides_contact(client, login, app, duo):
    login(duo["de_teacher"])
    project = activate(client, app, duo)
    client.post(
        f"/projects/{project.id}/edit", data={**FORM, "goals_de": "Zwei Ausstellungen", "end_date": "2027-06-30"}
    )
    db.session.refresh(project)
    assert project.goals_de == "Eine Ausstellung" and project.end_date == date(2027, 5, 28)  # the confirmed version
    revision = db.session.scalar(sa.select(ProjectRevision))
    assert revision.state is RevisionState.pending
    client.post(f"/projects/{project.id}/revisions/{revision.id}/accept")
    assert revision.state is RevisionState.pending  # the proposing side cannot accept its own change
    client.post(f"/projects/{project.id}/edit", data={**FORM, "goals_de": "Drei"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProjectRevision)) == 1  # one at a time

    ru = as_user(app, duo["ru_teacher"])
    ru.post(f"/projects/{project.id}/revisions/{revision.id}/accept")
    db.session.refresh(project)
    db.session.refresh(revision)
    assert revision.state is RevisionState.accepted
    assert project.goals_de == "Zwei Ausstellungen" and project.end_date == date(2027, 6, 30)


def test_a_rejected_change_leaves_the_project_as_confirmed(client, login, app, duo):
    login(duo["de_teacher"])
    project = activate(client, app, duo)
    ru = as_user(app, duo["ru_teacher"])
    ru.post(f"/projects/{project.id}/edit", data={**FORM, "start_date": "2027-02-01"})
    revision = db.session.scalar(sa.select(ProjectRevision))
    client.post(f"/projects/{project.id}/revisions/{revision.id}/reject")
    db.session.refresh(project)
    db.session.refresh(revision)
    assert revision.state is RevisionState.rejected and project.start_date == date(2027, 1, 11)


def test_completion_needs_both_contacts_and_cancelling_needs_a_reason(client, login, app, duo):
    login(duo["de_teacher"])
    project = activate(client, app, duo)
    client.post(f"/projects/{project.id}/complete")
    db.session.refresh(project)
    assert project.state is ProjectState.active
    as_user(app, duo["ru_teacher"]).post(f"/projects/{project.id}/complete")
    db.session.refresh(project)
    assert project.state is ProjectState.completed

    client.post(f"/projects/{project.id}/cancel", data={"reason": "x"})
    db.session.refresh(project)
    assert project.state is ProjectState.completed  # a completed project is not cancelled


def test_cancel_without_reason_changes_nothing(client, login, duo):
    login(duo["de_teacher"])
    create(client, duo)
    project = project_of(duo)
    client.post(f"/projects/{project.id}/cancel", data={"reason": "  "})
    assert project.state is ProjectState.draft
    client.post(f"/projects/{project.id}/cancel", data={"reason": "Die Klasse wechselt die Schule."})
    db.session.refresh(project)
    assert project.state is ProjectState.cancelled and project.cancel_reason == "Die Klasse wechselt die Schule."


def test_bad_project_input_is_refused_and_nothing_is_created(client, login, duo):
    login(duo["de_teacher"])
    for changes in (
        {"end_date": "2026-12-01"},
        {"title_de": "", "title_ru": ""},
        {"start_date": "morgen"},
        {"title_de": "x" * 201},
    ):
        response = create(client, duo, **changes)
        assert response.status_code == 200 and "invalid-feedback" in response.get_data(as_text=True), changes
    assert project_of(duo) is None
    assert client.get("/projects/new?template=no-such-template").status_code == 404


def test_a_deadline_is_one_instant_shown_in_each_viewers_zone(client, login, app, duo):
    login(duo["de_teacher"])
    project = activate(client, app, duo)
    ru = as_user(app, duo["ru_teacher"])
    ru.post(
        f"/projects/{project.id}/milestones/new",
        data={"title_ru": "Интервью", "day": "2027-01-20", "hour": "20:00", "mode": "mixed_teams"},
    )
    milestone = db.session.scalar(sa.select(Milestone).where(Milestone.title_ru == "Интервью"))
    assert milestone.deadline == datetime(2027, 1, 20, 17, 0, tzinfo=UTC)  # 20:00 Moscow = 18:00 Berlin
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "18:00" in html and "20:00" in html
    ru_html = ru.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "20:00" in ru_html and "18:00" in ru_html


def test_outsiders_get_404_and_students_see_only_running_projects_of_their_classes(
    client, login, app, duo, make_user, make_school
):
    login(duo["de_teacher"])
    create(client, duo)
    project = project_of(duo)
    student = as_user(app, duo["de_student"])
    assert student.get(f"/projects/{project.id}").status_code == 404  # a draft is for teachers
    as_user(app, duo["ru_teacher"]).post(f"/projects/{project.id}/confirm")
    assert student.get(f"/projects/{project.id}").status_code == 200
    assert as_user(app, duo["ru_student"]).get(f"/projects/{project.id}").status_code == 404  # class not in it yet

    stranger = as_user(app, make_user("teacher", school=make_school()))
    for url in ("", "/edit", "/milestones/new"):
        assert stranger.get(f"/projects/{project.id}{url}").status_code == 404, url
    for url in ("/confirm", "/complete", "/contact"):
        assert stranger.post(f"/projects/{project.id}{url}").status_code == 404, url
    other_student = as_user(app, make_user("student", school=duo["de"]))
    assert other_student.get(f"/projects/{project.id}").status_code == 404
    assert app.test_client().get(f"/projects/{project.id}").status_code == 302


def test_project_page_query_count_is_fixed(client, login, app, duo, queries):
    login(duo["de_teacher"])
    url = f"/projects/{activate(client, app, duo).id}"
    client.get(url)
    queries.statements.clear()
    client.get(url)
    few = queries.count
    project_id = int(url.rsplit("/", 1)[1])
    for n in range(12):
        db.session.add(
            Milestone(project_id=project_id, title_de=f"Etappe {n}", deadline=datetime(2027, 2, 1, tzinfo=UTC))
        )
    db.session.flush()
    client.get(url)  # the stages changed: texts and stages are rendered once more
    queries.statements.clear()
    client.get(url)
    assert queries.count == few <= 7, queries.statements


def test_changes_to_stages_show_at_once_although_the_page_body_is_kept(client, login, app, duo):
    login(duo["de_teacher"])
    project = activate(client, app, duo)
    url = f"/projects/{project.id}"
    client.post(
        f"{url}/milestones/new",
        data={"title_de": "Archivbesuch", "day": "2027-02-01", "hour": "10:00", "mode": "individual"},
    )
    assert "Archivbesuch" in client.get(url).get_data(as_text=True)
    milestone = db.session.scalar(sa.select(Milestone).where(Milestone.title_de == "Archivbesuch"))
    version = db.session.get(Project, project.id).version
    client.post(
        f"{url}/milestones/{milestone.id}/edit",
        data={"title_de": "Besuch im Staatsarchiv", "day": "2027-02-01", "hour": "10:00", "mode": "individual"},
    )
    html = client.get(url).get_data(as_text=True)
    assert "Besuch im Staatsarchiv" in html and "Archivbesuch" not in html
    assert db.session.get(Project, project.id).version > version
    client.post(f"{url}/milestones/{milestone.id}/delete")
    assert "Besuch im Staatsarchiv" not in client.get(url).get_data(as_text=True)


def test_the_contact_person_is_replaced_by_naming_a_colleague(client, login, app, duo, make_user):
    login(duo["de_teacher"])
    project = activate(client, app, duo)
    colleague = make_user("teacher", school=duo["de"], display_name="Mehmet Yılmaz")
    page = client.get(f"/projects/{project.id}/contact?lang=en")
    assert page.status_code == 200 and "Mehmet Yılmaz" in page.get_data(as_text=True)
    client.post(f"/projects/{project.id}/contact", data={"choice": "999999"})
    assert project.side_of_school(duo["de"].id).contact_id == duo["de_teacher"].id  # nobody is not an option
    client.post(f"/projects/{project.id}/contact", data={"choice": colleague.id})
    db.session.refresh(project)
    assert project.side_of_school(duo["de"].id).contact_id == colleague.id
    assert as_user(app, duo["ru_teacher"]).get(f"/projects/{project.id}/contact").status_code == 200
