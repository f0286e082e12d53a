"""First journey: a Hamburg teacher logs in, switches to Russian, sees the dashboard in Russian, logs out."""

import pytest

from .conftest import check_accessibility, screenshot

pytestmark = pytest.mark.e2e


def test_teacher_logs_in_switches_to_russian_and_logs_out(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "de"
    check_accessibility(page)
    page.get_by_role("link", name="Anmelden").first.click()
    check_accessibility(page)
    page.get_by_label("E-Mail-Adresse oder Benutzername").fill("teacher.hamburg@example.org")
    page.get_by_label("Passwort").fill("demo-2026")
    page.locator("main").get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/dashboard")
    assert "Gymnasium Am Elbufer" in page.locator("main").inner_text()
    check_accessibility(page)
    screenshot(page, "dashboard-de")

    page.get_by_role("link", name="Русский").click()
    page.wait_for_url("**/dashboard?lang=ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    main_text = page.locator("main").inner_text()
    assert "Здравствуйте, Anna Becker" in main_text
    assert "Ваша школа" in main_text
    check_accessibility(page)
    screenshot(page, "dashboard-ru")

    # The choice sticks: without ?lang= the next page is still Russian.
    page.goto("/notifications")
    assert page.locator("html").get_attribute("lang") == "ru"

    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/")
    page.goto("/dashboard")
    assert "/login" in page.url
    check_accessibility(page)
