"""The public showcase, publishing a project on it, recognitions, and participation certificates."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..actions import FAILED, run_action, run_form_action
from ..certificates import certificate_pdf
from ..classes.models import ConsentScope
from ..classes.services import consent_marks, lacking_consent
from ..extensions import db
from ..forms import ActionForm
from ..pagination import Page, page_number
from ..permissions import access, refuse
from ..projects import access as project_access
from ..projects.models import Project, ProjectSide, ProjectState, Team, TeamMember
from ..projects.views import get_project_or_404
from ..schools.models import School
from ..submissions.file_names import file_name
from ..submissions.models import Submission, SubmissionFile, SubmissionVersion
from ..submissions.services import upload_dir
from ..uploads import send_stored
from . import services
from .forms import AwardForm, ShowcaseForm
from .models import Recognition, RecognitionKind, ShowcaseEntry

bp = Blueprint("showcase", __name__)
PER_PAGE = 12


def published_or_404(project_id: int) -> tuple[Project, ShowcaseEntry]:
    entry = db.session.scalar(
        sa.select(ShowcaseEntry)
        .where(ShowcaseEntry.project_id == project_id, ShowcaseEntry.published_at.is_not(None))
        .options(
            joinedload(ShowcaseEntry.project)
            .selectinload(Project.sides)
            .joinedload(ProjectSide.school)
            .joinedload(School.city)
        )
    )
    if entry is None:
        abort(404)
    return entry.project, entry


def showcased_works(project: Project) -> list[tuple[Submission, SubmissionVersion, list[str]]]:
    """The chosen works with their latest version and their authors' public names; a fixed number of queries
    however many works (the authors loaded with the works, the consents of all in one query)."""
    works = db.session.scalars(
        sa.select(Submission)
        .where(Submission.project_id == project.id, Submission.showcased.is_(True))
        .options(
            selectinload(Submission.versions).selectinload(SubmissionVersion.files),
            selectinload(Submission.versions).joinedload(SubmissionVersion.author).joinedload(User.school),
            joinedload(Submission.milestone),
            joinedload(Submission.student).joinedload(User.school),
            selectinload(Submission.team)
            .selectinload(Team.members)
            .joinedload(TeamMember.student)
            .joinedload(User.school),
        )
        .order_by(Submission.id)
    ).all()
    allowed = services.publishable(works)
    return [
        (work, work.versions[-1], [services.public_name(s) for s in allowed[work.id]])
        for work in works
        if work.id in allowed and work.versions
    ]


@bp.route("/showcase")
@access("public")
def list_entries():
    """Published projects, newest first, with the foundation's recognitions."""
    query = sa.select(ShowcaseEntry).where(ShowcaseEntry.published_at.is_not(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    number = page_number(request.args.get("page"))
    entries = db.session.scalars(
        query.options(
            joinedload(ShowcaseEntry.project)
            .selectinload(Project.sides)
            .joinedload(ProjectSide.school)
            .joinedload(School.city)
        )
        .order_by(ShowcaseEntry.published_at.desc())
        .limit(PER_PAGE)
        .offset((number - 1) * PER_PAGE)
    ).all()
    awards: dict[int, list[Recognition]] = {}
    for recognition in db.session.scalars(
        sa.select(Recognition).where(Recognition.project_id.in_([e.project_id for e in entries]))
    ):
        awards.setdefault(recognition.project_id, []).append(recognition)
    return render_template("showcase/list.html", page=Page(entries, number, PER_PAGE, total), awards=awards)


@bp.route("/showcase/<int:project_id>")
@access("public")
def show_entry(project_id):
    project, entry = published_or_404(project_id)
    recognitions = db.session.scalars(
        sa.select(Recognition).where(Recognition.project_id == project.id).order_by(Recognition.awarded_at.desc())
    ).all()
    user = current_user._get_current_object()
    works = showcased_works(project)
    return render_template(
        "showcase/show.html",
        project=project,
        entry=entry,
        works=works,
        # Finding #6: the public never sees the name a file was uploaded with (often the pupil's full name).
        file_names={
            f.id: file_name(None, project, work, version, f) for work, version, *_rest in works for f in version.files
        },
        recognitions=recognitions,
        award_form=AwardForm() if user.is_authenticated and user.is_coordinator else None,
        form=ActionForm(),
    )


@bp.route("/showcase/<int:project_id>/files/<int:file_id>")
@access("public")
def download_work(project_id, file_id):
    """A file of a chosen work (latest version, authors agreed), as an attachment."""
    project, _entry = published_or_404(project_id)
    found = db.session.execute(
        sa.select(SubmissionFile, Submission)
        .join(SubmissionVersion, SubmissionVersion.id == SubmissionFile.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(SubmissionFile.id == file_id, Submission.project_id == project.id, Submission.showcased.is_(True))
    ).first()
    if found is None:
        abort(404)
    stored, work = found
    if not services.may_publish(work) or work.versions[-1].id != stored.version_id:
        abort(404)
    name = file_name(None, project, work, work.versions[-1], stored)  # Finding #6: a neutral name
    return send_stored(upload_dir(), stored.storage_name, name, stored.mime_type)


@bp.route("/projects/<int:project_id>/showcase", methods=["GET", "POST"])
@access("staff")
def edit_entry(project_id):
    """The contact teachers write the summary and choose works; both must agree before it is public."""
    project = get_project_or_404(project_id)
    user = current_user._get_current_object()
    if project_access.school_of(project, user) is None:
        refuse(404)
    entry = services.entry_of(project)
    submissions = db.session.scalars(
        sa.select(Submission)
        .where(Submission.project_id == project.id)
        .options(
            joinedload(Submission.milestone),
            joinedload(Submission.student),
            selectinload(Submission.team).selectinload(Team.members).joinedload(TeamMember.student),
            selectinload(Submission.versions).joinedload(SubmissionVersion.author),
        )
        .order_by(Submission.milestone_id, Submission.id)
    ).all()
    # Finding #8: the partner school does not see the own work of a student without consent to taking part; their
    # own teachers see it marked "consent missing".
    students = [s.student for s in submissions if s.student is not None]
    hidden, lacking = consent_marks(user, students, ConsentScope.participation)
    submissions = [s for s in submissions if s.student_id not in hidden]
    allowed = set(services.publishable(submissions))
    form = ShowcaseForm(
        [(s.id, s) for s in submissions if s.id in allowed], obj=entry if request.method == "GET" else None
    )
    if request.method == "GET":
        form.works.data = [str(s.id) for s in submissions if s.showcased]
    if form.validate_on_submit():
        done = run_form_action(
            form,
            "summary_de",
            lambda: services.save_entry(
                project,
                user,
                form.summary_de.data or "",
                form.summary_ru.data or "",
                [int(i) for i in form.works.data],
            ),
        )
        if done is not FAILED:
            flash(_("Saved. The partner school's contact person is asked to agree to the publication."), "success")
            return redirect(url_for("projects.show_project", project_id=project.id))
    return render_template(
        "showcase/edit.html",
        project=project,
        entry=entry,
        form=form,
        submissions=submissions,
        allowed=allowed,
        lacking=lacking,
    )


@bp.route("/projects/<int:project_id>/showcase/<any(agree, withdraw):decision>", methods=["POST"])
@access("staff")
def decide_entry(project_id, decision):
    project = get_project_or_404(project_id)
    user = current_user._get_current_object()
    if ActionForm().validate_on_submit():
        if decision == "agree":
            run_action(lambda: services.agree(project, user), _("Your school agrees to the publication."))
        else:
            run_action(lambda: services.withdraw(project, user), _("The project is no longer in the showcase."))
    return redirect(url_for("projects.show_project", project_id=project.id))


@bp.route("/showcase/<int:project_id>/recognitions", methods=["POST"])
@access("coordinator")
def award(project_id):
    project, _entry = published_or_404(project_id)
    form = AwardForm()
    if form.validate_on_submit():
        run_action(
            lambda: services.award(project, current_user, RecognitionKind(form.kind.data), form.note.data or ""),
            _("The recognition has been awarded."),
        )
    else:
        flash(_("Please choose a recognition."), "danger")
    return redirect(url_for("showcase.show_entry", project_id=project.id))


@bp.route("/showcase/<int:project_id>/recognitions/<int:recognition_id>/delete", methods=["POST"])
@access("coordinator")
def remove_award(project_id, recognition_id):
    recognition = db.session.get(Recognition, recognition_id)
    if recognition is None or recognition.project_id != project_id:
        abort(404)
    if ActionForm().validate_on_submit():
        db.session.delete(recognition)
        db.session.commit()
        flash(_("The recognition has been removed."), "success")
    return redirect(url_for("showcase.show_entry", project_id=project_id))


@bp.route("/projects/<int:project_id>/certificates")
@access("staff")
def list_certificates(project_id):
    """Every participant of a completed project, each with their certificate (for the project's teachers)."""
    project = get_project_or_404(project_id)
    if project_access.school_of(project, current_user._get_current_object()) is None or (
        project.state is not ProjectState.completed
    ):
        refuse(404)
    user = current_user._get_current_object()
    students, teachers = services.participants(project, user)  # Finding #8
    lacking = lacking_consent(students, ConsentScope.participation)
    return render_template(
        "showcase/certificates.html", project=project, students=students, teachers=teachers, lacking=lacking
    )


@bp.route("/projects/<int:project_id>/certificate")
@bp.route("/projects/<int:project_id>/certificates/<int:user_id>")
@access("user")
def certificate(project_id, user_id=None):
    """A bilingual participation certificate (PDF): one's own, or any participant's for the project's teachers."""
    project = get_project_or_404(project_id)
    user = current_user._get_current_object()
    person = user
    if user_id is not None and user_id != user.id:
        if project_access.school_of(project, user) is None:
            refuse(404)
        person = db.session.get(User, user_id) or abort(404)
    if project.state is not ProjectState.completed:
        abort(404)
    try:
        data = services.certificate_for(project, person, viewer=None if person is user else user)
    except services.ShowcaseError:
        abort(404)
    response = make_response(certificate_pdf(data))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{project.id}-{person.id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
