"""Follow-ups of the consent review: every pupil a page shows is checked, whether or not they are still in the
project's classes; tandem session topics, the moderation queue and the export leave out the hidden too; the public
showcase checks its works in a fixed number of queries (Finding #8, Finding #1, Issue 10 item 2)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from schoolpartners.classes.models import ClassMembership, ConsentScope, ParentalConsent, SchoolClass
from schoolpartners.classes.services import archive_student
from schoolpartners.extensions import db
from schoolpartners.moderation.models import Report, ReportState
from schoolpartners.projects.models import Comment, Post, Team, TeamMember
from schoolpartners.showcase.models import ShowcaseEntry
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions.models import Submission, SubmissionFile, SubmissionVersion
from schoolpartners.tandem.models import TandemSession
from tests.factories import add_class_link, add_published_pair, as_user
from tests.texts import translated


def withdraw_directly(student, scope=ConsentScope.participation) -> None:
    """The consent withdrawn (as the class page records it), without the page: she may have left already."""
    for consent in db.session.scalars(
        sa.select(ParentalConsent).where(ParentalConsent.student_id == student.id, ParentalConsent.scope == scope)
    ):
        consent.withdrawn_at = utcnow()
    db.session.flush()
    db.session.expire_all()


def moved_to_another_class(duo) -> None:
    """Mia leaves the project's class 9b for 9c of the same school (not in the project)."""
    mia = duo["de_student"]
    other = SchoolClass(school_id=duo["de"].id, name="9c", school_year="2026/27", join_code="PJDE9C99")
    db.session.add(other)
    membership = next(m for m in duo["de_class"].memberships if m.student_id == mia.id)
    duo["de_class"].memberships.remove(membership)
    other.memberships.append(ClassMembership(student_id=mia.id))
    db.session.flush()


def archived(duo) -> None:
    """Mia has left the school: archived, her data kept until the purge."""
    archive_student(duo["de_student"])
    db.session.flush()


LEAVINGS = {"archived": archived, "moved": moved_to_another_class}


# --- 1. stage list and workspace ------------------------------------------------------------------------------


@pytest.mark.parametrize("leaving", sorted(LEAVINGS))
def test_the_stage_list_leaves_out_a_pupil_without_consent_who_left_the_class(app, duo, mia_running, leaving):
    """Finding #8: Mia handed in, then left the project's class (archived, or moved to another class) and her
    parents' consent to taking part was withdrawn: the partner school's stage list no longer shows her name."""
    stage = mia_running.milestones[0]
    work = Submission(milestone_id=stage.id, project_id=mia_running.id, student_id=duo["de_student"].id)
    work.versions = [SubmissionVersion(number=1, text="Mein Text über Altona", author_id=duo["de_student"].id)]
    db.session.add(work)
    db.session.flush()
    url = f"/projects/{mia_running.id}/milestones/{stage.id}"
    partner_teacher = as_user(app, duo["ru_teacher"])
    assert "Mia Wagner" in partner_teacher.get(url).get_data(as_text=True)

    LEAVINGS[leaving](duo)
    withdraw_directly(duo["de_student"])

    assert "Mia" not in partner_teacher.get(url).get_data(as_text=True)
    assert "Mia Wagner" in as_user(app, duo["de_teacher"]).get(url).get_data(as_text=True)


