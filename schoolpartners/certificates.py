"""Bilingual participation certificates: one A4 page, German column beside Russian column, as PDF bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

# Shipped with the package so the PDF looks the same on a server without system fonts (licence: LICENSE.txt).
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN = 22.0
GUTTER = 14.0
COLUMN_W = (PAGE_W - 2 * MARGIN - GUTTER) / 2
LINE = 1.4 * 25.4 / 72  # line height in mm per point of font size
TEXT = (33, 37, 41)
MUTED = (95, 103, 112)
ACCENT = (35, 70, 110)
RULE = (170, 178, 186)


@dataclass(frozen=True)
class CertificateSchool:
    name: str
    city_de: str
    city_ru: str


@dataclass(frozen=True)
class CertificateData:
    recipient: str
    role: Literal["student", "teacher"]
    project_title_de: str
    project_title_ru: str
    german_school: CertificateSchool
    russian_school: CertificateSchool
    start: date
    end: date
    german_contact: str  # contact teacher of the German school
    russian_contact: str
    issued_on: date
    number: str

    def __post_init__(self) -> None:
        if self.role not in ("student", "teacher"):
            raise ValueError(f"unknown role {self.role!r}")
        if self.end < self.start:
            raise ValueError("the project ends before it starts")


@dataclass(frozen=True)
class _Block:
    text: str
    size: float  # points, before scaling
    bold: bool = False
    color: tuple[int, int, int] = TEXT
    gap: float = 0.0  # mm above the block, before scaling


def _column(data: CertificateData, lang: Literal["de", "ru"]) -> tuple[list[_Block], list[_Block]]:
    """The body and the footer of one column, worded from the catalog of `lang`, whatever the viewer's locale."""
    title = data.project_title_de if lang == "de" else data.project_title_ru

    def day(value: date) -> str:
        return format_date(value, "long", locale=lang)

    def school(value: CertificateSchool) -> str:
        return f"{value.name}, {value.city_de if lang == 'de' else value.city_ru}"

    with force_locale(lang):
        # Whole sentences per role: German puts the verb last and Russian inflects the role noun.
        if data.role == "student":
            took_part = _("took part as a student in the joint project “%(project)s”", project=title)
        else:
            took_part = _("took part as a teacher in the joint project “%(project)s”", project=title)
        body = [
            _Block(_("Certificate of participation"), 22, bold=True, color=ACCENT),
            _Block(data.recipient, 18, bold=True, gap=10),
            _Block(took_part, 12, gap=3),
            _Block(_("from %(start)s to %(end)s", start=day(data.start), end=day(data.end)), 11, gap=2),
            _Block(_("Partner schools"), 9, bold=True, color=MUTED, gap=8),
            _Block(f"{school(data.german_school)}\n{school(data.russian_school)}", 11, gap=1),
            _Block(_("Contact teachers"), 9, bold=True, color=MUTED, gap=5),
            _Block(f"{data.german_contact}\n{data.russian_contact}", 11, gap=1),
        ]
        footer = [
            _Block(_("Issued on %(date)s", date=day(data.issued_on)), 10),
            _Block(_("Certificate no. %(number)s", number=data.number), 9, color=MUTED, gap=1),
        ]
    return body, footer


def _height(pdf: FPDF, blocks: list[_Block], scale: float) -> float:
    total = 0.0
    for block in blocks:
        pdf.set_font(FONT, "B" if block.bold else "", block.size * scale)
        height = pdf.multi_cell(COLUMN_W, block.size * scale * LINE, block.text, dry_run=True, output="HEIGHT")
        total += block.gap * scale + height
    return total


def _used_height(pdf: FPDF, columns: list[tuple[list[_Block], list[_Block]]], scale: float) -> float:
    return max(_height(pdf, body, scale) + _height(pdf, footer, scale) for body, footer in columns)


def _draw(pdf: FPDF, blocks: list[_Block], x: float, y: float, scale: float) -> None:
    pdf.set_y(y)
    for block in blocks:
        pdf.set_xy(x, pdf.get_y() + block.gap * scale)
        pdf.set_font(FONT, "B" if block.bold else "", block.size * scale)
        pdf.set_text_color(*block.color)
        pdf.multi_cell(COLUMN_W, block.size * scale * LINE, block.text, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)


def certificate_pdf(data: CertificateData, *, compress: bool = True) -> bytes:
    """One A4 landscape page: German text on the left, Russian on the right, shrunk to fit when titles are long."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.set_auto_page_break(False)  # the text is scaled to fit instead, so the certificate stays one page
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    columns = [_column(data, "de"), _column(data, "ru")]
    pdf.set_title(f"{columns[0][0][0].text} / {columns[1][0][0].text} – {data.recipient}")
    pdf.set_creator("schoolpartners")
    pdf.add_page()

    available = PAGE_H - 2 * MARGIN - 8  # at least 8 mm between body and footer
    scale = 1.0
    # Every height shrinks at least in proportion to the scale, so this ends (400-character titles fit at 1.0).
    while (used := _used_height(pdf, columns, scale)) > available and scale > 0.05:
        scale *= 0.9
    top = MARGIN + max(available - used, 0) / 3  # short texts sit a little lower instead of hugging the top

    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.4)
    pdf.rect(10, 10, PAGE_W - 20, PAGE_H - 20)
    pdf.set_line_width(0.2)
    pdf.line(PAGE_W / 2, MARGIN + 4, PAGE_W / 2, PAGE_H - MARGIN - 4)
    for index, (body, footer) in enumerate(columns):
        x = MARGIN + index * (COLUMN_W + GUTTER)
        _draw(pdf, body, x, top, scale)
        _draw(pdf, footer, x, PAGE_H - MARGIN - _height(pdf, footer, scale), scale)
    return bytes(pdf.output())
