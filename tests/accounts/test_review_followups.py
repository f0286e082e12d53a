"""Follow-ups to the security review (#4, #16, #3, #27): a `next` urlsplit can't read, mail budgets nobody can
spend for someone else, the address on pupils' credential sheets, and the outbox setting in production."""

import importlib.util
import re

import pyotp
import pytest
import sqlalchemy as sa

import config
from schoolpartners.accounts import mfa
from schoolpartners.accounts.models import User
from schoolpartners.classes.models import ClassMembership, ClassTeacher, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.notifications.models import OutboxEmail
from schoolpartners.sqltypes import utcnow
from tests.factories import PASSWORD

IP_A, IP_B, IP_C = "203.0.113.1", "198.51.100.2", "192.0.2.3"
REGISTRATION = {
    "display_name": "Eve",
    "password": "a long enough password",
    "password2": "a long enough password",
    "accept_privacy": "y",
}


def _mails_to(address: str) -> list[OutboxEmail]:
    return list(db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.recipient == address)))


def _from(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


# --- #4: a `next` that urlsplit can't read ------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["//[", "/%09/[", "http://[::1/x"])
def test_login_with_an_unreadable_next_lands_on_the_dashboard(client, make_user, target):
    """Finding #4 (follow-up): `urlsplit("//[")` raises ValueError; after the login that was a 500 with the user
    logged in. Now the login ends on the dashboard with its welcome."""
    user = make_user("teacher", locale="en", display_name="Anna Weber")
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Welcome back, Anna Weber!" in page


def test_mfa_step_with_an_unreadable_next_lands_on_the_dashboard(client, make_user):
    """Finding #4 (follow-up): the second step with a recovery code uses the same check; `next=//[` no longer
    ends in a 500 after the code was used up."""
    user = make_user("teacher", locale="en")
    user.mfa_secret = pyotp.random_base32(32)
    user.mfa_enabled_at = utcnow()
    db.session.flush()
    codes = mfa._new_recovery_codes(user)
    db.session.flush()
    first = client.post("/login?next=//[", data={"email": user.email, "password": PASSWORD})
    assert first.status_code == 302 and first.headers["Location"].startswith("/login/verify")
    response = client.post(first.headers["Location"], data={"code": codes[0]})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert "9 recovery codes are left" in client.get("/dashboard?lang=en").get_data(as_text=True)
    assert mfa.recovery_codes_left(user) == 9


# --- #16: nobody can spend someone else's mail budget --------------------------------------------------------------


def test_another_client_still_gets_a_reset_mail_after_one_used_up_its_budget(client, make_user):
    """Finding #16 (follow-up): an attacker who uses up the five resets per hour for an address from their network
    is refused, but its owner, from another network, still gets the reset link."""
    user = make_user("teacher")
    for _ in range(5):
        client.post("/reset", data={"email": user.email}, **_from(IP_A))
    refused = client.post("/reset?lang=en", data={"email": user.email}, **_from(IP_A))
    assert refused.status_code == 429
    assert "Too many emails were requested" in refused.get_data(as_text=True)
    assert len(_mails_to(user.email)) == 5

    response = client.post("/reset?lang=en", data={"email": user.email}, follow_redirects=True, **_from(IP_B))
    assert response.status_code == 200
    assert "If an account exists for this address, we have sent a link" in response.get_data(as_text=True)
    assert len(_mails_to(user.email)) == 6


def test_an_address_whose_total_is_used_up_gets_the_same_answer_and_no_mail(client, app, make_user, monkeypatch):
    """Finding #16 (follow-up): beyond MAIL_LIMIT_PER_ADDRESS_TOTAL nothing more is sent to the address, yet the
    answer is the one for a sent mail: the cap neither blocks the page nor tells anyone it was reached."""
    monkeypatch.setitem(app.config, "MAIL_LIMIT_PER_ADDRESS_TOTAL", "3 per hour")
    user = make_user("teacher")
    answers = []
    for ip in (IP_A, IP_B, IP_A, IP_C, IP_B):
        response = client.post("/reset?lang=en", data={"email": user.email}, follow_redirects=True, **_from(ip))
        # The CSRF token carries a timestamp, so it differs between requests a second apart; nothing else may.
        page = re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))
        answers.append((response.status_code, page))
    assert len(_mails_to(user.email)) == 3
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0] == 200 and "we have sent a link to reset the password" in answers[0][1]


