"""Partner suggestions, partnership requests and partnership pages."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import aliased, joinedload

from ..accounts.models import User
from ..actions import run_action
from ..cities.models import City, TwinCityLink
from ..csvfile import csv_response
from ..extensions import db
from ..i18n import current_locale
from ..lru import LRU
from ..pagination import page_number
from ..permissions import access, refuse
from ..schools.catalog import Catalog, catalog
from ..schools.models import MembershipStatus, School, SchoolType, StaffMembership
from ..schools.options import TOPICS
from . import matching, services
from .forms import ContactForm, StatusForm
from .models import Partnership, PartnershipEvent, PartnershipRequest, PartnershipStatus, RequestState

bp = Blueprint("partnerships", __name__)


# Built once: constructing it (an outer join with an OR) cost more than running it.
_MINE_WITH_OPEN_REQUESTS = (
    sa.select(StaffMembership.school_id, PartnershipRequest.from_school_id, PartnershipRequest.to_school_id)
    .outerjoin(
        PartnershipRequest,
        sa.and_(
            PartnershipRequest.state == RequestState.open,
            sa.or_(
                PartnershipRequest.from_school_id == StaffMembership.school_id,
                PartnershipRequest.to_school_id == StaffMembership.school_id,
            ),
        ),
    )
    .where(StaffMembership.user_id == sa.bindparam("user_id"), StaffMembership.status == MembershipStatus.active)
)


def my_schools_with_open_requests(user: User, cat: Catalog) -> dict[int, set[int]]:
    """The user's verified schools (by id) and, for each, the schools it has open requests with; one query."""
    rows = db.session.execute(_MINE_WITH_OPEN_REQUESTS, {"user_id": user.id}).all()
    found: dict[int, set[int]] = {}
    for school_id, sender, receiver in sorted(rows, key=lambda row: row[0]):
        if school_id in cat.names:  # the catalogue holds the verified schools only
            found.setdefault(school_id, set()).update({sender, receiver} - {None, school_id})
    return found


_bodies = LRU(2000)


def suggestions_body(school_id, schools, cat, pending, region, school_type, topic) -> Markup:
    """Filter bar and ranked list: scored, picked and rendered once per key (see the view)."""
    school = db.session.scalar(sa.select(School).where(School.id == school_id).options(joinedload(School.city)))
    partners = {partner_id for _id, partner_id, _status in cat.partners.get(school.id, [])}
    found = matching.suggest(school, partners, region=region, school_type=school_type, topic=topic, cat=cat)
    by_id = {
        s.id: s
        for s in db.session.scalars(
            sa.select(School).where(School.id.in_([f.school_id for f in found])).options(joinedload(School.city))
        )
    }
    items = [(by_id[f.school_id], f, f.school_id in pending) for f in found if f.school_id in by_id]
    locale = current_locale()
    render = get_template_attribute("partnerships/_suggestions.html", "suggestions_body")
    return Markup(  # noqa: S704  rendered by Jinja with autoescaping
        render(
            school=school,
            schools=[(i, *cat.names[i]) for i in schools],
            items=items,
            filters={"region": region, "type": school_type, "topic": topic},
            regions=[(r, r) for r in cat.regions(locale)],
            school_types=[(t.name, t.label) for t in SchoolType if t.country is not school.country],
            topics=TOPICS.choices(),
        )
    )


@bp.route("/partners/suggestions")
@access("staff")
def suggestions():
    """Ranked partner schools for one of the user's schools, with the reasons for each."""
    cat = catalog()
    mine = my_schools_with_open_requests(current_user, cat)
    if not mine:
        return render_template("partnerships/suggestions.html", body=None)
    chosen = request.args.get("school", "")
    school_id = next((i for i in mine if str(i) == chosen), next(iter(mine)))
    region = request.args.get("region", "")[:160]
    school_type = request.args.get("type", "")
    topic = request.args.get("topic", "")
    if (school_type and school_type not in SchoolType.__members__) or (topic and topic not in TOPICS.keys):
        flash(_("Some filters were not understood and have been ignored."), "warning")
    pending = mine[school_id]
    key = (cat.version, current_locale(), school_id, tuple(mine), region, school_type, topic, frozenset(pending))
    body = _bodies.get(key)
    if body is None:
        body = _bodies[key] = suggestions_body(school_id, tuple(mine), cat, pending, region, school_type, topic)
    return render_template("partnerships/suggestions.html", body=body)


