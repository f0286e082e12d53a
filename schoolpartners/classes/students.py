"""Student accounts inside a class: adding them, one-time passwords, moving, archiving, export, consent."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Response, abort, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import User
from ..actions import FAILED, run_action, run_form_action
from ..extensions import db
from ..forms import ActionForm
from ..links import site_url
from ..permissions import access
from ..privacy import erase
from ..privacy.export import export_zip, zip_response
from ..privacy.forms import DeleteStudentForm
from . import services
from .forms import ChoiceForm, ConsentForm, StudentsForm
from .models import ParentalConsent, SchoolClass
from .views import bp, get_class_or_404

RECENT_BATCHES = 10


def get_student_or_404(school_class: SchoolClass, student_id: int) -> User:
    """A student of this class (archived ones included, so they can be exported or restored)."""
    membership = next((m for m in school_class.memberships if m.student_id == student_id), None)
    if membership is None:
        abort(404)
    return membership.student


def credentials_page(school_class: SchoolClass, accounts: list[tuple[User, str]]) -> Response:
    """The one-time passwords, shown once and never stored: printable, not cached."""
    # The configured address, not the request's Host header (the client's choice, finding #3).
    page = render_template("classes/credentials.html", school_class=school_class, accounts=accounts, site=site_url())
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/classes/<int:class_id>/students/new", methods=["GET", "POST"])
@access("staff")
def add_students(class_id):
    """Create student accounts: name and month/year of birth per line; no email needed."""
    school_class = get_class_or_404(class_id, "manage")
    form = StudentsForm()
    if form.validate_on_submit():
        batch = form.batch.data or ""  # a reload of the password page must not add the students twice
        used = session.get("student_batches", [])
        if batch and batch in used:
            flash(_("These students were already added. Reset a password to print it again."), "warning")
            return redirect(url_for("classes.show_class", class_id=class_id))
        accounts = run_form_action(form, "students", lambda: services.add_students(school_class, form.rows))
        if accounts is not FAILED:
            session["student_batches"] = (used + [batch])[-RECENT_BATCHES:]
            return credentials_page(school_class, accounts)
    form.batch.data = secrets.token_urlsafe(12)
    return render_template("classes/add_students.html", form=form, school_class=school_class)


@bp.route("/classes/<int:class_id>/print")
@access("staff")
def print_class(class_id):
    """A printable class list: names and usernames (passwords are only shown when made)."""
    school_class = get_class_or_404(class_id, "manage")
    return render_template("classes/print.html", school_class=school_class, students=school_class.students)


@bp.route("/classes/<int:class_id>/students/<int:student_id>")
@access("staff")
def show_student(class_id, student_id):
    school_class = get_class_or_404(class_id, "manage")
    student = get_student_or_404(school_class, student_id)
    targets = db.session.scalars(
        sa.select(SchoolClass)
        .where(
            SchoolClass.school_id == school_class.school_id,
            SchoolClass.archived_at.is_(None),
            SchoolClass.id != school_class.id,
        )
        .order_by(SchoolClass.name)
    ).all()
    history = db.session.scalars(
        sa.select(ParentalConsent)
        .where(ParentalConsent.student_id == student.id)
        .order_by(ParentalConsent.recorded_at.desc())
    ).all()
    return render_template(
        "classes/student.html",
        school_class=school_class,
        student=student,
        needs=services.needs_consent(student),
        consent_age=services.consent_age(school_class.school.country),
        active={c.scope for c in history if c.withdrawn_at is None},
        history=history,
        consent_form=ConsentForm(),
        move_form=ChoiceForm(_("Move to class"), [(c.id, c.name) for c in targets]) if targets else None,
        form=ActionForm(),
    )


@bp.route("/classes/<int:class_id>/students/<int:student_id>/password", methods=["POST"])
@access("staff")
def reset_password(class_id, student_id):
    school_class = get_class_or_404(class_id, "manage")
    student = get_student_or_404(school_class, student_id)
    if not ActionForm().validate_on_submit() or student.archived_at is not None:
        flash(_("The password could not be reset."), "danger")
        return redirect(url_for("classes.show_student", class_id=class_id, student_id=student_id))
    password = services.reset_student_password(student)
    db.session.commit()
    return credentials_page(school_class, [(student, password)])


@bp.route("/classes/<int:class_id>/students/<int:student_id>/move", methods=["POST"])
@access("staff")
def move_student(class_id, student_id):
    school_class = get_class_or_404(class_id, "manage")
    student = get_student_or_404(school_class, student_id)
    targets = db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.school_id == school_class.school_id, SchoolClass.archived_at.is_(None))
    ).all()
    form = ChoiceForm(_("Move to class"), [(c.id, c.name) for c in targets])
    if not form.validate_on_submit():
        flash(_("Please choose a class from the list."), "danger")
        return redirect(url_for("classes.show_student", class_id=class_id, student_id=student_id))
    target = next(c for c in targets if str(c.id) == form.choice.data)
    if run_action(
        lambda: services.move_student(student, school_class, target),
        _("%(name)s is now in the class %(target)s.", name=student.display_name, target=target.name),
    ):
        return redirect(url_for("classes.show_class", class_id=class_id))
    return redirect(url_for("classes.show_student", class_id=class_id, student_id=student_id))


@bp.route("/classes/<int:class_id>/students/<int:student_id>/archive", methods=["POST"])
@access("staff")
def archive_student(class_id, student_id):
    school_class = get_class_or_404(class_id, "manage")
    student = get_student_or_404(school_class, student_id)
    if ActionForm().validate_on_submit():
        run_action(
            lambda: services.archive_student(student),
            _("%(name)s has been archived and can no longer log in.", name=student.display_name),
        )
    return redirect(url_for("classes.show_student", class_id=class_id, student_id=student_id))


@bp.route("/classes/<int:class_id>/students/<int:student_id>/restore", methods=["POST"])
@access("staff")
def restore_student(class_id, student_id):
    school_class = get_class_or_404(class_id, "manage")
    student = get_student_or_404(school_class, student_id)
    if ActionForm().validate_on_submit():
        run_action(
            lambda: services.restore_student(student),
            _("%(name)s can log in again.", name=student.display_name),
        )
    return redirect(url_for("classes.show_student", class_id=class_id, student_id=student_id))


@bp.route("/classes/<int:class_id>/students/<int:student_id>/export")
@access("staff")
def export_student(class_id, student_id):
    """Everything held about the student as a zip, for the family or when they leave (Finding #21)."""
    school_class = get_class_or_404(class_id, "manage")
    student = get_student_or_404(school_class, student_id)
    return zip_response(export_zip(student), f"student-{student.id}.zip")


@bp.route("/classes/<int:class_id>/students/<int:student_id>/delete", methods=["GET", "POST"])
@access("staff")
def delete_student(class_id, student_id):
    """Delete the student and everything they wrote, on the family's request: confirmed, then recorded."""
    school_class = get_class_or_404(class_id, "manage")
    student = get_student_or_404(school_class, student_id)
    form = DeleteStudentForm()
    if form.validate_on_submit():
        name = student.display_name
        erased = erase.delete_on_request(student, current_user._get_current_object())
        db.session.commit()
        erase.remove_files(erased.files)  # only now: a failed commit keeps the rows and their files (Finding #7)
        flash(_("The account of %(name)s and everything this student wrote have been deleted.", name=name), "success")
        return redirect(url_for("classes.show_class", class_id=class_id))
    summary = erase.erasure_summary(student)
    return render_template(
        "classes/delete_student.html", school_class=school_class, student=student, summary=summary, form=form
    )


@bp.route("/classes/<int:class_id>/students/<int:student_id>/consent", methods=["POST"])
@access("staff")
def record_consent(class_id, student_id):
    school_class = get_class_or_404(class_id, "manage")
    student = get_student_or_404(school_class, student_id)
    form = ConsentForm()
    if form.validate_on_submit():
        run_action(
            lambda: services.record_consent(student, current_user, form.chosen(), form.note.data or ""),
            _("The consent has been recorded."),
        )
    else:
        flash(_("Please choose scopes from the list."), "danger")
    return redirect(url_for("classes.show_student", class_id=class_id, student_id=student_id))


@bp.route("/classes/<int:class_id>/students/<int:student_id>/consent/<int:consent_id>/withdraw", methods=["POST"])
@access("staff")
def withdraw_consent(class_id, student_id, consent_id):
    school_class = get_class_or_404(class_id, "manage")
    student = get_student_or_404(school_class, student_id)
    consent = db.session.get(ParentalConsent, consent_id)
    if consent is None or consent.student_id != student.id:
        abort(404)
    if ActionForm().validate_on_submit():
        run_action(lambda: services.withdraw_consent(consent, current_user), _("The consent has been withdrawn."))
    return redirect(url_for("classes.show_student", class_id=class_id, student_id=student_id))
