"""Item 5 (MFA for staff): TOTP setup, the login's second step, recovery codes, forced setup, reset and removal."""

import functools
import hashlib
import logging
import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from schoolpartners.accounts import mfa
from schoolpartners.accounts.models import MfaRecoveryCode, User
from schoolpartners.extensions import db, limiter
from schoolpartners.notifications.models import OutboxEmail
from tests.factories import PASSWORD
from tests.texts import shown

EVENTS = "schoolpartners.events"


@pytest.fixture
def enrolled(enrolled):
    """The accounts' `enrolled`, reading English unless a test says otherwise."""
    return functools.partial(enrolled, locale="en")


@pytest.fixture
def required(app):
    app.config["MFA_REQUIRED"] = True
    yield
    app.config["MFA_REQUIRED"] = False


def _mails(user: User, subject: str | None = None) -> list[OutboxEmail]:
    query = sa.select(OutboxEmail).where(OutboxEmail.recipient == user.email)
    if subject:
        query = query.where(OutboxEmail.subject == subject)
    return list(db.session.scalars(query))


def _password_step(client, user, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": user.email, "password": PASSWORD})


def _log_in(client, user, code):
    first = _password_step(client, user)
    assert first.status_code == 302 and first.headers["Location"].startswith("/login/verify"), first.headers
    return client.post(first.headers["Location"], data={"code": code})


def _logout(client):
    client.post("/logout")


# --- enrolment ---------------------------------------------------------------------------------------------------


def test_setup_shows_a_local_qr_code_and_the_key_and_needs_a_valid_code(client, login, make_user):
    """Item 5: the QR code is an inline data URI made here, the key is shown as text, and only a valid code
    finishes the setup; the ten recovery codes are shown once and stored only as hashes."""
    user = make_user("teacher", locale="en")
    login(user)
    page = client.get("/account/mfa/setup").get_data(as_text=True)
    assert 'src="data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns' in page
    assert "googleapis" not in page and "chart" not in page
    secret = re.search(r'id="mfa-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert len(secret) == 32
    # The same key on a reload, so a scanned code stays valid.
    assert secret in client.get("/account/mfa/setup").get_data(as_text=True).replace(" ", "")

    wrong = client.post("/account/mfa/setup", data={"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "1"})
    assert "The code is not correct or has already been used." in wrong.get_data(as_text=True)
    assert db.session.get(User, user.id).mfa_enabled_at is None

    done = client.post("/account/mfa/setup", data={"code": pyotp.TOTP(secret).now()})
    html = done.get_data(as_text=True)
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", html)
    assert len(codes) == 10 and len(set(codes)) == 10
    user = db.session.get(User, user.id)
    assert user.mfa_enabled and user.mfa_secret == secret and user.mfa_last_step is not None
    stored = db.session.scalars(sa.select(MfaRecoveryCode.code_hash).where(MfaRecoveryCode.user_id == user.id)).all()
    assert sorted(stored) == sorted(hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes)
    # Shown once: the status page has only the count.
    status = client.get("/account/mfa").get_data(as_text=True)
    assert "10 unused recovery codes are left." in status and codes[0] not in status
    assert [m.subject for m in _mails(user)] == ["Second factor set up"]


def test_setup_email_is_in_the_users_language(client, login, make_user):
    """Item 5: the email about a new second factor is written in the user's language."""
    user = make_user("school_coordinator", locale="ru")
    login(user)
    client.get("/account/mfa/setup")
    secret = db.session.get(User, user.id).mfa_secret  # waits on the account, not in the cookie
    client.post("/account/mfa/setup", data={"code": pyotp.TOTP(secret).now()})
    (mail,) = _mails(user)
    assert mail.locale == "ru" and f"Здравствуйте, {user.display_name}!" in mail.body


# --- the second step of the login --------------------------------------------------------------------------------


def test_password_alone_does_not_log_in_an_enrolled_user(app, client, enrolled):
    """Item 5: after the right password an enrolled user is not logged in until the code is given."""
    user = enrolled()
    first = _password_step(client, user, next_url="/account")
    assert first.headers["Location"] == "/login/verify?next=/account"
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 302 and "/login" in dashboard.headers["Location"]
    page = client.get("/login/verify").get_data(as_text=True)
    # Not logged in yet, so the page follows the browser (German here), not the user's setting.
    prompt = (
        "Enter the six-digit code from the authenticator app. Without the phone, one of the recovery codes works"
        " instead."
    )
    assert shown(app, prompt) in page

    second = client.post("/login/verify?next=/account", data={"code": user.totp.now()})
    assert second.headers["Location"] == "/account"
    assert user.display_name in client.get("/dashboard").get_data(as_text=True)


def test_second_step_redirects_only_within_the_site(client, enrolled):
    """Finding #4 on the second step: `next` goes through the same check as the login's."""
    user = enrolled()
    _password_step(client, user)
    response = client.post("/login/verify?next=https://evil.example/x", data={"code": user.totp.now()})
    assert response.headers["Location"] == "/dashboard"


def test_wrong_code_is_refused(app, client, enrolled, caplog):
    """Item 5: a wrong code leaves the user logged out, with a message, and is logged."""
    user = enrolled()
    with caplog.at_level(logging.INFO, logger=EVENTS):
        response = _log_in(client, user, "123456" if user.totp.now() != "123456" else "654321")
    assert response.status_code == 401
    assert shown(app, "The code is not correct or has already been used.") in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    assert '"event": "login_mfa_failed"' in caplog.text


def test_a_code_works_only_once(client, enrolled):
    """Item 5: each time step is usable once; the same code again (a replay) is refused."""
    user = enrolled()
    code = user.totp.now()
    assert _log_in(client, user, code).status_code == 302
    step = db.session.get(User, user.id).mfa_last_step
    assert step is not None
    _logout(client)
    replay = _log_in(client, user, code)
    assert replay.status_code == 401 and client.get("/dashboard").status_code == 302
    # An older code than the last one used is refused too.
    assert _log_in(client, user, user.totp.at((step - 1) * 30)).status_code == 401
    # The next step's code works.
    assert _log_in(client, user, user.totp.at((step + 1) * 30)).status_code == 302


def test_a_recovery_code_works_once(client, enrolled):
    """Item 5: a recovery code logs in instead of the app, once; the count of the rest is shown."""
    user = enrolled()
    codes = mfa._new_recovery_codes(user)
    response = _log_in(client, user, codes[3].upper())  # typed in capitals: still the code
    assert response.status_code == 302
    assert "9 recovery codes are left" in client.get("/dashboard").get_data(as_text=True)
    _logout(client)
    assert _log_in(client, user, codes[3]).status_code == 401
    assert mfa.recovery_codes_left(user) == 9


def test_pending_second_step_expires(client, enrolled):
    """Item 5: the marker between the password and the code lasts a few minutes only."""
    user = enrolled()
    _password_step(client, user)
    with client.session_transaction() as session:
        session[mfa.PENDING_KEY] = {"uid": user.id, "at": int(time.time()) - mfa.PENDING_SECONDS - 1}
    response = client.post("/login/verify", data={"code": user.totp.now()})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/dashboard").status_code == 302


def test_second_step_without_password_goes_to_login(client, enrolled):
    """Item 5: the second step is reachable only after the password."""
    user = enrolled()
    response = client.post("/login/verify", data={"code": user.totp.now()})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert db.session.get(User, user.id).mfa_last_step is None


# --- limits on the second step -----------------------------------------------------------------------------------


def _wrong(user) -> str:
    good = {user.totp.at(time.time() + offset) for offset in (-30, 0, 30)}
    return next(c for c in ("111111", "222222", "333333", "444444") if c not in good)


def _guess_until_limited(client, user, tries=10):
    _password_step(client, user)
    for _ in range(tries):
        response = client.post("/login/verify", data={"code": _wrong(user)})
        assert response.status_code == 401
    return client.post("/login/verify", data={"code": user.totp.now()})


def test_second_step_is_rate_limited(client, enrolled):
    """Item 5: the second step is limited like the password (10 failures per account), even for the right code."""
    user = enrolled()
    limited = _guess_until_limited(client, user)
    assert limited.status_code == 429
    assert "Zu viele fehlgeschlagene Versuche." in limited.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


@pytest.fixture
def failing_limiter_storage(app, monkeypatch):
    """The limiter's storage raises on every call, as when Redis is down."""

    def down(*args, **kwargs):
        raise ConnectionError("storage down")

    storage = limiter.limiter.storage
    for name in (
        "incr",
        "get",
        "get_expiry",
        "acquire_entry",
        "get_moving_window",
        "acquire_sliding_window_entry",
        "get_sliding_window",
        "clear",
    ):
        if hasattr(storage, name):
            monkeypatch.setattr(storage, name, down)
    app.extensions.pop("sp_throttle_fallback", None)
    yield
    app.extensions.pop("sp_throttle_fallback", None)


def test_second_step_stays_limited_when_the_limiter_storage_fails(client, enrolled, failing_limiter_storage, caplog):
    """Item 5: with the limiter's storage down, guesses at the second step are still limited, not unlimited."""
    user = enrolled()
    with caplog.at_level(logging.INFO, logger=EVENTS):
        limited = _guess_until_limited(client, user)
    assert '"event": "throttle_storage_failed"' in caplog.text
    assert limited.status_code == 429
    assert client.get("/dashboard").status_code == 302


# --- required for coordinators -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["school_coordinator", "coordinator"])
def test_setup_is_forced_for_coordinators_when_required(client, login, make_user, required, kind):
    """Item 5: with MFA_REQUIRED, coordinators are sent to the setup at their next request, from every page."""
    user = make_user(kind, locale="en")
    login(user)
    for path in ("/dashboard", "/account", "/schools"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/mfa/setup", path
    setup = client.get("/account/mfa/setup").get_data(as_text=True)
    assert "Please set up a second factor for your account first." in setup
    secret = db.session.get(User, user.id).mfa_secret  # waits on the account, not in the cookie
    client.post("/account/mfa/setup", data={"code": pyotp.TOTP(secret).now()})
    assert client.get("/dashboard").status_code == 200


def test_setup_is_not_forced_when_not_required_or_for_teachers(client, login, make_user, app):
    """Item 5: off by MFA_REQUIRED=false (the demo logs in with one step); offered, not forced, to teachers."""
    coordinator = make_user("school_coordinator")
    login(coordinator)
    assert client.get("/dashboard").status_code == 200
    _logout(client)
    app.config["MFA_REQUIRED"] = True
    try:
        teacher = make_user("teacher", locale="en")
        login(teacher)
        assert client.get("/dashboard").status_code == 200
        assert 'href="/account/mfa"' in client.get("/account").get_data(as_text=True)
    finally:
        app.config["MFA_REQUIRED"] = False


def test_pupils_get_no_second_factor(client, login, make_user, required):
    """Item 5: never for pupils: the pages refuse them and nothing forces them."""
    student = make_user("student")
    login(student)
    assert client.get("/dashboard").status_code == 200
    for path in ("/account/mfa", "/account/mfa/setup"):
        assert client.get(path).status_code == 403
    assert client.post("/account/mfa/setup", data={"code": "123456"}).status_code == 403
    assert 'href="/account/mfa"' not in client.get("/account").get_data(as_text=True)
    assert db.session.get(User, student.id).mfa_secret is None


# --- removal and reset -------------------------------------------------------------------------------------------


def test_teacher_removes_own_second_factor_with_password_and_code(client, enrolled):
    """Item 5: a teacher turns it off with the password and a code; an email tells them."""
    user = enrolled()
    mfa._new_recovery_codes(user)
    _log_in(client, user, user.totp.now())
    step = db.session.get(User, user.id).mfa_last_step
    next_code = user.totp.at((step + 1) * 30)
    wrong = client.post("/account/mfa/remove", data={"current": "not the password", "code": next_code})
    assert "Your current password is not correct." in wrong.get_data(as_text=True)
    assert db.session.get(User, user.id).mfa_enabled
    client.post("/account/mfa/remove", data={"current": PASSWORD, "code": next_code})
    user = db.session.get(User, user.id)
    assert not user.mfa_enabled and user.mfa_secret is None
    assert mfa.recovery_codes_left(user) == 0
    assert [m.subject for m in _mails(user)] == ["Second factor turned off"]
    _logout(client)
    assert _password_step(client, user).headers["Location"] == "/dashboard"


def test_required_user_cannot_remove_it(client, enrolled, required):
    """Item 5: where the role requires it, the own second factor can't be turned off (only reset by another)."""
    user = enrolled("school_coordinator")
    _log_in(client, user, user.totp.now())
    step = db.session.get(User, user.id).mfa_last_step
    response = client.post("/account/mfa/remove", data={"current": PASSWORD, "code": user.totp.at((step + 1) * 30)})
    assert "Your role requires a second factor." in response.get_data(as_text=True)
    assert db.session.get(User, user.id).mfa_enabled
    assert "Turn off the second factor" not in client.get("/account/mfa").get_data(as_text=True)


def test_school_coordinator_resets_a_staff_members_second_factor(
    client, login, make_user, make_school, enrolled, caplog
):
    """Item 5: a school coordinator resets a colleague's second factor from the staff page; logged and emailed."""
    school = make_school()
    coordinator = make_user("school_coordinator", school=school, locale="en", display_name="Dr. Jens Albers")
    teacher = enrolled("teacher", school=school)
    mfa._new_recovery_codes(teacher)
    login(coordinator)
    staff = client.get(f"/schools/{school.id}/staff").get_data(as_text=True)
    member_id = teacher.memberships[0].id
    action = f"/schools/{school.id}/staff/{member_id}/reset-mfa"
    assert f'action="{action}"' in staff and "data-confirm=" in staff
    with caplog.at_level(logging.INFO, logger=EVENTS):
        response = client.post(action)
    assert response.headers["Location"] == f"/schools/{school.id}/staff"
    teacher = db.session.get(User, teacher.id)
    assert not teacher.mfa_enabled and teacher.mfa_secret is None and mfa.recovery_codes_left(teacher) == 0
    assert '"event": "mfa_reset"' in caplog.text and f'"by": {coordinator.id}' in caplog.text
    (mail,) = _mails(teacher, "Second factor reset")
    assert "Dr. Jens Albers" in mail.body


def test_reset_only_for_the_own_school_and_by_the_foundation(client, login, make_user, make_school, enrolled):
    """Item 5: another school's coordinator can't reset; the foundation can; nobody resets their own."""
    school = make_school()
    teacher = enrolled("teacher", school=school)
    action = f"/schools/{school.id}/staff/{teacher.memberships[0].id}/reset-mfa"
    login(make_user("school_coordinator"))
    assert client.post(action).status_code == 403
    assert db.session.get(User, teacher.id).mfa_enabled
    _logout(client)

    own = enrolled("school_coordinator", school=school)
    _log_in(client, own, own.totp.now())
    client.post(f"/schools/{school.id}/staff/{own.memberships[0].id}/reset-mfa")
    assert db.session.get(User, own.id).mfa_enabled
    _logout(client)

    login(make_user("coordinator"))
    client.post(action)
    assert not db.session.get(User, teacher.id).mfa_enabled


def test_cli_reset_mfa_rescues_the_last_coordinator(runner, enrolled, caplog):
    """Item 5: `flask reset-mfa EMAIL` clears a coordinator's second factor; logged as a security event."""
    coordinator = enrolled("coordinator")
    with caplog.at_level(logging.INFO, logger=EVENTS):
        result = runner.invoke(args=["reset-mfa", coordinator.email.upper()])
    assert result.exit_code == 0, result.output
    assert f"The second factor of {coordinator.email} has been reset." in result.output
    assert not db.session.get(User, coordinator.id).mfa_enabled
    assert '"event": "mfa_reset"' in caplog.text and '"by": "cli"' in caplog.text
    assert len(_mails(coordinator, "Second factor reset")) == 1
    assert runner.invoke(args=["reset-mfa", "nobody@example.org"]).exit_code != 0


def test_second_step_is_limited_per_client_address_too(client, enrolled, app, monkeypatch):
    """Item 5: wrong codes for several accounts from one address run into the per-address limit."""
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "3 per 15 minutes")
    first, second = enrolled(), enrolled()
    for user in (first, first):
        _password_step(client, user)
        assert client.post("/login/verify", data={"code": _wrong(user)}).status_code == 401
    _password_step(client, second)
    assert client.post("/login/verify", data={"code": _wrong(second)}).status_code == 401
    limited = client.post("/login/verify", data={"code": second.totp.now()})
    assert limited.status_code == 429 and client.get("/dashboard").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, enrolled):
    """Item 5: new recovery codes (confirmed with a code) are shown once and the old ones stop working."""
    user = enrolled()
    old = mfa._new_recovery_codes(user)
    _log_in(client, user, user.totp.now())
    step = db.session.get(User, user.id).mfa_last_step
    page = client.post("/account/mfa/recovery-codes", data={"renew-code": user.totp.at((step + 1) * 30)})
    new = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", page.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    _logout(client)
    assert _log_in(client, user, old[0]).status_code == 401
    assert _log_in(client, user, new[0]).status_code == 302
