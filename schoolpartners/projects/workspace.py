"""The project workspace: posts and comments, announcements, the next deadlines.

- Members read: staff of both schools, and students of the project's classes once it runs. The foundation's
  coordinators read too, to moderate, but never write.
- Members write while the project is a draft or running; a student only with the parents' consent to taking
  part (or when old enough). Teachers may make a post an announcement: it is pinned on top and every member
  is told in-app, the staff by email too.
- Authors delete their own posts (with the comments) and comments.
- A post or comment hidden by the moderators shows as a placeholder; the teachers who lead the project (its
  contact persons and the teachers of its classes) and the coordinators still read it.

Who belongs is in queries.py, who may write in access.py, the pages in workspace_views.py.
Services never commit; the views do, once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.forms import REQUIRED
from ..accounts.models import User
from ..domain import DomainError
from ..extensions import db
from ..notifications.services import notify
from ..pagination import Page
from ..schools.forms import TOO_LONG
from ..sqltypes import utcnow
from .access import write_refusal
from .models import Comment, Milestone, Post, Project, ProjectState
from .queries import project_students, project_teachers

MAX_POST = 10_000
MAX_COMMENT = 4_000
PER_PAGE = 20
UPCOMING = 3  # stages listed beside the posts
# Announcements first, then the newest: the order of the pages and of page_of().
ORDER = (Post.is_announcement.desc(), Post.created_at.desc(), Post.id.desc())


class WorkspaceError(DomainError):
    pass


def upcoming_stages(project: Project) -> list[Milestone]:
    """The next stages whose deadline is still ahead."""
    now = utcnow()
    return [m for m in project.milestones if m.deadline >= now][:UPCOMING]


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
    link = post_link(project, post.id, f"post-{post.id}")
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


def post_link(project: Project, post_id: int, anchor: str) -> str:
    """The workspace page that shows the post, scrolled to `anchor`."""
    return url_for("projects.show_workspace", project_id=project.id, post=post_id, _anchor=anchor)
