"""Error pages in the viewer's language, as HTML or JSON."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError

from .extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    401: (_l("Please log in"), _l("You need to log in to see this page.")),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("This page does not exist or is not visible to you.")),
    405: (_l("Not allowed"), _l("This action is not possible here.")),
    409: (
        _l("Changed at the same moment"),
        _l("Someone else changed this at the same moment. Please reload the page and check what it shows now."),
    ),
    413: (_l("File too large"), _l("The upload is larger than allowed. Please choose a smaller file.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. We have been informed; please try again later."),
    ),
}
CSRF_MESSAGE = (
    _l("The form has expired"),
    _l("For your security the form has expired. Please reload the page and send it again."),
)


def render_error(status: int, title=None, message=None):
    default_title, default_message = MESSAGES.get(status, MESSAGES[500])
    title, message = str(title or default_title), str(message or default_message)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    for status in MESSAGES:
        if status == 500:
            continue
        app.register_error_handler(status, lambda exc, status=status: render_error(status))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, *CSRF_MESSAGE)

    @app.errorhandler(IntegrityError)
    def _lost_race(exc):
        # The last guard of a state change: a unique constraint refused the loser of a race that the row locks
        # did not cover (two first hand-ins, two joins with the same code). Nothing was stored.
        db.session.rollback()
        app.logger.warning("integrity error answered with 409: %s", exc.orig)
        return render_error(409)

    @app.errorhandler(500)
    def _server_error(exc):
        db.session.rollback()
        return render_error(500)