@pytest.mark.parametrize("leaving", sorted(LEAVINGS))
def test_the_workspace_leaves_out_posts_and_comments_of_a_pupil_without_consent_who_left(
    app, duo, mia_running, leaving
):
    """Finding #8: Mia wrote a post and a comment, then left the project's class (archived, or moved) and her
    parents' consent to taking part was withdrawn: the partner school's pupil and teacher no longer read them;
    her own teacher still does."""
    mia, ivan = duo["de_student"], duo["ru_student"]
    db.session.add(Post(project_id=mia_running.id, author_id=mia.id, body="Ich wohne in Altona."))
    answered = Post(project_id=mia_running.id, author_id=ivan.id, body="Где вы живёте?")
    answered.comments = [Comment(author_id=mia.id, body="Neben dem Fischmarkt")]
    db.session.add(answered)
    db.session.flush()
    url = f"/projects/{mia_running.id}/workspace"
    partner_pupil, partner_teacher = as_user(app, ivan), as_user(app, duo["ru_teacher"])
    own_teacher = as_user(app, duo["de_teacher"])
    for viewer in (partner_pupil, partner_teacher):
        page = viewer.get(url).get_data(as_text=True)
        assert "Altona" in page and "Fischmarkt" in page

    LEAVINGS[leaving](duo)
    withdraw_directly(mia)

    for viewer in (partner_pupil, partner_teacher):
        page = viewer.get(url).get_data(as_text=True)
        assert "Altona" not in page and "Fischmarkt" not in page and "Mia" not in page
        assert "Где вы живёте?" in page  # Ivan's own post stays
    page = own_teacher.get(url).get_data(as_text=True)
    assert "Altona" in page and "Fischmarkt" in page


# --- 3. tandem session topics ----------------------------------------------------------------------------------


def test_the_pair_page_leaves_out_session_topics_logged_by_a_hidden_partner(app, duo, mia_running):
    """Finding #1: Mia (no tandem consent) logged a session with its topics; the partner school's supervising
    teacher sees the session, not what Mia wrote about it."""
    mia, ivan = duo["de_student"], duo["ru_student"]
    link = add_class_link(duo["partnership"], duo["de_class"], duo["ru_class"])
    db.session.add(ParentalConsent(student_id=ivan.id, scope=ConsentScope.tandem))
    pair = add_published_pair(link, mia, ivan)
    db.session.add_all(
        [
            TandemSession(
                pair_id=pair.id,
                held_on=date(2026, 10, 1),
                minutes_de=20,
                topics="Mias Straße in Altona",
                logged_by_id=mia.id,
            ),
            TandemSession(
                pair_id=pair.id, held_on=date(2026, 10, 8), minutes_ru=30, topics="Футбол", logged_by_id=ivan.id
            ),
        ]
    )
    db.session.flush()
    url = f"/tandem/pairs/{pair.id}"
    partner = as_user(app, duo["ru_teacher"]).get(url).get_data(as_text=True)
    assert "Футбол" in partner and "Altona" not in partner and "Mia" not in partner
    own = as_user(app, duo["de_teacher"]).get(url).get_data(as_text=True)
    assert "Mias Straße in Altona" in own and "Футбол" in own


# --- 4. the moderation queue -------------------------------------------------------------------------------------

WITHHELD = (
    "Written by a student whose posts are not shown to you. The teachers of the student's own school decide on it."
)


def test_the_queue_withholds_a_hidden_pupils_post_from_the_partner_schools_moderators(app, duo, mia_running):
    """Finding #8: Mia (no consent to taking part) wrote a post; her own teacher reports it. The partner school's
    teacher, who moderates the project too, sees neither its text nor her name, and cannot decide on it; her own
    school's teacher can."""
    mia = duo["de_student"]
    post = Post(project_id=mia_running.id, author_id=mia.id, body="Ich wohne in Altona, Elbchaussee 12.")
    db.session.add(post)
    withdraw_directly(mia)
    own_teacher = as_user(app, duo["de_teacher"])
    response = own_teacher.post(f"/report/post/{post.id}", data={"reason": "Adresse"})
    assert response.status_code == 302
    report = db.session.scalar(sa.select(Report).where(Report.target_id == post.id))
    assert "Elbchaussee" in own_teacher.get("/moderation").get_data(as_text=True)  # her school's moderator reads

    partner = as_user(app, duo["ru_teacher"])
    page = partner.get("/moderation").get_data(as_text=True)
    assert "Elbchaussee" not in page and "Altona" not in page and "Mia" not in page
    assert translated(app, WITHHELD, "ru") in page  # the partner teacher reads Russian (Jinja does not escape _())
    assert f"/moderation/reports/{report.id}/hide" not in page
    partner.post(f"/moderation/reports/{report.id}/hide", data={"note": ""})
    db.session.expire_all()
    assert db.session.get(Post, post.id).hidden_at is None and report.state is ReportState.open

    own_teacher.post(f"/moderation/reports/{report.id}/hide", data={"note": ""})
    db.session.expire_all()
    assert db.session.get(Post, post.id).hidden_at is not None


