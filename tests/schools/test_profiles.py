"""Registering and editing schools, verification, staff, and who may see what."""

import sqlalchemy as sa

from schoolpartners.cities.models import Country
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.schools.models import (
    MembershipStatus,
    School,
    SchoolStatus,
    SearchToken,
    StaffMembership,
    StaffRole,
    Visibility,
)
from schoolpartners.schools.options import FORMS, LANGUAGES, TOPICS


def profile(city, **changes) -> dict:
    data = {
        "name": "Lessing-Gymnasium",
        "name_alt": "Гимназия имени Лессинга",
        "school_type": "gymnasium",
        "city_id": str(city.id),
        "address": "Schulweg 1",
        "website": "https://lessing.example.org",
        "languages": ["russian_foreign", "english"],
        "age_min": "10",
        "age_max": "18",
        "learners": "120",
        "topics": ["history", "sport"],
        "offer_de": "Wir bieten Austausch.",
        "offer_ru": "Мы предлагаем обмен.",
        "looking_for_partners": "y",
        "forms": ["tandem", "visits"],
        "visibility": "public",
    }
    data.update(changes)
    return data


def kinds(user) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user.id)))


def test_registering_a_school_makes_the_user_its_coordinator_and_queues_verification(
    client, login, make_user, make_city
):
    city = make_city(Country.DE, "Hameln")
    coordinator = make_user("coordinator")
    teacher = make_user("teacher")
    login(teacher)
    response = client.post("/schools/new", data=profile(city))
    assert response.status_code == 302
    school = db.session.scalar(sa.select(School).where(School.name == "Lessing-Gymnasium"))
    assert school.status is SchoolStatus.pending and school.country is Country.DE
    assert LANGUAGES.selected(school.languages_mask) == ["russian_foreign", "english"]
    assert TOPICS.selected(school.topics_mask) == ["history", "sport"]
    assert FORMS.selected(school.forms_mask) == ["tandem", "visits"]
    assert (school.age_min, school.age_max, school.learners) == (10, 18, 120)
    member = db.session.scalar(sa.select(StaffMembership).where(StaffMembership.school_id == school.id))
    assert member.user_id == teacher.id and member.role is StaffRole.school_coordinator and member.is_active
    keys = set(db.session.scalars(sa.select(SearchToken.key).where(SearchToken.school_id == school.id)))
    assert {"lessing", "hameln", "gimnasija", "gimnaziya"} <= keys
    assert "school_submitted" in kinds(coordinator)
    # Not listed before verification, but its own staff see it.
    assert "Lessing-Gymnasium" in client.get(f"/schools/{school.id}").get_data(as_text=True)
    client.post("/logout")
    assert client.get(f"/schools/{school.id}").status_code == 404
    assert "Lessing-Gymnasium" not in client.get("/schools").get_data(as_text=True)


def test_bad_profile_input_is_refused_and_changes_nothing(client, login, make_user, make_city):
    city = make_city(Country.DE)
    russian_city = make_city(Country.RU)
    login(make_user("teacher"))
    before = db.session.scalar(sa.select(sa.func.count(School.id)))
    cases = [
        profile(city, name=""),
        profile(city, name="x" * 201),
        profile(city, age_min="15", age_max="12"),
        profile(city, age_min="3"),
        profile(city, website="not a url"),
        profile(city, city_id="999999"),
        profile(city, visibility="everyone"),
        profile(russian_city, school_type="gymnasium"),  # a German type in a Russian city
        profile(city, offer_ru="я" * 4001),
    ]
    for data in cases:
        response = client.post("/schools/new?lang=en", data=data)
        assert response.status_code == 200, data
        assert "invalid-feedback" in response.get_data(as_text=True), data
        assert db.session.scalar(sa.select(sa.func.count(School.id))) == before, data


