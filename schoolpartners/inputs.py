"""Request-level checks of the input every view reads: refused with a clear 400 before any view or form sees it."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, request
from flask_babel import lazy_gettext as _l

from .errors import render_error

TITLE = _l("Bad request")
JSON_BODY = _l("This address takes forms sent from its page, not JSON. Please use the form on the page.")
NUL_BYTE = _l("The request contains a null character, which no text may contain. Please remove it and try again.")
NOT_UTF8 = _l("The request contains characters that are not valid UTF-8 text. Please check the text and try again.")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _is_utf8(encoded: bytes) -> bool:
    """Whether a percent-encoded query or form body decodes as UTF-8 (werkzeug keeps bad bytes as "%FF" text)."""
    try:
        unquote_to_bytes(encoded).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values)


def check_input():
    """Refuse JSON bodies (the app has no JSON API, but Flask-WTF would read one as form data), NUL bytes (a
    PostgreSQL text cannot hold them; SQLite would store them) and invalid UTF-8 in the path, query or form."""
    if "\x00" in request.path or _has_nul(request.args):
        return render_error(400, TITLE, NUL_BYTE)
    if not _is_utf8(request.query_string):
        return render_error(400, TITLE, NOT_UTF8)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.is_json:
        return render_error(400, TITLE, JSON_BODY)
    if request.mimetype == FORM_TYPES[0] and not _is_utf8(request.get_data(cache=True)):
        return render_error(400, TITLE, NOT_UTF8)
    if request.mimetype in FORM_TYPES:
        names = [upload.filename or "" for upload in request.files.values()]
        if _has_nul(request.form) or any("\x00" in name for name in names):
            return render_error(400, TITLE, NUL_BYTE)
    return None


def init_app(app: Flask) -> None:
    """Before CSRF (which reads the form), so a malformed body gets this answer rather than "form expired"."""
    app.before_request(check_input)
