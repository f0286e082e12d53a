"""Classes: creating, student accounts, one-time passwords, join codes, moving, archiving, export."""

import io
import json
import re
import zipfile
from datetime import timedelta

import sqlalchemy as sa

from schoolpartners.accounts.models import User
from schoolpartners.cities.models import Country
from schoolpartners.classes import services
from schoolpartners.classes.models import ClassMembership, SchoolClass
from schoolpartners.extensions import db
from schoolpartners.privacy import erase
from schoolpartners.schools.models import SchoolStatus
from schoolpartners.sqltypes import utcnow
from tests.factories import PASSWORD


def credentials(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<code>([^<]+)</code></p>\s*<p class=\"mb-0\">[^<]*<code>([^<]+)</code>", html)


def test_teacher_creates_a_class_and_becomes_its_teacher(client, login, make_user):
    teacher = make_user("teacher")
    login(teacher)
    school_id = teacher.memberships[0].school_id
    response = client.post(
        "/classes/new",
        data={"school_id": school_id, "name": "9b", "grade": "9", "school_year": "2026/27", "level": "A2"},
    )
    school_class = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.school_id == school_id))
    assert response.status_code == 302 and f"/classes/{school_class.id}/students/new" in response.location
    assert school_class.has_teacher(teacher) and school_class.level.value == "A2"
    assert len(school_class.join_code) == 8


def test_bad_class_input_is_refused_in_russian_and_creates_nothing(client, login, make_user):
    teacher = make_user("teacher", locale="ru")
    login(teacher)
    school_id = teacher.memberships[0].school_id
    html = client.post(
        "/classes/new", data={"school_id": school_id, "name": "", "grade": "40", "school_year": "next year"}
    ).get_data(as_text=True)
    assert "2026/27" in html and "учебный год" in html.lower()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchoolClass)) == 0


def test_staff_of_a_pending_school_cannot_create_classes(client, login, make_user, make_school):
    teacher = make_user("teacher", school=make_school(status=SchoolStatus.pending))
    login(teacher)
    assert client.get("/classes/new").status_code == 302
    response = client.post("/classes/new", data={"school_id": teacher.memberships[0].school_id, "name": "x"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchoolClass)) == 0


