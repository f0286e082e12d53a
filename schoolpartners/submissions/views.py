"""A stage's page (task, hand-in, the teachers' list of submissions), one submission, files, teams."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..actions import FAILED, run_form_action
from ..classes.models import ClassMembership, ConsentScope
from ..classes.services import consent_marks, consent_marks_among
from ..extensions import db
from ..forms import ActionForm
from ..i18n import current_locale
from ..lru import LRU
from ..pagination import Page, page_number
from ..permissions import access, refuse
from ..projects import access as project_access
from ..projects.models import Milestone, Team, TeamMember
from ..projects.views import get_project_or_404
from ..uploads import UploadError, send_stored
from . import services
from .file_names import file_name, file_names
from .forms import FeedbackForm, SubmitForm, TeamForm
from .models import Submission, SubmissionFile, SubmissionStatus, SubmissionVersion

bp = Blueprint("submissions", __name__)
PER_PAGE = 25


_MILESTONE = sa.select(Milestone).where(
    Milestone.id == sa.bindparam("milestone_id"), Milestone.project_id == sa.bindparam("project_id")
)


def get_milestone_or_404(project_id: int, milestone_id: int):
    project = get_project_or_404(project_id)
    milestone = db.session.scalar(_MILESTONE, {"milestone_id": milestone_id, "project_id": project.id})
    if milestone is None:
        abort(404)
    return project, milestone


def get_submission_or_404(submission_id: int) -> Submission:
    submission = db.session.scalar(
        sa.select(Submission)
        .where(Submission.id == submission_id)
        .options(
            joinedload(Submission.milestone),
            joinedload(Submission.student),
            joinedload(Submission.team),
            selectinload(Submission.versions).selectinload(SubmissionVersion.files),
            selectinload(Submission.versions).joinedload(SubmissionVersion.author),
            selectinload(Submission.feedback),
        )
    )
    if submission is None:
        abort(404)
    if not services.can_view(submission, current_user._get_current_object()):
        refuse(404)
    return submission


@bp.route("/projects/<int:project_id>/milestones/<int:milestone_id>", methods=["GET", "POST"])
@access("user")
def show_milestone(project_id, milestone_id):
    """Students: the task and their hand-in. Teachers: every submission for the stage, newest first."""
    project, milestone = get_milestone_or_404(project_id, milestone_id)
    user = current_user._get_current_object()
    if user.is_student:
        return _student_stage(project, milestone, user)
    if project_access.school_of(project, user) is None:
        refuse(404)  # the foundation sees projects, not the work of minors
    status = request.args.get("status", "")
    chosen = SubmissionStatus[status] if status in SubmissionStatus.__members__ else None
    number = page_number(request.args.get("page"))
    # Every pupil who handed in for the stage is checked, also one who has left (archived, kept until the purge)
    # or moved to another class: the list shows their name (Finding #8).
    submitters = sa.select(Submission.student_id).where(Submission.milestone_id == milestone.id)
    hidden, lacking = consent_marks_among(user, submitters, ConsentScope.participation)
    total, rows = stage_rows(milestone.id, chosen, number, hidden)
    rows = [(*row[:6], row[6] in lacking) for row in rows]  # own teachers: "consent missing" (Finding #8)
    return render_template(
        "submissions/stage.html",
        project=project,
        milestone=milestone,
        head=stage_head(project, milestone),
        page=Page(rows, number, PER_PAGE, total),
        table=stage_table(rows),
        status=status,
        statuses=list(SubmissionStatus),
    )


# Finding #8: a student's own work without consent to taking part is left out for the partner school.
_SHOWN = sa.or_(Submission.student_id.is_(None), Submission.student_id.not_in(sa.bindparam("hidden", expanding=True)))


def _rows_statement(by_status: bool) -> sa.Select:
    where = [Submission.milestone_id == sa.bindparam("milestone_id"), _SHOWN]
    if by_status:
        where.append(Submission.status == sa.bindparam("status"))
    return (
        sa.select(
            Submission.id,
            Submission.status,
            Submission.late,
            Submission.updated_at,
            User.display_name,
            Team.name,
            Submission.student_id,
        )
        .outerjoin(User, User.id == Submission.student_id)
        .outerjoin(Team, Team.id == Submission.team_id)
        .where(*where)
        .order_by(Submission.updated_at.desc(), Submission.id.desc())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )


# Built once (with and without the status filter): statement construction and cache-key work would cost the
# stage page more than running both statements.
_COUNT = {
    False: sa.select(sa.func.count(Submission.id)).where(
        Submission.milestone_id == sa.bindparam("milestone_id"), _SHOWN
    ),
    True: sa.select(sa.func.count(Submission.id)).where(
        Submission.milestone_id == sa.bindparam("milestone_id"), Submission.status == sa.bindparam("status"), _SHOWN
    ),
}
_ROWS = {False: _rows_statement(False), True: _rows_statement(True)}


def stage_rows(
    milestone_id: int, status: SubmissionStatus | None, number: int, hidden: set[int] = frozenset()
) -> tuple[int, list]:
    """One page of a stage's submissions as plain rows (id, status, late, when, student, team, student id), the
    `hidden` students' own work left out: two statements."""
    filtered = status is not None
    params = {
        "milestone_id": milestone_id,
        "limit": PER_PAGE,
        "offset": (number - 1) * PER_PAGE,
        "hidden": sorted(hidden),
    }
    if filtered:
        params["status"] = status
    connection = db.session.connection()  # plain rows: Core execution, no ORM result processing needed
    total = connection.scalar(_COUNT[filtered], params)
    rows = connection.execute(_ROWS[filtered], params).all()
    return total, rows


