"""Nobody sees classes, students or their data outside their own school and classes: foreign ids give 404."""

import pytest

from schoolpartners.classes.models import ClassMembership, ConsentScope, ParentalConsent
from schoolpartners.extensions import db


@pytest.fixture
def world(make_user, make_school, make_class):
    school = make_school()
    teacher = make_user("teacher", school=school)
    student = make_user("student", school=school, display_name="Lena Schmidt")
    school_class = make_class(teacher, students=[student])
    consent = ParentalConsent(student_id=student.id, scope=ConsentScope.participation, recorded_by_id=teacher.id)
    db.session.add(consent)
    db.session.flush()
    return {"school": school, "teacher": teacher, "student": student, "class": school_class, "consent": consent}


def urls(world):
    c, s = world["class"].id, world["student"].id
    return [
        ("GET", f"/classes/{c}"),
        ("GET", f"/classes/{c}/edit"),
        ("GET", f"/classes/{c}/print"),
        ("GET", f"/classes/{c}/students/new"),
        ("GET", f"/classes/{c}/students/{s}"),
        ("GET", f"/classes/{c}/students/{s}/export"),
        ("POST", f"/classes/{c}/students/{s}/password"),
        ("POST", f"/classes/{c}/students/{s}/archive"),
        ("POST", f"/classes/{c}/students/{s}/consent"),
        ("POST", f"/classes/{c}/students/{s}/consent/{world['consent'].id}/withdraw"),
        ("POST", f"/classes/{c}/join-code"),
        ("POST", f"/classes/{c}/teachers"),
    ]


@pytest.mark.parametrize("who", ["teacher_of_another_school", "colleague_not_teaching", "student_of_another_class"])
def test_foreign_classes_and_students_are_not_found(client, login, make_user, make_school, make_class, world, who):
    if who == "teacher_of_another_school":
        user = make_user("teacher", school=make_school())
    elif who == "colleague_not_teaching":
        user = make_user("teacher", school=world["school"])
    else:
        user = make_user("student", school=world["school"])
        make_class(world["teacher"], name="10a", students=[user])
    login(user)
    for method, url in urls(world):
        response = client.open(url, method=method)
        if who == "student_of_another_class":  # staff-only pages refuse students (403), the class page hides (404)
            assert response.status_code in (403, 404), url
        else:
            assert response.status_code == 404, url
    assert world["student"].archived_at is None and world["consent"].withdrawn_at is None


def test_school_coordinator_of_the_school_may_manage_its_classes(client, login, make_user, world):
    login(make_user("school_coordinator", school=world["school"]))
    assert client.get(f"/classes/{world['class'].id}").status_code == 200
    assert client.get(f"/classes/{world['class'].id}/students/{world['student'].id}").status_code == 200


def test_students_see_their_class_without_classmates(client, login, make_user, world):
    classmate = make_user("student", school=world["school"], display_name="Max Mustermann")
    world["class"].memberships.append(ClassMembership(student_id=classmate.id))
    db.session.flush()
    login(world["student"])
    html = client.get(f"/classes/{world['class'].id}").get_data(as_text=True)
    assert world["class"].name in html and "Max Mustermann" not in html
    assert client.get(f"/classes/{world['class'].id}/students/{classmate.id}").status_code == 403


def test_archived_members_and_coordinators_see_no_classes(client, login, make_user, world):
    login(make_user("coordinator"))
    assert client.get("/classes").status_code == 403
    assert client.get(f"/classes/{world['class'].id}").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, world):
    for method, url in urls(world):
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.location, url
