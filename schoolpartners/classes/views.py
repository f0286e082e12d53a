"""Class pages: list, create, edit, co-teachers, join code, class partnerships, joining by code."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..actions import FAILED, run_action, run_form_action
from ..extensions import db
from ..forms import ActionForm
from ..partnerships.models import Partnership, PartnershipStatus
from ..permissions import access, refuse
from ..schools.models import MembershipStatus, School, StaffMembership, StaffRole
from . import services
from .forms import ChoiceForm, ClassForm, JoinForm
from .models import ClassMembership, ClassPartnership, ClassPartnershipState, ClassTeacher, ConsentScope, SchoolClass

bp = Blueprint("classes", __name__)


def get_class_or_404(class_id: int, need: str = "view") -> SchoolClass:
    """The class if the current user may see it (students: their own) or, for need="manage", manage it."""
    school_class = db.session.scalar(
        sa.select(SchoolClass)
        .where(SchoolClass.id == class_id)
        .options(
            joinedload(SchoolClass.school).joinedload(School.city),
            selectinload(SchoolClass.teacher_links).joinedload(ClassTeacher.user),
            selectinload(SchoolClass.memberships).joinedload(ClassMembership.student),
        )
    )
    if school_class is None:
        abort(404)
    user = current_user._get_current_object()
    allowed = services.can_manage_class if need == "manage" else services.can_view_class
    if not allowed(school_class, user):
        refuse(404)
    return school_class


def class_links(school_class: SchoolClass) -> list[ClassPartnership]:
    return list(
        db.session.scalars(
            sa.select(ClassPartnership)
            .where(
                sa.or_(
                    ClassPartnership.german_class_id == school_class.id,
                    ClassPartnership.russian_class_id == school_class.id,
                ),
                ClassPartnership.state != ClassPartnershipState.ended,
            )
            .options(
                joinedload(ClassPartnership.german_class).joinedload(SchoolClass.school),
                joinedload(ClassPartnership.russian_class).joinedload(SchoolClass.school),
            )
            .order_by(ClassPartnership.id)
        )
    )


def partner_classes(school_class: SchoolClass) -> list[SchoolClass]:
    """Current classes of the schools in an active partnership with this class's school."""
    partner_ids = sa.union(
        sa.select(Partnership.russian_school_id).where(
            Partnership.german_school_id == school_class.school_id, Partnership.status == PartnershipStatus.active
        ),
        sa.select(Partnership.german_school_id).where(
            Partnership.russian_school_id == school_class.school_id, Partnership.status == PartnershipStatus.active
        ),
    )
    return list(
        db.session.scalars(
            sa.select(SchoolClass)
            .where(SchoolClass.school_id.in_(partner_ids), SchoolClass.archived_at.is_(None))
            .options(joinedload(SchoolClass.school))
            .order_by(SchoolClass.school_id, SchoolClass.name)
        )
    )


def colleagues(school_class: SchoolClass) -> list[User]:
    """Confirmed staff of the class's school who do not teach it yet."""
    teaching = {link.user_id for link in school_class.teacher_links}
    staff = db.session.scalars(
        sa.select(User)
        .join(StaffMembership, StaffMembership.user_id == User.id)
        .where(StaffMembership.school_id == school_class.school_id, StaffMembership.status == MembershipStatus.active)
        .order_by(User.display_name)
    )
    return [u for u in staff if u.id not in teaching]


