"""Account takeover: links on the site's own address, redirects, recovery, limits, confirmation, the outbox."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

import config
from config import TestConfig
from schoolpartners import create_app
from schoolpartners.accounts.models import ActionToken, TokenPurpose, User
from schoolpartners.accounts.services import issue_token
from schoolpartners.extensions import db, limiter
from schoolpartners.notifications.models import OutboxEmail, OutboxState
from schoolpartners.notifications.services import deliver_due, queue_email
from schoolpartners.sqltypes import utcnow
from tests.factories import PASSWORD
from tests.texts import translated

SITE = "http://127.0.0.1:5000"  # TestConfig's SITE_URL
NEW = "a brand new password"


def _mails_to(address: str) -> list[OutboxEmail]:
    return list(db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.recipient == address)))


def _link(mail: OutboxEmail) -> str:
    return next(part for part in mail.body.split() if part.startswith("http"))


def _path(mail: OutboxEmail) -> str:
    return _link(mail).removeprefix(SITE)


# --- #3: every email link on SITE_URL ----------------------------------------------------------------------------


def test_reset_link_is_on_the_site_url_whatever_the_host_header(client, make_user):
    """Finding #3: a reset requested with `Host: attacker.example` still mails a link to the site itself."""
    user = make_user("teacher")
    client.post("/reset", data={"email": user.email}, base_url="http://attacker.example")
    (mail,) = _mails_to(user.email)
    assert _link(mail).startswith(f"{SITE}/reset/")
    assert "attacker.example" not in mail.body


def test_notification_links_are_on_the_site_url(client, make_user, make_school):
    """Finding #3: a notification email caused by someone's request to another host links to SITE_URL."""
    school = make_school()
    head = make_user("school_coordinator", school=school)
    asking = make_user("teacher")
    attacker_host = "http://attacker.example"
    client.post("/login", data={"email": asking.email, "password": PASSWORD}, base_url=attacker_host)
    client.post(f"/schools/{school.id}/join", base_url=attacker_host)
    (mail,) = _mails_to(head.email)
    assert _link(mail).startswith(f"{SITE}/schools/{school.id}/staff")
    assert "attacker.example" not in mail.body


# --- item 4 and #5: a production configuration safe by default ---------------------------------------------------


@pytest.fixture
def prod_like_app(app):
    """A second app with ProdConfig's host, HSTS and proxy settings (one trusted proxy hop) on the test database."""

    class ProdLike(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        TRUSTED_HOSTS = ["schoolpartners.example"]
        HSTS_SECONDS = config.ProdConfig.HSTS_SECONDS
        PROXY_FIX_X_FOR = 1

    second = create_app(ProdLike)
    yield second
    with second.app_context():
        db.engine.dispose()
    limiter.init_app(app)  # the extension is shared: point it back at the suite's storage


def test_production_config_trusts_only_its_own_host_and_sends_hsts(monkeypatch):
    """Item 4: ProdConfig answers only to SITE_URL's host (or TRUSTED_HOSTS), sends HSTS and Secure cookies."""
    assert config.ProdConfig.TRUSTED_HOSTS == ["127.0.0.1"]
    assert config.ProdConfig.HSTS_SECONDS >= 180 * 24 * 3600
    assert config.ProdConfig.SESSION_COOKIE_SECURE is True
    assert config.ProdConfig.OUTBOX_SHOW_BODIES is False


def test_other_hosts_are_refused_and_hsts_is_sent(prod_like_app):
    """Item 4 / finding #3: a request for another host is refused; the site's own host gets HSTS."""
    client = prod_like_app.test_client()
    assert client.get("/", base_url="http://attacker.example").status_code == 400
    response = client.get("/", base_url="https://schoolpartners.example")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_behind_a_proxy_each_client_has_its_own_ip_budget(prod_like_app, monkeypatch):
    """Finding #5: with one trusted proxy hop, one client's failures don't lock out the others behind the proxy."""
    monkeypatch.setitem(prod_like_app.config, "LOGIN_LIMIT_PER_IP", "3 per 15 minutes")
    client = prod_like_app.test_client()

    def attempt(ip: str, login: str):
        return client.post(
            "/login",
            data={"email": login, "password": "wrong"},
            base_url="https://schoolpartners.example",
            headers={"X-Forwarded-For": ip},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )

    for n in range(3):
        assert attempt("203.0.113.7", f"guess{n}@example.org").status_code == 401
    assert attempt("203.0.113.7", "guess9@example.org").status_code == 429
    # Another client behind the same proxy still gets its answer.
    response = attempt("198.51.100.2", "someone@example.org")
    assert response.status_code == 401
    assert "Die E-Mail-Adresse bzw. der Benutzername oder das Passwort ist falsch" in response.get_data(as_text=True)


def test_proxy_headers_are_ignored_without_a_configured_hop(client, app, monkeypatch):
    """Finding #5: without PROXY_FIX_X_FOR anyone could pick an address per request, so X-Forwarded-For is ignored."""
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "3 per 15 minutes")
    for n in range(3):
        forged = {"X-Forwarded-For": f"10.0.0.{n}"}
        client.post("/login", data={"email": f"g{n}@example.org", "password": "x"}, headers=forged)
    forged = {"X-Forwarded-For": "10.9.9.9"}
    response = client.post("/login", data={"email": "g9@example.org", "password": "x"}, headers=forged)
    assert response.status_code == 429


