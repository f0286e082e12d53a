"""Changes to a school's staff made at the same moment: join requests confirmed or refused, staff removed, staff
invitations accepted or withdrawn, the foundation's verification. Exactly one decision takes effect, the others are
told which one did, and nobody is notified of a decision that did not happen."""

import secrets
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from schoolpartners.accounts.models import User
from schoolpartners.accounts.services import digest
from schoolpartners.cities.models import Country
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.schools.models import (
    Invitation,
    MembershipStatus,
    School,
    SchoolStatus,
    StaffMembership,
    StaffRole,
)
from schoolpartners.sqltypes import utcnow
from tests.committed import Background, holding_lock, together, wait_for_lock_waiters
from tests.factories import as_user
from tests.texts import shown

pytestmark = pytest.mark.committed


@pytest.fixture
def staff(committed_app, make_school, make_user, make_city):
    """A school with two school coordinators, a pending join request, an open invitation, and the foundation."""
    with committed_app.app_context():
        school = make_school(Country.DE, city=make_city(Country.DE))
        head = make_user("school_coordinator", school=school)
        head2 = make_user("school_coordinator", school=school)
        newcomer = make_user("teacher", school=make_school(Country.DE))
        join = StaffMembership(user_id=newcomer.id, school_id=school.id, role=StaffRole.teacher)
        invitee = make_user("teacher", school=make_school(Country.DE))
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            school_id=school.id,
            email=invitee.email,
            role=StaffRole.teacher,
            token_hash=digest(token),
            invited_by_id=head.id,
            expires_at=utcnow() + timedelta(days=14),
        )
        foundation = make_user("coordinator")
        db.session.add_all([join, invitation])
        db.session.commit()
        return SimpleNamespace(
            school_id=school.id,
            staff_url=f"/schools/{school.id}/staff",
            head=head.id,
            head2=head2.id,
            newcomer=newcomer.id,
            join_id=join.id,
            invitee=invitee.id,
            invitation_id=invitation.id,
            token=token,
            foundation=foundation.id,
            head_member=head.memberships[0].id,
            head2_member=head2.memberships[0].id,
        )


def client_of(committed_app, user_id):
    with committed_app.app_context():
        return as_user(committed_app, db.session.get(User, user_id))


def told(committed_app, user_id, kind) -> int:
    with committed_app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user_id, Notification.kind == kind)
        )


def row(committed_app, model, ident):
    with committed_app.app_context():
        found = db.session.get(model, ident)
        if found is not None:
            db.session.expunge(found)
        return found


def _waits_then(committed_app, model, ident, post, change):
    """`post` waits for the row lock on (model, ident) while another session applies `change` and commits."""
    with holding_lock(committed_app, model, ident) as first:
        waiting = Background(post)
        wait_for_lock_waiters(committed_app)
        change(first, first.get(model, ident))
        first.commit()
    response = waiting.result()
    assert response.status_code == 302, response.status_code
    return response


def _confirmed(_session, member):
    member.status, member.confirmed_at = MembershipStatus.active, utcnow()


@pytest.mark.parametrize("action", ["confirm", "refuse"])
def test_deciding_a_join_request_confirmed_meanwhile_is_refused(committed_app, staff, action):
    client = client_of(committed_app, staff.head)
    url = f"{staff.staff_url}/{staff.join_id}/{action}"
    _waits_then(committed_app, StaffMembership, staff.join_id, lambda: client.post(url), _confirmed)
    message = shown(committed_app, "This join request has already been confirmed.")
    assert message in client.get(staff.staff_url).get_data(as_text=True)
    assert row(committed_app, StaffMembership, staff.join_id).status is MembershipStatus.active
    assert told(committed_app, staff.newcomer, "join_confirmed") == 0  # the winner here sent none
    assert told(committed_app, staff.newcomer, "join_refused") == 0


@pytest.mark.postgres_only  # SQLite's waiting request reads nothing before the refusal: a plain 404
def test_confirming_a_join_request_refused_meanwhile_is_refused(committed_app, staff):
    client = client_of(committed_app, staff.head)
    url = f"{staff.staff_url}/{staff.join_id}/confirm"
    _waits_then(committed_app, StaffMembership, staff.join_id, lambda: client.post(url), lambda s, m: s.delete(m))
    message = shown(committed_app, "This person is no longer on the staff, or their join request has been refused.")
    assert message in client.get(staff.staff_url).get_data(as_text=True)
    assert row(committed_app, StaffMembership, staff.join_id) is None
    assert told(committed_app, staff.newcomer, "join_confirmed") == 0


