"""Item 5 (MFA for staff), with MFA_REQUIRED switched on: a new school coordinator of Gymnasium Am Elbufer logs in,
is sent to the setup of a second factor, scans (reads) the key, confirms with a code, logs out, and logs in again
with the password and then a code from the app; in German, with the account page checked in Russian too."""

import pyotp
import pytest
import sqlalchemy as sa

from schoolpartners.accounts.models import User, UserRole
from schoolpartners.accounts.services import hash_password
from schoolpartners.extensions import db
from schoolpartners.schools.models import MembershipStatus, School, StaffMembership, StaffRole
from schoolpartners.sqltypes import utcnow

from .conftest import check_accessibility, screenshot

pytestmark = pytest.mark.e2e

EMAIL = "mfa.coordinator@example.org"
PASSWORD = "demo-2026"


@pytest.fixture
def mfa_required(live_app):
    """MFA_REQUIRED on for this journey only (the other journeys log in with one step, like the demo)."""
    live_app.config["MFA_REQUIRED"] = True
    yield
    live_app.config["MFA_REQUIRED"] = False


@pytest.fixture
def school_coordinator(live_app):
    """A school coordinator of its own (so no other journey's demo account gets a second factor)."""
    with live_app.app_context():
        school = db.session.scalar(sa.select(School).where(School.name == "Gymnasium Am Elbufer"))
        user = User(
            role=UserRole.staff,
            display_name="Katrin Vogel",
            password_hash=hash_password(PASSWORD),
            locale="de",
            timezone="Europe/Berlin",
            email_confirmed_at=utcnow(),
        )
        user.set_email(EMAIL)
        db.session.add(user)
        db.session.flush()
        db.session.add(
            StaffMembership(
                user_id=user.id,
                school_id=school.id,
                role=StaffRole.school_coordinator,
                status=MembershipStatus.active,
            )
        )
        db.session.commit()
        user_id = user.id
    yield user_id
    with live_app.app_context():
        db.session.execute(sa.delete(User).where(User.id == user_id))
        db.session.commit()


def _last_step(live_app, user_id) -> int:
    with live_app.app_context():
        return db.session.get(User, user_id).mfa_last_step


def _submit(page):
    page.locator("main form button[type=submit]").last.click()


def test_school_coordinator_sets_up_totp_and_logs_in_with_it(page, live_app, mfa_required, school_coordinator):
    page.goto("/login?lang=de")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    # Required for school coordinators: every page leads to the setup first.
    page.wait_for_url("**/account/mfa/setup")
    assert page.locator("html").get_attribute("lang") == "de"
    page.goto("/schools")
    page.wait_for_url("**/account/mfa/setup")

    qr = page.locator("main img[src^='data:image/svg+xml']")
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0  # drawn: the CSP lets it in
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    assert len(secret) == 32
    check_accessibility(page)
    screenshot(page, "mfa-setup-de")

    page.locator("#code").fill(pyotp.TOTP(secret).now())
    _submit(page)
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(len(code) == 11 for code in codes)
    check_accessibility(page)
    page.locator("main a[href='/dashboard']").click()
    page.wait_for_url("**/dashboard")
    assert "Katrin Vogel" in page.locator("header").inner_text()

    page.locator("header form[action='/logout'] button").click()
    page.wait_for_url("**/")

    # The password alone is not enough any more.
    page.goto("/login?lang=de")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/login/verify**")
    page.goto("/dashboard")
    page.wait_for_url("**/login**")
    page.go_back()
    page.wait_for_url("**/login/verify**")
    check_accessibility(page)
    # The code of the step after the one used at the setup (each step works once).
    step = _last_step(live_app, school_coordinator)
    page.locator("#code").fill(pyotp.TOTP(secret).at((step + 1) * 30))
    _submit(page)
    page.wait_for_url("**/dashboard")
    assert "Katrin Vogel" in page.locator("header").inner_text()

    # One page in Russian: the account's second-factor page.
    page.goto("/account/mfa?lang=ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("main h1").inner_text() == "Учётная запись"
    assert page.locator("#mfa-state").is_visible()
    check_accessibility(page)
    screenshot(page, "mfa-account-ru")