def test_registration_beyond_the_address_total_answers_the_same_and_sends_nothing(client, app, monkeypatch):
    """Finding #16 (follow-up): registering an address whose total is used up shows the usual answer (same page,
    same status) and sends no further mail."""
    monkeypatch.setitem(app.config, "MAIL_LIMIT_PER_ADDRESS_TOTAL", "1 per hour")
    data = {**REGISTRATION, "email": "victim@example.org"}
    first = client.post("/register?lang=en", data=data, follow_redirects=True, **_from(IP_A))
    client.post("/logout")
    second = client.post("/register?lang=en", data=data, follow_redirects=True, **_from(IP_B))
    assert first.status_code == second.status_code == 200
    assert "We sent a link to victim@example.org" in second.get_data(as_text=True)
    (mail,) = _mails_to("victim@example.org")
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.display_name == "Eve")) == 1


def test_a_resend_beyond_the_address_total_answers_the_same_and_sends_nothing(
    client, app, login, make_user, monkeypatch
):
    """Finding #16 (follow-up): "send the link again" beyond the address's total says the link was sent (no 429)
    and sends nothing."""
    monkeypatch.setitem(app.config, "MAIL_LIMIT_PER_ADDRESS_TOTAL", "1 per hour")
    user = make_user("teacher", confirmed=False, locale="en")
    login(user)
    answers = []
    for ip in (IP_A, IP_B):
        response = client.post("/account/resend-confirmation", follow_redirects=True, **_from(ip))
        sent = "We sent you a new confirmation link." in response.get_data(as_text=True)
        answers.append((response.status_code, sent))
    assert answers == [(200, True), (200, True)]
    assert len(_mails_to(user.email)) == 1


# --- #3: the address on pupils' credential sheets -----------------------------------------------------------------


def test_credential_sheet_shows_the_site_url_whatever_the_host_header(app, client, make_user):
    """Finding #3 (follow-up): the printed access data give pupils SITE_URL, never the Host header the client
    sent (a sheet pointing to attacker.example would hand over the one-time passwords)."""
    teacher = make_user("teacher")
    school_class = SchoolClass(
        school_id=teacher.memberships[0].school_id, name="9b", school_year="2026/27", join_code="KFOLLOW1"
    )
    school_class.teacher_links.append(ClassTeacher(user_id=teacher.id))
    db.session.add(school_class)
    db.session.flush()
    attacker = {"Host": "attacker.example"}  # every request, the login too (its cookie is for that host)
    client.post("/login", data={"email": teacher.email, "password": PASSWORD}, headers=attacker)
    added = client.post(
        f"/classes/{school_class.id}/students/new",
        data={"students": "Lena Schmidt; 4.2012", "batch": "k1"},
        headers=attacker,
    )
    site = app.config["SITE_URL"].rstrip("/")
    html = added.get_data(as_text=True)
    assert added.status_code == 200 and "lena.schmidt" in html
    assert f": {site}</p>" in html and "attacker.example" not in html

    student = db.session.scalar(sa.select(ClassMembership).where(ClassMembership.class_id == school_class.id)).student
    reset = client.post(f"/classes/{school_class.id}/students/{student.id}/password", headers=attacker)
    html = reset.get_data(as_text=True)
    assert f": {site}</p>" in html and "attacker.example" not in html


# --- #27: OUTBOX_SHOW_BODIES in production ------------------------------------------------------------------------


def _fresh_config(monkeypatch, **env: str):
    """config.py evaluated again under `env` (its classes read the environment when defined)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("config_under_test", config.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_production_refuses_to_start_with_outbox_bodies_set_in_the_environment(monkeypatch):
    """Finding #27 (follow-up): OUTBOX_SHOW_BODIES comes from the environment, so setting it for production
    is possible, and then ProdConfig.check() refuses to start."""
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("OUTBOX_SHOW_BODIES", raising=False)
    fresh = _fresh_config(monkeypatch)
    assert fresh.ProdConfig.OUTBOX_SHOW_BODIES is False and fresh.DevConfig.OUTBOX_SHOW_BODIES is True
    fresh.ProdConfig.check()  # starts without it

    careless = _fresh_config(monkeypatch, OUTBOX_SHOW_BODIES="1")
    assert careless.ProdConfig.OUTBOX_SHOW_BODIES is True
    with pytest.raises(RuntimeError, match="OUTBOX_SHOW_BODIES"):
        careless.ProdConfig.check()
    assert _fresh_config(monkeypatch, OUTBOX_SHOW_BODIES="0").DevConfig.OUTBOX_SHOW_BODIES is False
