"""Workspace posts and comments as reportable things; the teachers who lead a project moderate "project:<id>".

Registered once when the projects package is imported (the registry refuses a kind twice; apps created
again in tests reuse the registration).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..classes.models import ConsentScope
from ..classes.services import hidden_from
from ..extensions import db
from ..moderation import registry
from ..schools.models import StaffMembership
from ..sqltypes import utcnow
from .access import can_view
from .models import Comment, Post, Project
from .queries import confirmed_staff, leads, project_teachers

SCOPE_PREFIX = "project:"


def project_scope(project_id: int) -> str:
    return f"{SCOPE_PREFIX}{project_id}"


def may_report(project_id: int, author_id: int | None, user: User) -> bool:
    """Members who may view the project report what others wrote (coordinators moderate instead)."""
    if not user.is_authenticated or user.is_coordinator or author_id == user.id:
        return False
    project = db.session.get(Project, project_id)
    return project is not None and can_view(project, user)


def author_hidden(user: User, *authors: User | None) -> bool:
    """Whether one of the authors is a pupil the workspace leaves out for `user` (no parents' consent to taking
    part, another school): the report page would show their text (Finding #8)."""
    shown = [author for author in authors if author is not None]
    return bool(shown) and bool(hidden_from(user, shown, ConsentScope.participation))


class _WorkspaceText(registry.ReportTarget):
    """What posts and comments share: an author, a Markdown body, the hidden mark."""

    def author_of(self, obj) -> User | None:
        return obj.author

    def excerpt(self, obj) -> str:
        return obj.body

    def hide(self, obj, by: User) -> None:
        obj.hidden_at, obj.hidden_by_id = utcnow(), by.id
        db.session.flush()

    def restore(self, obj, by: User) -> None:
        obj.hidden_at = obj.hidden_by_id = None
        db.session.flush()

    def is_hidden(self, obj) -> bool:
        return obj.hidden_at is not None

    def hidden_people(self, viewer: User, people: list[User]) -> set[int]:
        """Pupils without consent to taking part, of another school than the viewer's: the workspace leaves them
        out, so the queue shows neither their text nor their name (Finding #8)."""
        return hidden_from(viewer, people, ConsentScope.participation)


class PostTarget(_WorkspaceText):
    kind = "post"
    label = _l("Post")

    def load(self, target_id: int) -> Post | None:
        return db.session.get(Post, target_id)

    def load_many(self, target_ids: Iterable[int]) -> dict[int, Post]:
        posts = db.session.scalars(sa.select(Post).where(Post.id.in_(set(target_ids))))
        return {post.id: post for post in posts}

    def scope_of(self, post: Post) -> str:
        return project_scope(post.project_id)

    def link(self, post: Post) -> str:
        return url_for("projects.show_workspace", project_id=post.project_id, post=post.id, _anchor=f"post-{post.id}")

    def can_report(self, post: Post, user: User) -> bool:
        """Not once moderators hid it, nor when its author is hidden from the user: the report page would show its
        text again (findings #10 and #8)."""
        if post.hidden_at is not None or not may_report(post.project_id, post.author_id, user):
            return False
        return not author_hidden(user, post.author)


class CommentTarget(_WorkspaceText):
    kind = "comment"
    label = _l("Comment")

    def load(self, target_id: int) -> Comment | None:
        return db.session.get(Comment, target_id)

    def load_many(self, target_ids: Iterable[int]) -> dict[int, Comment]:
        comments = db.session.scalars(
            sa.select(Comment).where(Comment.id.in_(set(target_ids))).options(joinedload(Comment.post))
        )
        return {comment.id: comment for comment in comments}

    def scope_of(self, comment: Comment) -> str:
        return project_scope(comment.post.project_id)

    def link(self, comment: Comment) -> str:
        return url_for(
            "projects.show_workspace",
            project_id=comment.post.project_id,
            post=comment.post_id,
            _anchor=f"comment-{comment.id}",
        )

    def can_report(self, comment: Comment, user: User) -> bool:
        """Not once it or its post is hidden (finding #10), nor when its author or the post's is hidden from the
        user: the workspace leaves both out (finding #8)."""
        if comment.hidden_at is not None or comment.post.hidden_at is not None:
            return False
        if not may_report(comment.post.project_id, comment.author_id, user):
            return False
        return not author_hidden(user, comment.author, comment.post.author)


def scopes_for(user: User) -> set[str]:
    """The projects a teacher leads (contact person or class teacher) while on that school's staff; one query."""
    if not user.is_staff:
        return set()
    led = leads(user_id=user.id)
    ids = db.session.scalars(
        sa.select(led.c.project_id).select_from(led).join(StaffMembership, confirmed_staff(led)).distinct()
    )
    return {project_scope(project_id) for project_id in ids}


def moderators_of(scope: str) -> list[User]:
    """The teachers who lead the project of a "project:<id>" scope; one query."""
    prefix, _sep, number = scope.partition(":")
    if f"{prefix}:" != SCOPE_PREFIX or not number.isdigit():
        return []
    return list({user.id: user for user, _school in project_teachers(int(number))}.values())


def _register() -> None:
    for report_target in (PostTarget(), CommentTarget()):
        try:
            registry.target(report_target.kind)
        except KeyError:
            registry.register(report_target)
    registry.register_scopes(scopes_for, moderators_of)


_register()
