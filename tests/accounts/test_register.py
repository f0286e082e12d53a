import sqlalchemy as sa

from schoolpartners.accounts.models import ActionToken, TokenPurpose, User
from schoolpartners.accounts.services import issue_token
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification, OutboxEmail
from schoolpartners.sqltypes import utcnow
from tests.texts import shown

FORM = {
    "display_name": "Maria Hoffmann",
    "email": "Maria.Hoffmann@Example.org",
    "password": "a long enough password",
    "password2": "a long enough password",
    "accept_privacy": "y",
}


def _link_from(mail: OutboxEmail) -> str:
    line = next(part for part in mail.body.split() if part.startswith("http"))
    return line.replace("http://127.0.0.1:5000", "")  # SITE_URL


def test_register_creates_unconfirmed_staff_and_queues_mail_in_their_language(client):
    response = client.post("/register?lang=ru", data=FORM)
    # Not logged in: the answer is the same whether or not the address has an account (finding #23).
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    user = db.session.scalar(sa.select(User).where(User.email_key == "maria.hoffmann@example.org"))
    assert user.is_staff and user.email_confirmed_at is None and user.locale == "ru"
    assert user.timezone == "Europe/Moscow"
    assert user.password_hash.startswith("$argon2id$")
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.recipient == user.email))
    assert mail.locale == "ru" and "подтвердите адрес" in mail.subject


def test_unconfirmed_staff_cannot_act_until_the_link_is_confirmed(app, client):
    client.post("/register", data=FORM)
    client.post("/login", data={"email": FORM["email"], "password": FORM["password"]})
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"] == "/account/unconfirmed"
    mail = db.session.scalars(sa.select(OutboxEmail)).one()
    link = _link_from(mail)
    assert shown(app, "Confirm my email address") in client.get(link).get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302  # opening the link confirmed nothing
    assert client.post(link).status_code == 302
    assert client.get("/dashboard").status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email_key == "maria.hoffmann@example.org"))
    assert user.email_confirmed_at is not None
    assert db.session.scalar(sa.select(Notification.kind).where(Notification.user_id == user.id)) == "welcome"


def test_confirmation_link_works_once(client):
    client.post("/register", data=FORM)
    link = _link_from(db.session.scalars(sa.select(OutboxEmail)).one())
    client.post(link)
    again = client.post(link + "?lang=de")
    assert again.status_code == 400
    assert "ungültig oder wurde bereits verwendet" in again.get_data(as_text=True)


def test_expired_confirmation_link_is_refused(app, client, make_user):
    user = make_user("teacher", confirmed=False)
    with app.test_request_context():
        token = issue_token(user, TokenPurpose.confirm_email)
    row = db.session.scalar(sa.select(ActionToken).where(ActionToken.user_id == user.id))
    row.expires_at = utcnow().replace(year=2020)
    db.session.commit()
    response = client.post(f"/confirm/{token}?lang=ru")
    assert response.status_code == 400 and "истёк" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_confirmed_at is None


def test_duplicate_email_creates_nothing_whatever_its_case(client, make_user):
    existing = make_user("teacher")
    response = client.post("/register?lang=de", data={**FORM, "email": existing.email.upper()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.display_name == "Maria Hoffmann")) == 0


def test_bad_registration_input_changes_nothing(client):
    bad = {**FORM, "email": "not-an-email", "password2": "something else", "accept_privacy": ""}
    response = client.post("/register?lang=de", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Maria Hoffmann"' in html  # what was typed stays
    assert "gültige E-Mail-Adresse" in html
    assert "stimmen nicht überein" in html
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_short_password_is_refused(client):
    response = client.post("/register?lang=ru", data={**FORM, "password": "short", "password2": "short"})
    assert "от 10 до 128 символов" in response.get_data(as_text=True)
