"""Participation certificates: one PDF page with the German and the Russian text."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest
from flask_babel import force_locale, gettext

from schoolpartners.certificates import MARGIN, CertificateData, CertificateSchool, certificate_pdf
from schoolpartners.i18n import current_locale

PT_PER_MM = 72 / 25.4

DATA = CertificateData(
    recipient="Anna-Lena Müller",
    role="student",
    project_title_de="Flüsse verbinden: die Elbe und die Wolga",
    project_title_ru="Реки соединяют: Эльба и Волга",
    german_school=CertificateSchool("Goethe-Gymnasium Leipzig", "Leipzig", "Лейпциг"),
    russian_school=CertificateSchool("Гимназия № 5 имени А. С. Пушкина", "Kasan", "Казань"),
    start=date(2026, 3, 1),
    end=date(2026, 6, 30),
    german_contact="Dr. Petra Schulze",
    russian_contact="Елена Викторовна Смирнова",
    issued_on=date(2026, 7, 3),
    number="SP-2026-000123",
)


class PdfText:
    """The text of an uncompressed PDF as a reader extracts it: glyph codes mapped back through each font's
    ToUnicode CMap. Knows just enough PDF for fpdf2's output; written here because no PDF reader is a
    dependency."""

    def __init__(self, pdf: bytes):
        self.objects = {int(n): body for n, body in re.findall(rb"(?ms)^(\d+) 0 obj\n(.*?)\nendobj", pdf)}
        self.pages = [body for body in self.objects.values() if re.search(rb"/Type /Page\b", body)]
        self.lines: list[str] = []
        self.positions: list[tuple[float, float]] = []  # start of each line of text, in points
        for page in self.pages:
            fonts = {
                name.decode(): self._cmap(int(ref))
                for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", self._resolve(page, b"Resources"))
            }
            content = self._stream(int(re.search(rb"/Contents (\d+) 0 R", page).group(1)))
            self._read(content, fonts)

    def _resolve(self, body: bytes, key: bytes) -> bytes:
        ref = re.search(rb"/" + key + rb" (\d+) 0 R", body)
        return self.objects[int(ref.group(1))] if ref else body

    def _stream(self, number: int) -> bytes:
        return re.search(rb"(?s)stream\n(.*)\nendstream", self.objects[number]).group(1)

    def _cmap(self, font: int) -> dict[int, str]:
        cmap = self._stream(int(re.search(rb"/ToUnicode (\d+) 0 R", self.objects[font]).group(1)))
        pairs = re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", cmap)
        return {int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be") for code, text in pairs}

    def _read(self, content: bytes, fonts: dict[str, dict[int, str]]) -> None:
        cmap: dict[int, str] = {}
        tokens = rb"/(F\d+) [\d.]+ Tf|([\d.-]+) ([\d.-]+) Td|\(((?:\\.|[^\\)])*)\)|(ET)"
        line = ""
        for font, x, y, string, end in re.findall(tokens, content, re.S):
            if font:
                cmap = fonts[font.decode()]
            elif x:
                self.positions.append((float(x), float(y)))
            elif end:
                if line:
                    self.lines.append(line)
                line = ""
            else:
                raw = re.sub(rb"\\([\\()])", rb"\1", string).replace(b"\\r", b"\r")
                line += "".join(cmap[int.from_bytes(raw[i : i + 2], "big")] for i in range(0, len(raw), 2))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def __contains__(self, needle: str) -> bool:
        """Whether the text holds `needle`, ignoring where lines were wrapped."""
        return "".join(needle.split()) in "".join(self.text.split())


@pytest.fixture
def request_context(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def test_certificate_is_a_one_page_pdf(request_context):
    pdf = certificate_pdf(DATA)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1  # object dictionaries stay uncompressed


def test_certificate_shows_the_data_in_both_languages(request_context):
    text = PdfText(certificate_pdf(DATA, compress=False))
    assert len(text.pages) == 1
    for needle in [
        "Anna-Lena Müller",
        "Flüsse verbinden: die Elbe und die Wolga",
        "Реки соединяют: Эльба и Волга",
        "Goethe-Gymnasium Leipzig, Leipzig",
        "Goethe-Gymnasium Leipzig, Лейпциг",
        "Гимназия № 5 имени А. С. Пушкина, Kasan",
        "Гимназия № 5 имени А. С. Пушкина, Казань",
        "1. März 2026",
        "30. Juni 2026",
        "3. Juli 2026",
        "1 марта 2026",
        "30 июня 2026",
        "3 июля 2026",
        "Dr. Petra Schulze",
        "Елена Викторовна Смирнова",
        "SP-2026-000123",
    ]:
        assert needle in text, needle
    assert text.text.count("Anna-Lena Müller") == 2  # once per language
    assert "Реки соединяют" not in text.text.split("Anna-Lena Müller")[1]  # German column: German title


def test_each_column_is_worded_in_its_own_language_not_the_viewers(request_context):
    text = PdfText(certificate_pdf(DATA, compress=False))
    for lang in ("de", "ru"):
        with force_locale(lang):
            heading, schools = gettext("Certificate of participation"), gettext("Partner schools")
        assert heading in text.lines
        assert schools in text.lines
    assert current_locale() == "en"  # the viewer's locale is back


def test_teacher_certificate(request_context):
    text = PdfText(certificate_pdf(replace(DATA, role="teacher", recipient="Елена Смирнова"), compress=False))
    with force_locale("ru"):
        took_part = gettext("took part as a teacher in the joint project “%(project)s”", project=DATA.project_title_ru)
    assert took_part in text
    assert "Елена Смирнова" in text.lines


@pytest.mark.parametrize(
    "title",
    [
        " ".join(["Gemeinsam lernen über Flüsse, Städte und Freundschaft"] * 8)[:400],
        " ".join(["Совместный проект о реках, городах и дружбе между школами"] * 40),
        "Ж" * 300,  # one word wider than the column
    ],
)
def test_long_titles_wrap_and_stay_on_one_page(request_context, title):
    text = PdfText(certificate_pdf(replace(DATA, project_title_de=title, project_title_ru=title), compress=False))
    assert len(text.pages) == 1
    assert title in text
    assert not any(title in line for line in text.lines)  # wrapped over several lines
    # All text is centred in its column, so a line starting inside the margin also ends inside it.
    left, right = MARGIN * PT_PER_MM, 297 * PT_PER_MM - MARGIN * PT_PER_MM
    assert all(left - 0.5 < x < right and 0 < y < 210 * PT_PER_MM for x, y in text.positions)


def test_fonts_come_from_the_package_not_the_working_directory(request_context, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pdf = certificate_pdf(DATA)
    assert b"DejaVuSans" in pdf
    assert b"/FontFile2" in pdf  # embedded, so the reader needs no fonts either


@pytest.mark.parametrize(
    "changes", [{"role": "parent"}, {"start": date(2026, 7, 1), "end": date(2026, 6, 30)}], ids=["role", "dates"]
)
def test_invalid_data_is_refused(changes):
    with pytest.raises(ValueError):
        replace(DATA, **changes)