# --- #4: open redirect after login --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/phish",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "/%20/evil.example",
        "/%5C/evil.example",
        "%2F%2Fevil.example",
        "https:/evil.example",
        "/%E2%80%83/evil.example",
    ],
)
def test_next_parameter_cannot_leave_the_site(client, make_user, target):
    """Finding #4: `next` with control characters, spaces or backslashes leads to the dashboard, never off site."""
    user = make_user("teacher")
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_a_next_path_on_the_site_is_kept(client, make_user):
    """Finding #4: a plain path on the site still works after login."""
    user = make_user("teacher")
    response = client.post("/login?next=/account%3Ftab%3D1", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account?tab=1"


# --- #12: recovery removes the attacker -------------------------------------------------------------------------


def test_password_reset_voids_a_pending_email_change(client, login, make_user):
    """Finding #12: an attacker's pending email change dies with the victim's password reset."""
    victim = make_user("teacher")
    original = victim.email
    attacker = client  # holding the victim's password and session
    login(victim)
    attacker.post("/account/email", data={"email": "attacker@evil.example", "current": PASSWORD})
    (change_mail,) = _mails_to("attacker@evil.example")
    change_link = _path(change_mail)
    attacker.post("/logout")
    # The victim resets the password.
    victim_client = client.application.test_client()
    victim_client.post("/reset", data={"email": original})
    reset_mail = next(m for m in _mails_to(original) if "/reset/" in m.body)
    victim_client.post(_path(reset_mail), data={"password": NEW, "password2": NEW})
    # The attacker's link no longer works, however it is opened.
    attacker.get(change_link)
    attacker.post(change_link)
    db.session.refresh(victim)
    assert victim.email == original
    open_tokens = db.session.scalar(
        sa.select(sa.func.count(ActionToken.id)).where(ActionToken.user_id == victim.id, ActionToken.used_at.is_(None))
    )
    assert open_tokens == 0


def test_password_change_voids_open_reset_links(app, client, login, make_user):
    """Finding #12: after changing the password, an older reset link (maybe in someone else's hands) is dead."""
    user = make_user("teacher")
    with app.test_request_context():
        token = issue_token(user, TokenPurpose.reset_password)
    db.session.commit()
    login(user)
    client.post("/account/password", data={"current": PASSWORD, "password": NEW, "password2": NEW})
    client.post("/logout")
    chosen = "attacker's choice!"
    response = client.post(f"/reset/{token}?lang=en", data={"password": chosen, "password2": chosen})
    assert response.status_code == 400
    assert "invalid or has already been used" in response.get_data(as_text=True)
    assert client.post("/login", data={"email": user.email, "password": NEW}).status_code == 302


# --- #15 and item 8: limits on guessing and flooding ------------------------------------------------------------------


def test_login_limit_is_one_budget_per_account_whatever_name_is_typed(client, make_user):
    """Finding #15: a username and an email of one account share one budget of 10 guesses, not 10 + 10."""
    user = make_user("teacher")
    user.set_username("lehrerin.k")
    db.session.commit()
    for n in range(10):
        name = user.email if n % 2 else "Lehrerin.K"
        assert client.post("/login", data={"email": name, "password": "wrong"}).status_code == 401
    response = client.post("/login?lang=en", data={"email": "lehrerin.k", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_unknown_names_are_limited_the_same_way(client):
    """Finding #15: a name without an account is refused after the same 10 guesses, so the limit tells nothing."""
    for _ in range(10):
        assert client.post("/login", data={"email": "nobody@example.org", "password": "x"}).status_code == 401
    response = client.post("/login?lang=en", data={"email": "Nobody@Example.org ", "password": "x"})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_current_password_checks_are_limited(client, login, make_user):
    """Finding #16: on a shared computer the current-password fields can't be used to guess the password."""
    user = make_user("teacher")
    login(user)
    old_hash = user.password_hash
    for n in range(10):
        url = "/account/password" if n % 2 else "/account/email"
        client.post(url, data={"current": f"guess {n}", "password": NEW, "password2": NEW, "email": "x@example.org"})
    response = client.post("/account/password?lang=en", data={"current": PASSWORD, "password": NEW, "password2": NEW})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_reset_requests_are_limited_per_address(client, make_user):
    """Finding #16 / item 8: /reset can't flood someone's inbox; the refusal is translated and sends nothing.
    The budget is per address from one client (MAIL_LIMIT_PER_ADDRESS), so another address still gets its mail;
    other clients asking for the same address: tests/accounts/test_review_followups.py."""
    user, other = make_user("teacher"), make_user("teacher")
    for _ in range(5):
        client.post("/reset", data={"email": user.email})
    response = client.post("/reset?lang=en", data={"email": user.email.upper()})
    assert response.status_code == 429
    assert "Too many emails were requested" in response.get_data(as_text=True)
    assert len(_mails_to(user.email)) == 5
    assert client.post("/reset", data={"email": other.email}).status_code == 302
    assert len(_mails_to(other.email)) == 1


def test_reset_requests_are_limited_per_ip(client, app, make_user, monkeypatch):
    """Finding #16 / item 8: one address can't send reset mails to many people either."""
    monkeypatch.setitem(app.config, "MAIL_LIMIT_PER_IP", "3 per hour")
    users = [make_user("teacher") for _ in range(4)]
    for user in users[:3]:
        client.post("/reset", data={"email": user.email})
    assert client.post("/reset", data={"email": users[3].email}).status_code == 429
    assert _mails_to(users[3].email) == []


def test_registration_is_limited_per_address(client):
    """Finding #16 / item 8: /register can't be used to flood an address with confirmation mails."""
    form = {"display_name": "X", "password": "a long enough password", "password2": "a long enough password"}
    form.update(email="victim@example.org", accept_privacy="y")
    for _ in range(5):
        client.post("/register", data=form)
    response = client.post("/register?lang=en", data=form)
    assert response.status_code == 429
    assert "Too many emails were requested" in response.get_data(as_text=True)
    assert len(_mails_to("victim@example.org")) == 5


def test_confirmation_resends_are_limited(client, login, make_user):
    """Finding #16 / item 8: "send the link again" is limited per address."""
    user = make_user("teacher", confirmed=False)
    login(user)
    for _ in range(5):
        client.post("/account/resend-confirmation")
    response = client.post("/account/resend-confirmation?lang=en")
    assert response.status_code == 429
    assert "Too many emails were requested" in response.get_data(as_text=True)
    assert len(_mails_to(user.email)) == 5


# --- #23: pre-hijacking and registered addresses --------------------------------------------------------------------


def test_opening_a_confirmation_link_confirms_nothing(app, client, make_user):
    """Finding #23: a mail scanner that GETs the link does not confirm; the button on the page does."""
    user = make_user("teacher", confirmed=False)
    with app.test_request_context():
        token = issue_token(user, TokenPurpose.confirm_email)
    db.session.commit()
    page = client.get(f"/confirm/{token}?lang=en")
    assert page.status_code == 200 and "Confirm my email address" in page.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_confirmed_at is None
    client.post(f"/confirm/{token}")
    db.session.refresh(user)
    assert user.email_confirmed_at is not None


def test_registration_answers_the_same_for_a_taken_address(app, client, make_user):
    """Finding #23: registering a taken address looks like any registration; the owner is told by email."""
    owner = make_user("teacher")
    form = {"display_name": "Eve", "password": "a long enough password", "password2": "a long enough password"}
    form["accept_privacy"] = "y"
    fresh = client.post("/register?lang=en", data={**form, "email": "fresh@example.org"}, follow_redirects=True)
    client.post("/logout")
    taken = client.post("/register?lang=en", data={**form, "email": owner.email.upper()}, follow_redirects=True)
    fresh_text = fresh.get_data(as_text=True).replace("fresh@example.org", "ADDRESS")
    taken_text = taken.get_data(as_text=True).replace(owner.email.upper(), "ADDRESS")
    assert fresh.status_code == taken.status_code == 200
    assert "already exists" not in taken_text
    assert "We sent a link to ADDRESS" in fresh_text and "We sent a link to ADDRESS" in taken_text
    (warning,) = _mails_to(owner.email)
    # In the owner's language, not the one the registration form was used in.
    assert warning.locale == owner.locale
    assert warning.subject == translated(app, "Someone tried to register with your email address", owner.locale)
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.display_name == "Eve")) == 1


# --- #27: the outbox keeps no live links -----------------------------------------------------------------------------


def test_bodies_are_blanked_once_sent(app, make_user):
    """Finding #27: a sent email keeps its subject but not its body (with live reset and invitation links)."""
    user = make_user("teacher")
    with app.test_request_context():
        queue_email(user.email, "en", "reset_password", user=user, link=f"{SITE}/reset/secret-token", hours=2)
    db.session.flush()
    counts = deliver_due(lambda mail: None, now=utcnow() + timedelta(seconds=1))
    assert counts["sent"] == 1
    (mail,) = _mails_to(user.email)
    assert mail.state is OutboxState.sent and mail.subject
    assert "secret-token" not in mail.body and mail.body == ""


def test_outbox_bodies_are_never_shown_in_production(monkeypatch):
    """Finding #27: OUTBOX_SHOW_BODIES is for local development; a production config with it refuses to start."""
    monkeypatch.setenv("SECRET_KEY", "x" * 40)

    class Careless(config.ProdConfig):
        OUTBOX_SHOW_BODIES = True

    with pytest.raises(RuntimeError, match="OUTBOX_SHOW_BODIES"):
        Careless.check()
