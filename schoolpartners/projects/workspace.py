"""The project workspace: members of both schools, the next deadlines, posts and comments, announcements.

- Members read: staff of both schools, and students of the project's classes once it runs. The foundation's
  coordinators read too, to moderate, but never write.
- Members write while the project is a draft or running; a student only with the parents' consent to taking
  part (or when old enough). Teachers may make a post an announcement: it is pinned on top and every member
  is told in-app, the staff by email too.
- Authors delete their own posts (with the comments) and comments.
- A post or comment hidden by the moderators shows as a placeholder; the teachers who lead the project (its
  contact persons and the teachers of its classes) and the coordinators still read it.

Services never commit; the views do, once.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload, selectinload
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..accounts.forms import REQUIRED
from ..accounts.models import User
from ..actions import FAILED, run_action, run_form_action
from ..classes.models import ClassMembership, ClassTeacher, ConsentScope, SchoolClass
from ..classes.services import consent_marks, hidden_from, may
from ..domain import DomainError
from ..extensions import db
from ..forms import ActionForm
from ..notifications.services import notify
from ..pagination import Page, page_number
from ..permissions import access, refuse
from ..schools.forms import TOO_LONG
from ..schools.models import MembershipStatus, StaffMembership
from ..sqltypes import utcnow
from . import services as projects
from .models import Comment, Milestone, Post, Project, ProjectClass, ProjectSide, ProjectState
from .views import bp, get_project_or_404

MAX_POST = 10_000
MAX_COMMENT = 4_000
PER_PAGE = 20
UPCOMING = 3  # stages listed beside the posts
# Announcements first, then the newest: the order of the pages and of page_of().
ORDER = (Post.is_announcement.desc(), Post.created_at.desc(), Post.id.desc())
NOT_A_MEMBER = _l("Only members of the project write here.")
CONSENT_MISSING = _l("Your parents' consent to taking part is not recorded yet. Please ask your teacher.")


class WorkspaceError(DomainError):
    pass


# --- who belongs -----------------------------------------------------------------------------------------


def leads(project_id: int | None = None, user_id: int | None = None) -> sa.Subquery:
    """Rows (project_id, school_id, user_id) of the teachers who lead projects: contact persons, class teachers."""
    contacts = sa.select(ProjectSide.project_id, ProjectSide.school_id, ProjectSide.contact_id.label("user_id")).where(
        ProjectSide.contact_id.is_not(None)
    )
    teachers = (
        sa.select(ProjectClass.project_id, SchoolClass.school_id, ClassTeacher.user_id)
        .join(SchoolClass, SchoolClass.id == ProjectClass.class_id)
        .join(ClassTeacher, ClassTeacher.class_id == SchoolClass.id)
        .join(
            ProjectSide,
            sa.and_(ProjectSide.project_id == ProjectClass.project_id, ProjectSide.school_id == SchoolClass.school_id),
        )
    )
    if project_id is not None:
        contacts = contacts.where(ProjectSide.project_id == project_id)
        teachers = teachers.where(ProjectClass.project_id == project_id)
    if user_id is not None:
        contacts = contacts.where(ProjectSide.contact_id == user_id)
        teachers = teachers.where(ClassTeacher.user_id == user_id)
    return sa.union(contacts, teachers).subquery()


def confirmed_staff(led: sa.Subquery) -> sa.ColumnElement[bool]:
    """Join condition: the leading teacher is still confirmed staff of that school."""
    return sa.and_(
        StaffMembership.user_id == led.c.user_id,
        StaffMembership.school_id == led.c.school_id,
        StaffMembership.status == MembershipStatus.active,
    )


def project_teachers(project_id: int) -> list[tuple[User, int]]:
    """The teachers who lead the project, each with their school, by name (one query)."""
    led = leads(project_id=project_id)
    rows = db.session.execute(
        sa.select(User, led.c.school_id)
        .join(led, led.c.user_id == User.id)
        .join(StaffMembership, confirmed_staff(led))
        .where(User.is_active.is_(True))
        .order_by(User.display_name, User.id)
    )
    return [(user, school_id) for user, school_id in rows]


def project_students(project: Project, viewer: User | None = None) -> list[User]:
    """The current students of the project's classes, by name (one query); with a `viewer`, without those who lack
    the parents' consent to taking part, except for their own school's staff (Finding #8)."""
    class_ids = [link.class_id for link in project.class_links]
    if not class_ids:
        return []
    in_classes = sa.select(ClassMembership.student_id).where(ClassMembership.class_id.in_(class_ids))
    students = list(
        db.session.scalars(
            sa.select(User)
            .where(User.id.in_(in_classes), User.archived_at.is_(None), User.is_active.is_(True))
            .order_by(User.display_name, User.id)
        )
    )
    if viewer is None:
        return students
    hidden = hidden_from(viewer, students, ConsentScope.participation)
    return [s for s in students if s.id not in hidden]


@dataclass
class SchoolMembers:
    side: ProjectSide
    teachers: list[User]
    students: list[User]
    lacking: set[int]  # students shown to their own teachers only, with a "consent missing" badge


def members_by_school(project: Project, viewer: User) -> tuple[list[SchoolMembers], set[int]]:
    """Both schools as equals, each with its leading teachers and the students the viewer may see, and the ids of
    the students the viewer may not see (Finding #8)."""
    teachers = project_teachers(project.id)
    students = project_students(project)
    hidden, lacking = consent_marks(viewer, students, ConsentScope.participation)
    students = [s for s in students if s.id not in hidden]
    groups = [
        SchoolMembers(
            side,
            [user for user, school_id in teachers if school_id == side.school_id],
            [user for user in students if user.school_id == side.school_id],
            lacking,
        )
        for side in project.sides
    ]
    return groups, hidden


def upcoming_stages(project: Project) -> list[Milestone]:
    """The next stages whose deadline is still ahead."""
    now = utcnow()
    return [m for m in project.milestones if m.deadline >= now][:UPCOMING]


def write_refusal(project: Project, user: User) -> LazyString | None:
    """Why `user` may not write in the workspace now (a translated text), or None when they may."""
    if project.state not in (ProjectState.draft, ProjectState.active):
        return _l("The project has ended. Its workspace stays readable, but nobody writes in it any more.")
    if user.is_student:
        if project.state is ProjectState.draft or not projects.student_member(project, user):
            return NOT_A_MEMBER
        return None if may(user, ConsentScope.participation) else CONSENT_MISSING
    if projects.school_of(project, user) is None:
        return NOT_A_MEMBER
    return None


# --- posts and comments ----------------------------------------------------------------------------------


def _text(body: str | None, limit: int) -> str:
    body = (body or "").strip()
    if not body:
        raise WorkspaceError(REQUIRED, field="body")
    if len(body) > limit:
        raise WorkspaceError(TOO_LONG, field="body")
    return body


def publish_post(project: Project, author: User, body: str, announcement: bool = False) -> Post:
    """A new post; an announcement also tells every member (in-app, the staff by email too)."""
    refusal = write_refusal(project, author)
    if refusal is not None:
        raise WorkspaceError(refusal)
    body = _text(body, MAX_POST)
    if announcement and not author.is_staff:
        raise WorkspaceError(_l("Only teachers make announcements."))
    post = Post(project_id=project.id, author_id=author.id, body=body, is_announcement=announcement)
    db.session.add(post)
    db.session.flush()
    if announcement:
        _announce(project, post, author)
    return post


def _announce(project: Project, post: Post, author: User) -> None:
    link = _link(project, post.id, f"post-{post.id}")
    people = [user for user, _school in project_teachers(project.id)]
    if project.state is not ProjectState.draft:  # students see a project once it runs
        people += project_students(project)
    told = {author.id}
    for person in people:
        if person.id not in told:
            told.add(person.id)
            notify(person, "project_announcement", link=link, email=person.is_staff, title=project.title(person.locale))


def publish_comment(project: Project, post: Post, author: User, body: str) -> Comment:
    """A comment on a post of the project."""
    refusal = write_refusal(project, author)
    if refusal is not None:
        raise WorkspaceError(refusal)
    if post.hidden_at is not None:
        raise WorkspaceError(_l("This post is hidden by the moderators and takes no more comments."))
    comment = Comment(post_id=post.id, author_id=author.id, body=_text(body, MAX_COMMENT))
    db.session.add(comment)
    db.session.flush()
    return comment


def _under_moderation(kind: str, obj) -> bool:
    """Hidden, or reported and not decided yet: the evidence stays until the moderators have decided."""
    from ..moderation.models import Report, ReportState

    return (
        obj.hidden_at is not None
        or db.session.scalar(
            sa.select(Report.id).where(
                Report.kind == kind, Report.target_id == obj.id, Report.state == ReportState.open
            )
        )
        is not None
    )


UNDER_MODERATION = _l("This is being looked at by the moderators and cannot be deleted now.")


def remove_post(post: Post, user: User) -> None:
    """The author deletes their post; its comments go with it (not while moderators look at it)."""
    if post.author_id != user.id:
        raise WorkspaceError(_l("Only its author can delete it."))
    if _under_moderation("post", post):
        raise WorkspaceError(UNDER_MODERATION)
    db.session.delete(post)
    db.session.flush()


def remove_comment(comment: Comment, user: User) -> None:
    """The author deletes their comment (not while moderators look at it)."""
    if comment.author_id != user.id:
        raise WorkspaceError(_l("Only its author can delete it."))
    if _under_moderation("comment", comment):
        raise WorkspaceError(UNDER_MODERATION)
    db.session.delete(comment)
    db.session.flush()


def _shown(hidden: set[int]) -> sa.ColumnElement[bool]:
    return sa.or_(Post.author_id.is_(None), Post.author_id.not_in(hidden)) if hidden else sa.true()


def posts_page(project: Project, number: int, hidden: set[int] = frozenset()) -> Page:
    """One page of posts, announcements first, with authors and comments loaded (three queries); posts of the
    `hidden` authors left out (their comments are left out by the template)."""
    total = db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.project_id == project.id, _shown(hidden)))
    items = db.session.scalars(
        sa.select(Post)
        .where(Post.project_id == project.id, _shown(hidden))
        .options(joinedload(Post.author), selectinload(Post.comments).joinedload(Comment.author))
        .order_by(*ORDER)
        .limit(PER_PAGE)
        .offset((number - 1) * PER_PAGE)
    ).all()
    return Page(items, number, PER_PAGE, total)