@bp.route("/classes")
@access("member")
def list_classes():
    """Teachers: the classes they teach (school coordinators: all of the school's). Students: their classes."""
    user = current_user._get_current_object()
    query = sa.select(SchoolClass).options(
        joinedload(SchoolClass.school), selectinload(SchoolClass.teacher_links).joinedload(ClassTeacher.user)
    )
    if user.is_student:
        query = query.join(ClassMembership).where(ClassMembership.student_id == user.id)
    else:
        coordinated = [
            m.school_id
            for m in user.memberships
            if m.status is MembershipStatus.active and m.role is StaffRole.school_coordinator
        ]
        query = query.where(
            sa.or_(
                SchoolClass.id.in_(sa.select(ClassTeacher.class_id).where(ClassTeacher.user_id == user.id)),
                SchoolClass.school_id.in_(coordinated),
            )
        )
    classes = db.session.scalars(query.order_by(SchoolClass.archived_at.is_not(None), SchoolClass.name)).unique().all()
    counts = dict(
        db.session.execute(
            sa.select(ClassMembership.class_id, sa.func.count())
            .join(User, User.id == ClassMembership.student_id)
            .where(ClassMembership.class_id.in_([c.id for c in classes]), User.archived_at.is_(None))
            .group_by(ClassMembership.class_id)
        ).all()
    )
    can_create = bool(user.is_staff and services.teachable_schools(user))
    return render_template("classes/list.html", classes=classes, counts=counts, can_create=can_create)


@bp.route("/classes/new", methods=["GET", "POST"])
@access("staff")
def new_class():
    schools = services.teachable_schools(current_user)
    if not schools:
        flash(_("Classes belong to a verified school. Register your school or ask to join one first."), "warning")
        return redirect(url_for("main.dashboard"))
    form = ClassForm(schools)
    if form.validate_on_submit():
        school = next(s for s in schools if str(s.id) == form.school_id.data)
        school_class = services.create_class(current_user, school, form.class_data())
        db.session.commit()
        flash(_("The class %(name)s has been created. Now add its students.", name=school_class.name), "success")
        return redirect(url_for("classes.add_students", class_id=school_class.id))
    return render_template("classes/form.html", form=form, school_class=None)


@bp.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
@access("staff")
def edit_class(class_id):
    school_class = get_class_or_404(class_id, "manage")
    form = ClassForm([school_class.school], obj=school_class if request.method == "GET" else None)
    if request.method == "GET":
        form.school_id.data = str(school_class.school_id)
        form.level.data = school_class.level.value if school_class.level else ""
    if form.validate_on_submit():
        services.apply_class_data(school_class, form.class_data())
        db.session.commit()
        flash(_("The class has been saved."), "success")
        return redirect(url_for("classes.show_class", class_id=school_class.id))
    return render_template("classes/form.html", form=form, school_class=school_class)


@bp.route("/classes/<int:class_id>")
@access("member")
def show_class(class_id):
    """Teachers: students with their consent state, co-teachers, join code, class partnerships.
    Students: the class, its teachers and its partner classes (no list of classmates)."""
    school_class = get_class_or_404(class_id)
    user = current_user._get_current_object()
    links = class_links(school_class)
    if user.is_student:
        return render_template("classes/student_view.html", school_class=school_class, links=links)
    students = school_class.students
    consents = services.consents_of([s.id for s in students])
    proposed = {(link.german_class_id, link.russian_class_id) for link in links}
    candidates = [
        c
        for c in partner_classes(school_class)
        if (c.id, school_class.id) not in proposed and (school_class.id, c.id) not in proposed
    ]
    return render_template(
        "classes/show.html",
        school_class=school_class,
        students=students,
        consents=consents,
        needs={s.id: services.needs_consent(s) for s in students},
        scopes=list(ConsentScope),
        links=links,
        partner_form=ChoiceForm(_("Partner class"), [(c.id, f"{c.name} · {c.school.name}") for c in candidates])
        if candidates
        else None,
        teacher_form=ChoiceForm(_("Colleague"), [(u.id, u.display_name) for u in colleagues(school_class)]),
        form=ActionForm(),
    )


@bp.route("/classes/<int:class_id>/join-code", methods=["POST"])
@access("staff")
def renew_join_code(class_id):
    school_class = get_class_or_404(class_id, "manage")
    if ActionForm().validate_on_submit():
        run_action(
            lambda: services.renew_join_code(school_class),
            _("A new join code has been made; the old one no longer works."),
        )
    return redirect(url_for("classes.show_class", class_id=class_id))


