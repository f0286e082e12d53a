"""Workspace posts and comments written at the same moment by many members: none is lost, none fails (review §1)."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ClassMembership, ClassTeacher, ConsentScope, ParentalConsent, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.projects.models import Comment, Milestone, Post, ProjectState
from schoolpartners.sqltypes import utcnow
from tests.committed import together
from tests.factories import add_partnership, add_project, as_user

pytestmark = pytest.mark.committed

PUPILS_PER_SIDE = 3


@pytest.fixture
def members(committed_app, make_school, make_user, make_city):
    """A running project of two classes: the two teachers and three pupils on each side (with consent)."""
    with committed_app.app_context():
        de = make_school(Country.DE, city=make_city(Country.DE))
        ru = make_school(Country.RU, city=make_city(Country.RU, timezone="Europe/Moscow"))
        world = {"de": de, "ru": ru}
        world["de_teacher"] = make_user("teacher", school=de)
        world["ru_teacher"] = make_user("teacher", school=ru, locale="ru", timezone="Europe/Moscow")
        world["partnership"] = add_partnership(de, ru, world["de_teacher"], world["ru_teacher"])
        people = [world["de_teacher"], world["ru_teacher"]]
        for key, school in (("de", de), ("ru", ru)):
            school_class = SchoolClass(
                school_id=school.id, name=f"9{key}", school_year="2026/27", join_code=f"WS{key.upper()}{school.id:06d}"
            )
            school_class.teacher_links.append(ClassTeacher(user_id=world[f"{key}_teacher"].id))
            for _ in range(PUPILS_PER_SIDE):
                pupil = make_user("student", school=school)
                school_class.memberships.append(ClassMembership(student_id=pupil.id))
                db.session.add(
                    ParentalConsent(
                        student_id=pupil.id, scope=ConsentScope.participation, recorded_by_id=world[f"{key}_teacher"].id
                    )
                )
                people.append(pupil)
            db.session.add(school_class)
            world[f"{key}_class"] = school_class
        db.session.flush()
        deadline = utcnow() + timedelta(days=10)
        project = add_project(
            world,
            ProjectState.active,
            date(2026, 9, 1),
            date(2027, 6, 1),
            [Milestone(title_de="Archiv", title_ru="Архив", deadline=deadline)],
        )
        db.session.commit()
        clients = [as_user(committed_app, person) for person in people]
        return project.id, clients


def _count(committed_app, model, *where):
    with committed_app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_posts_and_comments_sent_at_once_are_all_kept(committed_app, members):
    project_id, clients = members
    for round_ in range(2):
        answers = together(
            *(
                lambda client=client, body=f"{round_}-{n}": client.post(
                    f"/projects/{project_id}/posts", data={"body": body}
                )
                for n, client in enumerate(clients)
            )
        )
        assert [answer.status_code for answer in answers] == [302] * len(clients)
    assert _count(committed_app, Post, Post.project_id == project_id) == 2 * len(clients)

    with committed_app.app_context():
        post_id = db.session.scalar(sa.select(sa.func.min(Post.id)).where(Post.project_id == project_id))
    answers = together(
        *(
            lambda client=client, n=n: client.post(
                f"/projects/{project_id}/posts/{post_id}/comments", data={"body": f"comment {n}"}
            )
            for n, client in enumerate(clients)
        )
    )
    assert [answer.status_code for answer in answers] == [302] * len(clients)
    assert _count(committed_app, Comment, Comment.post_id == post_id) == len(clients)