def page_of(project: Project, post_id: int) -> int:
    """The page that shows a post (for links from notifications and the moderation queue); 1 if unknown."""
    post = db.session.get(Post, post_id)
    if post is None or post.project_id != project.id:
        return 1
    newer = sa.or_(Post.created_at > post.created_at, sa.and_(Post.created_at == post.created_at, Post.id > post.id))
    earlier = sa.and_(Post.is_announcement == post.is_announcement, newer)
    if not post.is_announcement:
        earlier = sa.or_(earlier, Post.is_announcement.is_(True))
    before = db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.project_id == project.id, earlier))
    return before // PER_PAGE + 1


# --- forms -----------------------------------------------------------------------------------------------


class PostForm(FlaskForm):
    body = TextAreaField(
        _l("Your text (Markdown: **bold**, *italic*, lists with -)"),
        validators=[DataRequired(REQUIRED), Length(max=MAX_POST, message=TOO_LONG)],
        render_kw={"rows": 5, "maxlength": MAX_POST},
    )
    announcement = BooleanField(_l("Announcement: pin it on top and tell every member"))


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"), validators=[DataRequired(REQUIRED), Length(max=MAX_COMMENT, message=TOO_LONG)]
    )


# --- views -----------------------------------------------------------------------------------------------


def _render(project: Project, post_form=None, comment_form=None, commented: int | None = None, status: int = 200):
    """The workspace page; after a refused post or comment with the form as typed, and status 400."""
    user = current_user._get_current_object()
    wanted = commented or request.args.get("post", "")
    if "page" not in request.args and str(wanted).isdigit():
        number = page_of(project, int(wanted))
    else:
        number = page_number(request.args.get("page"))
    groups, hidden = members_by_school(project, user)  # posts and comments of the hidden are left out too
    is_member = not user.is_coordinator  # get_project_or_404 let only members and coordinators in
    schools = {u.id: g.side.school for g in groups for u in g.teachers + g.students}
    return render_template(
        "projects/workspace.html",
        project=project,
        page=posts_page(project, number, hidden),
        hidden=hidden,
        groups=groups,
        schools=schools,
        upcoming=upcoming_stages(project),
        is_member=is_member,
        refusal=write_refusal(project, user) if is_member else None,
        sees_hidden=user.is_coordinator or any(user.id == t.id for g in groups for t in g.teachers),
        post_form=post_form or PostForm(formdata=None),
        comment_form=comment_form or CommentForm(formdata=None),
        commented=commented,
        max_comment=MAX_COMMENT,
    ), status


