"""UI text as a reader sees it, looked up in the compiled catalogs, so tests on German pages do not break when a
translation is reworded."""

from __future__ import annotations

from flask_babel import force_locale, gettext, ngettext
from markupsafe import escape


def translated(app, msgid: str, locale: str = "de", *, plural: str | None = None, num: int | None = None, **values):
    """The msgid (or its plural form for `num`) in `locale`, with named placeholders filled in."""
    with app.test_request_context(), force_locale(locale):
        if plural is not None:
            return str(ngettext(msgid, plural, num, **values))
        return str(gettext(msgid, **values))


def shown(app, msgid: str, locale: str = "de", **kwargs) -> str:
    """translated() as it appears in a page's HTML (autoescaped)."""
    return str(escape(translated(app, msgid, locale, **kwargs)))
