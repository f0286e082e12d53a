"""Flask-Login wiring: users come back only through an open server-side session."""

from flask import Flask, flash, g, redirect, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_url

from ..extensions import db, login_manager
from .services import SessionExpired, open_session


def _load_user(user_id: str):
    try:
        user, recorded = open_session(user_id, session.get("sid"))
    except SessionExpired:
        # The row stays as it is (it can never be valid again); the cookie forgets it, so this is said once.
        session.pop("sid", None)
        g.session_expired = True
        flash(_("Your session has ended. Please log in again."), "info")
        return None
    if recorded:
        # Loaded before the view runs (see _load_first), so nothing of the view's is in this commit.
        db.session.commit()
    return user


def _load_first() -> None:
    """Load the user at the start of each request, so recording activity never commits a view's changes."""
    current_user._get_current_object()


def _unauthorized():
    if not g.get("session_expired"):
        flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def init_login(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(_load_first)
