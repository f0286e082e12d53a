"""Flask-Login wiring: users come back only through an open server-side session."""

from flask import Flask, session
from flask_babel import lazy_gettext as _l

from ..extensions import login_manager
from .services import load_session_user


def init_login(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def _load_user(user_id: str):
        return load_session_user(user_id, session.get("sid"))
