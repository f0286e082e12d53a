"""Coarse access rules for views. Checks on single objects live on the models and services.

Every view carries exactly one rule (`view.access_rule`); a test walks `app.url_map`
and fails for any route without one.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .extensions import login_manager
from .logs import log_event

# public: anyone; user: anyone logged in; adult: staff and coordinators (not students);
# staff: teachers and school coordinators; student; member: staff or students (people of a school);
# coordinator: the foundation.
RULES = ("public", "user", "adult", "staff", "student", "member", "coordinator")
# Where a user with a one-time password may go before choosing their own.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"accounts.change_password", "accounts.logout"})


def allows(rule: str, user) -> bool:
    """Whether a logged-in user passes a rule (ignores email confirmation)."""
    if rule in ("public", "user"):
        return True
    if rule == "adult":
        return not user.is_student
    if rule == "staff":
        return user.is_staff
    if rule == "student":
        return user.is_student
    if rule == "member":
        return user.is_staff or user.is_student
    if rule == "coordinator":
        return user.is_coordinator
    raise ValueError(rule)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/")


def access(rule: str, *, confirmed: bool = True):
    """Decorate a view with its access rule.

    `confirmed=False` lets staff whose email is not yet confirmed in (profile, confirmation pages).
    """
    if rule not in RULES:
        raise ValueError(rule)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if rule != "public":
                user = current_user._get_current_object()
                if not user.is_authenticated:
                    if _wants_json():
                        abort(401)
                    return login_manager.unauthorized()
                if not allows(rule, user):
                    log_event("access_refused", user_id=user.id, path=request.path, rule=rule)
                    abort(403)
                if user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
                    flash(_("Please choose your own password now; the one you were given works only once."), "info")
                    return redirect(url_for("accounts.change_password"))
                if confirmed and user.email and not user.email_confirmed:
                    flash(_("Please confirm your email address first. We sent you a link."), "warning")
                    return redirect(url_for("accounts.show_unconfirmed"))
            return view(*args, **kwargs)

        wrapped.access_rule = rule  # type: ignore[attr-defined]
        return wrapped

    return decorator


def refuse(status: int = 403):
    """Refuse access to one object and log it (404 hides that the object exists)."""
    log_event(
        "access_refused",
        user_id=getattr(current_user, "id", None),
        path=request.path,
        status=status,
    )
    abort(status)
