"""Public pages about German–Russian city partnerships; the coordinator sets a link's status."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..pagination import page_number
from ..partnerships.services import city_partnerships
from ..permissions import access
from ..schools.catalog import bump_catalog
from ..schools.services import is_verified_staff, listed_schools
from .forms import LinkStatusForm
from .models import City, LinkStatus, TwinCityLink

bp = Blueprint("cities", __name__)
PER_PAGE = 25


@bp.route("/twin-cities")
@access("public")
def list_links():
    """All city partnerships, filterable by status."""
    german = aliased(City)
    name_column = german.name_ru if str(get_locale()) == "ru" else german.name_de
    query = (
        sa.select(TwinCityLink)
        .join(german, TwinCityLink.german_city)
        .options(joinedload(TwinCityLink.german_city), joinedload(TwinCityLink.russian_city))
        .order_by(name_column, TwinCityLink.id)
    )
    status = request.args.get("status", "")
    if status:
        if status not in LinkStatus.__members__:
            flash(_("Unknown status filter; showing all city partnerships."), "warning")
            status = ""
        else:
            query = query.where(TwinCityLink.status == LinkStatus[status])
    page = db.paginate(query, page=page_number(request.args.get("page")), per_page=PER_PAGE, error_out=False)
    return render_template("cities/list.html", page=page, status=status, statuses=list(LinkStatus))


def get_link_or_404(link_id: int) -> TwinCityLink:
    link = db.session.scalar(
        sa.select(TwinCityLink)
        .where(TwinCityLink.id == link_id)
        .options(joinedload(TwinCityLink.german_city), joinedload(TwinCityLink.russian_city))
    )
    if link is None:
        abort(404)
    return link


@bp.route("/twin-cities/<int:link_id>")
@access("public")
def show_link(link_id):
    """One city partnership: both cities, since when, status and sources."""
    link = get_link_or_404(link_id)
    form = None
    if current_user.is_authenticated and current_user.is_coordinator:
        form = LinkStatusForm(status=link.status.value)
    verified_staff = is_verified_staff(current_user)
    schools = listed_schools([link.german_city_id, link.russian_city_id], verified_staff)
    by_city = {link.german_city_id: [], link.russian_city_id: []}
    for school in schools:
        by_city[school.city_id].append(school)
    partnerships = city_partnerships(link.german_city_id, link.russian_city_id, verified_staff)
    return render_template("cities/show.html", link=link, form=form, schools_by_city=by_city, partnerships=partnerships)


@bp.route("/twin-cities/<int:link_id>/status", methods=["POST"])
@access("coordinator")
def set_link_status(link_id):
    """Set whether a city partnership is active, suspended or unknown."""
    link = get_link_or_404(link_id)
    form = LinkStatusForm()
    if not form.validate_on_submit():
        flash(_("Please choose one of the offered statuses."), "danger")
        return redirect(url_for("cities.show_link", link_id=link.id))
    new_status = LinkStatus(form.status.data)
    if new_status is not link.status:
        link.set_status(new_status, current_user.id)
        bump_catalog()  # the link's status weighs in partner suggestions
        db.session.commit()
    flash(_("The status has been saved."), "success")
    return redirect(url_for("cities.show_link", link_id=link.id))