_heads = LRU(500)
_tables = LRU(500)


def stage_head(project, milestone) -> Markup:
    """Title, deadline in the schools' time zones and task, rendered once per project version (a stage's
    change moves it), stage, language and time zone."""
    key = (project.id, project.version, milestone.id, current_locale(), str(get_timezone()))
    html = _heads.get(key)
    if html is None:
        html = _heads[key] = Markup(  # noqa: S704  rendered by Jinja with autoescaping
            render_template("submissions/_stage_head.html", project=project, milestone=milestone)
        )
    return html


def stage_table(rows: list) -> Markup:
    """The rows of the submissions table, rendered once per content of the rows, language and time zone: the key
    holds everything shown, so a new hand-in, feedback or a changed name gives a new key."""
    link = url_for("submissions.show_submission", submission_id=0)[:-1]
    key = (tuple(rows), link, current_locale(), str(get_timezone()))
    html = _tables.get(key)
    if html is None:
        html = _tables[key] = Markup(  # noqa: S704  rendered by Jinja with autoescaping
            render_template(
                "submissions/_stage_rows.html",
                rows=rows,
                link=link,
                badge_class={"accepted": "success", "needs_revision": "warning", "submitted": "info"},
            )
        )
    return html


def _student_stage(project, milestone, student):
    if not project_access.can_view(project, student):
        refuse(404)
    form = SubmitForm()
    status = 200
    if form.validate_on_submit():
        try:
            submission = services.submit(project, milestone, student, form.text.data, request.files.getlist("files"))
        except UploadError as exc:
            db.session.rollback()
            form.files.errors.append(str(exc))
            status = exc.status
        except services.SubmissionError as exc:
            db.session.rollback()
            getattr(form, exc.field or "text").errors.append(str(exc))
            status = 400
        else:
            shown = redirect(url_for("submissions.show_submission", submission_id=submission.id))  # before the commit
            db.session.commit()
            flash(_("Your work has been handed in."), "success")
            return shown
    team = services.team_of(project, student)
    submission = services.own_submission(milestone, student, team)
    return render_template(
        "submissions/student_stage.html",
        project=project,
        milestone=milestone,
        submission=submission,
        team=team,
        form=form,
    ), status


@bp.route("/submissions/<int:submission_id>", methods=["GET", "POST"])
@access("user")
def show_submission(submission_id):
    """Every version with its files, and the teachers' feedback (teachers give it here)."""
    submission = get_submission_or_404(submission_id)
    user = current_user._get_current_object()
    project = get_project_or_404(submission.project_id)
    is_teacher = project_access.school_of(project, user) is not None
    form = FeedbackForm() if is_teacher else None
    if form is not None and form.validate_on_submit():
        done = run_form_action(
            form,
            "body",
            lambda: services.give_feedback(submission, user, form.body.data, SubmissionStatus(form.status.data)),
        )
        if done is not FAILED:
            flash(_("Your feedback has been sent."), "success")
            return redirect(url_for("submissions.show_submission", submission_id=submission.id))
    if form is not None and request.method == "GET":
        form.status.data = submission.status.value
    hidden = services.hidden_contributors(submission, user)  # Finding #8
    return render_template(
        "submissions/submission.html",
        submission=submission,
        project=project,
        authors=[a for a in services.authors(submission) if a.id not in hidden],
        versions=[v for v in submission.versions if v.author_id not in hidden],
        file_names=file_names(user, project, submission),  # Finding #6: neutral for the partner school
        form=form,
        is_teacher=is_teacher,
    )


