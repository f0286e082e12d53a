"""Directory, school profiles, registering and editing a school, staff, and the foundation's verification."""

import numpy as np
import sqlalchemy as sa
from flask import Blueprint, abort, flash, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload

from ..actions import FAILED, run_action, run_form_action
from ..extensions import db
from ..forms import ActionForm
from ..lru import LRU
from ..pagination import Page, page_number
from ..permissions import access, refuse
from . import services
from .cards import school_cards
from .catalog import TYPES, Catalog, catalog
from .forms import DecisionForm, DirectoryFilters, InviteForm, RoleForm, SchoolForm
from .models import (
    Invitation,
    School,
    SchoolStatus,
    SchoolType,
    StaffMembership,
    StaffRole,
    can_manage_school,
    can_view_school,
)
from .options import LANGUAGES, TOPICS

bp = Blueprint("schools", __name__)
PER_PAGE = 12  # a 3-column grid; fewer cards per page also keeps the page fast


def get_school_or_404(school_id: int, need: str = "view") -> School:
    """The school if the current user may see it (404 otherwise) and, for need="manage", manage it (403)."""
    school = db.session.scalar(
        sa.select(School).where(School.id == school_id).options(joinedload(School.city), selectinload(School.staff))
    )
    if school is None:
        abort(404)
    user = current_user._get_current_object()
    if not can_view_school(school, user, services.is_verified_staff(user)):
        refuse(404)
    if need == "manage" and not can_manage_school(school, user):
        refuse(403)
    return school


def directory_ids(cat: Catalog, filters: DirectoryFilters, verified_staff: bool) -> np.ndarray:
    """Ids of the listed schools matching the filters, in name order, chosen from the in-memory catalogue."""
    keep = np.ones(len(cat.ids), dtype=bool)
    if not verified_staff:
        keep &= cat.public
    if filters.country:
        keep &= cat.country == (0 if filters.country == "DE" else 1)
    if filters.school_type:
        keep &= cat.school_type == TYPES.index(SchoolType[filters.school_type])
    if filters.language:
        keep &= (cat.languages & LANGUAGES.bit(filters.language)) != 0
    if filters.topic:
        keep &= (cat.topics & TOPICS.bit(filters.topic)) != 0
    if filters.city:
        keep &= cat.city == int(filters.city)
    if filters.region:
        keep &= (cat.region_de == filters.region) | (cat.region_ru == filters.region)
    if filters.age:
        keep &= (cat.age_min >= 0) & (cat.age_min <= filters.age) & (cat.age_max >= filters.age)
    if filters.looking:
        keep &= cat.looking
    if filters.q:
        found = services.search_ids(filters.q)
        if found is not None:
            keep &= np.isin(cat.ids, np.array(found, dtype=np.int64))
    chosen = np.flatnonzero(keep)
    return cat.ids[chosen[np.argsort(cat.name_rank[chosen], kind="stable")]]


# Both keyed by the catalogue version, so a changed profile, city or search key shows at once.
_results = LRU(2000)  # ids of the matching schools, per filter values and audience
_filter_bars = LRU(500)  # the rendered filter bar, per filter values and language


def filter_bar(cat: Catalog, filters: DirectoryFilters, locale: str) -> Markup:
    """The directory's filter bar; its city and region lists grow with the data, so it is rendered once."""
    key = (cat.version, locale, filters.key())
    html = _filter_bars.get(key)
    if html is None:
        render = get_template_attribute("schools/_filters.html", "filter_form")
        html = _filter_bars[key] = Markup(  # noqa: S704  rendered by Jinja with autoescaping
            render(
                filters,
                regions=[(r, r) for r in cat.regions(locale)],
                cities=cat.cities(locale),
                school_types=[(t.name, t.label) for t in SchoolType],
                languages=LANGUAGES.choices(),
                topics=TOPICS.choices(),
            )
        )
    return html


@bp.route("/schools")
@access("public")
def directory():
    """Verified schools, filterable and searchable in both scripts."""
    filters = DirectoryFilters(request.args)
    if filters.ignored:
        flash(_("Some filters were not understood and have been ignored."), "warning")
    cat = catalog()
    locale = str(get_locale())
    verified_staff = services.is_verified_staff(current_user)
    key = (cat.version, verified_staff, filters.key())
    ids = _results.get(key)
    if ids is None:
        ids = _results[key] = directory_ids(cat, filters, verified_staff)
    number = page_number(request.args.get("page"))
    wanted = [int(i) for i in ids[(number - 1) * PER_PAGE : number * PER_PAGE]]
    page = Page(school_cards(wanted, cat.version, locale), number, PER_PAGE, len(ids))
    return render_template("schools/directory.html", page=page, filter_form=filter_bar(cat, filters, locale))


