import logging

import pytest
import sqlalchemy as sa

from schoolpartners.accounts.models import UserSession
from schoolpartners.extensions import db
from tests.factories import PASSWORD

WRONG = "Die E-Mail-Adresse bzw. der Benutzername oder das Passwort ist falsch."


def _login(client, login, password=PASSWORD, **headers):
    return client.post("/login", data={"email": login, "password": password}, headers=headers)


def test_login_page_labels_the_field_email_or_username(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html
    assert "Email or username" in html


def test_staff_logs_in_with_email_in_any_case(client, make_user):
    user = make_user("teacher")
    response = _login(client, user.email.upper())
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_student_logs_in_with_username(client, make_user):
    student = make_user("student")
    assert _login(client, student.username.upper()).status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert student.display_name in page


@pytest.mark.parametrize("who", ["wrong_password", "unknown_email", "inactive"])
def test_failures_get_one_message(client, make_user, who, caplog):
    user = make_user("teacher", is_active=who != "inactive")
    login = "nobody@example.org" if who == "unknown_email" else user.email
    password = "not the password" if who == "wrong_password" else PASSWORD
    with caplog.at_level(logging.INFO, logger="schoolpartners.events"):
        response = _login(client, login, password, **{"Accept-Language": "de"})
    assert response.status_code == 401
    assert WRONG in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    assert '"event": "login_failed"' in caplog.text


def test_login_keeps_what_was_typed_and_shows_error_next_to_field(client):
    response = client.post("/login?lang=de", data={"email": "someone@example.org", "password": ""})
    html = response.get_data(as_text=True)
    assert 'value="someone@example.org"' in html
    assert "Bitte füllen Sie dieses Feld aus." in html


def test_session_id_changes_at_login(client, make_user):
    user = make_user("teacher")
    with client.session_transaction() as sess:
        sess["sid"] = "planted-by-attacker"
        sess["marker"] = "old"
    _login(client, user.email)
    with client.session_transaction() as sess:
        assert sess["sid"] != "planted-by-attacker"
        assert "marker" not in sess


def test_logout_ends_the_session_on_the_server(app, client, make_user):
    user = make_user("teacher")
    _login(client, user.email)
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/dashboard").status_code == 302  # back to the login page
    open_sessions = db.session.scalar(
        sa.select(sa.func.count()).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    )
    assert open_sessions == 0


def test_logout_requires_post(client, make_user):
    _login(client, make_user("teacher").email)
    assert client.get("/logout").status_code == 405
    assert client.get("/dashboard").status_code == 200


def test_next_parameter_only_redirects_on_site(client, make_user):
    user = make_user("teacher")
    response = client.post("/login?next=https://evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"
    client.post("/logout")
    response = client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account"


def test_account_is_throttled_after_ten_failures(client, make_user):
    user = make_user("teacher")
    for _ in range(10):
        assert _login(client, user.email, "wrong password").status_code == 401
    # Even the right password is refused while the account is throttled.
    response = _login(client, user.email, **{"Accept-Language": "ru"})
    assert response.status_code == 429
    assert "Слишком много неудачных попыток" in response.get_data(as_text=True)
    # Another account from the same address is unaffected.
    other = make_user("teacher")
    assert _login(client, other.email).status_code == 302


def test_a_class_behind_one_router_can_log_in(client, app, make_user, make_school):
    school = make_school()
    students = [make_user("student", school=school) for _ in range(30)]
    for student in students:
        assert _login(client, student.username).status_code == 302
        client.post("/logout")


def test_ip_is_throttled_after_its_failure_budget(client, app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "5 per 15 minutes")
    for n in range(5):
        _login(client, f"guess{n}@example.org", "x")
    user = make_user("teacher")
    assert _login(client, user.email).status_code == 429