@bp.route("/submissions/<int:submission_id>/files/<int:file_id>")
@access("user")
def download_file(submission_id, file_id):
    """Served only to those who may see the submission, as an attachment with nosniff."""
    submission = get_submission_or_404(submission_id)
    stored = db.session.scalar(
        sa.select(SubmissionFile)
        .join(SubmissionVersion, SubmissionVersion.id == SubmissionFile.version_id)
        .where(SubmissionFile.id == file_id, SubmissionVersion.submission_id == submission.id)
    )
    if stored is None:
        abort(404)
    version = next(v for v in submission.versions if v.id == stored.version_id)
    if version.author_id in services.hidden_contributors(submission, current_user._get_current_object()):
        abort(404)  # Finding #8: a version of a student without consent to taking part, for the partner school
    user = current_user._get_current_object()
    name = file_name(user, get_project_or_404(submission.project_id), submission, version, stored)  # Finding #6
    return send_stored(services.upload_dir(), stored.storage_name, name, stored.mime_type)


@bp.route("/projects/<int:project_id>/teams", methods=["GET", "POST"])
@access("staff")
def teams(project_id):
    """Mixed teams of students from both schools, for team stages."""
    project = get_project_or_404(project_id)
    user = current_user._get_current_object()
    if project_access.school_of(project, user) is None:
        refuse(404)
    class_ids = [link.class_id for link in project.class_links]
    students = (
        db.session.scalars(
            sa.select(User)
            .join(ClassMembership, ClassMembership.student_id == User.id)
            .where(ClassMembership.class_id.in_(class_ids), User.archived_at.is_(None))
            .order_by(User.school_id, User.display_name)
        )
        .unique()
        .all()
    )
    existing = db.session.scalars(
        sa.select(Team)
        .where(Team.project_id == project.id)
        .options(selectinload(Team.members).joinedload(TeamMember.student))
        .order_by(Team.name)
    ).all()
    in_team = {m.student_id for team in existing for m in team.members}
    # Finding #8: students without consent to taking part are never offered; the partner school does not see
    # them at all, their own teachers see them apart, marked "consent missing".
    everyone = students + [m.student for team in existing for m in team.members]
    hidden, lacking = consent_marks(user, everyone, ConsentScope.participation)
    form = TeamForm([s for s in students if s.id not in in_team | hidden | lacking])
    if form.validate_on_submit():
        done = run_form_action(
            form,
            "name",
            lambda: services.make_team(project, user, form.name.data, [int(i) for i in form.students.data]),
        )
        if done is not FAILED:
            flash(_("The team has been formed."), "success")
            return redirect(url_for("submissions.teams", project_id=project.id))
    return render_template(
        "submissions/teams.html",
        project=project,
        teams=existing,
        form=form,
        hidden=hidden,
        lacking=lacking,
        unavailable=[s for s in students if s.id in lacking],
    )


@bp.route("/projects/<int:project_id>/teams/<int:team_id>/delete", methods=["POST"])
@access("staff")
def delete_team(project_id, team_id):
    project = get_project_or_404(project_id)
    if project_access.school_of(project, current_user._get_current_object()) is None:
        refuse(404)
    team = db.session.get(Team, team_id)
    if team is None or team.project_id != project.id:
        abort(404)
    if ActionForm().validate_on_submit():
        if db.session.scalar(sa.select(Submission.id).where(Submission.team_id == team.id)) is not None:
            flash(_("This team has handed in work and stays."), "danger")
        else:
            db.session.delete(team)
            db.session.commit()
            flash(_("The team has been dissolved."), "success")
    return redirect(url_for("submissions.teams", project_id=project.id))
