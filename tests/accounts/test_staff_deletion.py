"""Deleting one's own staff account (Issue 10 item 6): refused while something is to be handed over; after it,
what the person wrote for another school's record stays under "former staff member of <school>"."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from schoolpartners.accounts.models import User, UserSession
from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ClassTeacher, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.partnerships.models import Partnership, PartnershipRequest, RequestMessage, RequestState
from schoolpartners.projects.models import Project, ProjectSide, ProjectState
from schoolpartners.schools.models import StaffMembership, StaffRole
from schoolpartners.sqltypes import utcnow
from tests.factories import PASSWORD, as_user
from tests.texts import shown, translated


def test_deletion_is_refused_while_the_person_is_a_contact_or_a_class_s_only_teacher(app, make_school, make_user):
    """Issue 10 item 6: the page names what to hand over, and a POST deletes nothing."""
    de, ru = make_school(Country.DE), make_school(Country.RU, name="Школа № 5")
    teacher = make_user("teacher", school=de, display_name="Jonas Weber")
    other = make_user("teacher", school=ru)
    partnership = Partnership(
        german_school_id=de.id, russian_school_id=ru.id, german_contact_id=teacher.id, russian_contact_id=other.id
    )
    db.session.add(partnership)
    db.session.flush()
    project = Project(
        partnership_id=partnership.id,
        title_de="Brücken",
        start_date=date(2027, 1, 1),
        end_date=date(2027, 6, 1),
        state=ProjectState.active,
    )
    project.sides = [ProjectSide(school_id=de.id, contact_id=teacher.id), ProjectSide(school_id=ru.id)]
    school_class = SchoolClass(school_id=de.id, name="7c", school_year="2026/27", join_code="DELETE77")
    school_class.teacher_links.append(ClassTeacher(user_id=teacher.id))
    db.session.add_all([project, school_class])
    db.session.flush()

    client = as_user(app, teacher)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Школа № 5" in page and "Brücken" in page and "7c" in page
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 200
    db.session.refresh(teacher)
    assert teacher.deleted_at is None and teacher.display_name == "Jonas Weber" and teacher.is_active


def test_a_deleted_staff_account_keeps_its_messages_under_former_staff_member_of_the_school(
    app, make_school, make_user
):
    """Issue 10 item 6: name, address and password go, the row stays (foreign keys hold), and the partner
    school's request thread shows "former staff member of <school>"."""
    de, ru = make_school(Country.DE, name="Gymnasium Altona"), make_school(Country.RU)
    teacher = make_user("teacher", school=de, display_name="Jonas Weber")
    reader = make_user("school_coordinator", school=ru)
    request = PartnershipRequest(
        from_school_id=de.id,
        to_school_id=ru.id,
        pair_key=f"{de.id}-{ru.id}",
        sender_id=teacher.id,
        message_de="Hallo",
        expires_at=utcnow() + timedelta(days=60),
        state=RequestState.accepted,
    )  # once accepted, each side sees who wrote
    request.messages = [RequestMessage(author_id=teacher.id, school_id=de.id, body="Wir freuen uns auf Sie.")]
    db.session.add(request)
    db.session.flush()
    email, user_id = teacher.email, teacher.id

    client = as_user(app, teacher)
    wrong = client.post("/account/delete", data={"password": "not my password", "confirm": "y"})
    assert wrong.status_code == 200 and shown(app, "The password is not correct.") in wrong.get_data(as_text=True)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302

    user = db.session.get(User, user_id)
    assert user.deleted_at is not None and not user.is_active and user.email is None
    former = translated(app, "former staff member of %(school)s", school="Gymnasium Altona")
    assert former != "former staff member of Gymnasium Altona"  # the German reader gets German
    with app.test_request_context():  # the name is translated for the reader
        assert user.display_name == former
    assert db.session.scalar(sa.select(User.id).where(User.display_name == "Jonas Weber")) is None
    assert db.session.scalars(sa.select(StaffMembership).where(StaffMembership.user_id == user_id)).all() == []
    assert (
        db.session.scalars(
            sa.select(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        ).all()
        == []
    )
    assert client.get("/account").status_code == 302  # logged out
    assert app.test_client().post("/login", data={"email": email, "password": PASSWORD}).status_code != 302

    thread = as_user(app, reader).get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Wir freuen uns auf Sie." in thread
    assert shown(app, "former staff member of %(school)s", school="Gymnasium Altona") in thread
    assert "Jonas Weber" not in thread


def test_pupils_and_the_foundation_have_no_delete_page(app, client, login, make_user):
    """Issue 10 item 6: pupils' data is deleted by their teacher on the family's request, not by themselves."""
    login(make_user("student"))
    assert client.get("/account/delete").status_code == 403


def test_the_only_school_coordinator_must_name_a_successor_before_deleting_the_account(app, make_school, make_user):
    """Finding #2 (deletion): a school keeps at least one school coordinator, as when a member is removed: the
    only one is told to hand the role over and a POST deletes nothing; once a colleague coordinates the school
    too, the account can go and the school still has its coordinator."""
    school = make_school(name="Gymnasium Blankenese")
    coordinator = make_user("school_coordinator", school=school, display_name="Dr. Jens Albers")
    teacher = make_user("teacher", school=school)  # a teacher is no successor
    line = shown(app, "the only school coordinator of %(school)s", school="Gymnasium Blankenese")

    client = as_user(app, coordinator)
    assert line in client.get("/account/delete").get_data(as_text=True)
    refused = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert refused.status_code == 200 and line in refused.get_data(as_text=True)
    db.session.refresh(coordinator)
    assert coordinator.deleted_at is None and coordinator.display_name == "Dr. Jens Albers"

    teacher.memberships[0].role = StaffRole.school_coordinator
    db.session.flush()
    assert line not in client.get("/account/delete").get_data(as_text=True)
    assert client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
    assert db.session.get(User, coordinator.id).deleted_at is not None
    remaining = db.session.scalars(
        sa.select(StaffMembership.user_id).where(
            StaffMembership.school_id == school.id, StaffMembership.role == StaffRole.school_coordinator
        )
    ).all()
    assert remaining == [teacher.id]
