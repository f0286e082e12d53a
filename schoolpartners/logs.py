"""Structured (JSON) log lines for security-relevant events."""

import contextlib
import json
import logging

from flask import request

logger = logging.getLogger("schoolpartners.events")


def init_app(app) -> None:
    """Send the event log to stderr (gunicorn and systemd collect it) unless logging is configured already."""
    if not app.testing and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def log_event(event: str, **fields) -> None:
    """Log one event as a JSON object, with the client address when in a request."""
    record = {"event": event, **fields}
    with contextlib.suppress(RuntimeError):
        record.setdefault("ip", request.remote_addr)
    logger.info(json.dumps(record, ensure_ascii=False, default=str))
