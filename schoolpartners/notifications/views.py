"""The user's notifications and the coordinator's view of the email outbox."""

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..domain import DomainError
from ..extensions import db
from ..forms import ActionForm
from ..pagination import page_number
from ..permissions import access, refuse
from ..sqltypes import utcnow
from .models import Notification, OutboxEmail, OutboxState
from .services import render_text, retry_failed, retry_mail

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
    page = db.paginate(query, page=page_number(request.args.get("page")), per_page=PER_PAGE, error_out=False)
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
    page = db.paginate(query, page=page_number(request.args.get("page")), per_page=PER_PAGE, error_out=False)
    failed = db.session.scalar(sa.select(sa.func.count()).where(OutboxEmail.state == OutboxState.failed))
    return render_template(
        "notifications/outbox.html",
        page=page,
        state=state,
        states=list(OutboxState),
        failed=failed,
        give_up_days=current_app.config["MAIL_GIVE_UP_DAYS"],
        show_bodies=current_app.config["OUTBOX_SHOW_BODIES"],
    )


@bp.route("/outbox/<int:mail_id>/retry", methods=["POST"])
@access("coordinator")
def retry_outbox_mail(mail_id):
    """Queue one failed email again, due at once."""
    mail = db.get_or_404(OutboxEmail, mail_id)
    if ActionForm().validate_on_submit():
        try:
            retry_mail(mail)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash(_("The email is queued again and goes out with the next delivery run."), "success")
    return redirect(url_for("notifications.list_outbox", state=OutboxState.failed.name))


@bp.route("/outbox/retry-failed", methods=["POST"])
@access("coordinator")
def retry_failed_mail():
    """Queue every failed email again, due at once."""
    if ActionForm().validate_on_submit():
        count = retry_failed()
        db.session.commit()
        flash(
            ngettext(
                "%(num)s email is queued again and goes out with the next delivery run.",
                "%(num)s emails are queued again and go out with the next delivery run.",
                count,
            ),
            "success",
        )
    return redirect(url_for("notifications.list_outbox", state=OutboxState.failed.name))
