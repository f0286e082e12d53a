"""The end of most POST views: run the service, commit once and say so, or roll back and say why."""

from collections.abc import Callable

from flask import flash

from .domain import DomainError
from .extensions import db


def run_action(action: Callable[[], object], success: str, category: str = "success") -> bool:
    """Call `action`; commit and flash `success`, or roll back and flash the DomainError's message."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return False
    db.session.commit()
    flash(success, category)
    return True
