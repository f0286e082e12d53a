"""Template globals: links that keep the current query, the unread-notification count."""

from urllib.parse import urlencode

from flask import Flask, request
from flask_login import current_user

from .cities.models import LinkStatus
from .notifications.services import render_text, unread_count


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (pagination, language switch)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        args[key] = [str(value)]
    return request.path + "?" + urlencode(args, doseq=True)


def render_notification(note) -> str:
    return render_text(note.kind, note.params)


def _context() -> dict:
    if current_user and current_user.is_authenticated:
        return {"unread_notifications": unread_count(current_user.id)}
    return {"unread_notifications": 0}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(url_with=url_with, render_notification=render_notification, LinkStatus=LinkStatus)
    app.context_processor(_context)