def test_coordinator_verifies_or_rejects_with_a_reason(client, login, make_user, make_school):
    school = make_school(status=SchoolStatus.pending)
    head = make_user("school_coordinator", school=school)
    login(make_user("coordinator"))
    assert school.name in client.get("/verification").get_data(as_text=True)
    no_reason = client.post(
        f"/verification/{school.id}?lang=en", data={"decision": "rejected", "reason": " "}, follow_redirects=True
    )
    assert "Please give a reason" in no_reason.get_data(as_text=True)
    assert school.status is SchoolStatus.pending
    client.post(f"/verification/{school.id}", data={"decision": "rejected", "reason": "Website does not work."})
    assert school.status is SchoolStatus.rejected and school.status_reason == "Website does not work."
    assert "school_rejected" in kinds(head)
    # A decision is taken once: a second one (another coordinator a moment later) is refused and nobody is told.
    again = client.post(
        f"/verification/{school.id}?lang=en", data={"decision": "verified", "reason": ""}, follow_redirects=True
    )
    assert f"{school.name} has already been rejected." in again.get_data(as_text=True)
    assert school.status is SchoolStatus.rejected and "school_verified" not in kinds(head)
    other = make_school(status=SchoolStatus.pending)
    other_head = make_user("school_coordinator", school=other)
    client.post(f"/verification/{other.id}", data={"decision": "verified", "reason": ""})
    assert other.status is SchoolStatus.verified
    assert "school_verified" in kinds(other_head)


def test_only_coordinators_verify(client, login, make_user, make_school):
    school = make_school(status=SchoolStatus.pending)
    login(make_user("school_coordinator", school=school))
    assert client.post(f"/verification/{school.id}", data={"decision": "verified"}).status_code == 403
    assert school.status is SchoolStatus.pending


def test_school_coordinator_edits_the_profile_and_search_follows(client, login, make_user, make_school, make_city):
    school = make_school(Country.DE, "Alte Schule")
    login(make_user("school_coordinator", school=school))
    new_city = make_city(Country.DE, "Lübeck")
    response = client.post(f"/schools/{school.id}/edit", data=profile(new_city, name="Neue Schule"))
    assert response.status_code == 302
    assert school.name == "Neue Schule" and school.city_id == new_city.id
    assert school.status is SchoolStatus.pending  # a new name is verified again (finding #18)
    client.post("/logout")
    login(make_user("coordinator"))
    client.post(f"/verification/{school.id}", data={"decision": "verified"})
    assert "Neue Schule" in client.get("/schools?q=luebeck").get_data(as_text=True)
    assert "Neue Schule" not in client.get("/schools?q=alte").get_data(as_text=True)


def test_teachers_and_other_schools_cannot_edit(client, login, make_user, make_school, make_city):
    school = make_school(Country.DE, "Alte Schule")
    login(make_user("teacher", school=school))
    assert client.get(f"/schools/{school.id}/edit").status_code == 403
    assert client.post(f"/schools/{school.id}/edit", data=profile(make_city(), name="Hacked")).status_code == 403
    client.post("/logout")
    login(make_user("school_coordinator", school=make_school()))
    assert client.post(f"/schools/{school.id}/edit", data=profile(make_city(), name="Hacked")).status_code == 403
    assert client.get(f"/schools/{school.id}/staff").status_code == 403
    assert school.name == "Alte Schule"


def test_school_page_never_shows_staff_names(client, make_user, make_school):
    school = make_school()
    teacher = make_user("teacher", school=school, display_name="Frau Geheim")
    html = client.get(f"/schools/{school.id}").get_data(as_text=True)
    assert school.name in html and "Frau Geheim" not in html and teacher.email not in html


def test_staff_only_school_is_invisible_to_visitors(client, login, make_user, make_school):
    hidden = make_school(visibility=Visibility.staff)
    assert client.get(f"/schools/{hidden.id}").status_code == 404
    login(make_user("teacher", school=make_school()))
    assert client.get(f"/schools/{hidden.id}").status_code == 200


