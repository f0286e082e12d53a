import sqlalchemy as sa

from schoolpartners.accounts.models import User
from schoolpartners.cities.models import City, Country, LinkStatus, TwinCityLink
from schoolpartners.extensions import db
from schoolpartners.schools.models import School, SchoolStatus

DEMO_LOGINS = [
    "coordinator@example.org",
    "admin.hamburg@example.org",
    "admin.spb@example.org",
    "teacher.hamburg@example.org",
    "teacher.spb@example.org",
    "student.hamburg@example.org",
    "student.spb@example.org",
    "student.koeln@example.org",
    "volgograd@example.org",
    "lena.schmidt",
    "ivan.petrov",
]


def _counts():
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (City, TwinCityLink, School, User)
    )


def test_load_twin_cities_command(runner):
    result = runner.invoke(args=["load-twin-cities"])
    assert "62 rows" in result.output and "62 links created" in result.output
    result = runner.invoke(args=["load-twin-cities"])
    assert "0 links created" in result.output


def test_seed_demo_is_idempotent_and_every_demo_account_logs_in(app, runner, client, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", "demo-2026")
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    assert counts[2] == 54 and counts[3] == 34
    second = runner.invoke(args=["seed-demo"])
    assert "0 new records" in second.output and _counts() == counts
    for login_name in DEMO_LOGINS:
        response = client.post("/login", data={"email": login_name, "password": "demo-2026"})
        assert response.status_code == 302, login_name
        client.post("/logout")
    lena = db.session.scalar(sa.select(User).where(User.username_key == "lena.schmidt"))
    assert lena.display_name == "Lena Schmidt" and lena.is_student and lena.school.city.name_de == "Hamburg"
    statuses = dict(db.session.execute(sa.select(School.status, sa.func.count()).group_by(School.status)).all())
    assert statuses == {SchoolStatus.verified: 51, SchoolStatus.pending: 3}
    countries = dict(
        db.session.execute(
            sa.select(School.country, sa.func.count())
            .where(School.status == SchoolStatus.verified)
            .group_by(School.country)
        ).all()
    )
    assert countries[Country.DE] >= 25 and countries[Country.RU] >= 25


def test_demo_records_suspended_city_partnerships_once(app, runner):
    runner.invoke(args=["seed-demo"])
    hamburg = db.session.scalar(
        sa.select(TwinCityLink).join(City, TwinCityLink.german_city_id == City.id).where(City.name_de == "Hamburg")
    )
    assert hamburg.status is LinkStatus.suspended
    hamburg.status = LinkStatus.active
    db.session.commit()
    runner.invoke(args=["seed-demo"])
    db.session.refresh(hamburg)
    assert hamburg.status is LinkStatus.active  # a later decision of the coordinator is kept


def test_seed_scale_adds_searchable_verified_schools(app, runner, client):
    runner.invoke(args=["load-twin-cities"])
    result = runner.invoke(args=["seed-scale", "--schools", "40"])
    assert "40 schools added." in result.output
    verified = db.session.scalar(sa.select(sa.func.count(School.id)).where(School.status == SchoolStatus.verified))
    assert verified == 40
    html = client.get("/schools?q=гимназия&lang=en").get_data(as_text=True)
    assert "Гимназия №" in html


def test_demo_students_are_in_partner_classes_with_their_teachers(app, runner, client):
    from schoolpartners.classes.models import ClassPartnership, ClassPartnershipState, SchoolClass

    app.config["DEMO_PASSWORD"] = "demo-2026"
    runner.invoke(args=["seed-demo"])
    link = db.session.scalar(sa.select(ClassPartnership))
    assert link.state is ClassPartnershipState.active
    german, russian = link.german_class, link.russian_class
    assert {s.username for s in german.students} >= {"lena.schmidt"}
    assert {s.username for s in russian.students} >= {"ivan.petrov"}
    assert "teacher.hamburg@example.org" in {t.email for t in german.teachers}
    client.post("/login", data={"email": "teacher.hamburg@example.org", "password": "demo-2026"})
    html = client.get(f"/classes/{german.id}?lang=de").get_data(as_text=True)
    assert "Lena Schmidt" in html and russian.name in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchoolClass)) == 4


