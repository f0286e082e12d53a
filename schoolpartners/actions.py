"""The end of most POST views: run the service, commit once and say so, or roll back and say why."""

from collections.abc import Callable

from flask import flash
from flask_wtf import FlaskForm

from .domain import DomainError
from .extensions import db

FAILED = object()  # what run_form_action returns when the service refused the input


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


def run_form_action(form: FlaskForm, field: str, action: Callable[[], object]):
    """Call `action` for a validated form; commit and return its result, or roll back, put the DomainError's
    message next to its field (`field` when it names none of this form's) and return FAILED."""
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        target = getattr(form, exc.field, None) if exc.field else None
        (target or getattr(form, field)).errors.append(str(exc))
        return FAILED
    db.session.commit()
    return result
