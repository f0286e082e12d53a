import pytest
import sqlalchemy as sa

from schoolpartners.extensions import db
from schoolpartners.notifications.models import OutboxEmail, OutboxState
from schoolpartners.notifications.services import notify
from schoolpartners.schools.models import MembershipStatus, StaffMembership, StaffRole


def test_index_explains_the_platform_and_sends_users_to_their_dashboard(client, login, make_user):
    assert "Deutsche und russische Schulen" in client.get("/?lang=de").get_data(as_text=True)
    login(make_user("teacher"))
    assert client.get("/").headers["Location"] == "/dashboard"


def test_teacher_dashboard_shows_school_and_nothing_to_do(client, login, make_user, make_school):
    school = make_school(name="Gymnasium Testhausen")
    login(make_user("teacher", school=school))
    html = client.get("/dashboard?lang=de").get_data(as_text=True)
    assert "Gymnasium Testhausen" in html and "Lehrkraft" in html


def test_staff_without_school_gets_the_next_step(client, login, password_hash):
    from schoolpartners.accounts.models import User, UserRole
    from schoolpartners.sqltypes import utcnow

    user = User(
        role=UserRole.staff, display_name="Neu", password_hash=password_hash, locale="ru", email_confirmed_at=utcnow()
    )
    user.set_email("neu@example.org")
    db.session.add(user)
    db.session.commit()
    login(user)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "не привязан" in html or "пока не" in html


def test_school_coordinator_sees_staff_waiting_for_confirmation(client, login, make_user, make_school):
    school = make_school()
    login(make_user("school_coordinator", school=school))
    newcomer = make_user("teacher", school=make_school(), display_name="Tina Neu")
    db.session.add(
        StaffMembership(
            user_id=newcomer.id, school_id=school.id, role=StaffRole.teacher, status=MembershipStatus.pending
        )
    )
    db.session.commit()
    html = client.get("/dashboard?lang=de").get_data(as_text=True)
    assert "Tina Neu" in html


def test_coordinator_dashboard_lists_failed_mail_and_links_to_check(client, login, make_user, make_link):
    make_link()
    db.session.add(OutboxEmail(recipient="x@example.org", locale="de", subject="s", body="b", state=OutboxState.failed))
    db.session.commit()
    login(make_user("coordinator"))
    html = client.get("/dashboard?lang=ru").get_data(as_text=True)
    assert "1 письмо не удалось доставить" in html
    assert "/outbox?state=failed" in html and "/twin-cities?status=unknown" in html


def test_student_dashboard_is_about_their_own_school_only(client, login, make_user, make_school):
    school = make_school(name="Школа № 1")
    student = make_user("student", school=school)
    login(student)
    html = client.get("/dashboard?lang=ru").get_data(as_text=True)
    assert "Школа № 1" in html and student.display_name in html


@pytest.mark.parametrize("role", ["teacher", "school_coordinator", "coordinator", "student"])
def test_dashboard_query_count_does_not_grow_with_data(client, login, make_user, make_school, queries, role):
    school = make_school()
    user = make_user(role, school=school if role != "coordinator" else None)

    def add_data(n):
        for i in range(n):
            notify(user, "welcome", email=False, name=str(i))
            other = make_user("teacher", school=school)
            if role == "school_coordinator":
                db.session.execute(
                    sa.update(StaffMembership)
                    .where(StaffMembership.user_id == other.id)
                    .values(status=MembershipStatus.pending)
                )
        db.session.commit()

    add_data(1)
    login(user)
    client.get("/dashboard")  # the school catalogue loads once after a change
    queries.statements.clear()
    client.get("/dashboard")
    small = queries.count
    add_data(15)
    client.get("/dashboard")
    queries.statements.clear()
    client.get("/dashboard")
    assert queries.count == small, queries.statements
    assert small <= 9, queries.statements


