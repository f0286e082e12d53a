"""Project pages: list, create from a template, confirm, revise, contacts, status, milestones."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..actions import FAILED, run_action, run_form_action
from ..classes.forms import ChoiceForm
from ..classes.models import ClassMembership, SchoolClass
from ..extensions import db
from ..forms import ActionForm
from ..i18n import current_locale
from ..pagination import Page, page_number
from ..permissions import access, refuse
from ..schools.models import MembershipStatus, StaffMembership
from ..schools.services import staff_users
from . import services
from .access import CONTACT_REPLACERS, can_view, may_replace_contact, school_of
from .forms import MilestoneForm, ProjectForm, ReasonForm
from .models import Milestone, Project, ProjectClass, ProjectRevision, ProjectSide, ProjectState, RevisionState
from .pages import load_project, project_body, project_top
from .templates_catalogue import get_template, templates

bp = Blueprint("projects", __name__)
PER_PAGE = 20


def get_project_or_404(project_id: int) -> Project:
    user = current_user._get_current_object()
    project = load_project(project_id, user)
    if project is None:
        abort(404)
    if not can_view(project, user):
        refuse(404)
    return project


def own_classes(school_id: int | None) -> list[SchoolClass]:
    """Current classes of the user's school in the project (each side chooses its own)."""
    if school_id is None:
        return []
    query = sa.select(SchoolClass).where(SchoolClass.school_id == school_id, SchoolClass.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(SchoolClass.name)))


@bp.app_template_global("project_zone_times")
def zone_times(moment, project: Project) -> list[tuple[str, str]]:
    """The moment in the schools' cities whose time zone differs from the viewer's ("20:00 Санкт-Петербург")."""
    viewer = str(get_timezone())
    locale = current_locale()
    shown, seen = [], {viewer}
    for side in project.sides:
        zone = side.school.city.zone
        if zone not in seen:
            seen.add(zone)
            local = moment.astimezone(ZoneInfo(zone))
            shown.append((format_datetime(local, "short", rebase=False), side.school.city.name(locale)))
    return shown


@bp.route("/projects")
@access("user")
def list_projects():
    """Staff: the projects of their schools. Students: the running projects of their classes. Foundation: all."""
    user = current_user._get_current_object()
    query = sa.select(Project).options(
        selectinload(Project.sides).joinedload(ProjectSide.school), selectinload(Project.milestones)
    )
    if user.is_student:
        classes = sa.select(ClassMembership.class_id).where(ClassMembership.student_id == user.id)
        query = query.where(
            Project.id.in_(sa.select(ProjectClass.project_id).where(ProjectClass.class_id.in_(classes))),
            Project.state != ProjectState.draft,
        )
    elif user.is_staff:
        schools = sa.select(StaffMembership.school_id).where(
            StaffMembership.user_id == user.id, StaffMembership.status == MembershipStatus.active
        )
        query = query.where(Project.id.in_(sa.select(ProjectSide.project_id).where(ProjectSide.school_id.in_(schools))))
    state = request.args.get("state", "")
    if state in ProjectState.__members__:
        query = query.where(Project.state == ProjectState[state])
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    number = page_number(request.args.get("page"))
    items = db.session.scalars(
        query.order_by(Project.created_at.desc(), Project.id.desc()).limit(PER_PAGE).offset((number - 1) * PER_PAGE)
    ).all()
    can_create = user.is_staff and bool(services.partnerships_of(user))
    return render_template(
        "projects/list.html",
        page=Page(items, number, PER_PAGE, total),
        state=state,
        states=list(ProjectState),
        can_create=can_create,
    )


@bp.route("/projects/new", methods=["GET", "POST"])
@access("staff")
def new_project():
    """Start a project in one of the user's partnerships, blank or from a template."""
    user = current_user._get_current_object()
    partnerships = services.partnerships_of(user)
    if not partnerships:
        flash(_("Projects start inside an active school partnership. Find a partner school first."), "warning")
        return redirect(url_for("partnerships.suggestions"))
    chosen = request.args.get("partnership", "")
    partnership = next((p for p in partnerships if str(p.id) == chosen), partnerships[0])
    key = request.args.get("template", "")
    template = get_template(key) if key else None
    if key and template is None:
        abort(404)
    own_school = next(
        s for s in (partnership.german_school_id, partnership.russian_school_id) if user.id in services.staff_ids(s)
    )
    form = ProjectForm(own_classes(own_school))
    if request.method == "GET":
        _prefill(form, template)
    if form.validate_on_submit():
        project = run_form_action(
            form, "title_de", lambda: services.create_project(user, partnership, form.project_data(), template)
        )
        if project is not FAILED:
            flash(_("The draft has been saved and sent to the partner school for confirmation."), "success")
            return redirect(url_for("projects.show_project", project_id=project.id))
    return render_template(
        "projects/form.html",
        form=form,
        project=None,
        template=template,
        templates=list(templates().values()),
        partnerships=partnerships,
        partnership=partnership,
        partner=partnership.russian_school if own_school == partnership.german_school_id else partnership.german_school,
    )


