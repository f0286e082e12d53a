"""teacher.hamburg runs a pairing round in German, teacher.spb approves it in Russian; student.hamburg and
student.spb write to each other in the language they learn and log a session; the teacher sees the balance."""

import pytest

from .conftest import check_accessibility, screenshot
from .test_partnership_journey import log_in, log_out

pytestmark = pytest.mark.e2e


def test_pairing_round_to_a_logged_session(page):
    page.on("dialog", lambda dialog: dialog.accept())  # confirm() before binding actions

    # teacher.hamburg runs the round for 9b and 9Б, in German.
    log_in(page, "teacher.hamburg@example.org", "de")
    page.get_by_role("link", name="Tandems", exact=True).click()
    check_accessibility(page)
    page.get_by_role("link", name="Tandems und Tandemvermittlung").click()
    overview_url = page.url
    check_accessibility(page)
    page.get_by_role("button", name="Tandemvermittlung starten").click()
    page.wait_for_url("**/tandem/rounds/*")
    main = page.locator("main").inner_text()
    assert "Alina Kusnezow" in main and "Russisch ↔ Deutsch" in main
    assert "Lena Schmidt" not in main  # already in a tandem with Иван
    check_accessibility(page)
    round_url = page.url
    page.get_by_role("button", name="Für meine Schule zustimmen").click()
    page.wait_for_url(round_url)
    assert "Zustimmung fehlt" in page.locator("main").inner_text()
    log_out(page)

    # teacher.spb finds it on her dashboard and approves it in Russian: the pairs are published.
    log_in(page, "teacher.spb@example.org", "ru")
    page.get_by_role("link", name="Предложенные пары для тандема (9b ↔ 9Б) ждут вашего утверждения.").click()
    check_accessibility(page)
    page.get_by_role("button", name="Утвердить от имени моей школы").click()
    page.wait_for_url(round_url)
    assert "опубликовано" in page.locator("main").inner_text()
    screenshot(page, "tandem-round-ru")
    log_out(page)

    # student.hamburg writes in Russian and logs a session.
    log_in(page, "student.hamburg@example.org", "de")
    page.get_by_role("link", name="Mein Tandem", exact=True).click()
    page.get_by_role("link", name="Tandemprofil ändern").click()
    check_accessibility(page)  # the weekly grid of times is a table of labelled checkboxes
    screenshot(page, "tandem-profile-de")
    page.get_by_label("Sa 10:00–12:00").check()
    page.get_by_role("button", name="Speichern").click()
    assert "Dein Tandemprofil ist gespeichert." in page.locator("main").inner_text()
    page.get_by_role("link", name="Öffnen").first.click()
    pair_url = page.url
    assert "Gesprächsimpuls der Woche" in page.locator("main").inner_text()
    page.get_by_role("textbox", name="Nachricht").fill("Привет, Иван! В субботу я была в музее истории Гамбурга.")
    page.get_by_role("button", name="Senden").click()
    page.wait_for_url(f"{pair_url}#message-*")
    page.get_by_label("Minuten auf Deutsch").fill("15")
    page.get_by_label("Minuten auf Russisch").fill("30")
    page.get_by_label("Themen").fill("Museen / музеи")
    page.get_by_role("button", name="Treffen eintragen").click()
    assert "Museen / музеи" in page.locator("#sessions").inner_text()
    check_accessibility(page)
    log_out(page)

    # student.spb reads it and answers in German.
    log_in(page, "student.spb@example.org", "ru")
    page.get_by_role("link", name="Мой тандем", exact=True).click()
    page.get_by_role("link", name="Открыть").first.click()
    assert "музее истории Гамбурга" in page.locator("main").inner_text()
    page.get_by_role("textbox", name="Сообщение").fill("Hallo Lena! Welches Museum war das? Ich war in der Eremitage.")
    page.get_by_role("button", name="Отправить").click()
    page.wait_for_url(f"{pair_url}#message-*")
    check_accessibility(page)
    screenshot(page, "tandem-pair-ru")
    log_out(page)

    # teacher.hamburg sees the pair's sessions and balance in the overview.
    log_in(page, "teacher.hamburg@example.org", "de")
    page.goto(overview_url)
    screenshot(page, "tandem-overview-de")
    row = page.locator("tr", has_text="Lena Schmidt")
    assert "3" in row.inner_text() and "%" in row.inner_text()
    page.goto(pair_url)
    balance = page.locator("#balance").inner_text()
    assert "Deutsch: 60 Minuten" in balance and "Russisch: 75 Minuten" in balance
