"""Error pages in the viewer's language, as HTML or JSON."""

import sqlalchemy as sa
from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .i18n import DEFAULT_LOCALE, LANG_COOKIE, LANGUAGES

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
    503: (
        _l("Briefly unavailable"),
        _l("The site cannot reach its database at the moment. Please try again in a moment."),
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


def database_unavailable(exc: sa.exc.DBAPIError) -> bool:
    """A database failure that passes by itself: a lost or refused connection, a lock wait given up, SQLite busy."""
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, sa.exc.OperationalError):
        return False
    if hasattr(exc.orig, "sqlstate"):  # PostgreSQL (psycopg): its operational errors are all of this kind
        return True
    return "database is locked" in str(exc.orig)  # SQLite, busy beyond its busy_timeout


def rollback_quietly() -> None:
    """Roll back; on a dead connection the rollback fails too, and that must not replace the answer."""
    try:
        db.session.rollback()
    except sa.exc.DBAPIError as exc:
        current_app.logger.warning("rollback failed: %s", exc.orig)


def _visitor_locale() -> str:
    """The language from the cookie or the browser, for a page that cannot ask the database for the user's."""
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LOCALE


def render_error_safely(status: int):
    """render_error(), or with the database down (the page's user can't be loaded) a bare page without it."""
    try:
        return render_error(status)
    except sa.exc.DBAPIError as exc:
        current_app.logger.warning("error page without the database: %s", exc.orig)
        rollback_quietly()
    locale = _visitor_locale()
    with force_locale(locale):
        title, message = (str(text) for text in MESSAGES[status])
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=title, message=message), status
    page = Markup(
        '<!doctype html><html lang="{}"><head><meta charset="utf-8"><title>{}</title></head>'
        "<body><h1>{}</h1><p>{}</p></body></html>"
    ).format(locale, title, title, message)
    return page, status


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

    @app.errorhandler(sa.exc.DBAPIError)
    def _database_error(exc):
        if not database_unavailable(exc):
            raise exc  # a fault of ours: Flask logs it and answers with the 500 page
        app.logger.warning("database unavailable, answered 503: %s", exc.orig)
        rollback_quietly()
        return render_error_safely(503)

    @app.errorhandler(500)
    def _server_error(exc):
        rollback_quietly()  # the connection may be the fault
        return render_error_safely(500)

    @app.teardown_appcontext  # registered after Flask-SQLAlchemy's, so it runs first and leaves it nothing to do
    def _end_session(exc):
        try:
            db.session.remove()
        except sa.exc.DBAPIError as error:
            # The rollback at the end of a request failed on a dead connection (the pool discards it). Raised
            # here, it would replace the answer already made with the server's bare 500 page (review F7).
            app.logger.warning("closing the database session failed: %s", error.orig)
            db.session.remove()  # the failed close has ended the transaction; this only forgets the session