@bp.route("/classes/<int:class_id>/teachers", methods=["POST"])
@access("staff")
def add_teacher(class_id):
    school_class = get_class_or_404(class_id, "manage")
    options = colleagues(school_class)
    form = ChoiceForm(_("Colleague"), [(u.id, u.display_name) for u in options])
    if form.validate_on_submit():
        teacher = next(u for u in options if str(u.id) == form.choice.data)
        run_action(
            lambda: services.add_teacher(school_class, teacher),
            _("%(name)s now teaches this class too.", name=teacher.display_name),
        )
    else:
        flash(_("Please choose a colleague from the list."), "danger")
    return redirect(url_for("classes.show_class", class_id=class_id))


@bp.route("/classes/<int:class_id>/teachers/<int:user_id>/remove", methods=["POST"])
@access("staff")
def remove_teacher(class_id, user_id):
    school_class = get_class_or_404(class_id, "manage")
    teacher = next((link.user for link in school_class.teacher_links if link.user_id == user_id), None)
    if teacher is None:
        abort(404)
    if ActionForm().validate_on_submit():
        run_action(
            lambda: services.remove_teacher(school_class, teacher),
            _("%(name)s no longer teaches this class.", name=teacher.display_name),
        )
    return redirect(url_for("classes.show_class", class_id=class_id))


@bp.route("/classes/<int:class_id>/partners", methods=["POST"])
@access("staff")
def propose_partner(class_id):
    school_class = get_class_or_404(class_id, "manage")
    options = partner_classes(school_class)
    form = ChoiceForm(_("Partner class"), [(c.id, c.name) for c in options])
    if form.validate_on_submit():
        other = next(c for c in options if str(c.id) == form.choice.data)
        run_action(
            lambda: services.propose_class_partnership(school_class, other, current_user),
            _("The teachers of %(name)s have been asked to confirm the class partnership.", name=other.name),
        )
    else:
        flash(_("Please choose a class of a partner school."), "danger")
    return redirect(url_for("classes.show_class", class_id=class_id))


def get_link_or_404(school_class: SchoolClass, link_id: int) -> ClassPartnership:
    link = db.session.get(ClassPartnership, link_id)
    if link is None or school_class.id not in (link.german_class_id, link.russian_class_id):
        abort(404)
    return link


@bp.route("/classes/<int:class_id>/partners/<int:link_id>/confirm", methods=["POST"])
@access("staff")
def confirm_partner(class_id, link_id):
    school_class = get_class_or_404(class_id, "manage")
    link = get_link_or_404(school_class, link_id)
    if ActionForm().validate_on_submit():
        run_action(
            lambda: services.confirm_class_partnership(link, current_user, school_class),
            _("The class partnership is confirmed."),
        )
    return redirect(url_for("classes.show_class", class_id=class_id))


@bp.route("/classes/<int:class_id>/partners/<int:link_id>/end", methods=["POST"])
@access("staff")
def end_partner(class_id, link_id):
    school_class = get_class_or_404(class_id, "manage")
    link = get_link_or_404(school_class, link_id)
    if ActionForm().validate_on_submit():
        run_action(
            lambda: services.end_class_partnership(link, current_user, school_class),
            _("The class partnership has ended."),
        )
    return redirect(url_for("classes.show_class", class_id=class_id))


@bp.route("/classes/join", methods=["GET", "POST"])
@access("student")
def join_class():
    """A student of the same school joins another class with the code the teacher gives out."""
    form = JoinForm()
    if form.validate_on_submit():
        school_class = run_form_action(form, "code", lambda: services.join_class(current_user, form.code.data))
        if school_class is not FAILED:
            flash(_("You are now in the class %(name)s.", name=school_class.name), "success")
            return redirect(url_for("classes.show_class", class_id=school_class.id))
    return render_template("classes/join.html", form=form)
