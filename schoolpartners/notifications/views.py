"""The user's notifications and the coordinator's view of the email outbox."""

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms import ActionForm
from ..permissions import access, refuse
from ..sqltypes import utcnow
from .models import Notification, OutboxEmail, OutboxState
from .services import render_text

bp = Blueprint("notifications", __name__)
PER_PAGE = 20


@bp.route("/notifications")
@access("user", confirmed=False)
def list_notifications():
    """The user's notifications, newest first."""
    query = (
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("notifications/list.html", page=page, render_text=render_text, form=ActionForm())


@bp.route("/notifications/<int:note_id>/read", methods=["POST"])
@access("user", confirmed=False)
def read_notification(note_id):
    """Mark one notification as read and go where it points."""
    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != current_user.id:
        refuse(404)
    if ActionForm().validate_on_submit():
        if note.read_at is None:
            note.read_at = utcnow()
            db.session.commit()
        if note.link and note.link.startswith("/") and not note.link.startswith("//"):
            return redirect(note.link)
    return redirect(url_for("notifications.list_notifications"))


@bp.route("/notifications/read-all", methods=["POST"])
@access("user", confirmed=False)
def read_all_notifications():
    """Mark every notification as read."""
    if ActionForm().validate_on_submit():
        db.session.execute(
            sa.update(Notification)
            .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
        db.session.commit()
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.list_notifications"))


@bp.route("/outbox")
@access("coordinator")
def list_outbox():
    """Outgoing emails with their state; bodies only in development."""
    query = sa.select(OutboxEmail).order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
    state = request.args.get("state", "")
    if state in OutboxState.__members__:
        query = query.where(OutboxEmail.state == OutboxState[state])
    else:
        state = ""
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template(
        "notifications/outbox.html",
        page=page,
        state=state,
        states=list(OutboxState),
        show_bodies=current_app.config["OUTBOX_SHOW_BODIES"],
    )
