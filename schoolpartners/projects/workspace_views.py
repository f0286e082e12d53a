"""The workspace pages: members of both schools, the next deadlines, posts and comments; writing and deleting."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..actions import FAILED, run_action, run_form_action
from ..extensions import db
from ..forms import ActionForm
from ..pagination import page_number, row_id
from ..permissions import access, refuse
from .access import write_refusal
from .forms import CommentForm, PostForm
from .models import Comment, Post, Project
from .queries import members_by_school
from .views import bp, get_project_or_404
from .workspace import (
    MAX_COMMENT,
    page_of,
    post_link,
    posts_page,
    publish_comment,
    publish_post,
    remove_comment,
    remove_post,
    upcoming_stages,
)


def _render(project: Project, post_form=None, comment_form=None, commented: int | None = None, status: int = 200):
    """The workspace page; after a refused post or comment with the form as typed, and status 400."""
    user = current_user._get_current_object()
    wanted = commented or row_id(request.args.get("post"))
    if "page" not in request.args and wanted:
        number = page_of(project, wanted)
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

        def publish():
            # Read before the commit: reading after it would load the post again, and a connection lost just
            # after the commit would then report a saved post as an error (review F7).
            post = publish_post(project, current_user._get_current_object(), form.body.data, form.announcement.data)
            return post.is_announcement, post_link(project, post.id, f"post-{post.id}")

        published = run_form_action(form, "body", publish)
        if published is not FAILED:
            announced, link = published
            if announced:
                flash(_("Your announcement is published and the members have been told."), "success")
            else:
                flash(_("Your post is published."), "success")
            return redirect(link)
    return _render(project, post_form=form, status=400)


@bp.route("/projects/<int:project_id>/posts/<int:post_id>/comments", methods=["POST"])
@access("member")
def add_comment(project_id, post_id):
    """Comment on a post."""
    project = get_project_or_404(project_id)
    post = _post_or_404(project, post_id)
    form = CommentForm()
    if form.validate_on_submit():

        def publish():
            comment = publish_comment(project, post, current_user._get_current_object(), form.body.data)
            return post_link(project, post_id, f"comment-{comment.id}")  # before the commit, which expires both

        link = run_form_action(form, "body", publish)
        if link is not FAILED:
            flash(_("Your comment is published."), "success")
            return redirect(link)
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
    return redirect(post_link(project, post_id, f"post-{post_id}"))
