"""The moderation queue, the moderators' decisions, and the page where members report something."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..actions import FAILED, run_action, run_form_action
from ..extensions import db
from ..pagination import page_number
from ..permissions import access, refuse
from . import registry, services
from .forms import DecisionForm, ReportForm
from .models import Report

bp = Blueprint("moderation", __name__)
PER_PAGE = 20


def get_report_or_404(report_id: int) -> Report:
    """The report if the current user moderates it; 404 otherwise, so others do not learn it exists."""
    report = db.session.get(Report, report_id)
    if report is None or not services.can_moderate(report, current_user._get_current_object()):
        refuse(404)
    return report


def _success(action: str) -> str:
    return {
        "hide": _("It is hidden now. Members no longer see it."),
        "restore": _("It is shown again."),
        "dismiss": _("The report is dismissed; nothing changes."),
        "warn": _("The author has been sent your note."),
    }[action]


@bp.route("/moderation")
@access("adult")
def list_reports():
    """Open reports to decide (or decided ones): coordinators see all, teachers those of their projects."""
    user = current_user._get_current_object()
    decided = request.args.get("state") == "decided"
    scopes = services.scopes_of(user)
    number = page_number(request.args.get("page"))
    page = db.paginate(services.queue(user, decided, scopes), page=number, per_page=PER_PAGE, error_out=False)
    shown = services.describe(page.items, user)
    return render_template(
        "moderation/queue.html",
        page=page,
        shown=shown,
        actions={report.id: services.actions_for(report, shown[report.id]) for report in page.items},
        decided=decided,
        moderates_nothing=scopes == set(),
        note_limit=services.NOTE_LIMIT,
    )


@bp.route("/moderation/reports/<int:report_id>/<action>", methods=["POST"])
@access("adult")
def decide_report(report_id, action):
    """Hide, restore, dismiss or warn: one decision on a report (and the other open reports of the same thing)."""
    report = get_report_or_404(report_id)
    if action not in services.ACTIONS:
        abort(400)
    form = DecisionForm()
    if form.validate_on_submit():
        decide = services.ACTIONS[action]
        run_action(lambda: decide(report, current_user._get_current_object(), form.note.data or ""), _success(action))
    elif form.note.errors:
        flash(form.note.errors[0], "danger")
    state = "decided" if request.args.get("state") == "decided" else None
    return redirect(url_for("moderation.list_reports", state=state))


@bp.route("/report/<kind>/<int:target_id>", methods=["GET", "POST"])
@access("member")
def report_target(kind, target_id):
    """Report a post or message to its moderators, with a reason."""
    user = current_user._get_current_object()
    try:
        target = registry.target(kind)
    except KeyError:
        abort(404)
    obj = target.load(target_id)
    if obj is None:
        abort(404)
    if target.is_hidden(obj) or not target.can_report(obj, user):
        refuse(404)  # a hidden target is shown (excerpt included) only to its moderators, in the queue (finding #10)
    form = ReportForm()
    if form.validate_on_submit():
        done = run_form_action(form, "reason", lambda: services.report(kind, target_id, user, form.reason.data))
        if done is not FAILED:
            flash(_("Thank you. The moderators have been told and will look at it."), "success")
            return redirect(target.link(obj))
    return render_template(
        "moderation/report.html",
        form=form,
        label=target.label,
        excerpt=services.excerpt_of(target, obj),
        link=target.link(obj),
    )
