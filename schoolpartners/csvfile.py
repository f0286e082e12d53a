"""The one CSV writer for every export: `;`-separated, UTF-8 with a byte-order mark, formula guard on every cell.

German-locale spreadsheet programs open `.csv` with `;` as separator, the byte-order mark makes them read Cyrillic
right, and a cell that starts with = + - @ (or holds such a segment after a separator or line break, which a program
may split into a cell of its own) would run as a formula: such a cell gets a leading apostrophe, so it stays text.
Every export writes through `csv_response` (or `csv_text`); callers pass the headers already translated.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from flask import Response
from werkzeug.http import quote_header_value

SEPARATOR = ";"
BOM = "\ufeff"

# A formula character at the start of the cell or of any segment after a separator (ours, or the comma another
# locale uses), tab, CR or LF, spaces allowed before it; and a cell that starts with a tab or CR.
_FORMULA = re.compile(r"(?:^|[;,\t\r\n])[ ]*[=+\-@]|^[\t\r]")


def guard(value: object) -> str:
    """The cell's text, with a leading apostrophe if a spreadsheet program could read any part of it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal | date):
        return str(value)  # numbers and dates we write ourselves are data, never formulas (a negative number stays one)
    text = str(value)
    return "'" + text if _FORMULA.search(text) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The whole file as text: byte-order mark, the (translated) header, then one guarded line per row."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow([guard(cell) for cell in header])
    for row in rows:
        writer.writerow([guard(cell) for cell in row])
    return out.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    """A download of `csv_text(header, rows)` named `filename`."""
    return Response(
        csv_text(header, rows).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={quote_header_value(filename)}"},
    )
