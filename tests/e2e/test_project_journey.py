"""teacher.hamburg starts a project from the template in German; teacher.spb confirms it in Russian and adds
her class; student.spb hands in work in Russian; teacher.hamburg gives feedback in German; both complete
and publish it; a certificate is downloaded."""

import pytest

from .conftest import check_accessibility, screenshot
from .test_partnership_journey import log_in, log_out

pytestmark = pytest.mark.e2e
TITLE = "Zeitzeugen an Elbe und Newa"


def test_project_from_template_to_certificate(page, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())  # confirm() before binding actions

    # teacher.hamburg starts the project from the history template, in German.
    log_in(page, "teacher.hamburg@example.org", "de")
    page.get_by_role("link", name="Projekte", exact=True).click()
    page.get_by_role("link", name="Neues Projekt").first.click()
    check_accessibility(page)
    page.get_by_role("link", name="Diese Vorlage verwenden").first.click()
    assert "Archiv" in page.locator("#description_de").input_value()
    page.locator("#title_de").fill(TITLE)
    page.locator("#title_ru").fill("Очевидцы на Эльбе и Неве")
    page.get_by_label("9b").check()
    page.get_by_role("button", name="Entwurf speichern und Partnerschule fragen").click()
    page.wait_for_url("**/projects/*")
    main = page.locator("main").inner_text()
    assert TITLE in main and "Entwurf" in main and "Bestätigung fehlt" in main
    check_accessibility(page)
    project_url = page.url
    log_out(page)

    # teacher.spb confirms in Russian and adds her class.
    log_in(page, "teacher.spb@example.org", "ru")
    page.get_by_role("link", name="«Очевидцы на Эльбе и Неве» ждёт подтверждения вашей школы.").click()
    check_accessibility(page)
    page.get_by_role("button", name="Подтвердить проект как контактное лицо").click()
    page.wait_for_url(project_url)
    assert "действует" in page.locator("main").inner_text()
    page.get_by_role("link", name="Редактировать", exact=True).first.click()
    page.get_by_label("9Б").check()
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(project_url)
    screenshot(page, "project-ru")
    log_out(page)

    # student.spb hands in work in Russian.
    log_in(page, "student.spb@example.org", "ru")
    page.get_by_role("link", name="Мои проекты").click()
    page.get_by_role("link", name="Очевидцы на Эльбе и Неве").click()
    page.locator("main h3 a").first.click()
    check_accessibility(page)
    work = tmp_path / "Интервью с очевидцем.pdf"
    work.write_bytes(  # a PDF with one page: stored PDFs are opened and rewritten without metadata (Finding #6)
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    page.locator("#text").fill("Мы поговорили с бабушкой Анны о 1990-х годах.")
    page.locator("#files").set_input_files(str(work))
    page.get_by_role("button", name="Сдать", exact=True).click()
    page.wait_for_url("**/submissions/*")
    main = page.locator("main").inner_text()
    assert "Интервью с очевидцем.pdf" in main and "Мы поговорили" in main
    check_accessibility(page)
    log_out(page)

    # teacher.hamburg gives feedback in German and completes the project.
    log_in(page, "teacher.hamburg@example.org", "de")
    page.goto(project_url)
    page.locator("main h3 a").first.click()
    page.get_by_role("link", name="Иван Петров").click()
    page.get_by_label("Rückmeldung").fill("Sehr anschaulich, danke! Bitte nennt noch die Quelle des Fotos.")
    page.get_by_label("Status").select_option("accepted")
    page.get_by_role("button", name="Rückmeldung senden").click()
    assert "Sehr anschaulich" in page.locator("main").inner_text()
    check_accessibility(page)
    page.goto(project_url)
    page.get_by_role("button", name="Als abgeschlossen markieren").click()
    log_out(page)

    log_in(page, "teacher.spb@example.org", "ru")
    page.goto(project_url)
    page.get_by_role("button", name="Отметить как завершённый").click()
    assert "завершён" in page.locator("main").inner_text()
    page.get_by_role("link", name="Описание и работы для галереи").click()
    page.locator("#summary_ru").fill("Ученики двух школ записали воспоминания очевидцев.")
    page.locator("main input[name=works]").first.check()
    page.get_by_role("button", name="Сохранить и спросить школу-партнёра").click()
    page.wait_for_url(project_url)
    log_out(page)

    # teacher.hamburg agrees: the project is public; then downloads the certificate.
    log_in(page, "teacher.hamburg@example.org", "de")
    page.goto(project_url)
    page.get_by_role("button", name="Der Veröffentlichung zustimmen").click()
    page.get_by_role("link", name="Ansehen").click()
    main = page.locator("main").inner_text()
    assert "Ученики двух школ" in main or "Очевидцы" in main
    assert "Иван П." in main and "Петров" not in main
    check_accessibility(page)
    page.goto(project_url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Meine Teilnahmeurkunde herunterladen").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
