"""Classes at the same moment (review §1, F5): joining by code from two sessions gives one membership and "already in
this class", never a 500; class partnerships and archiving decide on the state re-read under the row lock."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from schoolpartners.accounts.models import User
from schoolpartners.cities.models import Country
from schoolpartners.classes.models import (
    ClassMembership,
    ClassPartnership,
    ClassPartnershipState,
    ClassTeacher,
    SchoolClass,
)
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.partnerships.models import Partnership
from schoolpartners.sqltypes import utcnow
from tests.committed import Background, holding_lock, together, wait_for_lock_waiters
from tests.factories import add_class_link, add_partnership, as_user
from tests.texts import shown, translated

pytestmark = pytest.mark.committed

STUDENTS = 10


def person(user) -> SimpleNamespace:
    """What the tests need of a user once the building session is gone: the id and the name to log in with."""
    return SimpleNamespace(id=user.id, login_name=user.login_name)


def new_class(school, teacher, name: str) -> SchoolClass:
    school_class = SchoolClass(
        school_id=school.id, name=name, school_year="2026/27", join_code=f"{name[:4].upper()}{school.id:06d}"
    )
    school_class.teacher_links.append(ClassTeacher(user_id=teacher.id))
    db.session.add(school_class)
    db.session.flush()
    return school_class


@pytest.fixture
def new(committed_app, make_school, make_user):
    """A new class with its code, and ten pupils of its school not yet in it."""
    with committed_app.app_context():
        school = make_school(Country.DE)
        teacher = make_user("teacher", school=school)
        school_class = new_class(school, teacher, "Neue")
        pupils = [person(make_user("student", school=school)) for _ in range(STUDENTS)]
        db.session.commit()
        return SimpleNamespace(class_id=school_class.id, code=school_class.join_code, pupils=pupils)


def memberships(committed_app, class_id) -> list[int]:
    with committed_app.app_context():
        return sorted(
            db.session.scalars(sa.select(ClassMembership.student_id).where(ClassMembership.class_id == class_id))
        )


def test_a_join_waits_for_the_class_and_then_says_already_in_it(committed_app, new):
    pupil = new.pupils[0]
    tab = as_user(committed_app, pupil)
    with holding_lock(committed_app, SchoolClass, new.class_id) as first:
        waiting = Background(lambda: tab.post("/classes/join", data={"code": new.code}))
        wait_for_lock_waiters(committed_app)
        first.add(ClassMembership(class_id=new.class_id, student_id=pupil.id))
        first.commit()
    answer = waiting.result()
    assert answer.status_code == 200
    assert shown(committed_app, "You are already in this class.") in answer.get_data(as_text=True)
    assert memberships(committed_app, new.class_id) == [pupil.id]


def test_ten_pupils_joining_from_two_sessions_each_at_once(committed_app, new):
    tabs = [as_user(committed_app, pupil) for pupil in new.pupils for _ in range(2)]
    answers = together(*(lambda tab=tab: tab.post("/classes/join", data={"code": new.code}) for tab in tabs))
    codes = [answer.status_code for answer in answers]
    assert sorted(codes) == [200] * STUDENTS + [302] * STUDENTS
    for first, second in zip(answers[::2], answers[1::2], strict=True):  # one of each pupil's two sessions got in
        refused = first if first.status_code == 200 else second
        assert {first.status_code, second.status_code} == {200, 302}
        assert shown(committed_app, "You are already in this class.") in refused.get_data(as_text=True)
    assert memberships(committed_app, new.class_id) == sorted(pupil.id for pupil in new.pupils)


@pytest.fixture
def pair(committed_app, make_school, make_user, make_city):
    """A German and a Russian class of partner schools; the German class has proposed a class partnership."""
    with committed_app.app_context():
        de = make_school(Country.DE, city=make_city(Country.DE))
        ru = make_school(Country.RU, city=make_city(Country.RU))
        de_teacher = make_user("teacher", school=de)
        ru_teacher = make_user("teacher", school=ru, locale="ru", timezone="Europe/Moscow")
        partnership = add_partnership(de, ru, de_teacher, ru_teacher)
        german, russian = new_class(de, de_teacher, "Klasse"), new_class(ru, ru_teacher, "Klass")
        link = add_class_link(
            partnership, german, russian, state=ClassPartnershipState.proposed, proposed_by_id=de_teacher.id
        )
        db.session.commit()
        return SimpleNamespace(
            link_id=link.id,
            partnership_id=partnership.id,
            german_id=german.id,
            russian_id=russian.id,
            de_teacher=person(de_teacher),
            ru_teacher=person(ru_teacher),
        )


def link_state(committed_app, link_id) -> ClassPartnershipState:
    with committed_app.app_context():
        return db.session.get(ClassPartnership, link_id).state


def notices(committed_app, user_id, kind) -> int:
    with committed_app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user_id, Notification.kind == kind)
        )


def test_a_confirmation_waiting_for_an_ended_proposal_is_refused(committed_app, pair):
    teacher = as_user(committed_app, pair.ru_teacher)
    url = f"/classes/{pair.russian_id}/partners/{pair.link_id}/confirm"
    with holding_lock(committed_app, ClassPartnership, pair.link_id) as first:
        waiting = Background(lambda: teacher.post(url, follow_redirects=True))
        wait_for_lock_waiters(committed_app)
        link = first.get(ClassPartnership, pair.link_id)
        link.state, link.ended_at = ClassPartnershipState.ended, utcnow()  # the German teacher withdrew it
        first.commit()
    answer = waiting.result()
    assert answer.status_code == 200
    assert shown(committed_app, "This class partnership has already ended.", "ru") in answer.get_data(as_text=True)
    assert link_state(committed_app, pair.link_id) is ClassPartnershipState.ended
    assert notices(committed_app, pair.de_teacher.id, "class_partnership_confirmed") == 0


def test_ending_a_class_partnership_that_just_ended_is_refused_and_tells_no_one(committed_app, pair):
    teacher = as_user(committed_app, pair.ru_teacher)
    url = f"/classes/{pair.russian_id}/partners/{pair.link_id}/end"
    with holding_lock(committed_app, ClassPartnership, pair.link_id) as first:
        waiting = Background(lambda: teacher.post(url, follow_redirects=True))
        wait_for_lock_waiters(committed_app)
        link = first.get(ClassPartnership, pair.link_id)
        link.state, link.ended_at = ClassPartnershipState.ended, utcnow()
        first.commit()
    answer = waiting.result()
    assert shown(committed_app, "This class partnership has already ended.", "ru") in answer.get_data(as_text=True)
    assert notices(committed_app, pair.de_teacher.id, "class_partnership_ended") == 0


def test_a_proposal_waiting_for_the_partnership_sees_the_one_made_meanwhile(committed_app, pair):
    with committed_app.app_context():  # start from no proposal at all
        db.session.execute(sa.delete(ClassPartnership).where(ClassPartnership.id == pair.link_id))
        db.session.commit()
    teacher = as_user(committed_app, pair.ru_teacher)
    url = f"/classes/{pair.russian_id}/partners"
    with holding_lock(committed_app, Partnership, pair.partnership_id) as first:
        waiting = Background(lambda: teacher.post(url, data={"choice": str(pair.german_id)}, follow_redirects=True))
        wait_for_lock_waiters(committed_app)
        first.add(
            ClassPartnership(
                partnership_id=pair.partnership_id,
                german_class_id=pair.german_id,
                russian_class_id=pair.russian_id,
                proposed_from_id=pair.german_id,
            )
        )
        first.commit()
    answer = waiting.result()
    assert answer.status_code == 200
    message = shown(committed_app, "These two classes are already partners or have an open proposal.", "ru")
    assert message in answer.get_data(as_text=True)
    with committed_app.app_context():
        proposals = sa.select(sa.func.count(ClassPartnership.id))
        assert db.session.scalar(proposals.where(ClassPartnership.partnership_id == pair.partnership_id)) == 1
    assert notices(committed_app, pair.de_teacher.id, "class_partnership_proposed") == 0


def test_archiving_a_pupil_archived_meanwhile_is_refused(committed_app, new, make_user):
    with committed_app.app_context():
        school_class = db.session.get(SchoolClass, new.class_id)
        teacher_id = school_class.teacher_links[0].user_id
        pupil = new.pupils[0]
        school_class.memberships.append(ClassMembership(student_id=pupil.id))
        teacher = person(db.session.get(User, teacher_id))
        db.session.commit()
    client = as_user(committed_app, teacher)
    url = f"/classes/{new.class_id}/students/{pupil.id}/archive"
    with holding_lock(committed_app, User, pupil.id) as first:
        waiting = Background(lambda: client.post(url, follow_redirects=True))
        wait_for_lock_waiters(committed_app)
        first.get(User, pupil.id).archived_at = utcnow()
        first.commit()
    answer = waiting.result()
    assert answer.status_code == 200
    assert shown(committed_app, "This account is already archived.") in answer.get_data(as_text=True)


@pytest.mark.postgres_only  # SQLite's writer waits before the page reads the class: it answers 404 (not in it)
def test_moving_a_pupil_moved_meanwhile_is_refused(committed_app, new):
    with committed_app.app_context():
        source = db.session.get(SchoolClass, new.class_id)
        teacher = db.session.get(User, source.teacher_links[0].user_id)
        school = source.school
        target, elsewhere = new_class(school, teacher, "Ziel"), new_class(school, teacher, "Woanders")
        pupil = new.pupils[1]
        source.memberships.append(ClassMembership(student_id=pupil.id))
        ids, teacher = (target.id, elsewhere.id), person(teacher)
        db.session.commit()
    client = as_user(committed_app, teacher)
    url = f"/classes/{new.class_id}/students/{pupil.id}/move"
    with holding_lock(committed_app, SchoolClass, new.class_id) as first:
        waiting = Background(lambda: client.post(url, data={"choice": str(ids[0])}))
        wait_for_lock_waiters(committed_app)
        first.execute(  # another teacher moved the pupil a moment before
            sa.update(ClassMembership)
            .where(ClassMembership.class_id == new.class_id, ClassMembership.student_id == pupil.id)
            .values(class_id=ids[1])
        )
        first.commit()
    assert waiting.result().status_code == 302
    with client.session_transaction() as session:
        flashes = [message for _category, message in session.get("_flashes", [])]
    with committed_app.app_context():
        name = db.session.get(User, pupil.id).display_name
    assert translated(committed_app, "%(name)s is no longer in this class.", name=name) in flashes
    assert memberships(committed_app, ids[1]) == [pupil.id] and memberships(committed_app, ids[0]) == []
