"""The report form shows what it reports: a post or comment of a pupil the workspace hides from the viewer (no
parents' consent to taking part) is not reportable by that viewer either (Finding #8 / Issue 10 item 2)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from schoolpartners.classes.models import ConsentScope, ParentalConsent
from schoolpartners.extensions import db
from schoolpartners.moderation.models import Report
from schoolpartners.projects.models import Comment, Post
from schoolpartners.sqltypes import utcnow
from tests.factories import as_user


@pytest.fixture
def running(duo, make_running):
    """A running project of both classes; the German pupil Mia (age unknown) has the consent to take part."""
    duo["de_student"].display_name = "Mia Wagner"
    return make_running([])


@pytest.fixture
def written(duo, running):
    """Mia's post and comment, and the partner pupil Ivan's post and his comment under Mia's post."""
    mia, ivan = duo["de_student"], duo["ru_student"]
    hers = Post(project_id=running.id, author_id=mia.id, body="Ich wohne in Altona.")
    his = Post(project_id=running.id, author_id=ivan.id, body="Я живу на Васильевском.")
    db.session.add_all([hers, his])
    db.session.flush()
    her_comment = Comment(post_id=his.id, author_id=mia.id, body="Altona liegt an der Elbe.")
    his_comment = Comment(post_id=hers.id, author_id=ivan.id, body="Красиво у тебя в Альтоне!")
    db.session.add_all([her_comment, his_comment])
    db.session.flush()
    return {"her_post": hers, "his_post": his, "her_comment": her_comment, "his_comment": his_comment}


def _withdraw(duo) -> None:
    consent = db.session.scalar(
        sa.select(ParentalConsent).where(
            ParentalConsent.student_id == duo["de_student"].id, ParentalConsent.scope == ConsentScope.participation
        )
    )
    consent.withdrawn_at = utcnow()
    db.session.flush()


def test_the_partner_school_cannot_open_the_report_form_of_her_post_or_comment(app, duo, written):
    """Finding #8 / Issue 10 item 2: once Mia's consent is withdrawn, the partner school's pupil and teacher get 404
    on the report form of her post and her comment (its excerpt would show her words), and a report sent anyway
    is not stored; her own teacher still reports them."""
    targets = {
        f"/report/post/{written['her_post'].id}": "Ich wohne in Altona.",
        f"/report/comment/{written['her_comment'].id}": "Altona liegt an der Elbe.",
    }
    partner_pupil, partner_teacher = as_user(app, duo["ru_student"]), as_user(app, duo["ru_teacher"])
    for url, text in targets.items():  # with the consent, the partner school reports what it sees
        assert text in partner_pupil.get(url).get_data(as_text=True)

    _withdraw(duo)

    for viewer in (partner_pupil, partner_teacher):
        for url, text in targets.items():
            page = viewer.get(url)
            assert page.status_code == 404 and text not in page.get_data(as_text=True)
            sent = viewer.post(url, data={"reason": "Das ist ein Test."})
            assert sent.status_code == 404
    assert db.session.scalars(sa.select(Report)).all() == []

    own_teacher = as_user(app, duo["de_teacher"])
    for url, text in targets.items():
        assert text in own_teacher.get(url).get_data(as_text=True)
    assert own_teacher.post(next(iter(targets)), data={"reason": "Bitte prüfen."}).status_code == 302
    assert db.session.scalar(sa.select(Report.target_id)) == written["her_post"].id


def test_comments_under_her_post_are_not_reportable_by_the_partner_school(app, duo, written):
    """Finding #8 / Issue 10 item 2: the workspace leaves Mia's post out with its comments, so the report form of
    Ivan's comment under it answers 404 to the partner school's teacher too (its link would lead to her post);
    Ivan's own post stays reportable."""
    partner_teacher = as_user(app, duo["ru_teacher"])
    under_hers = f"/report/comment/{written['his_comment'].id}"
    assert "Альтоне" in partner_teacher.get(under_hers).get_data(as_text=True)

    _withdraw(duo)

    assert partner_teacher.get(under_hers).status_code == 404
    his_post = partner_teacher.get(f"/report/post/{written['his_post'].id}")
    assert "Васильевском" in his_post.get_data(as_text=True)


def test_a_pupil_with_the_consent_stays_reportable(app, duo, written):
    """Finding #8 / Issue 10 item 2: the check leaves out only pupils lacking the consent, not pupils old enough
    or those whose parents agreed (Ivan's consent is recorded; Mia's is too until withdrawn)."""
    mia = as_user(app, duo["de_student"])
    page = mia.get(f"/report/post/{written['his_post'].id}").get_data(as_text=True)
    assert "Васильевском" in page