def get_partnership_or_404(partnership_id: int) -> Partnership:
    """A partnership, for staff of its two schools and the foundation only."""
    partnership = db.session.scalar(
        sa.select(Partnership)
        .where(Partnership.id == partnership_id)
        .options(
            joinedload(Partnership.german_school).joinedload(School.city),
            joinedload(Partnership.russian_school).joinedload(School.city),
            joinedload(Partnership.german_contact),
            joinedload(Partnership.russian_contact),
        )
    )
    if partnership is None:
        abort(404)
    user = current_user._get_current_object()
    if not user.is_coordinator and services.side_of(partnership, user) is None:
        refuse(404)
    return partnership


@bp.route("/partnerships/<int:partnership_id>")
@access("adult")
def show_partnership(partnership_id):
    """Both schools as equals: cities, contact persons, status and history."""
    partnership = get_partnership_or_404(partnership_id)
    user = current_user._get_current_object()
    mine = services.side_of(partnership, user)
    events = db.session.scalars(
        sa.select(PartnershipEvent)
        .where(PartnershipEvent.partnership_id == partnership.id)
        .options(joinedload(PartnershipEvent.by))
        .order_by(PartnershipEvent.created_at, PartnershipEvent.id)
    ).all()
    manages = user.is_coordinator or (mine is not None and user.id in services.staff_ids(mine.id, True))
    link = db.session.scalar(
        sa.select(TwinCityLink).where(
            TwinCityLink.german_city_id == partnership.german_school.city_id,
            TwinCityLink.russian_city_id == partnership.russian_school.city_id,
        )
    )
    return render_template(
        "partnerships/partnership.html",
        partnership=partnership,
        events=events,
        mine=mine,
        manages=manages,
        twin_link=link,
        status_form=StatusForm(status=partnership.status.value),
        contact_form=ContactForm(services.staff_users(mine.id)) if mine else None,
    )


@bp.route("/partnerships/<int:partnership_id>/status", methods=["POST"])
@access("adult")
def set_status(partnership_id):
    """Pause, resume or end the partnership."""
    partnership = get_partnership_or_404(partnership_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.set_partnership_status(
                partnership, current_user, PartnershipStatus(form.status.data), form.note.data or ""
            )
        except services.PartnershipError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("The status has been saved."), "success")
    else:
        flash(_("Please choose one of the offered statuses."), "danger")
    return redirect(url_for("partnerships.show_partnership", partnership_id=partnership.id))


@bp.route("/partnerships/<int:partnership_id>/contact", methods=["POST"])
@access("adult")
def change_contact(partnership_id):
    """Name a new contact person for one's own side (replacing the old one, never leaving it empty)."""
    partnership = get_partnership_or_404(partnership_id)
    mine = services.side_of(partnership, current_user)
    if mine is None:
        refuse(403)
    form = ContactForm(services.staff_users(mine.id))
    if form.validate_on_submit():
        run_action(
            lambda: services.replace_contact(
                partnership, current_user, mine, db.get_or_404(User, int(form.contact.data))
            ),
            _("The contact person has been changed."),
        )
    else:
        flash(_("Please choose a person from the list."), "danger")
    return redirect(url_for("partnerships.show_partnership", partnership_id=partnership.id))


