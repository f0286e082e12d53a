"""The adult pool's pages: ranked suggestions, proposing a tandem, accepting or declining one."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import User
from ..actions import run_action
from ..extensions import db
from ..forms import ActionForm
from ..permissions import access, refuse
from . import adults, services
from .models import TandemInvitation, TandemPair
from .views import bp


@bp.route("/adults")
@access("adult")
def show_pool():
    """Adults: ranked suggestions from the adult pool."""
    user = current_user._get_current_object()
    profile = services.profile_of(user)
    pool_open = adults.may_use_pool(user)  # staff of a verified school only (finding #14)
    return render_template(
        "tandem/adults.html",
        profile=profile,
        pool_open=pool_open,
        suggestions=adults.suggestions(user, date.today()) if pool_open and profile and profile.adult_pool else [],
        form=ActionForm(),
    )


@bp.route("/adults/<int:user_id>/invite", methods=["POST"])
@access("adult")
def invite_adult(user_id: int):
    """Propose a tandem to an adult of the pool."""
    other = db.session.get(User, user_id)
    if other is None or not ActionForm().validate_on_submit():
        refuse(404 if other is None else 400)
    user = current_user._get_current_object()
    run_action(
        lambda: adults.invite(user, other, date.today()),
        _("Your proposal is sent. The tandem starts when it is accepted."),
    )
    return redirect(url_for("tandem.show_pool"))


@bp.route("/invitations/<int:invitation_id>/<verdict>", methods=["POST"])
@access("adult")
def answer_invitation(invitation_id: int, verdict: str):
    """Accept or decline a proposed adult tandem."""
    invitation = db.session.get(TandemInvitation, invitation_id)
    user = current_user._get_current_object()
    if invitation is None or invitation.to_user_id != user.id or verdict not in ("accept", "decline"):
        abort(404)
    if not ActionForm().validate_on_submit():
        refuse(400)
    accept = verdict == "accept"
    made: list[TandemPair | None] = []
    done = run_action(
        lambda: made.append(adults.answer(invitation, user, accept)),
        _("The tandem has started.") if accept else _("The proposal is declined."),
    )
    if done and made and made[0] is not None:
        return redirect(url_for("tandem.show_pair", pair_id=made[0].id))
    return redirect(url_for("tandem.home"))
