import sqlalchemy as sa

from schoolpartners.accounts.models import ActionToken, UserSession
from schoolpartners.extensions import db
from schoolpartners.notifications.models import OutboxEmail
from schoolpartners.sqltypes import utcnow
from tests.factories import PASSWORD
from tests.texts import shown

NEW = "a brand new password"


def _reset_link(user) -> str:
    mail = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.recipient == user.email)).one()
    return next(p for p in mail.body.split() if p.startswith("http")).replace("http://127.0.0.1:5000", "")  # SITE_URL


def _open_sessions(user) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    )


def test_reset_answers_the_same_for_unknown_addresses(client, make_user):
    user = make_user("teacher")
    known = client.post("/reset?lang=de", data={"email": user.email}, follow_redirects=True)
    unknown = client.post("/reset?lang=de", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "Falls es zu dieser Adresse ein Konto gibt" in known.get_data(as_text=True)
    assert "Falls es zu dieser Adresse ein Konto gibt" in unknown.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 1


def test_reset_link_sets_a_new_password_once_and_ends_sessions(app, client, login, make_user):
    user = make_user("teacher", locale="ru")
    login(user)
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    client.post("/logout")
    client.post("/reset", data={"email": user.email})
    mail = db.session.scalars(sa.select(OutboxEmail)).one()
    assert mail.locale == "ru"
    link = _reset_link(user)
    response = client.post(link, data={"password": NEW, "password2": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _open_sessions(user) == 0
    assert other_device.get("/dashboard").status_code == 302
    assert client.post("/login", data={"email": user.email, "password": NEW}).status_code == 302
    # The link cannot be used again.
    reused = client.post(link + "?lang=de", data={"password": "another password!", "password2": "another password!"})
    assert reused.status_code == 400 and "bereits verwendet" in reused.get_data(as_text=True)


def test_expired_reset_link_is_refused_and_password_kept(client, make_user):
    user = make_user("teacher")
    client.post("/reset", data={"email": user.email})
    link = _reset_link(user)
    token_row = db.session.scalars(sa.select(ActionToken)).one()
    token_row.expires_at = utcnow().replace(year=2020)
    db.session.commit()
    response = client.post(link + "?lang=de", data={"password": NEW, "password2": NEW})
    assert response.status_code == 400 and "abgelaufen" in response.get_data(as_text=True)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_change_password_needs_the_current_one_and_signs_out_other_devices(app, client, login, make_user):
    user = make_user("teacher")
    login(user)
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    wrong = client.post("/account/password?lang=de", data={"current": "wrong one", "password": NEW, "password2": NEW})
    assert "Ihr aktuelles Passwort ist nicht richtig." in wrong.get_data(as_text=True)
    response = client.post("/account/password", data={"current": PASSWORD, "password": NEW, "password2": NEW})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this device stays logged in
    assert other_device.get("/dashboard").status_code == 302  # the other one is out
    assert _open_sessions(user) == 1


def test_change_email_takes_effect_after_confirmation(app, client, login, make_user):
    user = make_user("teacher")
    other = make_user("teacher")
    login(user)
    taken = client.post("/account/email?lang=de", data={"email": other.email, "current": PASSWORD})
    assert "gibt es bereits ein Konto" in taken.get_data(as_text=True)
    wrong = client.post("/account/email?lang=de", data={"email": "new@example.org", "current": "nope"})
    assert "aktuelles Passwort ist nicht richtig" in wrong.get_data(as_text=True)
    assert client.post("/account/email", data={"email": "New@Example.org", "current": PASSWORD}).status_code == 302
    db.session.refresh(user)
    old_email = user.email
    assert user.email != "New@Example.org"
    mail = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.recipient == "New@Example.org")).one()
    link = next(p for p in mail.body.split() if p.startswith("http")).replace("http://127.0.0.1:5000", "")  # SITE_URL
    # Opening the link only shows a button (finding #23); pressing it confirms.
    assert shown(app, "Use this email address") in client.get(link).get_data(as_text=True)
    db.session.refresh(user)
    assert user.email == old_email
    assert client.post(link).status_code == 302
    db.session.refresh(user)
    assert user.email == "New@Example.org" and user.email_key == "new@example.org"
    # The old address is told.
    assert db.session.scalar(sa.select(OutboxEmail.id).where(OutboxEmail.recipient == old_email)) is not None


def test_profile_saves_language_and_time_zone(client, login, make_user):
    user = make_user("teacher")
    login(user)
    response = client.post(
        "/account", data={"display_name": "  Neue Name ", "locale": "ru", "timezone": "Europe/Samara"}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.display_name, user.locale, user.timezone) == ("Neue Name", "ru", "Europe/Samara")
    assert 'lang="ru"' in client.get("/account").get_data(as_text=True)


def test_profile_rejects_unknown_choices(client, login, make_user):
    user = make_user("teacher")
    login(user)
    response = client.post("/account?lang=de", data={"display_name": "X", "locale": "fr", "timezone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.locale, user.timezone) == ("de", "Europe/Berlin")
