"""Landing page, dashboards, health check, privacy notice and imprint."""

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user

from ..errors import rollback_quietly
from ..extensions import db, limiter
from ..permissions import access
from . import dashboard as boards

bp = Blueprint("main", __name__)


@bp.route("/")
@access("public")
def index():
    """What the platform is, for visitors; logged-in users go to their dashboard."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("main/index.html")


@bp.route("/dashboard")
@access("user")
def dashboard():
    """The user's dashboard: what needs them now."""
    user = current_user._get_current_object()
    if user.is_coordinator:
        return render_template("main/dashboard_coordinator.html", **boards.coordinator_dashboard(user))
    if user.is_student:
        return render_template("main/dashboard_student.html", **boards.student_dashboard(user))
    return render_template("main/dashboard_staff.html", **boards.staff_dashboard(user))


@bp.route("/healthz")
@access("public")
def healthz():
    """Liveness for load balancers: 503 only without the database; a limiter storage that is down is reported
    ("degraded": the login budgets are then counted in each worker's memory) but keeps the site serving."""
    limits = "ok" if _limiter_reachable() else "degraded"
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        current_app.logger.error("health check failed: %s", exc)
        rollback_quietly()
        return jsonify(status="error", database="unavailable", limiter=limits, reason=type(exc).__name__), 503
    return jsonify(status="ok", database="ok", limiter=limits)


def _limiter_reachable() -> bool:
    try:
        return bool(limiter.storage.check())  # a ping for Redis; always true for the memory storage
    except Exception as exc:  # noqa: BLE001 - whatever the storage raises, it is not reachable
        current_app.logger.warning("limiter storage check failed: %s", type(exc).__name__)
        return False


@bp.route("/privacy")
@access("public")
def privacy():
    """The privacy notice."""
    return render_template("main/privacy.html")


@bp.route("/imprint")
@access("public")
def imprint():
    """The imprint (legal notice)."""
    return render_template("main/imprint.html")
