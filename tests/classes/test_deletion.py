"""Deleting a pupil: the retention purge and the family's request leave none of the pupil's words or files
(Finding #7, Issue 10 item 6)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from schoolpartners.accounts.models import User
from schoolpartners.classes import services
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.privacy import erase
from schoolpartners.projects.models import Comment, Post
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions.models import Submission, SubmissionVersion
from schoolpartners.tandem.models import SessionNote, TandemMessage, VocabularyEntry
from tests.classes.family import MARK, build, texts_holding
from tests.factories import as_user
from tests.texts import shown


def test_the_retention_purge_leaves_no_text_of_the_pupil_and_no_files(app, make_school, make_user):
    """Finding #7: `flask purge-archived` deleted the account but left the pupil's tandem messages, posts,
    comments, vocabulary and session logs readable to the partner (only unlinked)."""
    w = build(app, make_school, make_user)
    assert len(texts_holding(MARK)) > 10
    lena_id = w["lena"].id
    with app.test_request_context():  # tandem links in the partner's notification
        services.archive_student(w["lena"])
    db.session.flush()
    later = utcnow() + timedelta(days=app.config["STUDENT_RETENTION_DAYS"] + 1)
    erased = erase.purge_archived(now=later)
    assert erased.count == 1 and all(path.exists() for path in w["files"])  # until the caller has committed
    db.session.commit()  # a savepoint here, as in every test
    erase.remove_files(erased.files)

    assert texts_holding(MARK) == []
    assert all(not path.exists() for path in w["files"])
    assert db.session.get(User, lena_id) is None
    # The partner's side stays coherent: his messages, notes, words, post, comment and team version.
    messages = db.session.execute(sa.select(TandemMessage.author_id, TandemMessage.body)).all()
    assert sorted(messages, key=str) == sorted([(None, ""), (w["ivan"].id, "Привет, я Иван 0")], key=str)
    assert db.session.scalars(sa.select(SessionNote.learned)).all() == ["Wort Apfel"]
    assert db.session.scalars(sa.select(VocabularyEntry.word)).all() == ["Apfel"]
    assert sorted(db.session.scalars(sa.select(Post.body))) == ["", "Пост Ивана"]  # hers, answered: blank
    assert db.session.scalars(sa.select(Comment.body)).all() == ["Ответ Ивана"]
    assert db.session.scalars(sa.select(SubmissionVersion.text)).all() == ["Часть Ивана"]
    assert w["ivan_file"].exists()
    assert db.session.scalars(sa.select(Submission.team_id)).all() == [w["team_work"].team_id]


def test_the_purge_command_erases_too(app, runner, make_school, make_user, monkeypatch):
    """Finding #7: the daily command runs the same erasure."""
    w = build(app, make_school, make_user)
    with app.test_request_context():
        services.archive_student(w["lena"])
    w["lena"].archived_at = utcnow() - timedelta(days=app.config["STUDENT_RETENTION_DAYS"] + 1)
    db.session.flush()
    monkeypatch.setattr(db.session, "commit", db.session.flush)  # stay inside the test's transaction
    result = runner.invoke(args=["purge-archived"])
    assert "1 archived student accounts deleted." in result.output
    assert texts_holding(MARK) == [] and all(not path.exists() for path in w["files"])