def overview_query(args):
    german, russian = aliased(School), aliased(School)
    german_city, russian_city = aliased(City), aliased(City)
    query = (
        sa.select(Partnership)
        .join(german, Partnership.german_school)
        .join(russian, Partnership.russian_school)
        .join(german_city, german.city_id == german_city.id)
        .join(russian_city, russian.city_id == russian_city.id)
        .options(
            joinedload(Partnership.german_school).joinedload(School.city),
            joinedload(Partnership.russian_school).joinedload(School.city),
            joinedload(Partnership.german_contact),
            joinedload(Partnership.russian_contact),
        )
        .order_by(Partnership.created_at.desc(), Partnership.id.desc())
    )
    status = args.get("status", "")
    if status in PartnershipStatus.__members__:
        query = query.where(Partnership.status == PartnershipStatus[status])
    region = args.get("region", "")
    if region:
        query = query.where(sa.or_(german_city.region_de == region, russian_city.region_de == region))
    return query, german_city, russian_city


@bp.route("/partnerships")
@access("coordinator")
def overview():
    """All partnerships, with counts by status, region and city pair (for the foundation)."""
    query, german_city, russian_city = overview_query(request.args)
    page = db.paginate(query, page=page_number(request.args.get("page")), per_page=25, error_out=False)
    by_status = dict(
        db.session.execute(sa.select(Partnership.status, sa.func.count()).group_by(Partnership.status)).all()
    )
    german, russian = aliased(School), aliased(School)
    pair_rows = db.session.execute(
        sa.select(german_city.id, russian_city.id, sa.func.count())
        .select_from(Partnership)
        .join(german, german.id == Partnership.german_school_id)
        .join(russian, russian.id == Partnership.russian_school_id)
        .join(german_city, german_city.id == german.city_id)
        .join(russian_city, russian_city.id == russian.city_id)
        .group_by(german_city.id, russian_city.id)
        .order_by(sa.func.count().desc())
        .limit(20)
    ).all()
    city_ids = {cid for row in pair_rows for cid in row[:2]}
    cities = {c.id: c for c in db.session.scalars(sa.select(City).where(City.id.in_(city_ids)))} if city_ids else {}
    region_rows = db.session.execute(
        sa.select(german_city.region_de, sa.func.count())
        .select_from(Partnership)
        .join(german, german.id == Partnership.german_school_id)
        .join(german_city, german_city.id == german.city_id)
        .group_by(german_city.region_de)
        .union_all(
            sa.select(russian_city.region_de, sa.func.count())
            .select_from(Partnership)
            .join(russian, russian.id == Partnership.russian_school_id)
            .join(russian_city, russian_city.id == russian.city_id)
            .group_by(russian_city.region_de)
        )
    ).all()
    return render_template(
        "partnerships/overview.html",
        page=page,
        by_status={s: by_status.get(s, 0) for s in PartnershipStatus},
        pairs=[(cities[g], cities[r], n) for g, r, n in pair_rows],
        regions=sorted(((region or "—", n) for region, n in region_rows), key=lambda item: (-item[1], item[0])),
        status=request.args.get("status", ""),
        region=request.args.get("region", ""),
    )


@bp.route("/partnerships.csv")
@access("coordinator")
def export_csv():
    """The filtered partnerships as CSV (the shared writer: `;`, UTF-8 with BOM, formula guard)."""
    query, _german_city, _russian_city = overview_query(request.args)
    header = [
        _("ID"),
        _("Status"),
        _("Since"),
        _("German school"),
        _("German city"),
        _("Federal state"),
        _("Russian school"),
        _("Russian city"),
        _("Region"),
        _("German contact person"),
        _("Russian contact person"),
    ]
    rows = (
        [
            p.id,
            p.status.label,
            p.created_at.date().isoformat(),
            p.german_school.name,
            p.german_school.city.name_de,
            p.german_school.city.region_de or "",
            p.russian_school.name,
            p.russian_school.city.name_ru,
            p.russian_school.city.region_ru or "",
            p.german_contact.display_name,
            p.russian_contact.display_name,
        ]
        for p in db.session.scalars(query)
    )
    return csv_response("partnerships.csv", header, rows)