def test_students_get_usernames_and_one_time_passwords_they_must_change(client, login, make_user, make_class):
    teacher = make_user("teacher")
    school_class = make_class(teacher)
    login(teacher)
    response = client.post(
        f"/classes/{school_class.id}/students/new",
        data={"students": "Lena Schmidt; 4.2012\nИван Петров; 11.2011", "batch": "b1"},
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    found = credentials(response.get_data(as_text=True))
    assert [name for name, _ in found] == ["lena.schmidt", "ivan.petrov"]
    ivan = db.session.scalar(sa.select(User).where(User.username == "ivan.petrov"))
    assert ivan.birth_year == 2011 and ivan.birth_month == 11 and ivan.must_change_password
    assert ivan.email is None and ivan.school_id == school_class.school_id

    client.post("/logout")
    assert client.post("/login", data={"email": "ivan.petrov", "password": found[1][1]}).status_code == 302
    assert "/account/password" in client.get("/classes").location  # first the own password
    response = client.post(
        "/account/password",
        data={"current": found[1][1], "password": "a-new-secret-42", "password2": "a-new-secret-42"},
    )
    assert response.status_code == 302
    assert client.get("/classes").status_code == 200


def test_reloading_the_password_page_does_not_add_students_twice(client, login, make_user, make_class):
    teacher = make_user("teacher")
    school_class = make_class(teacher)
    login(teacher)
    data = {"students": "Lena Schmidt; 4.2012", "batch": "same-batch"}
    client.post(f"/classes/{school_class.id}/students/new", data=data)
    assert client.post(f"/classes/{school_class.id}/students/new", data=data).status_code == 302
    assert len(school_class.memberships) == 1


def test_duplicate_names_get_distinct_usernames(client, login, make_user, make_class):
    teacher = make_user("teacher")
    school_class = make_class(teacher)
    login(teacher)
    html = client.post(
        f"/classes/{school_class.id}/students/new",
        data={"students": "Jan Müller; 1.2012\nJan Müller; 2.2012", "batch": "b2"},
    ).get_data(as_text=True)
    assert [name for name, _ in credentials(html)] == ["jan.mueller", "jan.mueller2"]


def test_bad_student_lines_are_refused_and_nothing_is_created(client, login, make_user, make_class):
    teacher = make_user("teacher")
    school_class = make_class(teacher)
    login(teacher)
    for text in ("Lena Schmidt", "Lena; 13.2012", "Lena; 4.1950", "\n".join(["A; 1.2012"] * 41)):
        response = client.post(f"/classes/{school_class.id}/students/new", data={"students": text, "batch": text})
        assert response.status_code == 200 and "invalid-feedback" in response.get_data(as_text=True)
    assert school_class.memberships == []


def test_join_code_lets_a_student_of_the_same_school_join(client, login, make_user, make_class, make_school):
    teacher = make_user("teacher")
    school = db.session.get(type(teacher.memberships[0].school), teacher.memberships[0].school_id)
    first, second = make_class(teacher, name="9b"), make_class(teacher, name="Russisch-AG")
    student = make_user("student", school=school)
    first.memberships.append(ClassMembership(student_id=student.id))
    db.session.flush()
    login(student)
    response = client.post("/classes/join", data={"code": second.join_code.lower()})
    assert response.status_code == 302 and second.has_student(student)
    html = client.post("/classes/join", data={"code": second.join_code}).get_data(as_text=True)
    assert "bereits" in html  # already a member, said in German

    stranger = make_user("student", school=make_school())
    client.post("/logout")
    login(stranger)
    html = client.post("/classes/join", data={"code": second.join_code}).get_data(as_text=True)
    assert not second.has_student(stranger) and "Beitrittscode" in html


def test_a_new_join_code_replaces_the_old_one(client, login, make_user, make_class):
    teacher = make_user("teacher")
    school_class = make_class(teacher)
    old = school_class.join_code
    login(teacher)
    client.post(f"/classes/{school_class.id}/join-code")
    db.session.refresh(school_class)
    assert school_class.join_code != old


def test_reset_password_ends_sessions_and_forces_a_change(client, login, make_user, make_class, app):
    teacher = make_user("teacher")
    student = make_user("student", school=teacher.memberships[0].school)
    school_class = make_class(teacher, students=[student])
    student_client = app.test_client()
    assert student_client.post("/login", data={"email": student.login_name, "password": PASSWORD}).status_code == 302
    login(teacher)
    html = client.post(f"/classes/{school_class.id}/students/{student.id}/password").get_data(as_text=True)
    ((username, password),) = credentials(html)
    assert username == student.username and student.must_change_password
    assert student_client.get("/classes").status_code == 302  # the old session is gone
    other = app.test_client()
    assert other.post("/login", data={"email": username, "password": password}).status_code == 302


def test_move_archive_restore_and_export(client, login, make_user, make_class):
    teacher = make_user("teacher")
    student = make_user("student", school=teacher.memberships[0].school, display_name="Lena Schmidt")
    source, target = make_class(teacher, name="9b", students=[student]), make_class(teacher, name="10a")
    login(teacher)
    base = f"/classes/{source.id}/students/{student.id}"
    assert client.post(f"{base}/move", data={"choice": target.id}).status_code == 302
    assert target.has_student(student) and not source.has_student(student)

    base = f"/classes/{target.id}/students/{student.id}"
    client.post(f"{base}/archive")
    assert student.archived_at is not None and not student.is_active
    assert f'/students/{student.id}"' not in client.get(f"/classes/{target.id}").get_data(as_text=True)
    response = client.get(f"{base}/export")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["display_name"] == "Lena Schmidt" and data["classes"][0]["name"] == "10a"
    client.post(f"{base}/restore")
    assert student.archived_at is None and student.is_active


def test_archived_students_cannot_log_in_and_are_purged_after_retention(client, make_user, make_class, app):
    teacher = make_user("teacher")
    student = make_user("student", school=teacher.memberships[0].school)
    make_class(teacher, students=[student])
    services.archive_student(student)
    db.session.flush()
    assert client.post("/login", data={"email": student.login_name, "password": "x"}).status_code == 401
    assert erase.purge_archived().count == 0
    later = utcnow() + timedelta(days=app.config["STUDENT_RETENTION_DAYS"] + 1)
    assert erase.purge_archived(now=later).count == 1
    assert db.session.get(User, student.id) is None


def test_co_teachers_of_the_same_school_and_at_least_one_teacher(client, login, make_user, make_class, make_school):
    teacher = make_user("teacher")
    school = teacher.memberships[0].school
    colleague, outsider = make_user("teacher", school=school), make_user("teacher", school=make_school())
    school_class = make_class(teacher)
    login(teacher)
    client.post(f"/classes/{school_class.id}/teachers", data={"choice": outsider.id})
    assert not school_class.has_teacher(outsider)
    client.post(f"/classes/{school_class.id}/teachers", data={"choice": colleague.id})
    assert school_class.has_teacher(colleague)
    client.post(f"/classes/{school_class.id}/teachers/{colleague.id}/remove")
    assert not school_class.has_teacher(colleague)
    client.post(f"/classes/{school_class.id}/teachers/{teacher.id}/remove")
    assert school_class.has_teacher(teacher)  # the last teacher stays


def test_cyrillic_names_become_latin_usernames():
    assert services.new_username("Алёна Щукина", set()) == "alena.shchukina"
    assert services.new_username("Jürgen Groß", set()) == "juergen.gross"
    assert services.new_username("!!!", set()) == "student"


def test_class_page_query_count_does_not_grow_with_students(client, login, make_user, make_class, queries):
    teacher = make_user("teacher")
    school = teacher.memberships[0].school
    school_class = make_class(teacher, students=[make_user("student", school=school)])
    login(teacher)
    client.get(f"/classes/{school_class.id}")
    assert school_class.memberships  # loaded here, not counted below
    queries.statements.clear()
    client.get(f"/classes/{school_class.id}")
    few = queries.count
    for _ in range(15):
        school_class.memberships.append(ClassMembership(student_id=make_user("student", school=school).id))
    db.session.flush()
    queries.statements.clear()
    assert client.get(f"/classes/{school_class.id}").status_code == 200
    assert queries.count == few <= 9, queries.statements


def test_russian_teacher_sees_the_class_page_in_russian(client, login, make_user, make_class, make_school):
    teacher = make_user("teacher", school=make_school(Country.RU), locale="ru")
    school_class = make_class(teacher, name="8А")
    login(teacher)
    html = client.get(f"/classes/{school_class.id}").get_data(as_text=True)
    assert "Код для вступления" in html and "Join code" not in html
