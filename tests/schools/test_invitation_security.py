"""Finding #2: invitations are visible, can be withdrawn and don't outlive their sender's role."""

import sqlalchemy as sa

from schoolpartners.accounts.models import User, UserRole
from schoolpartners.extensions import db
from schoolpartners.notifications.models import OutboxEmail
from schoolpartners.schools.models import Invitation, MembershipStatus, StaffMembership, StaffRole
from schoolpartners.sqltypes import utcnow
from tests.factories import PASSWORD

SITE = "http://127.0.0.1:5000"  # TestConfig's SITE_URL


def _invite(client, school, email="jens.private@example.net", role="school_coordinator", **kwargs) -> str:
    client.post(f"/schools/{school.id}/staff/invite", data={"email": email, "role": role}, **kwargs)
    mail = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.recipient == email)).one()
    return next(part for part in mail.body.split() if part.startswith("http"))


def _confirmed_user(password_hash, email="jens.private@example.net") -> User:
    user = User(role=UserRole.staff, display_name="Jens", password_hash=password_hash, email_confirmed_at=utcnow())
    user.set_email(email)
    db.session.add(user)
    db.session.commit()
    return user


def _membership(user, school) -> StaffMembership:
    """The membership (or None once it is gone)."""
    return db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == user.id, StaffMembership.school_id == school.id)
    )


def _sent_link(client, login, sender, school, **invitation) -> str:
    """The sender invites (as _invite) and logs out; the link's path."""
    login(sender)
    link = _invite(client, school, **invitation).removeprefix(SITE)
    client.post("/logout")
    return link


def _accepted_by_new_account(client, login, password_hash, link, **kwargs):
    """A confirmed account on no school's staff logs in and accepts the link: (the account, the response)."""
    invited = _confirmed_user(password_hash)
    login(invited)
    return invited, client.post(link, **kwargs)


def test_staff_page_lists_open_invitations_and_one_can_be_withdrawn(app, client, login, make_user, make_school):
    """Finding #2: the staff page shows open invitations with who sent them, and a button to withdraw one."""
    school = make_school()
    head = make_user("school_coordinator", school=school, display_name="Frau Lindner")
    login(head)
    link = _invite(client, school)
    page = client.get(f"/schools/{school.id}/staff?lang=en").get_data(as_text=True)
    assert "jens.private@example.net" in page and "Invited by Frau Lindner" in page
    invitation = db.session.scalars(sa.select(Invitation)).one()
    revoke_url = f"/schools/{school.id}/staff/invitations/{invitation.id}/revoke"
    assert revoke_url in page and "data-confirm" in page
    assert client.get(revoke_url).status_code == 405  # withdrawing is a POST
    client.post(revoke_url)
    db.session.refresh(invitation)
    assert invitation.revoked_at is not None
    page = client.get(f"/schools/{school.id}/staff?lang=en").get_data(as_text=True)
    assert "has been withdrawn" in page and revoke_url not in page and "No open invitations." in page
    # The link is dead.
    client.post("/logout")
    assert client.get(link.removeprefix(SITE)).status_code == 400


def test_withdrawing_needs_a_coordinator_of_that_school(client, login, make_user, make_school):
    """Finding #2: a teacher can't withdraw invitations, and another school's invitation is not found."""
    school, other = make_school(), make_school()
    head = make_user("school_coordinator", school=school)
    login(head)
    _invite(client, school)
    invitation = db.session.scalars(sa.select(Invitation)).one()
    other_head = make_user("school_coordinator", school=other)
    client.post("/logout")
    login(other_head)
    assert client.post(f"/schools/{other.id}/staff/invitations/{invitation.id}/revoke").status_code == 404
    client.post("/logout")
    login(make_user("teacher", school=school))
    assert client.post(f"/schools/{school.id}/staff/invitations/{invitation.id}/revoke").status_code == 403
    db.session.refresh(invitation)
    assert invitation.revoked_at is None


def test_removed_coordinator_cannot_come_back_through_an_earlier_invitation(
    client, login, make_user, make_school, password_hash
):
    """Finding #2: an invitation sent by a coordinator who is later removed no longer lets anyone in."""
    school = make_school()
    leaving = make_user("school_coordinator", school=school)
    staying = make_user("school_coordinator", school=school)
    link = _sent_link(client, login, leaving, school)
    login(staying)
    client.post(f"/schools/{school.id}/staff/{_membership(leaving, school).id}/remove")
    assert _membership(leaving, school) is None
    client.post("/logout")
    second_account, _response = _accepted_by_new_account(client, login, password_hash, link)
    assert _membership(second_account, school) is None


def test_demoted_coordinators_invitations_are_cancelled(client, login, make_user, make_school, password_hash):
    """Finding #2: demoting a school coordinator to teacher cancels the invitations they sent."""
    school = make_school()
    demoted = make_user("school_coordinator", school=school)
    head = make_user("school_coordinator", school=school)
    link = _sent_link(client, login, demoted, school)
    login(head)
    client.post(f"/schools/{school.id}/staff/{_membership(demoted, school).id}/role", data={"role": "teacher"})
    assert _membership(demoted, school).role is StaffRole.teacher
    assert db.session.scalars(sa.select(Invitation)).one().revoked_at is not None
    client.post("/logout")
    invited, _response = _accepted_by_new_account(client, login, password_hash, link)
    assert _membership(invited, school) is None


def test_accepting_rechecks_that_the_inviter_still_coordinates(client, login, make_user, make_school, password_hash):
    """Finding #2: even an invitation that was not cancelled fails once its sender no longer coordinates the
    school (here the membership ended without going through the staff page)."""
    school = make_school()
    inviter = make_user("school_coordinator", school=school)
    make_user("school_coordinator", school=school)
    link = _sent_link(client, login, inviter, school)
    _membership(inviter, school).status = MembershipStatus.pending
    db.session.commit()
    invited, response = _accepted_by_new_account(client, login, password_hash, link + "?lang=en", follow_redirects=True)
    assert "no longer valid" in response.get_data(as_text=True)
    assert _membership(invited, school) is None


def test_invitation_still_works_while_its_sender_coordinates(client, login, make_user, make_school, password_hash):
    """Finding #2: the checks leave a normal invitation working."""
    school = make_school()
    link = _sent_link(client, login, make_user("school_coordinator", school=school), school, role="teacher")
    invited, _response = _accepted_by_new_account(client, login, password_hash, link)
    member = _membership(invited, school)
    assert member is not None and member.is_active and member.role is StaffRole.teacher


def test_invitation_link_is_on_the_site_url(client, make_user, make_school):
    """Finding #3: an invitation sent through a request for another host still links to SITE_URL."""
    school = make_school()
    head = make_user("school_coordinator", school=school)
    host = "http://attacker.example"
    assert client.post("/login", data={"email": head.email, "password": PASSWORD}, base_url=host).status_code == 302
    link = _invite(client, school, base_url=host)
    assert link.startswith(f"{SITE}/invitations/")
