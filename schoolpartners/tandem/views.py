"""Tandem pages: my tandem, the profile, the teachers' overview of a class partnership and its pairing rounds."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..actions import FAILED, run_action, run_form_action
from ..classes.models import ClassPartnership, SchoolClass
from ..domain import DomainError
from ..extensions import db
from ..forms import ActionForm
from ..permissions import access, refuse
from ..schools.models import School
from . import adults, consent, overview, services
from .choices import WAITING_REASONS
from .forms import ProfileForm, RoundForm, SwapForm
from .models import PairingRound, PairState, RoundState, Surplus, TandemMember, TandemPair
from .presenters import chips_for_round, slot_grid

bp = Blueprint("tandem", __name__, url_prefix="/tandem")


def get_link_or_404(link_id: int) -> tuple[ClassPartnership, str]:
    """A class partnership and the side ("german"/"russian") the current teacher teaches; 404 for others."""
    link = db.session.scalar(
        sa.select(ClassPartnership)
        .where(ClassPartnership.id == link_id)
        .options(
            joinedload(ClassPartnership.german_class).joinedload(SchoolClass.school).joinedload(School.city),
            joinedload(ClassPartnership.russian_class).joinedload(SchoolClass.school).joinedload(School.city),
        )
    )
    side = services.teaching_side(link, current_user) if link else None
    if side is None:
        abort(404)
    return link, side


def get_round_or_404(round_id: int) -> tuple[PairingRound, str]:
    pairing = services.load_round(round_id)
    side = services.teaching_side(pairing.class_partnership, current_user) if pairing else None
    if side is None:
        abort(404)
    return pairing, side


@bp.route("")
@access("user")
def home():
    """My tandem: the learner's pairs, waiting state and profile; teachers see their class partnerships."""
    user = current_user._get_current_object()
    my_pairs = db.session.scalars(
        sa.select(TandemPair)
        .join(TandemMember)
        .where(TandemMember.user_id == user.id, TandemPair.state != PairState.proposed)
        .options(selectinload(TandemPair.members).joinedload(TandemMember.user))
        .order_by(TandemPair.state == PairState.ended, TandemPair.id.desc())
    ).all()
    no_consent = bool(consent.lacking([user]))  # Finding #1: no pair, no partner's name without consent
    if no_consent:
        my_pairs = []
    return render_template(
        "tandem/home.html",
        pairs=my_pairs,
        no_consent=no_consent,
        hidden=consent.hidden(user, [u for pair in my_pairs for u in pair.users]),
        profile=services.profile_of(user),
        waiting=overview.waiting_of(user),
        links=services.taught_links(user) if user.is_staff else [],
        invitations=adults.open_invitations(user) if not user.is_student else [],
        reasons=WAITING_REASONS,
    )


@bp.route("/profile", methods=["GET", "POST"])
@access("member")
def edit_profile():
    """Fill in or change one's tandem profile."""
    user = current_user._get_current_object()
    profile = services.profile_of(user)
    form = ProfileForm()
    if request.method == "GET" and profile is not None:
        form.fill(profile)
    if form.validate_on_submit():
        done = run_form_action(form, "learns", lambda: services.save_profile(user, form.profile_data()))
        if done is not FAILED:
            flash(_("Your tandem profile is saved."), "success")
            return redirect(url_for("tandem.home"))
    return render_template("tandem/profile.html", form=form, grid=slot_grid(form), adult=not user.is_student)


@bp.route("/class-partnerships/<int:link_id>")
@access("staff")
def show_class_partnership(link_id: int):
    """Teachers' overview: all pairs of a class partnership with activity, sessions, balance and reports."""
    link, _side = get_link_or_404(link_id)
    rows = overview.pair_rows(link, date.today())
    rounds = overview.published_rounds(link)
    people = [u for row in rows for u in row.pair.users] + [w.user for r in rounds for w in r.waiting]
    return render_template(
        "tandem/class_partnership.html",
        link=link,
        rows=rows,
        profiles=overview.profile_counts(link),
        draft=services.open_round(link),
        rounds=rounds,
        form=RoundForm(),
        reasons=WAITING_REASONS,
        **_consent_marks(people),
    )


def _consent_marks(people) -> dict:
    """`hidden`: pupils without tandem consent of the other school, left out; `lacking`: the viewer's own pupils
    without it, shown with a "consent missing" badge (Finding #1, Issue 10 item 2)."""
    hidden, lacking = consent.marks(current_user._get_current_object(), people)
    return {"hidden": hidden, "lacking": lacking}


