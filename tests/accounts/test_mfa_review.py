"""Security review of the second factor (Issue 10): who may reset it, guesses counted before they are checked,
and sessions that end when it is set up or reset."""

from __future__ import annotations

import re

import pyotp
import sqlalchemy as sa

from schoolpartners.accounts import mfa
from schoolpartners.accounts.models import User, UserSession
from schoolpartners.extensions import db
from schoolpartners.schools.models import MembershipStatus, StaffMembership, StaffRole
from tests.factories import PASSWORD, as_user
from tests.texts import shown

TOO_MANY = "Too many failed attempts. Please wait 15 minutes and try again, or reset your password."


def _join(user: User, school, role: StaffRole = StaffRole.teacher) -> StaffMembership:
    member = StaffMembership(user_id=user.id, school_id=school.id, role=role, status=MembershipStatus.active)
    db.session.add(member)
    db.session.flush()
    return member


def _reset_action(school, member: StaffMembership) -> str:
    return f"/schools/{school.id}/staff/{member.id}/reset-mfa"


def _open_sessions(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    )


def _wrong(user: User) -> str:
    return "000000" if user.totp.now() != "000000" else "111111"


# --- Finding #1: who may reset whose second factor ---------------------------------------------------------------


def test_school_coordinator_cannot_reset_another_schools_coordinator_or_the_foundation(
    app, make_school, make_user, enrolled
):
    """Finding #1: a school coordinator of school A can't reset the second factor of a school coordinator of
    school B who is also on A's staff, nor of a foundation coordinator on A's staff: the staff page shows no
    button for them and a POST is refused, the factor stays. A colleague who coordinates only A can be reset."""
    school_a, school_b = make_school(name="Gymnasium Altona"), make_school(name="Schule Blankenese")
    acting = make_user("school_coordinator", school=school_a)
    other_school = enrolled("school_coordinator", school=school_b)
    other_at_a = _join(other_school, school_a)
    foundation = enrolled("coordinator")
    foundation_at_a = _join(foundation, school_a)
    colleague = enrolled("school_coordinator", school=school_a)
    colleague_at_a = colleague.memberships[0]

    client = as_user(app, acting)
    staff = client.get(f"/schools/{school_a.id}/staff").get_data(as_text=True)
    assert f'action="{_reset_action(school_a, colleague_at_a)}"' in staff
    assert f'action="{_reset_action(school_a, other_at_a)}"' not in staff
    assert f'action="{_reset_action(school_a, foundation_at_a)}"' not in staff

    for member in (other_at_a, foundation_at_a):
        assert client.post(_reset_action(school_a, member)).status_code == 403
    assert db.session.get(User, other_school.id).mfa_enabled
    assert db.session.get(User, foundation.id).mfa_enabled
    assert db.session.get(User, other_school.id).mfa_secret == other_school.mfa_secret

    client.post(_reset_action(school_a, colleague_at_a))
    assert not db.session.get(User, colleague.id).mfa_enabled


def test_a_coordinator_of_both_schools_may_reset_and_the_foundation_may_reset_anyone(
    app, make_school, make_user, enrolled
):
    """Finding #1: who coordinates every school the person coordinates may reset; so may the foundation."""
    school_a, school_b = make_school(), make_school()
    acting = make_user("school_coordinator", school=school_a)
    _join(acting, school_b, StaffRole.school_coordinator)
    both = enrolled("school_coordinator", school=school_b)
    both_at_a = _join(both, school_a)
    as_user(app, acting).post(_reset_action(school_a, both_at_a))
    assert not db.session.get(User, both.id).mfa_enabled

    other = enrolled("school_coordinator", school=make_school())
    other_at_a = _join(other, school_a)
    foundation = as_user(app, make_user("coordinator"))
    assert f'action="{_reset_action(school_a, other_at_a)}"' in foundation.get(
        f"/schools/{school_a.id}/staff"
    ).get_data(as_text=True)
    foundation.post(_reset_action(school_a, other_at_a))
    assert not db.session.get(User, other.id).mfa_enabled


# --- Finding #3: guesses at the second step are counted before they are checked ----------------------------------


def test_parallel_guesses_at_the_second_step_never_exceed_the_budget(app, enrolled, monkeypatch):
    """Finding #3: four guesses sent at once with a budget of three: each is counted before its code is
    checked, so only three codes are ever checked and the fourth guess is refused."""
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 15 minutes")
    user = enrolled()
    clients = []
    for _ in range(4):
        other = app.test_client()
        assert other.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        clients.append(other)

    checked, answers, real_verify = [], [], mfa.verify

    def verify_while_others_arrive(who, code):
        # The next guess arrives while this one is being checked (as parallel requests do).
        checked.append(code)
        if clients:
            answers.append(clients.pop(0).post("/login/verify", data={"code": _wrong(user)}))
        return real_verify(who, code)

    monkeypatch.setattr(mfa, "verify", verify_while_others_arrive)
    answers.append(clients.pop(0).post("/login/verify", data={"code": _wrong(user)}))

    assert len(checked) == 3
    refused = [a for a in answers if a.status_code == 429]
    assert len(refused) == 1 and shown(app, TOO_MANY) in refused[0].get_data(as_text=True)