def test_staff_dashboard_lists_requests_to_answer_and_partner_schools(client, login, make_user, make_school):
    from datetime import timedelta

    from schoolpartners.cities.models import Country
    from schoolpartners.partnerships.models import Partnership, PartnershipRequest
    from schoolpartners.sqltypes import utcnow

    mine = make_school(Country.DE, "Meine Schule")
    head = make_user("school_coordinator", school=mine)
    asking = make_school(Country.RU, "Школа просит")
    partner = make_school(Country.RU, "Школа-партнёр")
    sender = make_user("teacher", school=asking)
    contact = make_user("teacher", school=partner)
    db.session.add_all(
        [
            PartnershipRequest(
                from_school_id=asking.id,
                to_school_id=mine.id,
                pair_key=f"{mine.id}-{asking.id}",
                sender_id=sender.id,
                expires_at=utcnow() + timedelta(days=60),
            ),
            Partnership(
                german_school_id=mine.id,
                russian_school_id=partner.id,
                german_contact_id=head.id,
                russian_contact_id=contact.id,
            ),
        ]
    )
    db.session.commit()
    login(head)
    html = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Школа просит asks your school for a partnership." in html
    assert "Школа-партнёр" in html


def test_staff_dashboard_without_partner_points_to_suggestions(client, login, make_user, make_school):
    login(make_user("teacher", school=make_school()))
    html = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Your school has no partner yet." in html and "/partners/suggestions" in html


def test_dashboards_list_project_todos_and_deadlines(app, client, login, make_user, make_school, make_link):
    from datetime import date, timedelta

    from schoolpartners.cities.models import Country
    from schoolpartners.classes.models import ClassMembership, ClassTeacher, SchoolClass
    from schoolpartners.partnerships.models import Partnership
    from schoolpartners.projects.models import Milestone, Project, ProjectClass, ProjectSide, ProjectState
    from schoolpartners.sqltypes import utcnow
    from schoolpartners.submissions.models import Submission

    de, ru = make_school(Country.DE), make_school(Country.RU)
    teacher, partner = make_user("teacher", school=de), make_user("teacher", school=ru)
    student = make_user("student", school=de)
    partnership = Partnership(
        german_school_id=de.id, russian_school_id=ru.id, german_contact_id=teacher.id, russian_contact_id=partner.id
    )
    db.session.add(partnership)
    db.session.flush()
    school_class = SchoolClass(school_id=de.id, name="9b", school_year="2026/27", join_code="DASHB123")
    school_class.teacher_links.append(ClassTeacher(user_id=teacher.id))
    school_class.memberships.append(ClassMembership(student_id=student.id))
    db.session.add(school_class)
    running = Project(
        partnership_id=partnership.id,
        title_de="Laufend",
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 1),
        state=ProjectState.active,
    )
    running.sides = [
        ProjectSide(school_id=de.id, contact_id=teacher.id, confirmed_at=utcnow()),
        ProjectSide(school_id=ru.id, contact_id=partner.id, confirmed_at=utcnow()),
    ]
    running.milestones = [Milestone(title_de="Bald", deadline=utcnow() + timedelta(days=3))]
    draft = Project(
        partnership_id=partnership.id, title_de="Entwurf", start_date=date(2027, 1, 1), end_date=date(2027, 6, 1)
    )
    draft.sides = [
        ProjectSide(school_id=de.id),
        ProjectSide(school_id=ru.id, contact_id=partner.id, confirmed_at=utcnow()),
    ]
    db.session.add_all([running, draft])
    db.session.flush()
    db.session.add(ProjectClass(project_id=running.id, class_id=school_class.id))
    db.session.add(Submission(milestone_id=running.milestones[0].id, project_id=running.id, student_id=student.id))
    db.session.commit()
    login(teacher)
    html = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "“Entwurf” waits for your school's confirmation." in html
    assert "1 submission to review in “Laufend”." in html and "Deadline this week in “Laufend”" in html
    client.post("/logout")
    login(student)
    html = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Laufend" in html and "Entwurf" not in html and "next deadline" in html


def test_the_visitors_top_bar_is_kept_per_language_and_address_but_never_for_users(client, login, make_user):
    ru = client.get("/schools?lang=ru").get_data(as_text=True)
    assert "Войти" in ru and 'href="/schools?lang=de"' in ru
    de = client.get("/privacy?lang=de").get_data(as_text=True)
    assert "Anmelden" in de and 'href="/privacy?lang=ru"' in de and "Войти" not in de
    user = make_user("teacher", display_name="Anna Becker")
    login(user)
    html = client.get("/privacy?lang=de").get_data(as_text=True)
    assert "Anna Becker" in html and "Abmelden" in html and "Anmelden" not in html