def _link(project: Project, post_id: int, anchor: str) -> str:
    """The workspace page that shows the post, scrolled to `anchor`."""
    return url_for("projects.show_workspace", project_id=project.id, post=post_id, _anchor=anchor)


def _post_or_404(project: Project, post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or post.project_id != project.id:
        refuse(404)
    return post


@bp.route("/projects/<int:project_id>/workspace")
@access("user")
def show_workspace(project_id):
    """Members of both schools, the next deadlines, announcements on top, then posts newest first."""
    return _render(get_project_or_404(project_id))


@bp.route("/projects/<int:project_id>/posts", methods=["POST"])
@access("member")
def add_post(project_id):
    """Write a post; teachers may make it an announcement."""
    project = get_project_or_404(project_id)
    form = PostForm()
    if form.validate_on_submit():
        post = run_form_action(
            form,
            "body",
            lambda: publish_post(project, current_user._get_current_object(), form.body.data, form.announcement.data),
        )
        if post is not FAILED:
            if post.is_announcement:
                flash(_("Your announcement is published and the members have been told."), "success")
            else:
                flash(_("Your post is published."), "success")
            return redirect(_link(project, post.id, f"post-{post.id}"))
    return _render(project, post_form=form, status=400)


@bp.route("/projects/<int:project_id>/posts/<int:post_id>/comments", methods=["POST"])
@access("member")
def add_comment(project_id, post_id):
    """Comment on a post."""
    project = get_project_or_404(project_id)
    post = _post_or_404(project, post_id)
    form = CommentForm()
    if form.validate_on_submit():
        comment = run_form_action(
            form, "body", lambda: publish_comment(project, post, current_user._get_current_object(), form.body.data)
        )
        if comment is not FAILED:
            flash(_("Your comment is published."), "success")
            return redirect(_link(project, post_id, f"comment-{comment.id}"))
    return _render(project, comment_form=form, commented=post_id, status=400)


@bp.route("/projects/<int:project_id>/posts/<int:post_id>/delete", methods=["POST"])
@access("member")
def delete_post(project_id, post_id):
    """The author deletes their post with its comments; others are refused (they know it exists)."""
    project = get_project_or_404(project_id)
    post = _post_or_404(project, post_id)
    user = current_user._get_current_object()
    if post.author_id != user.id:
        refuse(403)
    if ActionForm().validate_on_submit():
        run_action(lambda: remove_post(post, user), _("The post has been deleted."))
    return redirect(url_for("projects.show_workspace", project_id=project.id))


@bp.route("/projects/<int:project_id>/comments/<int:comment_id>/delete", methods=["POST"])
@access("member")
def delete_comment(project_id, comment_id):
    """The author deletes their comment; others are refused."""
    project = get_project_or_404(project_id)
    comment = db.session.scalar(
        sa.select(Comment)
        .join(Post, Post.id == Comment.post_id)
        .where(Comment.id == comment_id, Post.project_id == project.id)
    )
    if comment is None:
        refuse(404)
    user = current_user._get_current_object()
    if comment.author_id != user.id:
        refuse(403)
    post_id = comment.post_id
    if ActionForm().validate_on_submit():
        run_action(lambda: remove_comment(comment, user), _("The comment has been deleted."))
    return redirect(_link(project, post_id, f"post-{post_id}"))
