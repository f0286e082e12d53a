"""The directory: visibility, filters, search in both scripts, pagination, query counts."""

import pytest

from schoolpartners.cities.models import Country
from schoolpartners.schools.models import SchoolStatus, SchoolType, Visibility
from schoolpartners.schools.options import LANGUAGES, TOPICS


@pytest.fixture
def world(make_city, make_school):
    spb = make_city(
        Country.RU,
        "Sankt Petersburg",
        name_ru="Санкт-Петербург",
        name_en="Saint Petersburg",
        region_de="Sankt Petersburg (Stadt föderalen Ranges)",
        region_ru="Санкт-Петербург",
    )
    ryazan = make_city(
        Country.RU,
        "Rjasan",
        name_ru="Рязань",
        name_en="Ryazan",
        region_de="Oblast Rjasan",
        region_ru="Рязанская область",
    )
    hamburg = make_city(Country.DE, "Hamburg", name_ru="Гамбург", name_en="Hamburg", region_de="Hamburg")
    muenster = make_city(
        Country.DE,
        "Münster",
        name_ru="Мюнстер",
        name_en="Münster",
        region_de="Nordrhein-Westfalen",
        region_ru="Северный Рейн — Вестфалия",
    )
    return {
        "spb": make_school(
            Country.RU,
            "Школа № 7",
            city=spb,
            school_type=SchoolType.ru_german_profile,
            languages_mask=LANGUAGES.mask(["german_foreign"]),
            age_min=10,
            age_max=17,
            topics_mask=TOPICS.mask(["history"]),
        ),
        "ryazan": make_school(
            Country.RU,
            "Гимназия № 2",
            city=ryazan,
            school_type=SchoolType.ru_gymnasium,
            languages_mask=LANGUAGES.mask(["german_foreign", "english"]),
            age_min=7,
            age_max=11,
            looking_for_partners=False,
        ),
        "hamburg": make_school(
            Country.DE,
            "Gymnasium Am Elbufer",
            city=hamburg,
            school_type=SchoolType.gymnasium,
            languages_mask=LANGUAGES.mask(["russian_foreign"]),
            age_min=10,
            age_max=19,
            topics_mask=TOPICS.mask(["history", "environment"]),
        ),
        "muenster": make_school(Country.DE, "Annette-Gymnasium", city=muenster, visibility=Visibility.staff),
        "pending": make_school(Country.DE, "Neue Schule Hamburg", city=hamburg, status=SchoolStatus.pending),
    }


def names(client, url) -> set[str]:
    html = client.get(url).get_data(as_text=True)
    return {
        name
        for name in ("Школа № 7", "Гимназия № 2", "Gymnasium Am Elbufer", "Annette-Gymnasium", "Neue Schule Hamburg")
        if name in html
    }


def test_visitors_see_verified_public_schools_only(client, world):
    assert names(client, "/schools") == {"Школа № 7", "Гимназия № 2", "Gymnasium Am Elbufer"}


def test_verified_staff_also_see_schools_listed_for_staff(client, login, make_user, world):
    login(make_user("teacher", school=world["hamburg"]))
    assert "Annette-Gymnasium" in names(client, "/schools")
    assert "Neue Schule Hamburg" not in names(client, "/schools")


def test_staff_of_a_pending_school_do_not_count_as_verified(client, login, make_user, world):
    login(make_user("teacher", school=world["pending"]))
    assert "Annette-Gymnasium" not in names(client, "/schools")


@pytest.mark.parametrize(
    "query", ["САНКТ-ПЕТЕРБУРГ", "санкт", "Sankt-Peterburg", "Sankt Petersburg", "St. Petersburg", "Saint Petersburg"]
)
def test_search_finds_st_petersburg_in_every_spelling(client, world, query):
    assert names(client, f"/schools?q={query}") == {"Школа № 7"}


@pytest.mark.parametrize("query", ["Rjasan", "Ryazan", "рязань", "Рязанская"])
def test_search_finds_ryazan(client, world, query):
    assert names(client, f"/schools?q={query}") == {"Гимназия № 2"}


@pytest.mark.parametrize("query", ["Muenster", "munster", "MÜNSTER"])
def test_search_finds_muenster(client, login, make_user, world, query):
    login(make_user("coordinator"))
    assert names(client, f"/schools?q={query}") == {"Annette-Gymnasium"}


def test_search_says_what_is_absent(client, world):
    assert names(client, "/schools?q=hamburg") == {"Gymnasium Am Elbufer"}
    assert names(client, "/schools?q=rjasan hamburg") == set()
    html = client.get("/schools?q=zzzz&lang=en").get_data(as_text=True)
    assert "No school matches your search." in html


def test_search_by_school_name_and_region(client, world):
    assert names(client, "/schools?q=elbufer") == {"Gymnasium Am Elbufer"}
    assert names(client, "/schools?q=гимназия") == {"Гимназия № 2"}
    assert names(client, "/schools?q=Oblast Rjasan") == {"Гимназия № 2"}


def test_filters(client, world):
    assert names(client, "/schools?country=RU") == {"Школа № 7", "Гимназия № 2"}
    assert names(client, "/schools?language=russian_foreign") == {"Gymnasium Am Elbufer"}
    assert names(client, "/schools?language=german_foreign") == {"Школа № 7", "Гимназия № 2"}
    assert names(client, "/schools?topic=history") == {"Школа № 7", "Gymnasium Am Elbufer"}
    assert names(client, "/schools?age=8") == {"Гимназия № 2"}
    assert names(client, "/schools?looking=1&country=RU") == {"Школа № 7"}
    assert names(client, "/schools?type=gymnasium") == {"Gymnasium Am Elbufer"}
    assert names(client, "/schools?region=Oblast Rjasan") == {"Гимназия № 2"}


def test_unknown_filter_values_are_ignored_with_a_message(client, world):
    response = client.get("/schools?country=XX&age=abc&lang=en")
    assert response.status_code == 200
    assert "Some filters were not understood" in response.get_data(as_text=True)
    assert names(client, "/schools?country=XX") == {"Школа № 7", "Гимназия № 2", "Gymnasium Am Elbufer"}


def test_directory_paginates_and_counts_with_plurals(client, make_school, make_city):
    city = make_city(Country.DE, "Teststadt")
    for n in range(21):
        make_school(Country.DE, f"Testschule {n:02d}", city=city)
    html = client.get("/schools?lang=ru").get_data(as_text=True)
    assert "21 школа" in html
    assert "Testschule 11" in html and "Testschule 12" not in html  # 12 per page
    assert "Testschule 12" in client.get("/schools?page=2").get_data(as_text=True)
    assert "Testschule 20" in client.get("/schools?page=2").get_data(as_text=True)


def test_directory_query_count_is_fixed(client, make_school, make_city, queries):
    city = make_city()
    make_school(city=city)
    client.get("/schools?q=stadt")  # the catalogue loads once after a change
    queries.statements.clear()
    client.get("/schools?q=stadt")
    few = queries.count
    for _ in range(25):
        make_school(city=make_city())
    client.get("/schools?q=stadt")
    queries.statements.clear()
    client.get("/schools?q=stadt")
    assert queries.count == few <= 1, queries.statements  # the counter (cached results, cards and filters)


def test_city_filter_lists_cities_with_schools_in_the_viewers_language(client, world):
    html = client.get("/schools?lang=ru").get_data(as_text=True)
    assert f'<option value="{world["ryazan"].city_id}">Рязань</option>' in html
    assert names(client, f"/schools?city={world['ryazan'].city_id}") == {"Гимназия № 2"}