@bp.route("/schools/<int:school_id>")
@access("public")
def show_school(school_id):
    """A school's profile; staff names and contacts are never shown here."""
    school = get_school_or_404(school_id)
    user = current_user._get_current_object()
    mine = None
    if user.is_authenticated and user.is_staff:
        mine = next((m for m in school.staff if m.user_id == user.id), None)
    can_request = (
        mine is None
        and school.is_verified
        and school.looking_for_partners
        and user.is_authenticated
        and user.is_staff
        and any(own.country is not school.country for own in services.verified_schools_of(user))
    )
    from ..showcase.services import published_of  # the showcase builds on schools, not the other way round

    return render_template(
        "schools/show.html",
        school=school,
        published=published_of(school.id),
        can_manage=user.is_authenticated and can_manage_school(school, user),
        can_request=can_request,
        membership=mine,
        form=ActionForm(),
    )


@bp.route("/schools/new", methods=["GET", "POST"])
@access("staff")
def register_school():
    """Register a new school; the foundation verifies it before it is listed."""
    form = SchoolForm()
    if form.validate_on_submit():
        school = run_form_action(form, "name", lambda: services.register_school(current_user, form.profile_data()))
        if school is not FAILED:
            flash(_("Your school has been registered. The foundation will verify it soon."), "success")
            return redirect(url_for("schools.show_school", school_id=school.id))
    return render_template("schools/form.html", form=form, school=None)


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@access("adult")
def edit_school(school_id):
    """Edit the school profile (its school coordinators and the foundation)."""
    school = get_school_or_404(school_id, need="manage")
    form = SchoolForm()
    if request.method == "GET":
        form.load(school)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        done = run_form_action(form, "name", lambda: services.apply_profile(school, form.profile_data(), by=user))
        if done is not FAILED:
            flash(_("The school profile has been saved."), "success")
            if done:
                flash(
                    _(
                        "Because the name, city or country changed, the foundation verifies the school again. "
                        "Until then it is not listed in the directory."
                    ),
                    "warning",
                )
            return redirect(url_for("schools.show_school", school_id=school.id))
    return render_template("schools/form.html", form=form, school=school)


@bp.route("/schools/<int:school_id>/join", methods=["POST"])
@access("staff")
def join_school(school_id):
    """Ask to join the school's staff; a school coordinator confirms."""
    school = get_school_or_404(school_id)
    if ActionForm().validate_on_submit():
        try:
            services.request_membership(current_user, school)
        except services.SchoolError as exc:
            flash(str(exc), "warning")
        else:
            db.session.commit()
            flash(_("Your request has been sent to the school's coordinators."), "success")
    return redirect(url_for("schools.show_school", school_id=school.id))


@bp.route("/schools/<int:school_id>/staff")
@access("adult")
def manage_staff(school_id):
    """The school's staff and join requests (for its school coordinators)."""
    school = get_school_or_404(school_id, need="manage")
    members = db.session.scalars(
        sa.select(StaffMembership)
        .where(StaffMembership.school_id == school.id)
        .options(joinedload(StaffMembership.user))
        .order_by(StaffMembership.status.desc(), StaffMembership.created_at)
    ).all()
    return render_template(
        "schools/staff.html",
        school=school,
        members=members,
        invitations=services.open_invitations(school),
        form=ActionForm(),
        invite_form=InviteForm(),
    )


def _member_or_404(school: School, member_id: int) -> StaffMembership:
    member = db.session.get(StaffMembership, member_id)
    if member is None or member.school_id != school.id:
        abort(404)
    return member


def _change_member(school_id, member_id, change, success, category="success"):
    """A button of the staff page: `change(member)`, then `success(name)` flashed (or the refusal)."""
    school = get_school_or_404(school_id, need="manage")
    member = _member_or_404(school, member_id)
    if ActionForm().validate_on_submit():
        name = member.user.display_name  # read before the change, which may delete the membership
        run_action(lambda: change(member), success(name), category)
    return redirect(url_for("schools.manage_staff", school_id=school.id))


@bp.route("/schools/<int:school_id>/staff/<int:member_id>/confirm", methods=["POST"])
@access("adult")
def confirm_member(school_id, member_id):
    """Confirm a join request."""
    return _change_member(
        school_id, member_id, services.confirm_membership, lambda name: _("%(name)s is now on the staff.", name=name)
    )