def test_offer_shows_the_viewers_language_first(client, make_school):
    school = make_school(offer_de="Deutscher Text", offer_ru="Русский текст")
    html = client.get(f"/schools/{school.id}?lang=ru").get_data(as_text=True)
    assert html.index("Русский текст") < html.index("Deutscher Text")
    html = client.get(f"/schools/{school.id}?lang=de").get_data(as_text=True)
    assert html.index("Deutscher Text") < html.index("Русский текст")


def test_join_request_confirm_and_remove(client, login, make_user, make_school):
    school = make_school()
    head = make_user("school_coordinator", school=school)
    newcomer = make_user("teacher", school=make_school())
    login(newcomer)
    assert client.post(f"/schools/{school.id}/join").status_code == 302
    member = db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == newcomer.id, StaffMembership.school_id == school.id)
    )
    assert member.status is MembershipStatus.pending and "join_requested" in kinds(head)
    again = client.post(f"/schools/{school.id}/join?lang=en", follow_redirects=True)
    assert "already" in again.get_data(as_text=True)
    # The newcomer cannot confirm themselves.
    assert client.post(f"/schools/{school.id}/staff/{member.id}/confirm").status_code == 403
    client.post("/logout")
    login(head)
    client.post(f"/schools/{school.id}/staff/{member.id}/confirm")
    assert member.status is MembershipStatus.active and "join_confirmed" in kinds(newcomer)
    member_id = member.id
    client.post(f"/schools/{school.id}/staff/{member_id}/remove")
    assert db.session.get(StaffMembership, member_id) is None
    assert "staff_removed" in kinds(newcomer)


def test_join_request_refused(client, login, make_user, make_school):
    school = make_school()
    head = make_user("school_coordinator", school=school)
    newcomer = make_user("teacher", school=make_school())
    member = StaffMembership(user_id=newcomer.id, school_id=school.id, role=StaffRole.teacher)
    db.session.add(member)
    db.session.flush()
    member_id = member.id
    login(head)
    page = client.get(f"/schools/{school.id}/staff").get_data(as_text=True)
    assert f"/schools/{school.id}/staff/{member_id}/refuse" in page
    client.post(f"/schools/{school.id}/staff/{member_id}/refuse")
    assert db.session.get(StaffMembership, member_id) is None and "join_refused" in kinds(newcomer)
    # A confirmed member is never removed through the refuse button.
    colleague = make_user("teacher", school=school)
    client.post(f"/schools/{school.id}/staff/{colleague.memberships[0].id}/refuse")
    assert colleague.memberships[0].is_active and "staff_removed" not in kinds(colleague)


def test_a_school_keeps_at_least_one_school_coordinator(client, login, make_user, make_school):
    school = make_school()
    head = make_user("school_coordinator", school=school)
    own = head.memberships[0]
    coordinator = make_user("coordinator")
    login(coordinator)
    response = client.post(f"/schools/{school.id}/staff/{own.id}/remove?lang=en", follow_redirects=True)
    assert "at least one school coordinator" in response.get_data(as_text=True)
    assert db.session.get(StaffMembership, own.id) is not None
    client.post(f"/schools/{school.id}/staff/{own.id}/role", data={"role": "teacher"})
    assert own.role is StaffRole.school_coordinator
    other = make_user("teacher", school=school)
    client.post(f"/schools/{school.id}/staff/{other.memberships[0].id}/role", data={"role": "school_coordinator"})
    client.post(f"/schools/{school.id}/staff/{own.id}/role", data={"role": "teacher"})
    assert own.role is StaffRole.teacher


def test_member_of_another_school_is_not_found(client, login, make_user, make_school):
    school = make_school()
    login(make_user("school_coordinator", school=school))
    stranger = make_user("teacher", school=make_school())
    assert client.post(f"/schools/{school.id}/staff/{stranger.memberships[0].id}/remove").status_code == 404
    assert db.session.get(StaffMembership, stranger.memberships[0].id) is not None