def test_a_teacher_deletes_on_the_familys_request_after_a_confirmation_and_it_is_recorded(app, make_school, make_user):
    """Issue 10 item 6: the confirmation page names what goes; nothing happens without the tick; afterwards
    the pupil's words and files are gone and a record says who asked and when, without the name."""
    from schoolpartners.privacy.models import DeletionReason, DeletionRecord

    w = build(app, make_school, make_user)
    teacher = as_user(app, w["de_teacher"])
    lena_id = w["lena"].id
    url = f"/classes/{w['de_class'].id}/students/{lena_id}/delete"
    page = teacher.get(url).get_data(as_text=True)
    counted = [  # (singular, plural, count) as the page lists them, in the reader's language
        (
            "%(num)d tandem message (the partner sees “deleted account” in its place)",
            "%(num)d tandem messages (the partner sees “deleted account” in their place)",
            1,
        ),
        ("%(num)d post in a project workspace", "%(num)d posts in project workspaces", 2),
        ("%(num)d comment in a project workspace", "%(num)d comments in project workspaces", 2),
        (
            "%(num)d stored file (also the files this student handed in for team work)",
            "%(num)d stored files (also the files this student handed in for team work)",
            2,
        ),
    ]
    for singular, plural, num in counted:
        assert shown(app, singular, plural=plural, num=num) in page, singular
    assert teacher.post(url, data={}).status_code == 200
    assert db.session.get(User, lena_id) is not None and len(texts_holding(MARK)) > 10

    response = teacher.post(url, data={"confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/classes/{w['de_class'].id}")
    assert db.session.get(User, lena_id) is None
    assert texts_holding(MARK) == [] and all(not path.exists() for path in w["files"])
    (record,) = db.session.scalars(sa.select(DeletionRecord)).all()
    assert (record.student_id, record.requested_by_id, record.reason) == (
        lena_id,
        w["de_teacher"].id,
        DeletionReason.family_request,
    )
    assert record.created_at is not None and record.school_id == w["de"].id
    # Her partner was told that she left, without her name.
    assert (
        db.session.scalar(sa.select(Notification.kind).where(Notification.user_id == w["ivan"].id))
        == "tandem_partner_left"
    )


def test_a_school_coordinator_may_delete_but_no_teacher_of_another_class_or_school(app, make_school, make_user):
    """Issue 10 item 6: the pupil's teacher or school coordinator asks; others get 404 and nothing changes."""
    w = build(app, make_school, make_user)
    url = f"/classes/{w['de_class'].id}/students/{w['lena'].id}/delete"
    for outsider in (w["ru_teacher"], make_user("teacher", school=w["de"])):
        client = as_user(app, outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, data={"confirm": "y"}).status_code == 404
    assert as_user(app, w["ivan"]).post(url, data={"confirm": "y"}).status_code == 403
    assert db.session.get(User, w["lena"].id) is not None and len(texts_holding(MARK)) > 10

    coordinator = as_user(app, make_user("school_coordinator", school=w["de"]))
    assert coordinator.post(url, data={"confirm": "y"}).status_code == 302
    assert texts_holding(MARK) == []


def test_the_partner_sees_message_deleted_in_place_of_her_erased_messages(app, make_school, make_user):
    """Issue 10 item 6: after the deletion the pair page keeps the order of the conversation: her message shows
    "Message deleted" under "deleted account" (not an empty card), without a report link; his stays as written."""
    w = build(app, make_school, make_user)
    url = f"/classes/{w['de_class'].id}/students/{w['lena'].id}/delete"
    assert as_user(app, w["de_teacher"]).post(url, data={"confirm": "y"}).status_code == 302
    (erased,) = db.session.scalars(sa.select(TandemMessage).where(TandemMessage.author_id.is_(None))).all()

    for viewer in ("ivan", "ru_teacher"):  # both read Russian
        response = as_user(app, w[viewer]).get(f"/tandem/pairs/{w['pair'].id}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        card = page[page.index(f'id="message-{erased.id}"') :].split("</article>")[0]
        assert shown(app, "Message deleted", "ru") in card and shown(app, "deleted account", "ru") in card
        assert "/report/" not in card
        assert "Привет, я Иван 0" in page and MARK not in page
    assert as_user(app, w["ivan"]).get(f"/report/tandem_message/{erased.id}").status_code == 404


# --- Files only after the commit; other people's emails kept; bounded statements (Finding #7 review) ----------


def _failing_commit():
    """A commit that flushes, then fails as a lost connection or a constraint at commit time would."""
    db.session.flush()
    raise sa.exc.OperationalError("COMMIT", {}, Exception("connection lost at commit"))


def test_a_failed_commit_of_a_deletion_keeps_the_files_and_the_rows(app, make_school, make_user, monkeypatch):
    """Finding #7: the files were deleted after the flush but before the commit, so a failed commit left the
    pupil's rows pointing at files that were gone. Now they go only once the commit succeeded."""
    import pytest

    w = build(app, make_school, make_user)
    lena_id = w["lena"].id
    url = f"/classes/{w['de_class'].id}/students/{lena_id}/delete"
    teacher = as_user(app, w["de_teacher"])
    monkeypatch.setattr(db.session, "commit", _failing_commit)
    with pytest.raises(sa.exc.OperationalError):
        teacher.post(url, data={"confirm": "y"})  # the request's transaction is rolled back as it ends
    assert all(path.exists() for path in w["files"])
    assert db.session.get(User, lena_id) is not None and len(texts_holding(MARK)) > 10

    monkeypatch.undo()
    assert teacher.post(url, data={"confirm": "y"}).status_code == 302
    assert db.session.get(User, lena_id) is None
    assert all(not path.exists() for path in w["files"]) and w["ivan_file"].exists()


def test_a_failed_commit_of_the_purge_keeps_every_pupils_files_and_rows(
    app, runner, make_school, make_user, monkeypatch
):
    """Finding #7: `flask purge-archived` erases many pupils in one transaction; when its commit fails, none of
    their files may be gone. With a working commit all of them are."""
    worlds = [build(app, make_school, make_user) for _ in range(3)]
    with app.test_request_context():
        for w in worlds:
            services.archive_student(w["lena"])
    for w in worlds:
        w["lena"].archived_at = utcnow() - timedelta(days=app.config["STUDENT_RETENTION_DAYS"] + 1)
    db.session.flush()
    files = [path for w in worlds for path in w["files"]]
    ids = [w["lena"].id for w in worlds]
    monkeypatch.setattr(db.session, "commit", _failing_commit)
    transaction = db.session.begin_nested()  # the command runs in the test's session: this is what it rolls back
    result = runner.invoke(args=["purge-archived"])
    assert isinstance(result.exception, sa.exc.OperationalError)
    transaction.rollback()
    assert all(path.exists() for path in files)
    assert all(db.session.get(User, sid) is not None for sid in ids)

    monkeypatch.setattr(db.session, "commit", db.session.flush)  # a commit that works (inside the test's transaction)
    result = runner.invoke(args=["purge-archived"])
    assert "3 archived student accounts deleted." in result.output
    assert all(not path.exists() for path in files) and all(w["ivan_file"].exists() for w in worlds)
    assert all(db.session.get(User, sid) is None for sid in ids)


def test_erasing_max_mann_keeps_max_mannheims_reset_email_and_other_pupils_notifications(
    app, make_school, make_user, make_class
):
    """Finding #7: every queued email containing the pupil's name as a substring was deleted, so erasing
    "Max Mann" deleted the pending password reset of his teacher "Max Mannheim"; and another school's
    notification about a different pupil of the same name went too. Now only what told the pupil's own
    teachers and partners about him goes, matched on whole names."""
    from schoolpartners.notifications.models import OutboxEmail
    from schoolpartners.notifications.services import notify, queue_email

    mannheim = make_user("teacher", display_name="Max Mannheim")
    max_mann = make_user("student", school=mannheim.memberships[0].school, display_name="Max Mann")
    max_mann.set_email("max.mann@example.org")
    school_class = make_class(mannheim, students=[max_mann])
    other_teacher = make_user("teacher")
    namesake = make_user("student", school=other_teacher.memberships[0].school, display_name="Max Mann")
    make_class(other_teacher, students=[namesake])
    with app.test_request_context():
        queue_email(mannheim.email, "de", "reset_password", user=mannheim, link="/reset/abc", hours=2)
        queue_email(max_mann.email, "de", "reset_password", user=max_mann, link="/reset/def", hours=2)
        notify(mannheim, "tandem_leave_requested", link="/tandem/pairs/1", name=max_mann.display_name)
        notify(other_teacher, "tandem_leave_requested", link="/tandem/pairs/2", name=namesake.display_name)
    db.session.flush()

    url = f"/classes/{school_class.id}/students/{max_mann.id}/delete"
    assert as_user(app, mannheim).post(url, data={"confirm": "y"}).status_code == 302

    mails = db.session.execute(sa.select(OutboxEmail.recipient, OutboxEmail.body)).all()
    assert sorted(recipient for recipient, _body in mails) == sorted([mannheim.email, other_teacher.email])
    (reset,) = [body for recipient, body in mails if recipient == mannheim.email]
    assert "/reset/abc" in reset and "Max Mannheim" in reset  # his own reset link, still to be sent
    (other,) = [body for recipient, body in mails if recipient == other_teacher.email]
    assert "Max Mann" in other
    notes = db.session.execute(sa.select(Notification.user_id, Notification.params)).all()
    assert notes == [(other_teacher.id, {"name": "Max Mann"})]  # the teacher's notice about the erased pupil: gone


def test_the_purge_runs_a_bounded_number_of_statements_whatever_the_number_of_pupils(
    app, make_school, make_user, queries
):
    """Finding #7: the purge loaded every notification carrying a name into Python for each pupil; now the
    statements do not grow with the pupils (nor with the size of the notification and email tables)."""
    later = utcnow() + timedelta(days=app.config["STUDENT_RETENTION_DAYS"] + 1)

    def purge(pupils: int) -> int:
        worlds = [build(app, make_school, make_user) for _ in range(pupils)]
        with app.test_request_context():
            for w in worlds:
                services.archive_student(w["lena"])
        db.session.flush()
        queries.statements.clear()
        erase.purge_archived(now=later)
        count = queries.count
        assert all(db.session.get(User, w["lena"].id) is None for w in worlds)
        return count

    one, three = purge(1), purge(3)
    print(f"statements: 1 pupil {one}, 3 pupils {three}")
    assert one <= 30 and three == one, (one, three)
