"""Absolute links for emails, always on the configured SITE_URL.

Never built from the request: its Host header is whatever the client sent, and a reset link on an attacker's
host hands them the token (security review, finding #3).
"""

from flask import current_app, has_request_context, url_for


def site_url() -> str:
    """The site's own address, without a trailing slash."""
    return current_app.config["SITE_URL"].rstrip("/")


def absolute_url(endpoint: str, **values) -> str:
    """SITE_URL followed by the endpoint's path, inside or outside a request."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return site_url() + path
