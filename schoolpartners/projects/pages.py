"""What the busy project pages share: the project loaded in one statement, and the parts of its page that
are kept rendered, each under a key that holds everything the part shows."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_babel import get_timezone
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import Load, aliased
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import User
from ..cities.models import City
from ..extensions import db
from ..i18n import current_locale
from ..lru import LRU
from ..schools.models import MembershipStatus, School, StaffMembership
from ..templating import keep_rendered
from .access import remember_school_of
from .models import Project, ProjectSide

# Built once: every project page starts here. One statement of plain entities, one row per side, put
# together below; loader options (selectinload + joinedload) cost a project page more than the rest of its
# queries and rendering of the header together. The last column answers access.school_of() for the viewer
# in the same statement: the side's school if the viewer is its confirmed staff.
_Contact = aliased(User)
_PROJECT = (
    sa.select(Project, ProjectSide, School, City, _Contact, StaffMembership.school_id)
    .outerjoin(ProjectSide, ProjectSide.project_id == Project.id)
    .outerjoin(School, School.id == ProjectSide.school_id)
    .outerjoin(City, City.id == School.city_id)
    .outerjoin(_Contact, _Contact.id == ProjectSide.contact_id)
    .outerjoin(
        StaffMembership,
        sa.and_(
            StaffMembership.school_id == ProjectSide.school_id,
            StaffMembership.user_id == sa.bindparam("viewer_id"),
            StaffMembership.status == MembershipStatus.active,
        ),
    )
    .options(Load(School).load_only(School.id, School.name, School.country, School.city_id, School.status))
    .where(Project.id == sa.bindparam("project_id"))
    .order_by(ProjectSide.id)
)


def load_project(project_id: int, viewer: User) -> Project | None:
    """The project with its sides, their schools, cities and contact persons, and which of its schools the
    viewer works at (one statement)."""
    staff = viewer.is_authenticated and viewer.is_staff
    rows = db.session.execute(_PROJECT, {"project_id": project_id, "viewer_id": viewer.id if staff else None}).all()
    if not rows:
        return None
    project = rows[0][0]
    if staff:
        remember_school_of(project, viewer, next((row[5] for row in rows if row[5] is not None), None))
    if "sides" in project.__dict__:  # already loaded in this session (and maybe changed): keep it
        return project
    sides = []
    for _project, side, school, city, contact, _staff_school in rows:
        if side is None:
            continue
        if school is not None and "city" not in school.__dict__:
            set_committed_value(school, "city", city)
        for name, value in (("school", school), ("contact", contact), ("project", project)):
            if name not in side.__dict__:
                set_committed_value(side, name, value)
        sides.append(side)
    set_committed_value(project, "sides", sides)
    return project


_bodies = LRU(500)


def project_body(project: Project, can_edit: bool) -> Markup:
    """Texts, classes and stages, rendered once per project version, language, time zone and editing right
    (the stages and classes are read only when it is rendered)."""
    key = (project.id, project.version, current_locale(), str(get_timezone()), can_edit)
    html = _bodies.get(key)
    if html is None:
        html = _bodies[key] = Markup(  # noqa: S704  rendered by Jinja with autoescaping
            render_template("projects/_body.html", project=project, can_edit=can_edit)
        )
    return html


_tops = LRU(2000)


def project_top(project: Project, own_side: ProjectSide | None, revision, entry) -> Markup:
    """Title, dates, both schools' cards, the showcase box and a waiting change, rendered once per project
    version, viewer, language and the names shown that the version does not follow (schools, cities,
    contact persons, who proposed the change)."""
    locale = current_locale()
    user = current_user._get_current_object()
    key = (
        project.id,
        project.version,
        locale,
        user.id,
        own_side.id if own_side else None,
        tuple(
            (s.school.name, s.school.country, s.school.city.name(locale), s.contact.display_name if s.contact else None)
            for s in project.sides
        ),
        (revision.id, revision.proposed_by.display_name if revision.proposed_by else None) if revision else None,
        (entry.id, entry.published_at is not None) if entry else None,
    )
    return keep_rendered(
        _tops,
        key,
        lambda: render_template(
            "projects/_top.html", project=project, own_side=own_side, revision=revision, entry=entry
        ),
        forms=True,
    )
