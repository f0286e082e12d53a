"""Template globals: links that keep the current query, the unread count, fast gettext."""

from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_babel import get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from .cities.models import LinkStatus
from .i18n import current_locale
from .lru import LRU
from .notifications.services import render_text


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (pagination, language switch)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        args[key] = [str(value)]
    return request.path + "?" + urlencode(args, doseq=True)


_LINKS: dict[tuple[str, str], str] = {}


def nav_url(endpoint: str, **values) -> str:
    """url_for() for a fixed link (layout links, stylesheets, scripts), built once: every page has a dozen."""
    key = (request.script_root, endpoint, *values.items())
    url = _LINKS.get(key)
    if url is None:
        url = _LINKS[key] = url_for(endpoint, **values)
    return url


def option_tags(options, selected) -> Markup:
    """<option> tags for (value, text) pairs; built in Python because city and region lists are long."""
    selected = str(selected)
    tags = []
    for value, text in options:
        value = str(value)
        mark = " selected" if value == selected else ""
        tags.append(f'<option value="{escape(value)}"{mark}>{escape(text)}</option>')
    return Markup("".join(tags))  # noqa: S704  every value and text is escaped above


_chrome = LRU(2000)


@pass_context
def chrome(context, part: str) -> Markup:
    """The footer, and the top bar for visitors, rendered once per language (and address, for the top bar's
    language links): they are on every page and hold nothing personal (no forms, no names)."""
    key = (part, context["locale"], request.full_path if part == "header" else "")
    html = _chrome.get(key)
    if html is None:
        template = context.environment.get_template(f"layout/{part}.html")
        html = _chrome[key] = Markup(template.render(context.get_all()))  # noqa: S704  Jinja with autoescaping
    return html


def render_notification(note) -> str:
    return render_text(note.kind, note.params)


def _gettext_callables(translations) -> dict:
    """gettext/ngettext bound to this request's catalog, in Jinja's "newstyle" form.

    Flask-Babel looks the catalog up again for every string; a page has dozens of them.
    """

    @pass_context
    def gettext(context, message, **variables):
        text = translations.ugettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704  catalog text is trusted; Markup % escapes the variables
        return text % variables

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704  catalog text is trusted; Markup % escapes the variables
        return text % variables

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}


def _context() -> dict:
    user = current_user._get_current_object()
    context = _gettext_callables(get_translations())
    # The real user object, not the proxy: templates read it dozens of times.
    context["current_user"] = user
    context["locale"] = current_locale()
    context["unread_notifications"] = getattr(user, "unread_notifications", 0)
    return context


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        url_with=url_with,
        render_notification=render_notification,
        LinkStatus=LinkStatus,
        nav_url=nav_url,
        option_tags=option_tags,
        chrome=chrome,
    )
    app.context_processor(_context)