def _prefill(form: ProjectForm, template) -> None:
    start = date.today() + timedelta(days=14)
    form.start_date.data = form.start_date.data or start
    form.working_languages.data = ["de", "ru"]
    if template is None:
        form.end_date.data = start + timedelta(days=120)
        return
    form.end_date.data = start + timedelta(days=template.duration_days)
    for field in ("title_de", "title_ru", "description_de", "description_ru", "goals_de", "goals_ru"):
        form[field].data = getattr(template, field)
    form.benefit_german.data, form.benefit_russian.data = template.benefit_german, template.benefit_russian
    form.working_languages.data = list(template.working_languages)


_PENDING_REVISION = (
    sa.select(ProjectRevision)
    .where(ProjectRevision.project_id == sa.bindparam("project_id"), ProjectRevision.state == RevisionState.pending)
    .options(joinedload(ProjectRevision.proposed_by))
)


@bp.route("/projects/<int:project_id>")
@access("user")
def show_project(project_id):
    """Both schools as equals: contacts and confirmation, texts, classes, milestones, waiting changes."""
    project = get_project_or_404(project_id)
    user = current_user._get_current_object()
    own = school_of(project, user)
    revision = db.session.scalar(_PENDING_REVISION, {"project_id": project.id})
    own_side = project.side_of_school(own) if own else None
    from ..showcase.services import entry_of  # the showcase builds on projects, not the other way round

    can_edit = own_side is not None and project.state in (ProjectState.draft, ProjectState.active)
    entry = entry_of(project) if project.state is ProjectState.completed else None
    return render_template(
        "projects/show.html",
        project=project,
        top=project_top(project, own_side, revision, entry),
        body=project_body(project, can_edit),
        own_side=own_side,
        locale=current_locale(),
    )


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@access("staff")
def edit_project(project_id):
    project = get_project_or_404(project_id)
    user = current_user._get_current_object()
    own = school_of(project, user)
    if own is None or project.state not in (ProjectState.draft, ProjectState.active):
        refuse(404)
    form = ProjectForm(own_classes(own), obj=project if request.method == "GET" else None)
    if request.method == "GET":
        form.working_languages.data = project.working_languages.split(",")
        form.classes.data = [str(link.class_id) for link in project.class_links if link.school_class.school_id == own]
    if form.validate_on_submit():
        revision = run_form_action(
            form, "title_de", lambda: services.update_project(project, user, form.project_data())
        )
        if revision is not FAILED:
            if revision is not None:
                flash(_("Saved. The change of goals or dates waits for the other school's answer."), "info")
            elif project.state is ProjectState.draft:
                flash(_("Saved. The partner school has been asked to confirm the changed draft."), "success")
            else:
                flash(_("The project has been saved."), "success")
            return redirect(url_for("projects.show_project", project_id=project.id))
    return render_template(
        "projects/form.html",
        form=form,
        project=project,
        template=None,
        templates=[],
        partnerships=[],
        partnership=None,
        partner=None,
    )


def _post(project_id, action, success):
    project = get_project_or_404(project_id)
    if ActionForm().validate_on_submit():
        run_action(lambda: action(project), success)
    return redirect(url_for("projects.show_project", project_id=project_id))


@bp.route("/projects/<int:project_id>/confirm", methods=["POST"])
@access("staff")
def confirm_project(project_id):
    return _post(
        project_id,
        lambda p: services.confirm_project(p, current_user._get_current_object()),
        _("Your school has confirmed the project."),
    )


@bp.route("/projects/<int:project_id>/complete", methods=["POST"])
@access("staff")
def complete_project(project_id):
    return _post(
        project_id,
        lambda p: services.complete_project(p, current_user._get_current_object()),
        _("Noted: your school considers the project completed."),
    )


