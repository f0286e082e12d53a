import sqlalchemy as sa

from schoolpartners.extensions import db
from schoolpartners.notifications.models import OutboxEmail
from schoolpartners.schools.models import Invitation, MembershipStatus, StaffMembership, StaffRole
from schoolpartners.sqltypes import utcnow


def _invite(client, login, make_user, make_school, email="colleague@example.org"):
    school = make_school()
    head = make_user("school_coordinator", school=school, locale="ru")
    login(head)
    client.post(f"/schools/{school.id}/staff/invite", data={"email": email, "role": "teacher"})
    client.post("/logout")
    mail = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.recipient == email)).one()
    link = next(p for p in mail.body.split() if p.startswith("http")).replace("http://127.0.0.1:5000", "")  # SITE_URL
    return school, mail, link


def test_invited_teacher_joins_with_the_link(client, login, make_user, make_school, password_hash):
    school, mail, link = _invite(client, login, make_user, make_school)
    assert mail.locale == "ru" and school.name in mail.subject
    assert school.name in client.get(link).get_data(as_text=True)
    from schoolpartners.accounts.models import User, UserRole

    colleague = User(
        role=UserRole.staff, display_name="Kollegin", password_hash=password_hash, email_confirmed_at=utcnow()
    )
    colleague.set_email("Colleague@Example.org")
    db.session.add(colleague)
    db.session.commit()
    login(colleague)
    assert client.post(link).status_code == 302
    member = db.session.scalar(sa.select(StaffMembership).where(StaffMembership.user_id == colleague.id))
    assert member.school_id == school.id and member.role is StaffRole.teacher
    assert member.status is MembershipStatus.active
    assert client.get(link + "?lang=en").status_code == 400  # used once


def test_invitation_for_another_address_cannot_be_used(client, login, make_user, make_school):
    school, _mail, link = _invite(client, login, make_user, make_school)
    intruder = make_user("teacher")
    login(intruder)
    response = client.post(link + "?lang=en", follow_redirects=True)
    assert "another email address" in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(StaffMembership).where(
                StaffMembership.user_id == intruder.id, StaffMembership.school_id == school.id
            )
        )
        is None
    )


def test_expired_invitation_is_refused(client, login, make_user, make_school):
    _school, _mail, link = _invite(client, login, make_user, make_school)
    invitation = db.session.scalars(sa.select(Invitation)).one()
    invitation.expires_at = utcnow().replace(year=2020)
    db.session.commit()
    response = client.get(link + "?lang=en")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_only_the_schools_coordinators_invite(client, login, make_user, make_school):
    school = make_school()
    login(make_user("teacher", school=school))
    response = client.post(f"/schools/{school.id}/staff/invite", data={"email": "x@example.org", "role": "teacher"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_bad_invitation_input_is_refused(client, login, make_user, make_school):
    school = make_school()
    head = make_user("school_coordinator", school=school)
    login(head)
    for data in (
        {"email": "not-an-email", "role": "teacher"},
        {"email": "a@example.org", "role": "boss"},
        {"email": head.email, "role": "teacher"},
    ):
        client.post(f"/schools/{school.id}/staff/invite", data=data)
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
