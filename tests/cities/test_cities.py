import sqlalchemy as sa

from schoolpartners.cities.models import City, Country, LinkStatus, TwinCityLink
from schoolpartners.cities.services import DATA_FILE, load_twin_cities
from schoolpartners.extensions import db
from tests.factories import add_partnership


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_loader_imports_the_researched_data_idempotently(app):
    first = load_twin_cities()
    assert first["rows"] == 62 and first["links_created"] == 62
    cities, links = _count(City), _count(TwinCityLink)
    hamburg_spb = db.session.scalar(
        sa.select(TwinCityLink).join(City, TwinCityLink.german_city_id == City.id).where(City.name_de == "Hamburg")
    )
    assert hamburg_spb.since == 1957 and hamburg_spb.status is LinkStatus.unknown
    assert hamburg_spb.russian_city.name_ru == "Санкт-Петербург"
    assert hamburg_spb.russian_city.name("en") == "Saint Petersburg"
    assert hamburg_spb.russian_city.name("de") == "Sankt Petersburg"
    assert hamburg_spb.german_city.name("ru") == "Гамбург"
    # A status set by the coordinator survives a reload.
    hamburg_spb.status = LinkStatus.suspended
    second = load_twin_cities()
    assert second["links_created"] == 0 and second["cities_created"] == 0
    assert (_count(City), _count(TwinCityLink)) == (cities, links)
    assert hamburg_spb.status is LinkStatus.suspended


def test_city_time_zones_come_from_the_data(app):
    load_twin_cities()
    zones = dict(db.session.execute(sa.select(City.name_de, City.timezone).where(City.country == Country.RU)).all())
    assert zones["Kaliningrad"] == "Europe/Kaliningrad"
    assert zones["Samara"] == "Europe/Samara"
    osjorsk = db.session.scalar(sa.select(City).where(City.name_de == "Osjorsk"))
    assert osjorsk.timezone is None and osjorsk.zone == "Europe/Moscow"


def test_data_file_and_its_source_note_ship_with_the_package():
    assert DATA_FILE.exists() and (DATA_FILE.parent / "README.md").exists()


def test_list_shows_names_in_the_viewers_language_and_paginates(client, app):
    load_twin_cities()
    db.session.commit()
    german = client.get("/twin-cities?lang=de").get_data(as_text=True)
    assert "Sankt Petersburg" in german and "62 Städtepartnerschaften" in german
    russian = client.get("/twin-cities?lang=ru").get_data(as_text=True)
    assert "Санкт-Петербург" in russian and "Гамбург" in russian
    assert "62 побратимские связи" in russian
    assert "Seite 1 von 3" in client.get("/twin-cities?lang=de").get_data(as_text=True)
    assert client.get("/twin-cities?page=3").status_code == 200


def test_list_filters_by_status(client, make_link):
    active = make_link(status=LinkStatus.active)
    suspended = make_link(status=LinkStatus.suspended)
    html = client.get("/twin-cities?status=suspended").get_data(as_text=True)
    assert f'/twin-cities/{suspended.id}"' in html and f'/twin-cities/{active.id}"' not in html


def test_unknown_status_filter_is_explained(client, make_link):
    make_link()
    response = client.get("/twin-cities?status=bogus&lang=de")
    assert response.status_code == 200 and "Unbekannter Statusfilter" in response.get_data(as_text=True)


def test_list_runs_a_fixed_number_of_queries(client, make_link, queries):
    for _ in range(3):
        make_link()
    queries.statements.clear()
    client.get("/twin-cities")
    few = queries.count
    for _ in range(20):
        make_link()
    queries.statements.clear()
    client.get("/twin-cities")
    assert queries.count == few <= 3


def test_link_page_shows_both_cities_as_equals(client, make_link):
    link = make_link(since=1957)
    html = client.get(f"/twin-cities/{link.id}?lang=de").get_data(as_text=True)
    assert link.german_city.name_de in html and link.russian_city.name_de in html
    assert "Partnerstädte seit 1957" in html
    assert "https://example.org/a" in html and "https://example.org/b" in html
    assert "Status festlegen" not in html  # only the coordinator sets it


def test_unknown_link_is_404(client):
    assert client.get("/twin-cities/999999").status_code == 404


def test_coordinator_sets_the_status(client, login, make_user, make_link):
    link = make_link()
    coordinator = make_user("coordinator")
    login(coordinator)
    assert "Status festlegen" in client.get(f"/twin-cities/{link.id}?lang=de").get_data(as_text=True)
    response = client.post(f"/twin-cities/{link.id}/status", data={"status": "suspended"})
    assert response.status_code == 302
    db.session.refresh(link)
    assert link.status is LinkStatus.suspended and link.status_changed_by_id == coordinator.id
    page = client.get(f"/twin-cities/{link.id}?lang=ru").get_data(as_text=True)
    assert "приостановлено" in page


def test_bad_status_changes_nothing(client, login, make_user, make_link):
    link = make_link()
    login(make_user("coordinator"))
    response = client.post(f"/twin-cities/{link.id}/status?lang=de", data={"status": "on-fire"}, follow_redirects=True)
    assert "Bitte wählen Sie einen Status aus der Liste." in response.get_data(as_text=True)
    db.session.refresh(link)
    assert link.status is LinkStatus.unknown


def test_teacher_cannot_set_the_status(client, login, make_user, make_link):
    link = make_link()
    login(make_user("school_coordinator"))
    assert client.post(f"/twin-cities/{link.id}/status", data={"status": "active"}).status_code == 403
    db.session.refresh(link)
    assert link.status is LinkStatus.unknown


def test_link_page_lists_verified_schools_of_both_cities(client, make_link, make_school):
    from schoolpartners.schools.models import SchoolStatus, Visibility

    link = make_link()
    german = make_school(city=link.german_city, name="Schule Nord")
    russian = make_school(city=link.russian_city, name="Школа Юг")
    make_school(city=link.german_city, name="Wartende Schule", status=SchoolStatus.pending)
    make_school(city=link.russian_city, name="Закрытая школа", visibility=Visibility.staff)
    html = client.get(f"/twin-cities/{link.id}").get_data(as_text=True)
    assert german.name in html and russian.name in html
    assert "Wartende Schule" not in html and "Закрытая школа" not in html


def test_link_page_lists_active_school_partnerships_without_people(client, make_link, make_school, make_user):
    from schoolpartners.partnerships.models import PartnershipStatus

    link = make_link()
    german = make_school(city=link.german_city, name="Schule Nord")
    russian = make_school(city=link.russian_city, name="Школа Юг")
    a = make_user("teacher", school=german, display_name="Frau Kontakt")
    b = make_user("teacher", school=russian, display_name="Анна Контакт")
    add_partnership(german, russian, a, b, status=PartnershipStatus.active)
    db.session.commit()
    html = client.get(f"/twin-cities/{link.id}?lang=en").get_data(as_text=True)
    assert 'Schule Nord</span> – <span lang="ru">Школа Юг' in html
    assert "Frau Kontakt" not in html and "Анна Контакт" not in html