@bp.route("/projects/<int:project_id>/cancel", methods=["POST"])
@access("staff")
def cancel_project(project_id):
    project = get_project_or_404(project_id)
    form = ReasonForm()
    if form.validate_on_submit():
        run_action(
            lambda: services.cancel_project(project, current_user._get_current_object(), form.reason.data),
            _("The project has been cancelled."),
        )
    else:
        flash(_("Please give a reason; the other school reads it."), "danger")
    return redirect(url_for("projects.show_project", project_id=project_id))


@bp.route("/projects/<int:project_id>/contact", methods=["GET", "POST"])
@access("staff")
def replace_contact(project_id):
    """Name another fixed contact person for one's own school (never none: a replacement is chosen)."""
    project = get_project_or_404(project_id)
    user = current_user._get_current_object()
    own = school_of(project, user)
    if own is None or project.state not in (ProjectState.draft, ProjectState.active):
        refuse(404)
    if not may_replace_contact(project, project.side_of_school(own), user):
        flash(str(CONTACT_REPLACERS), "danger")
        return redirect(url_for("projects.show_project", project_id=project_id))
    people = staff_users(own)
    form = ChoiceForm(_("New contact person"), [(u.id, u.display_name) for u in people])
    if form.validate_on_submit():
        new = next(u for u in people if str(u.id) == form.choice.data)
        if run_action(
            lambda: services.replace_contact(project, user, new),
            _("%(name)s is now your school's contact person for this project.", name=new.display_name),
        ):
            return redirect(url_for("projects.show_project", project_id=project_id))
    elif request.method == "POST":
        flash(_("Please choose a colleague from the list."), "danger")
    return render_template("projects/contact.html", project=project, form=form)


@bp.route(
    "/projects/<int:project_id>/revisions/<int:revision_id>/<any(accept, reject, withdraw):decision>", methods=["POST"]
)
@access("staff")
def decide_revision(project_id, revision_id, decision):
    project = get_project_or_404(project_id)
    revision = db.session.get(ProjectRevision, revision_id)
    if revision is None or revision.project_id != project.id:
        abort(404)
    user = current_user._get_current_object()
    if decision == "withdraw":
        action, message = (
            lambda: services.withdraw_revision(project, revision, user),
            _("The change has been withdrawn."),
        )
    else:
        accept = decision == "accept"
        action = lambda: services.decide_revision(project, revision, user, accept)  # noqa: E731
        message = _("The change now applies.") if accept else _("The change has not been accepted.")
    if ActionForm().validate_on_submit():
        run_action(action, message)
    return redirect(url_for("projects.show_project", project_id=project_id))


@bp.route("/projects/<int:project_id>/milestones/new", methods=["GET", "POST"])
@bp.route("/projects/<int:project_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@access("staff")
def edit_milestone(project_id, milestone_id=None):
    project = get_project_or_404(project_id)
    user = current_user._get_current_object()
    if school_of(project, user) is None:
        refuse(404)
    milestone = None
    if milestone_id is not None:
        milestone = next((m for m in project.milestones if m.id == milestone_id), None)
        if milestone is None:
            abort(404)
    form = MilestoneForm(obj=milestone if request.method == "GET" else None)
    if request.method == "GET" and milestone is not None:
        local = milestone.deadline.astimezone(ZoneInfo(str(get_timezone())))
        form.day.data, form.hour.data, form.mode.data = local.date(), local.time(), milestone.mode.value
    if form.validate_on_submit():
        done = run_form_action(
            form, "title_de", lambda: services.save_milestone(project, user, milestone, form.milestone_data())
        )
        if done is not FAILED:
            flash(_("The stage has been saved."), "success")
            return redirect(url_for("projects.show_project", project_id=project.id))
    deletable = milestone is not None and not services.milestone_has_submissions(milestone)
    return render_template(
        "projects/milestone_form.html", form=form, project=project, milestone=milestone, deletable=deletable
    )


@bp.route("/projects/<int:project_id>/milestones/<int:milestone_id>/delete", methods=["POST"])
@access("staff")
def delete_milestone(project_id, milestone_id):
    project = get_project_or_404(project_id)
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.project_id != project.id:
        abort(404)
    return _post(
        project_id,
        lambda p: services.delete_milestone(p, current_user._get_current_object(), milestone),
        _("The stage has been deleted."),
    )
