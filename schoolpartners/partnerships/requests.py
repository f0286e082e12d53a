"""Views: sending, reading and deciding partnership requests."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..actions import run_action
from ..extensions import db
from ..forms import ActionForm
from ..permissions import access, refuse
from ..schools.models import School
from ..schools.options import FORMS, TOPICS
from ..schools.services import verified_schools_of
from ..schools.views import get_school_or_404
from . import services
from .forms import AcceptForm, DeclineForm, MessageForm, RequestForm
from .models import PartnershipRequest, RequestState
from .views import bp


@bp.route("/requests/new/<int:school_id>", methods=["GET", "POST"])
@access("staff")
def new_request(school_id):
    """Ask a school for a partnership, with a message in German and/or Russian."""
    target = get_school_or_404(school_id)  # pending, rejected or staff-only schools stay unknown (finding #28)
    schools = [s for s in verified_schools_of(current_user) if s.country is not target.country]
    if not schools:
        flash(_("Requests go from a verified school of yours to a school in the other country."), "warning")
        return redirect(url_for("schools.show_school", school_id=target.id))
    form = RequestForm(schools)
    if form.validate_on_submit():
        sender_school = next((s for s in schools if str(s.id) == form.from_school.data), None)
        try:
            req = services.send_request(
                current_user,
                sender_school,
                target,
                form.message_de.data or "",
                form.message_ru.data or "",
                TOPICS.mask(form.topics.data),
                FORMS.mask(form.forms.data),
            )
        except services.PartnershipError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            # Made before the commit, which expires what they read.
            sent = _("Your request has been sent to %(school)s.", school=target.name)
            shown = redirect(url_for("partnerships.show_request", request_id=req.id))
            db.session.commit()
            flash(sent, "success")
            return shown
    return render_template("partnerships/request_form.html", form=form, target=target)


@bp.route("/requests")
@access("staff")
def list_requests():
    """Incoming and outgoing requests of the user's schools, open ones first."""
    school_ids = [s.id for s in verified_schools_of(current_user)]
    rows = db.session.scalars(
        sa.select(PartnershipRequest)
        .where(
            sa.or_(PartnershipRequest.from_school_id.in_(school_ids), PartnershipRequest.to_school_id.in_(school_ids))
        )
        .options(joinedload(PartnershipRequest.from_school), joinedload(PartnershipRequest.to_school))
        .order_by((PartnershipRequest.state == RequestState.open).desc(), PartnershipRequest.created_at.desc())
        .limit(200)
    ).all()
    incoming = [r for r in rows if r.to_school_id in school_ids]
    outgoing = [r for r in rows if r.from_school_id in school_ids]
    return render_template("partnerships/requests.html", incoming=incoming, outgoing=outgoing)


def get_request_or_404(request_id: int) -> PartnershipRequest:
    """A request, for staff of either school and the foundation only."""
    req = db.session.scalar(
        sa.select(PartnershipRequest)
        .where(PartnershipRequest.id == request_id)
        .options(
            joinedload(PartnershipRequest.from_school).joinedload(School.city),
            joinedload(PartnershipRequest.to_school).joinedload(School.city),
            selectinload(PartnershipRequest.messages),
        )
    )
    if req is None:
        abort(404)
    user = current_user._get_current_object()
    if not user.is_coordinator and user.id not in services.staff_ids(req.from_school_id) | services.staff_ids(
        req.to_school_id
    ):
        refuse(404)
    return req


@bp.route("/requests/<int:request_id>")
@access("adult")
def show_request(request_id):
    """One request: both schools, the messages, the thread and what the viewer may do."""
    req = get_request_or_404(request_id)
    user = current_user._get_current_object()
    receiving_coordinator = user.id in services.staff_ids(req.to_school_id, coordinators_only=True)
    return render_template(
        "partnerships/request.html",
        req=req,
        is_sender=user.id in services.staff_ids(req.from_school_id),
        is_receiver=user.id in services.staff_ids(req.to_school_id),
        can_decide=receiving_coordinator and req.current_state is RequestState.open,
        accept_form=AcceptForm(services.staff_users(req.to_school_id)),
        decline_form=DeclineForm(),
        message_form=MessageForm(),
        form=ActionForm(),
        topics=TOPICS.labels(req.topics_mask),
        forms=FORMS.labels(req.forms_mask),
    )


def _back(req):
    return redirect(url_for("partnerships.show_request", request_id=req.id))


@bp.route("/requests/<int:request_id>/accept", methods=["POST"])
@access("staff")
def accept_request(request_id):
    """Accept the request; a partnership with a contact person on each side begins."""
    req = get_request_or_404(request_id)
    form = AcceptForm(services.staff_users(req.to_school_id))
    if not form.validate_on_submit():
        flash(_("Please name your school's contact person."), "danger")
        return _back(req)
    try:
        partnership = services.accept_request(req, current_user, db.get_or_404(User, int(form.contact.data)))
    except services.PartnershipError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _back(req)
    db.session.commit()
    flash(_("You are now partner schools."), "success")
    return redirect(url_for("partnerships.show_partnership", partnership_id=partnership.id))


@bp.route("/requests/<int:request_id>/decline", methods=["POST"])
@access("staff")
def decline_request(request_id):
    """Decline the request, optionally with a reason."""
    req = get_request_or_404(request_id)
    form = DeclineForm()
    if form.validate_on_submit():
        run_action(
            lambda: services.decline_request(req, current_user, form.reason.data or ""),
            _("The request has been declined."),
            "info",
        )
    else:
        flash(_("The reason is too long."), "danger")
    return _back(req)


@bp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
@access("staff")
def withdraw_request(request_id):
    """Withdraw one's own request."""
    req = get_request_or_404(request_id)
    if ActionForm().validate_on_submit():
        run_action(lambda: services.withdraw_request(req, current_user), _("The request has been withdrawn."), "info")
    return _back(req)


@bp.route("/requests/<int:request_id>/messages", methods=["POST"])
@access("staff")
def post_message(request_id):
    """Ask a question on the request, or answer one."""
    req = get_request_or_404(request_id)
    back = _back(req)  # made before the commit, which expires the request
    form = MessageForm()
    if not form.validate_on_submit():
        # A form error is the one-time token's (already sent, or a stale page); field errors get the hint.
        hint = form.form_errors[0] if form.form_errors else _("Please write a message (at most 4,000 characters).")
        flash(str(hint), "danger")
        return back
    run_action(lambda: services.add_message(req, current_user, form.body.data), _("Your message has been sent."))
    return back