def test_three_coordinators_confirming_at_once_tell_the_newcomer_once(committed_app, staff):
    clients = [client_of(committed_app, user) for user in (staff.head, staff.head2, staff.head)]
    url = f"{staff.staff_url}/{staff.join_id}/confirm"
    answers = together(*(lambda client=client: client.post(url) for client in clients))
    assert [answer.status_code for answer in answers] == [302] * 3
    assert row(committed_app, StaffMembership, staff.join_id).status is MembershipStatus.active
    assert told(committed_app, staff.newcomer, "join_confirmed") == 1
    message = shown(committed_app, "This join request has already been confirmed.")
    assert sum(message in client.get(staff.staff_url).get_data(as_text=True) for client in clients) == 2


def test_a_school_keeps_a_coordinator_when_both_are_removed_at_once(committed_app, staff):
    """While one coordinator is being removed (the school's row is locked), the foundation removes the other: the
    second removal sees the first and is refused."""
    client = client_of(committed_app, staff.foundation)
    url = f"{staff.staff_url}/{staff.head2_member}/remove"

    def remove_head(session, _school):
        session.delete(session.get(StaffMembership, staff.head_member))

    _waits_then(committed_app, School, staff.school_id, lambda: client.post(url), remove_head)
    message = shown(committed_app, "A school needs at least one school coordinator. Name another one first.")
    assert message in client.get(staff.staff_url).get_data(as_text=True)
    assert row(committed_app, StaffMembership, staff.head2_member).is_active
    assert told(committed_app, staff.head2, "staff_removed") == 0


def _invitee_member(committed_app, staff):
    with committed_app.app_context():
        return db.session.scalar(
            sa.select(StaffMembership).where(
                StaffMembership.user_id == staff.invitee, StaffMembership.school_id == staff.school_id
            )
        )


def test_accepting_an_invitation_withdrawn_meanwhile_is_refused(committed_app, staff):
    client = client_of(committed_app, staff.invitee)
    url = f"/invitations/{staff.token}"

    def withdrawn(_session, invitation):
        invitation.revoked_at = utcnow()

    _waits_then(committed_app, Invitation, staff.invitation_id, lambda: client.post(url), withdrawn)
    message = shown(committed_app, "This invitation has been withdrawn. Ask the school for a new one.")
    assert message in client.get(url).get_data(as_text=True)
    assert _invitee_member(committed_app, staff) is None
    assert row(committed_app, Invitation, staff.invitation_id).accepted_at is None


def test_withdrawing_an_invitation_accepted_meanwhile_is_refused(committed_app, staff):
    client = client_of(committed_app, staff.head)
    url = f"{staff.staff_url}/invitations/{staff.invitation_id}/revoke"

    def accepted(_session, invitation):
        invitation.accepted_at = utcnow()

    _waits_then(committed_app, Invitation, staff.invitation_id, lambda: client.post(url), accepted)
    message = shown(committed_app, "This invitation has already been accepted.")
    assert message in client.get(staff.staff_url).get_data(as_text=True)
    assert row(committed_app, Invitation, staff.invitation_id).revoked_at is None


def test_an_invitation_accepted_and_withdrawn_at_once_has_one_outcome(committed_app, staff):
    invitee, head = client_of(committed_app, staff.invitee), client_of(committed_app, staff.head)
    answers = together(
        lambda: invitee.post(f"/invitations/{staff.token}"),
        lambda: head.post(f"{staff.staff_url}/invitations/{staff.invitation_id}/revoke"),
    )
    assert [answer.status_code for answer in answers] == [302, 302]
    invitation = row(committed_app, Invitation, staff.invitation_id)
    member = _invitee_member(committed_app, staff)
    assert (invitation.accepted_at is None) != (invitation.revoked_at is None)
    assert (member is not None) == (invitation.accepted_at is not None)


def test_a_school_verified_meanwhile_is_not_rejected(committed_app, staff):
    with committed_app.app_context():
        db.session.get(School, staff.school_id).status = SchoolStatus.pending
        db.session.commit()
    client = client_of(committed_app, staff.foundation)
    url = f"/verification/{staff.school_id}"

    def verified(_session, school):
        school.status, school.status_changed_at = SchoolStatus.verified, utcnow()

    post = lambda: client.post(url, data={"decision": "rejected", "reason": "Keine Website"})  # noqa: E731
    _waits_then(committed_app, School, staff.school_id, post, verified)
    school = row(committed_app, School, staff.school_id)
    message = shown(committed_app, "%(school)s has already been verified.", school=school.name)
    assert message in client.get("/verification").get_data(as_text=True)
    assert school.status is SchoolStatus.verified and school.status_reason == ""
    assert told(committed_app, staff.head, "school_rejected") == 0