@bp.route("/class-partnerships/<int:link_id>/rounds", methods=["POST"])
@access("staff")
def start_round(link_id: int):
    """Compute a proposal of pairs for the two classes."""
    link, _side = get_link_or_404(link_id)
    form = RoundForm()
    if not form.validate_on_submit():
        flash(_("Please choose what happens to learners without a partner."), "danger")
        return redirect(url_for("tandem.show_class_partnership", link_id=link.id))
    user = current_user._get_current_object()
    try:
        pairing = services.start_round(link, user, Surplus(form.surplus.data), date.today())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("tandem.show_class_partnership", link_id=link.id))
    db.session.commit()
    flash(_("Here is the proposal. Check the pairs, swap or fix them, then approve."), "success")
    return redirect(url_for("tandem.show_round", round_id=pairing.id))


@bp.route("/rounds/<int:round_id>")
@access("staff")
def show_round(round_id: int):
    """A pairing round: every proposed pair with its reasons, the waiting list, both schools' approvals."""
    pairing, side = get_round_or_404(round_id)
    today = date.today()
    swap = SwapForm()
    numbered = list(enumerate(pairing.pairs, start=1))
    swap.first.choices = swap.second.choices = [(p.id, _("Pair %(number)d", number=n)) for n, p in numbered]
    return render_template(
        "tandem/round.html",
        pairing=pairing,
        side=side,
        numbered=numbered,
        chips=chips_for_round(pairing, today),
        swap=swap,
        reasons=WAITING_REASONS,
        draft=pairing.state is RoundState.draft,
        **_consent_marks([m.user for p in pairing.pairs for m in p.members] + [w.user for w in pairing.waiting]),
    )


def _round_action(round_id: int, action, success: str):
    pairing, side = get_round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        refuse(400)
    run_action(lambda: action(pairing, side), success)
    return redirect(url_for("tandem.show_round", round_id=pairing.id))


@bp.route("/rounds/<int:round_id>/recompute", methods=["POST"])
@access("staff")
def recompute_round(round_id: int):
    """Pair everyone again except the fixed pairs."""
    return _round_action(
        round_id, lambda pairing, _side: services.recompute(pairing, date.today()), _("The proposal is computed anew.")
    )


@bp.route("/rounds/<int:round_id>/pairs/<int:pair_id>/fix", methods=["POST"])
@access("staff")
def fix_pair(round_id: int, pair_id: int):
    """Keep a pair as it is when the proposal is computed again (or let it go)."""

    def toggle(pairing, _side):
        pair = next((p for p in pairing.pairs if p.id == pair_id), None)
        if pair is None:
            abort(404)
        services.set_fixed(pairing, pair, not pair.fixed)

    return _round_action(round_id, toggle, _("Saved."))


@bp.route("/rounds/<int:round_id>/swap", methods=["POST"])
@access("staff")
def swap_pairs(round_id: int):
    """Exchange the partners of two pairs."""
    pairing, _side = get_round_or_404(round_id)
    form = SwapForm()
    form.first.choices = form.second.choices = [(p.id, str(p.id)) for p in pairing.pairs]
    if not form.validate_on_submit():
        flash(_("Choose two different pairs of this proposal."), "danger")
        return redirect(url_for("tandem.show_round", round_id=pairing.id))
    by_id = {p.id: p for p in pairing.pairs}
    run_action(
        lambda: services.swap(pairing, by_id[form.first.data], by_id[form.second.data], date.today()),
        _("The partners are swapped. Both schools need to approve the proposal again."),
    )
    return redirect(url_for("tandem.show_round", round_id=pairing.id))


@bp.route("/rounds/<int:round_id>/approve", methods=["POST"])
@access("staff")
def approve_round(round_id: int):
    """Approve the proposal for one's school; the second school's approval publishes it."""
    pairing, side = get_round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        refuse(400)
    user = current_user._get_current_object()
    try:
        published = services.approve(pairing, user, side)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        if published:
            flash(_("Both schools have approved: the pairs are published and the students are told."), "success")
        else:
            flash(_("Approved. The pairs are published as soon as both schools have approved."), "success")
    return redirect(url_for("tandem.show_round", round_id=pairing.id))


@bp.route("/rounds/<int:round_id>/discard", methods=["POST"])
@access("staff")
def discard_round(round_id: int):
    """Throw a proposal away."""
    pairing, _side = get_round_or_404(round_id)
    link_id = pairing.class_partnership_id
    if not ActionForm().validate_on_submit():
        refuse(400)
    if run_action(lambda: services.discard(pairing), _("The proposal is discarded.")):
        return redirect(url_for("tandem.show_class_partnership", link_id=link_id))
    return redirect(url_for("tandem.show_round", round_id=round_id))
