"""Finding #10: posts and comments hidden by moderators stay unreadable, also through the report page."""

from datetime import timedelta

import pytest

from schoolpartners.extensions import db
from schoolpartners.moderation import registry
from schoolpartners.projects.models import Comment, Milestone, Post
from schoolpartners.sqltypes import utcnow
from tests.factories import as_user

SECRET = "Meine Adresse ist Hafenstraße 7"


@pytest.fixture
def running(make_running):
    return make_running([Milestone(title_de="Archiv", title_ru="Архив", deadline=utcnow() + timedelta(days=10))])


@pytest.fixture
def hidden_post(duo, running):
    post = Post(project_id=running.id, author_id=duo["de_student"].id, body=SECRET, hidden_at=utcnow())
    post.comments.append(Comment(author_id=duo["de_student"].id, body="Kommentar: " + SECRET))
    db.session.add(post)
    db.session.flush()
    return post


def test_the_report_page_of_a_hidden_post_shows_nothing(app, duo, hidden_post):
    """Finding #10: a partner-school pupil opened /report/post/<id> and read the first 300 characters."""
    partner = as_user(app, duo["ru_student"])
    response = partner.get(f"/report/post/{hidden_post.id}")
    assert response.status_code == 404 and SECRET not in response.get_data(as_text=True)
    assert not registry.target("post").can_report(hidden_post, duo["ru_student"])


def test_comments_of_a_hidden_post_and_hidden_comments_cannot_be_reported(app, duo, hidden_post):
    """Finding #10: the same for a comment, hidden itself or under a hidden post."""
    comment = hidden_post.comments[0]
    partner = as_user(app, duo["ru_student"])
    response = partner.get(f"/report/comment/{comment.id}")
    assert response.status_code == 404 and SECRET not in response.get_data(as_text=True)
    hidden_post.hidden_at, comment.hidden_at = None, utcnow()
    db.session.flush()
    response = partner.get(f"/report/comment/{comment.id}")
    assert response.status_code == 404 and SECRET not in response.get_data(as_text=True)
    assert not registry.target("comment").can_report(comment, duo["ru_student"])


def test_a_visible_post_can_still_be_reported(app, duo, hidden_post):
    """Finding #10: shown posts keep their report page with the excerpt."""
    hidden_post.hidden_at = None
    db.session.flush()
    page = as_user(app, duo["ru_student"]).get(f"/report/post/{hidden_post.id}").get_data(as_text=True)
    assert SECRET in page
