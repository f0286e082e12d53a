"""Security headers on every response."""

from flask import Flask, current_app, request
from flask_login import current_user
from werkzeug.exceptions import SecurityError

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    hsts = current_app.config["HSTS_SECONDS"]
    if hsts:
        # Browsers come back over HTTPS only, even when someone types http:// on a school network.
        response.headers["Strict-Transport-Security"] = f"max-age={hsts}"
    if response.status_code >= 500 or (
        current_user and current_user.is_authenticated and not request.path.startswith("/static/")
    ):
        # Pages behind login must not stay in shared or back-button caches, nor error pages. An error page is
        # decided without the user, who can't be loaded while the database is down.
        response.headers["Cache-Control"] = "no-store"
    return response


def _untrusted_host(exc: SecurityError):
    # No page around it: with a host outside TRUSTED_HOSTS no URL can be built, so templates would fail.
    return "Bad request: unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    app.after_request(_headers)
    app.register_error_handler(SecurityError, _untrusted_host)