def test_demo_projects_run_and_the_cologne_student_sees_nothing_of_hamburg(app, runner, client):
    from schoolpartners.projects.models import Project, ProjectState

    app.config["DEMO_PASSWORD"] = "demo-2026"
    runner.invoke(args=["seed-demo"])
    projects = {p.title_de: p for p in db.session.scalars(sa.select(Project))}
    hamburg = projects["Hamburg – Sankt Petersburg: eine Städtepartnerschaft seit 1957"]
    earlier = projects["Brücken an Elbe und Newa"]
    assert earlier.state is ProjectState.completed
    assert "Brücken an Elbe und Newa" in client.get("/showcase?lang=de").get_data(as_text=True)
    assert len([s for s in hamburg.sides if s.contact_id]) == 2
    assert hamburg.state is ProjectState.active and hamburg.title_ru.startswith("Гамбург – Санкт-Петербург")
    assert len(hamburg.class_links) == 2 and len(hamburg.milestones) >= 5
    client.post("/login", data={"email": "student.spb@example.org", "password": "demo-2026"})
    assert "Гамбург – Санкт-Петербург" in client.get(f"/projects/{hamburg.id}").get_data(as_text=True)
    client.post("/logout")
    client.post("/login", data={"email": "student.koeln@example.org", "password": "demo-2026"})
    assert client.get(f"/projects/{hamburg.id}").status_code == 404
    listing = client.get("/projects").get_data(as_text=True)
    assert "Wasser in Köln" in listing and "Hamburg – Sankt Petersburg" not in listing


def test_purge_archived_command(runner):
    result = runner.invoke(args=["purge-archived"])
    assert result.exit_code == 0 and "0 archived student accounts deleted." in result.output


def test_seed_project_scale_grows_the_demo_project_whose_pages_still_render(app, runner, client):
    from schoolpartners.classes.models import ClassMembership, ClassTeacher
    from schoolpartners.classes.services import needs_consent
    from schoolpartners.projects.models import Project
    from schoolpartners.scale import DEMO_PROJECT_TITLE
    from schoolpartners.submissions.models import Feedback, Submission, SubmissionVersion

    app.config["DEMO_PASSWORD"] = "demo-2026"
    missing = runner.invoke(args=["seed-project-scale", "--members", "30", "--submissions", "60"])
    assert missing.exit_code == 1 and "flask seed-demo" in missing.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    runner.invoke(args=["seed-demo"])
    project = db.session.scalar(sa.select(Project).where(Project.title_de == DEMO_PROJECT_TITLE))
    class_ids = [link.class_id for link in project.class_links]

    def counts():
        students = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(ClassMembership.student_id))).where(
                ClassMembership.class_id.in_(class_ids)
            )
        )
        teachers = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(ClassTeacher.user_id))).where(ClassTeacher.class_id.in_(class_ids))
        )
        return students + teachers, db.session.scalar(
            sa.select(sa.func.count()).select_from(Submission).where(Submission.project_id == project.id)
        )

    def feedback():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Feedback))

    assert counts() == (24, 8)  # the demo's students and teachers, and its hand-ins for the first stage
    demo_feedback = feedback()
    result = runner.invoke(args=["seed-project-scale", "--members", "30", "--submissions", "60"])
    assert result.exit_code == 0, result.output
    assert "the project has 30 members and 60 submissions" in result.output and counts() == (30, 60)
    added = db.session.scalars(sa.select(User).where(User.username_key.like("bench.student.%"))).all()
    assert len(added) == 6 and {s.school_id for s in added} == {side.school_id for side in project.sides}
    assert not any(needs_consent(s) for s in added)
    versions = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SubmissionVersion)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(Submission.project_id == project.id)
    )
    assert versions == 60 and demo_feedback < feedback() < demo_feedback + 52
    assert len(set(db.session.scalars(sa.select(Submission.status)))) == 3
    again = runner.invoke(args=["seed-project-scale", "--members", "30", "--submissions", "60"])
    assert again.exit_code == 0 and counts() == (30, 60)
    # 26 students and 4 individual stages leave 44 free places: 90 more submissions need 2 more stages
    more = runner.invoke(args=["seed-project-scale", "--members", "30", "--submissions", "150"])
    assert "0 students, 2 stages and 90 submissions added" in more.output and counts() == (30, 150)
    db.session.refresh(project)
    assert len(project.milestones) == 9

    client.post("/login", data={"email": "teacher.hamburg@example.org", "password": "demo-2026"})
    response = client.get(f"/projects/{project.id}?lang=de")
    assert response.status_code == 200 and DEMO_PROJECT_TITLE in response.get_data(as_text=True)
    busiest, count = db.session.execute(
        sa.select(Submission.milestone_id, sa.func.count())
        .where(Submission.project_id == project.id)
        .group_by(Submission.milestone_id)
        .order_by(sa.func.count().desc())
        .limit(1)
    ).one()
    stage = client.get(f"/projects/{project.id}/milestones/{busiest}?lang=en")
    assert stage.status_code == 200 and f"{count} submissions" in stage.get_data(as_text=True)
