"""admin.hamburg finds the suggested St. Petersburg school and asks in German; its coordinator accepts in
Russian; both see the new partnership with the contact persons."""

import pytest

from .conftest import check_accessibility, screenshot

pytestmark = pytest.mark.e2e


def log_in(page, email, lang):
    page.goto(f"/login?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill("demo-2026")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/dashboard")


def log_out(page):
    page.locator("header form[action='/logout'] button").click()
    page.wait_for_url("**/")


def test_hamburg_asks_st_petersburg_accepts(page):
    page.on("dialog", lambda dialog: dialog.accept())  # confirm() before binding actions
    log_in(page, "admin.hamburg@example.org", "de")
    page.get_by_role("link", name="Partnerschulen").click()
    first = page.locator("ol.suggestions > li").first
    assert "Гимназия № 1957 «Невская»" in first.inner_text()
    assert "Partnerstädte seit 1957 (ruht)" in first.inner_text()
    check_accessibility(page)
    screenshot(page, "suggestions-de")

    first.get_by_role("link", name="Гимназия № 1957 «Невская»").click()
    check_accessibility(page)
    page.get_by_role("link", name="Schulpartnerschaft anfragen").click()
    check_accessibility(page)
    page.get_by_label("Nachricht auf Deutsch").fill("Wir möchten gemeinsam die Geschichte unserer Städte erforschen.")
    page.get_by_label("Geschichte").check()
    page.get_by_role("button", name="Anfrage senden").click()
    page.wait_for_url("**/requests/*")
    assert "Wir möchten gemeinsam" in page.locator("main").inner_text()
    check_accessibility(page)
    log_out(page)

    log_in(page, "admin.newa@example.org", "ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    page.get_by_role("link", name="Заявки").click()
    page.get_by_role("link", name="Gymnasium Am Elbufer").first.click()
    check_accessibility(page)
    page.get_by_label("Наше контактное лицо").select_option(label="Светлана Васильева")
    page.get_by_role("button", name="Принять").click()
    page.wait_for_url("**/partnerships/*")
    main = page.locator("main").inner_text()
    assert "Gymnasium Am Elbufer" in main and "Гимназия № 1957 «Невская»" in main
    assert "Dr. Jens Albers" in main and "admin.hamburg@example.org" in main
    assert "Светлана Васильева" in main
    check_accessibility(page)
    screenshot(page, "partnership-ru")
    partnership_url = page.url
    log_out(page)

    log_in(page, "admin.hamburg@example.org", "de")
    page.goto(partnership_url)
    main = page.locator("main").inner_text()
    assert "Светлана Васильева" in main and "admin.newa@example.org" in main
    assert "Ansprechperson" in main
    check_accessibility(page)