def test_after_the_budget_of_wrong_codes_even_the_right_one_is_refused(app, client, enrolled, monkeypatch):
    """Finding #3: N rapid wrong codes, then the N+1st attempt is refused before its code is checked."""
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 15 minutes")
    user = enrolled()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    for _ in range(3):
        assert client.post("/login/verify", data={"code": _wrong(user)}).status_code == 401
    refused = client.post("/login/verify", data={"code": user.totp.now()})
    assert refused.status_code == 429 and shown(app, TOO_MANY) in refused.get_data(as_text=True)
    assert db.session.get(User, user.id).mfa_last_step is None  # the right code was never checked
    assert client.get("/dashboard").status_code == 302


# --- Finding #4: sessions end when the second factor is set up or reset ------------------------------------------


def test_setting_up_the_second_factor_signs_out_every_other_device(app, make_user):
    """Finding #4: after the setup only the device that set it up stays signed in; the others are logged out."""
    user = make_user("school_coordinator", display_name="Dr. Jens Albers")
    elsewhere = as_user(app, user)
    here = as_user(app, user)
    assert _open_sessions(user) == 2
    page = here.get("/account/mfa/setup").get_data(as_text=True)
    secret = re.search(r'id="mfa-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    done = here.post("/account/mfa/setup", data={"code": pyotp.TOTP(secret).now()})
    message = "The second factor is set up. Other devices have been signed out."
    assert shown(app, message) in done.get_data(as_text=True)

    assert db.session.get(User, user.id).mfa_enabled
    assert _open_sessions(user) == 1
    assert "Dr. Jens Albers" in here.get("/dashboard").get_data(as_text=True)
    gone = elsewhere.get("/dashboard")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")


def test_a_reset_by_a_coordinator_signs_the_person_out_everywhere(app, make_school, make_user, enrolled):
    """Finding #4: whoever is signed in with the old factor (perhaps the finder of the lost phone) is out."""
    school = make_school()
    teacher = enrolled("teacher", school=school)
    device = app.test_client()
    device.post("/login", data={"email": teacher.email, "password": PASSWORD})
    device.post("/login/verify", data={"code": teacher.totp.now()})
    assert device.get("/dashboard").status_code == 200 and _open_sessions(teacher) == 1

    as_user(app, make_user("school_coordinator", school=school)).post(
        _reset_action(school, teacher.memberships[0])
    )
    assert not db.session.get(User, teacher.id).mfa_enabled
    assert _open_sessions(teacher) == 0
    gone = device.get("/dashboard")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")


def test_a_reset_from_the_command_line_signs_the_person_out_everywhere(app, runner, enrolled):
    """Finding #4: `flask reset-mfa EMAIL` ends every session of the account too."""
    coordinator = enrolled("coordinator")
    device = app.test_client()
    device.post("/login", data={"email": coordinator.email, "password": PASSWORD})
    device.post("/login/verify", data={"code": coordinator.totp.now()})
    assert _open_sessions(coordinator) == 1
    assert runner.invoke(args=["reset-mfa", coordinator.email]).exit_code == 0
    assert _open_sessions(coordinator) == 0
    assert device.get("/dashboard").status_code == 302


def test_the_secret_being_set_up_waits_on_the_account_not_in_the_session_cookie(app, make_user):
    """Review note on the setup: the session cookie is signed, not encrypted, so the new secret is not put in it;
    it waits on the account (doing nothing until a code confirms it) and stays the same on a reload."""
    user = make_user("teacher")
    client = as_user(app, user)
    page = client.get("/account/mfa/setup").get_data(as_text=True)
    shown_secret = re.search(r'id="mfa-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    with client.session_transaction() as session:
        assert shown_secret not in repr(dict(session))
    stored = db.session.get(User, user.id)
    assert stored.mfa_secret == shown_secret and not stored.mfa_enabled
    assert shown_secret in as_user(app, user).get("/account/mfa/setup").get_data(as_text=True).replace(" ", "")
    # Until it is confirmed, the password alone still logs in.
    assert app.test_client().post("/login", data={"email": user.email, "password": PASSWORD}).headers[
        "Location"
    ] == "/dashboard"
