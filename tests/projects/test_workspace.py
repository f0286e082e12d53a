"""The project workspace: posts and comments of both schools, announcements, consent, deleting, moderation."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from schoolpartners.classes.models import ClassMembership, ClassTeacher, ConsentScope, ParentalConsent
from schoolpartners.extensions import db
from schoolpartners.moderation.models import Report, ReportState
from schoolpartners.notifications.models import Notification, OutboxEmail
from schoolpartners.projects.models import (
    Comment,
    Milestone,
    Post,
    Project,
    ProjectSide,
    ProjectState,
)
from schoolpartners.projects.moderation_targets import CommentTarget, PostTarget, moderators_of, scopes_for
from schoolpartners.projects.workspace import MAX_COMMENT, MAX_POST, PER_PAGE
from schoolpartners.sqltypes import utcnow
from tests.factories import as_user


@pytest.fixture
def running(make_running):
    """An active project of both classes with one stage ahead and one behind; both students may take part."""
    return make_running(
        [
            Milestone(title_de="Vorbei", title_ru="Прошло", deadline=utcnow() - timedelta(days=3)),
            Milestone(title_de="Archiv", title_ru="Архив", deadline=utcnow() + timedelta(days=10)),
        ]
    )


def workspace(project, **args):
    query = "&".join(f"{key}={value}" for key, value in {"lang": "en", **args}.items())
    return f"/projects/{project.id}/workspace?{query}"


def write(client, project, body, announcement=False):
    data = {"body": body, "announcement": "y"} if announcement else {"body": body}
    return client.post(f"/projects/{project.id}/posts?lang=en", data=data)


def comment_on(client, project, post, body):
    return client.post(f"/projects/{project.id}/posts/{post.id}/comments?lang=en", data={"body": body})


def posts() -> list[Post]:
    return list(db.session.scalars(sa.select(Post).order_by(Post.id)))


def comments() -> list[Comment]:
    return list(db.session.scalars(sa.select(Comment).order_by(Comment.id)))


def test_members_of_both_schools_post_and_comment_and_read_each_other(app, duo, running):
    teacher = as_user(app, duo["de_teacher"])
    response = write(teacher, running, "Willkommen im **Projekt**!")
    [post] = posts()
    assert response.status_code == 302 and response.location.endswith(f"#post-{post.id}")
    assert post.author_id == duo["de_teacher"].id and not post.is_announcement
    student = as_user(app, duo["ru_student"])
    assert comment_on(student, running, post, "Спасибо, *привет* из Петербурга!").status_code == 302
    write(student, running, "Мы начали с архива.")
    [comment] = comments()
    assert (comment.post_id, comment.author_id) == (post.id, duo["ru_student"].id)

    seen_by_student = student.get(workspace(running)).get_data(as_text=True)
    assert "Willkommen im <strong>Projekt</strong>!" in seen_by_student
    assert "Спасибо, <em>привет</em> из Петербурга!" in seen_by_student
    seen_by_teacher = teacher.get(workspace(running)).get_data(as_text=True)
    assert "Мы начали с архива." in seen_by_teacher and f'id="comment-{comment.id}"' in seen_by_teacher
    assert seen_by_teacher.index("Мы начали с архива.") < seen_by_teacher.index("Willkommen im")  # newest first


def test_the_page_lists_members_by_school_and_the_next_deadlines(app, duo, running):
    html = as_user(app, duo["ru_student"]).get(workspace(running)).get_data(as_text=True)
    for name in ("Anna Becker", "Елена Козлова", "Student de", "Student ru", duo["de"].name, duo["ru"].name):
        assert name in html
    assert "Archiv" in html and "Vorbei" not in html  # only stages still ahead
    assert f'/projects/{running.id}/workspace"' in as_user(app, duo["ru_student"]).get(
        f"/projects/{running.id}"
    ).get_data(as_text=True)


def test_a_teachers_announcement_is_pinned_and_tells_every_member(app, duo, running):
    duo["ru_student"].set_email("schueler@example.org")  # students' addresses never get project mail
    db.session.flush()
    student = as_user(app, duo["de_student"])
    write(student, running, "Erster Beitrag")
    write(as_user(app, duo["de_teacher"]), running, "Abgabe am Freitag!", announcement=True)
    write(student, running, "Neuester Beitrag")
    announcement = next(p for p in posts() if p.is_announcement)
    assert announcement.author_id == duo["de_teacher"].id

    html = student.get(workspace(running)).get_data(as_text=True)
    assert html.index("Abgabe am Freitag!") < html.index("Neuester Beitrag") < html.index("Erster Beitrag")
    told = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "project_announcement")))
    assert told == {duo["ru_teacher"].id, duo["de_student"].id, duo["ru_student"].id}  # not the author
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == duo["ru_teacher"].id))
    assert note.params["title"] == "Наши города" and note.link.endswith(f"#post-{announcement.id}")
    assert set(db.session.scalars(sa.select(OutboxEmail.recipient))) == {duo["ru_teacher"].email}


def test_students_cannot_announce(app, duo, running):
    response = write(as_user(app, duo["de_student"]), running, "Alle herhören!", announcement=True)
    assert response.status_code == 400 and posts() == []
    html = response.get_data(as_text=True)
    assert "Only teachers make announcements." in html and "Alle herhören!" in html  # kept for another try


@pytest.mark.parametrize("who", ["other_class_student", "unrelated_teacher", "anonymous"])
def test_outsiders_neither_read_nor_write(app, duo, running, make_user, make_school, who):
    write(as_user(app, duo["de_teacher"]), running, "Nur für Mitglieder")
    [post] = posts()
    if who == "anonymous":
        client, expected = app.test_client(), 302
    else:
        if who == "other_class_student":
            outsider = make_user("student", school=duo["de"])  # same school, a class outside the project
        else:
            outsider = make_user("teacher", school=make_school())
        client, expected = as_user(app, outsider), 404
    urls = [
        ("GET", workspace(running)),
        ("POST", f"/projects/{running.id}/posts"),
        ("POST", f"/projects/{running.id}/posts/{post.id}/comments"),
        ("POST", f"/projects/{running.id}/posts/{post.id}/delete"),
    ]
    for method, url in urls:
        response = client.open(url, method=method, data={"body": "Hallo"})
        assert response.status_code == expected, (method, url)
        if expected == 302:
            assert "/login" in response.location
    assert [p.body for p in posts()] == ["Nur für Mitglieder"] and comments() == []


def test_students_do_not_see_a_draft_and_coordinators_read_but_never_write(app, duo, running, make_user):
    coordinator = as_user(app, make_user("coordinator"))
    write(as_user(app, duo["ru_teacher"]), running, "Entwurf der Lehrkräfte")
    html = coordinator.get(workspace(running)).get_data(as_text=True)
    assert "Entwurf der Lehrkräfte" in html and "Student de" not in html  # no list of minors for the foundation
    assert f'action="/projects/{running.id}/posts"' not in html
    assert write(coordinator, running, "Hallo").status_code == 403 and len(posts()) == 1
    running.state = ProjectState.draft
    db.session.flush()
    assert as_user(app, duo["de_student"]).get(workspace(running)).status_code == 404


def test_a_student_without_consent_reads_but_cannot_write(app, duo, running):
    young = duo["de_student"]
    young.birth_year, young.birth_month = date.today().year - 13, 1
    db.session.execute(sa.delete(ParentalConsent).where(ParentalConsent.student_id == young.id))
    write(as_user(app, duo["ru_student"]), running, "Привет всем")
    db.session.flush()
    client = as_user(app, young)
    html = client.get(workspace(running)).get_data(as_text=True)
    assert "Привет всем" in html and "consent to taking part is not recorded yet" in html
    assert f'action="/projects/{running.id}/posts"' not in html and "/comments" not in html
    response = write(client, running, "Hallo")
    assert response.status_code == 400 and "consent to taking part is not recorded yet" in response.get_data(
        as_text=True
    )
    assert comment_on(client, running, posts()[0], "Hallo").status_code == 400
    assert len(posts()) == 1 and comments() == []


@pytest.mark.parametrize(
    ("body", "message"), [("", "Please fill in"), ("   ", "Please fill in"), ("x" * (MAX_POST + 1), "too long")]
)
def test_empty_or_too_long_posts_are_refused_and_nothing_is_stored(app, duo, running, body, message):
    response = write(as_user(app, duo["de_student"]), running, body)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and 'aria-invalid="true"' in html
    if body.strip():
        assert body in html  # the text is kept for shortening
    assert posts() == []


def test_the_longest_allowed_texts_are_stored(app, duo, running):
    client = as_user(app, duo["de_student"])
    assert write(client, running, "x" * MAX_POST).status_code == 302
    [post] = posts()
    assert comment_on(client, running, post, "y" * MAX_COMMENT).status_code == 302
    assert len(comments()[0].body) == MAX_COMMENT


@pytest.mark.parametrize("body", ["", "y" * (MAX_COMMENT + 1)])
def test_empty_or_too_long_comments_are_refused(app, duo, running, body):
    client = as_user(app, duo["de_student"])
    write(client, running, "Beitrag")
    [post] = posts()
    response = comment_on(client, running, post, body)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f'aria-describedby="comment-body-{post.id}-error"' in html
    assert body in html and comments() == []


def test_authors_delete_their_own_posts_and_comments_only(app, duo, running):
    author, other = as_user(app, duo["de_student"]), as_user(app, duo["ru_student"])
    write(author, running, "Mein Beitrag")
    [post] = posts()
    comment_on(other, running, post, "Мой комментарий")
    comment_on(author, running, post, "Mein Kommentar")
    theirs, mine = comments()
    assert other.post(f"/projects/{running.id}/posts/{post.id}/delete").status_code == 403
    assert author.post(f"/projects/{running.id}/comments/{theirs.id}/delete").status_code == 403
    assert len(posts()) == 1 and len(comments()) == 2
    assert author.post(f"/projects/{running.id}/comments/{mine.id}/delete").status_code == 302
    assert [c.body for c in comments()] == ["Мой комментарий"]
    assert author.post(f"/projects/{running.id}/posts/{post.id}/delete").status_code == 302
    assert posts() == [] and comments() == []  # the comments went with the post


def test_ids_of_another_project_are_not_found(app, duo, running):
    other_project = Project(
        partnership_id=duo["partnership"].id,
        title_de="Anderes",
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 1),
        state=ProjectState.active,
    )
    other_project.sides = [ProjectSide(school_id=duo["de"].id), ProjectSide(school_id=duo["ru"].id)]
    db.session.add(other_project)
    db.session.flush()
    foreign = Post(project_id=other_project.id, author_id=duo["de_teacher"].id, body="Fremd")
    foreign.comments = [Comment(author_id=duo["de_teacher"].id, body="Auch fremd")]
    db.session.add(foreign)
    db.session.flush()
    teacher = as_user(app, duo["de_teacher"])
    for url in (
        f"/projects/{running.id}/posts/{foreign.id}/comments",
        f"/projects/{running.id}/posts/{foreign.id}/delete",
        f"/projects/{running.id}/comments/{foreign.comments[0].id}/delete",
        f"/projects/{running.id}/posts/999999/delete",
    ):
        assert teacher.post(url, data={"body": "Hallo"}).status_code == 404, url
    assert len(posts()) == 1 and len(comments()) == 1


def test_a_reported_post_is_hidden_by_a_teacher_of_the_project_and_restored(app, duo, running, make_user):
    author, reporter = as_user(app, duo["de_student"]), as_user(app, duo["ru_student"])
    write(author, running, "Ihr seid alle doof")
    [post] = posts()
    assert author.get(f"/report/post/{post.id}").status_code == 404  # nobody reports their own text
    response = reporter.post(f"/report/post/{post.id}", data={"reason": "Beleidigung"})
    assert response.status_code == 302 and response.location.endswith(f"#post-{post.id}")
    [report] = db.session.scalars(sa.select(Report))
    assert (report.kind, report.scope, report.author_id) == ("post", f"project:{running.id}", duo["de_student"].id)
    assert duo["de_teacher"].id in set(
        db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "report_received"))
    )

    teacher = as_user(app, duo["ru_teacher"])
    assert teacher.post(f"/moderation/reports/{report.id}/hide", data={"note": ""}).status_code == 302
    db.session.refresh(post)
    assert post.hidden_at is not None and post.hidden_by_id == duo["ru_teacher"].id
    for student in (author, reporter):
        html = student.get(workspace(running)).get_data(as_text=True)
        assert "Ihr seid alle doof" not in html and "Hidden by the moderators." in html
        assert f"/posts/{post.id}/comments" not in html  # no more comments on it
    assert comment_on(reporter, running, post, "Noch was").status_code == 400 and comments() == []
    for moderator in (teacher, as_user(app, make_user("coordinator"))):
        html = moderator.get(workspace(running)).get_data(as_text=True)
        assert "Ihr seid alle doof" in html and ">hidden<" in html

    assert teacher.post(f"/moderation/reports/{report.id}/restore", data={"note": ""}).status_code == 302
    db.session.refresh(report)
    assert report.state is ReportState.dismissed
    assert "Ihr seid alle doof" in reporter.get(workspace(running)).get_data(as_text=True)


def test_a_hidden_comment_shows_as_a_placeholder(app, duo, running):
    teacher = as_user(app, duo["de_teacher"])
    write(teacher, running, "Wie war euer Tag?")
    [post] = posts()
    comment_on(as_user(app, duo["ru_student"]), running, post, "Плохой комментарий")
    [comment] = comments()
    target = CommentTarget()
    assert target.load_many([comment.id, 999999]) == {comment.id: comment}
    with app.test_request_context():
        assert target.link(comment) == f"/projects/{running.id}/workspace?post={post.id}#comment-{comment.id}"
    assert target.scope_of(comment) == f"project:{running.id}"
    target.hide(comment, duo["de_teacher"])
    html = as_user(app, duo["de_student"]).get(workspace(running)).get_data(as_text=True)
    assert "Плохой комментарий" not in html and "Hidden by the moderators." in html
    assert "Плохой комментарий" in teacher.get(workspace(running)).get_data(as_text=True)
    target.restore(comment, duo["de_teacher"])
    assert not target.is_hidden(comment) and comment.hidden_by_id is None


def test_who_may_report_and_who_moderates(app, duo, running, make_user, make_school):
    post = Post(project_id=running.id, author_id=duo["de_student"].id, body="Text")
    post.comments = [Comment(author_id=duo["ru_student"].id, body="Kommentar")]
    db.session.add(post)
    db.session.flush()
    posts_, comments_ = PostTarget(), CommentTarget()
    with app.test_request_context():
        assert not posts_.can_report(post, duo["de_student"])  # the author
        assert posts_.can_report(post, duo["ru_student"]) and posts_.can_report(post, duo["ru_teacher"])
        assert not comments_.can_report(post.comments[0], duo["ru_student"])
        assert comments_.can_report(post.comments[0], duo["de_student"])
        for outsider in (make_user("student", school=duo["de"]), make_user("teacher"), make_user("coordinator")):
            assert not posts_.can_report(post, outsider)
        assert posts_.link(post) == f"/projects/{running.id}/workspace?post={post.id}#post-{post.id}"
    colleague = make_user("teacher", school=duo["de"])  # on the staff, but leads neither project nor class
    class_teacher = make_user("teacher", school=duo["ru"])
    db.session.add(ClassTeacher(class_id=duo["ru_class"].id, user_id=class_teacher.id))
    db.session.flush()
    scope = f"project:{running.id}"
    assert scopes_for(duo["de_teacher"]) == {scope} and scopes_for(class_teacher) == {scope}
    assert scopes_for(colleague) == set() and scopes_for(duo["de_student"]) == set()
    assert {u.id for u in moderators_of(scope)} == {duo["de_teacher"].id, duo["ru_teacher"].id, class_teacher.id}
    assert moderators_of("testroom:1") == [] and moderators_of("project:x") == []


@pytest.mark.parametrize("viewer", ["de_teacher", "ru_student", "coordinator"])
def test_workspace_query_count_does_not_grow_with_posts_comments_or_members(
    app, duo, running, make_user, queries, viewer
):
    user = make_user("coordinator") if viewer == "coordinator" else duo[viewer]
    client = as_user(app, user)
    url = workspace(running)

    def add(n):
        for i in range(n):
            student = make_user("student", school=duo["ru"])
            duo["ru_class"].memberships.append(ClassMembership(student_id=student.id))
            # they write, so their parents agreed to taking part (else the other school would not see them)
            db.session.add(ParentalConsent(student_id=student.id, scope=ConsentScope.participation))
            teacher = make_user("teacher", school=duo["de"])
            duo["de_class"].teacher_links.append(ClassTeacher(user_id=teacher.id))
            post = Post(project_id=running.id, author_id=student.id, body=f"Beitrag {i}", is_announcement=i == 0)
            post.comments = [
                Comment(author_id=teacher.id, body="Gut!"),
                Comment(author_id=duo["de_student"].id, body="Danke", hidden_at=utcnow()),
            ]
            db.session.add(post)
        db.session.flush()

    add(2)
    client.get(url)
    queries.statements.clear()
    client.get(url)
    few = queries.count
    add(20)
    queries.statements.clear()
    response = client.get(url)
    assert response.status_code == 200 and response.get_data(as_text=True).count('<article class="card') == PER_PAGE
    assert queries.count == few <= 16, queries.statements


def test_links_to_older_posts_open_the_page_that_shows_them(app, duo, running):
    start = utcnow() - timedelta(days=30)
    for i in range(PER_PAGE + 3):
        db.session.add(
            Post(
                project_id=running.id,
                author_id=duo["de_teacher"].id,
                body=f"Nummer {i}",
                created_at=start + timedelta(hours=i),
            )
        )
    db.session.flush()
    oldest, newest = posts()[0], posts()[-1]
    client = as_user(app, duo["ru_student"])
    assert "Nummer 0<" not in client.get(workspace(running)).get_data(as_text=True)
    assert f'id="post-{oldest.id}"' in client.get(workspace(running, post=oldest.id)).get_data(as_text=True)
    assert f'id="post-{newest.id}"' in client.get(workspace(running, post=newest.id)).get_data(as_text=True)
    assert f'id="post-{oldest.id}"' in client.get(workspace(running, page=2)).get_data(as_text=True)


def test_a_reported_post_cannot_be_deleted_until_the_moderators_decide(app, duo, running):
    author, other = as_user(app, duo["de_student"]), as_user(app, duo["ru_student"])
    write(author, running, "Strittiger Beitrag")
    [post] = posts()
    other.post(f"/report/post/{post.id}", data={"reason": "Обидно"})
    report = db.session.scalar(sa.select(Report))
    assert report.state is ReportState.open
    author.post(f"/projects/{running.id}/posts/{post.id}/delete")
    assert len(posts()) == 1  # the evidence stays
    teacher = as_user(app, duo["de_teacher"])
    teacher.post(f"/moderation/reports/{report.id}/dismiss", data={"note": ""})
    assert author.post(f"/projects/{running.id}/posts/{post.id}/delete").status_code == 302
    assert posts() == []