@bp.route("/schools/<int:school_id>/staff/<int:member_id>/refuse", methods=["POST"])
@access("adult")
def refuse_member(school_id, member_id):
    """Refuse a join request (never a confirmed member: removing one is its own button)."""
    return _change_member(
        school_id,
        member_id,
        services.refuse_membership,
        lambda name: _("The join request of %(name)s has been refused.", name=name),
        "info",
    )


@bp.route("/schools/<int:school_id>/staff/<int:member_id>/remove", methods=["POST"])
@access("adult")
def remove_member(school_id, member_id):
    """Refuse a join request or remove a staff member."""
    return _change_member(
        school_id,
        member_id,
        services.remove_membership,
        lambda name: _("%(name)s is no longer on the staff.", name=name),
    )


@bp.route("/schools/<int:school_id>/staff/<int:member_id>/role", methods=["POST"])
@access("adult")
def set_member_role(school_id, member_id):
    """Make a staff member a school coordinator or a teacher."""
    school = get_school_or_404(school_id, need="manage")
    member = _member_or_404(school, member_id)
    form = RoleForm()
    if form.validate_on_submit():
        run_action(lambda: services.set_role(member, StaffRole(form.role.data)), _("The role has been changed."))
    return redirect(url_for("schools.manage_staff", school_id=school.id))


@bp.route("/schools/<int:school_id>/staff/invite", methods=["POST"])
@access("adult")
def invite_member(school_id):
    """Invite a teacher by email; the link expires after two weeks."""
    school = get_school_or_404(school_id, need="manage")
    form = InviteForm()
    if form.validate_on_submit():
        run_action(
            lambda: services.invite(school, form.email.data, StaffRole(form.role.data), current_user),
            _("We sent an invitation to %(email)s.", email=form.email.data.strip()),
        )
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("schools.manage_staff", school_id=school.id))


@bp.route("/schools/<int:school_id>/staff/invitations/<int:invitation_id>/revoke", methods=["POST"])
@access("adult")
def revoke_invitation(school_id, invitation_id):
    """Withdraw an open invitation."""
    school = get_school_or_404(school_id, need="manage")
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.school_id != school.id:
        abort(404)
    if ActionForm().validate_on_submit():
        email = invitation.email
        run_action(
            lambda: services.revoke_invitation(invitation),
            _("The invitation to %(email)s has been withdrawn.", email=email),
        )
    return redirect(url_for("schools.manage_staff", school_id=school.id))


@bp.route("/invitations/<token>")
@access("public")
def show_invitation(token):
    """The page behind an invitation link: log in or register, then accept."""
    try:
        invitation = services.find_invitation(token)
    except services.SchoolError as exc:
        return render_template("accounts/token_error.html", message=str(exc)), 400
    return render_template("schools/invitation.html", invitation=invitation, token=token, form=ActionForm())


@bp.route("/invitations/<token>", methods=["POST"])
@access("staff")
def accept_invitation(token):
    """Accept an invitation and join the school's staff."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("schools.show_invitation", token=token))
    try:
        member = services.accept_invitation(token, current_user)
    except services.SchoolError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("schools.show_invitation", token=token))
    db.session.commit()
    flash(_("Welcome to the staff of %(school)s.", school=member.school.name), "success")
    return redirect(url_for("schools.show_school", school_id=member.school_id))


@bp.route("/verification")
@access("coordinator")
def verification_queue():
    """Schools waiting for the foundation's verification, oldest first."""
    pending = db.session.scalars(
        sa.select(School)
        .where(School.status == SchoolStatus.pending)
        .options(joinedload(School.city))
        .order_by(School.created_at, School.id)
    ).all()
    return render_template("schools/verification.html", pending=pending, form=DecisionForm())


@bp.route("/verification/<int:school_id>", methods=["POST"])
@access("coordinator")
def decide_school(school_id):
    """Verify or reject a school, with a reason for a rejection."""
    school = db.get_or_404(School, school_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Please choose to verify or to reject."), "danger")
        return redirect(url_for("schools.verification_queue"))
    try:
        services.set_status(school, SchoolStatus(form.decision.data), form.reason.data or "")
    except services.SchoolError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("schools.verification_queue"))
    db.session.commit()
    if school.is_verified:
        flash(_("%(school)s is verified and now listed.", school=school.name), "success")
    else:
        flash(_("%(school)s was not verified; the school has been told why.", school=school.name), "info")
    return redirect(url_for("schools.verification_queue"))
