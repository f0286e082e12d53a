"""Partner suggestions, partnership requests and partnership pages."""

import sqlalchemy as sa
from flask import Blueprint, flash, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..cities.models import City
from ..extensions import db
from ..permissions import access
from ..schools.models import MembershipStatus, School, SchoolStatus, SchoolType, StaffMembership
from ..schools.options import TOPICS
from . import matching
from .models import Partnership, PartnershipRequest, PartnershipStatus, RequestState

bp = Blueprint("partnerships", __name__)


def my_schools(user) -> list[School]:
    """The verified schools the user works for (confirmed staff)."""
    return list(
        db.session.scalars(
            sa.select(School)
            .join(StaffMembership, StaffMembership.school_id == School.id)
            .where(
                StaffMembership.user_id == user.id,
                StaffMembership.status == MembershipStatus.active,
                School.status == SchoolStatus.verified,
            )
            .options(joinedload(School.city))
            .order_by(School.id)
        )
    )


def partner_ids(school: School) -> set[int]:
    rows = db.session.execute(
        sa.select(Partnership.german_school_id, Partnership.russian_school_id).where(
            sa.or_(Partnership.german_school_id == school.id, Partnership.russian_school_id == school.id),
            Partnership.status != PartnershipStatus.ended,
        )
    ).all()
    return {school_id for row in rows for school_id in row} - {school.id}


def open_request_ids(school: School) -> set[int]:
    rows = db.session.execute(
        sa.select(PartnershipRequest.from_school_id, PartnershipRequest.to_school_id).where(
            sa.or_(PartnershipRequest.from_school_id == school.id, PartnershipRequest.to_school_id == school.id),
            PartnershipRequest.state == RequestState.open,
        )
    ).all()
    return {school_id for row in rows for school_id in row} - {school.id}


@bp.route("/partners/suggestions")
@access("staff")
def suggestions():
    """Ranked partner schools for one of the user's schools, with the reasons for each."""
    schools = my_schools(current_user)
    if not schools:
        return render_template("partnerships/suggestions.html", school=None, schools=[], items=[])
    chosen = request.args.get("school", "")
    school = next((s for s in schools if str(s.id) == chosen), schools[0])
    region = request.args.get("region", "")[:160]
    school_type = request.args.get("type", "")
    topic = request.args.get("topic", "")
    if (school_type and school_type not in SchoolType.__members__) or (topic and topic not in TOPICS.keys):
        flash(_("Some filters were not understood and have been ignored."), "warning")
    found = matching.suggest(school, partner_ids(school), region=region, school_type=school_type, topic=topic)
    by_id = {}
    if found:
        by_id = {
            s.id: s
            for s in db.session.scalars(
                sa.select(School).where(School.id.in_([f.school_id for f in found])).options(joinedload(School.city))
            )
        }
    pending = open_request_ids(school)
    items = [(by_id[f.school_id], f, f.school_id in pending) for f in found if f.school_id in by_id]
    region_column = City.region_ru if str(get_locale()) == "ru" else City.region_de
    regions = db.session.scalars(
        sa.select(region_column)
        .join(School, School.city_id == City.id)
        .where(School.status == SchoolStatus.verified, School.country != school.country, region_column.is_not(None))
        .distinct()
        .order_by(region_column)
    ).all()
    return render_template(
        "partnerships/suggestions.html",
        school=school,
        schools=schools,
        items=items,
        regions=regions,
        filters={"region": region, "type": school_type, "topic": topic},
        school_types=[t for t in SchoolType if t.country is not school.country],
        topics=TOPICS.choices(),
    )
