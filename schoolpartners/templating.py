"""Template globals: links that keep the current query, the unread count, fast gettext."""

from collections.abc import Callable
from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_babel import get_translations
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
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


def keep_rendered(cache: LRU, key, render: Callable[[], str], forms: bool = False) -> Markup:
    """HTML from `render()`, kept in `cache` under `key`, which must hold everything the HTML shows.

    A fragment with forms (`forms=True`) holds the one value that changes with every request, the CSRF
    token: it is cut out when the fragment is stored and the request's own is put back on every use.
    """
    parts = cache.get(key)
    token = generate_csrf() if forms else None
    if parts is None:
        html = render()
        parts = cache[key] = tuple(html.split(token)) if token else (html,)
    html = token.join(parts) if token else parts[0]
    return Markup(html)  # noqa: S704  rendered by Jinja with autoescaping; the token is URL-safe text


_chrome = LRU(2000)


@pass_context
def chrome(context, part: str) -> Markup:
    """The top bar and the footer, on every page, rendered once per language (the footer) and, for the top bar,
    address (its language links) and, when logged in, role, name and unread count (its only form, logging
    out, gets the request's CSRF token back in)."""
    user = context["current_user"]
    key = (part, context["locale"])
    if part == "header":
        key += (request.full_path,)
        if user.is_authenticated:
            key += (user.role, user.display_name, context["unread_notifications"])
    template = context.environment.get_template(f"layout/{part}.html")
    return keep_rendered(
        _chrome,
        key,
        lambda: template.render(context.get_all()),
        forms=part == "header" and user.is_authenticated,
    )


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