def test_the_queue_does_not_name_a_hidden_pupil_who_reported(app, duo, mia_running):
    """Finding #8: Mia reported Ivan's post, then her parents withdrew their consent to taking part. The partner
    school's moderator still decides on Ivan's post, but reads "Reported by a student", not her name."""
    mia, ivan = duo["de_student"], duo["ru_student"]
    post = Post(project_id=mia_running.id, author_id=ivan.id, body="Неприятный пост")
    db.session.add(post)
    db.session.flush()
    db.session.add(
        Report(
            kind="post",
            target_id=post.id,
            scope=f"project:{mia_running.id}",
            reporter_id=mia.id,
            author_id=ivan.id,
            reason="Gemein",
        )
    )
    withdraw_directly(mia)
    page = as_user(app, duo["ru_teacher"]).get("/moderation").get_data(as_text=True)
    assert "Неприятный пост" in page and "Mia" not in page and "Wagner" not in page
    assert "Mia Wagner" in as_user(app, duo["de_teacher"]).get("/moderation").get_data(as_text=True)


# --- 5. the public showcase in a fixed number of queries ---------------------------------------------------------

FIRST_NAMES = ["Lena", "Jonas", "Aylin", "Mehmet", "Sofia", "Paul", "Olga", "Timur", "Nina", "Ilja"]


def test_the_public_showcase_page_runs_a_fixed_number_of_queries(app, duo, completed_project, make_user, queries):
    """Finding #8 follow-up: the public page checked each work's authors and consents one by one (about three
    queries per work); with 1 or 5 works it now runs the same number of queries and still names every author by
    first name and initial."""
    project = completed_project
    db.session.add(ShowcaseEntry(project_id=project.id, summary_de="Ausstellung", published_at=utcnow()))
    names = iter(FIRST_NAMES)

    def pupil(school):
        student = make_user("student", school=school, display_name=f"{next(names)} Schmidt")
        for scope in (ConsentScope.participation, ConsentScope.showcase):
            db.session.add(ParentalConsent(student_id=student.id, scope=scope))
        return student

    def work(authors, team=None):
        submission = Submission(
            milestone_id=project.milestones[0].id,
            project_id=project.id,
            student_id=None if team else authors[0].id,
            team_id=team.id if team else None,
            showcased=True,
        )
        version = SubmissionVersion(number=1, text="Plakat", author_id=authors[0].id)
        version.files = [
            SubmissionFile(
                storage_name=f"{authors[0].id}.pdf",
                original_name=f"{authors[0].display_name}.pdf",
                kind="pdf",
                mime_type="application/pdf",
                size=1,
                sha256="0",
            )
        ]
        submission.versions = [version]
        db.session.add(submission)

    def team_work():
        members = [pupil(duo["de"]), pupil(duo["ru"])]
        team = Team(project_id=project.id, name=f"Team {members[0].id}")
        team.members = [TeamMember(student_id=m.id) for m in members]
        db.session.add(team)
        db.session.flush()
        work(members, team)

    team_work()  # one work
    db.session.flush()
    public = app.test_client()
    url = f"/showcase/{project.id}"
    public.get(url)
    queries.statements.clear()
    page = public.get(url).get_data(as_text=True)
    one = queries.count
    assert "Lena S." in page and "Jonas S." in page

    team_work()
    for _ in range(3):  # five works
        work([pupil(duo["de"])])
    db.session.flush()
    queries.statements.clear()
    page = public.get(url).get_data(as_text=True)
    assert queries.count == one, "\n".join(s[:150] for s in queries.statements)
    for name in FIRST_NAMES[:7]:
        assert f"{name} S." in page
    assert "Schmidt" not in page
