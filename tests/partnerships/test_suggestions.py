"""Partner suggestions: weights, ranking, reasons, exclusions, filters, fixed queries."""

import pytest
from flask_babel import force_locale

from schoolpartners.cities.models import Country, LinkStatus
from schoolpartners.extensions import db
from schoolpartners.partnerships import matching
from schoolpartners.partnerships.models import Partnership
from schoolpartners.schools.catalog import bump_catalog
from schoolpartners.schools.models import SchoolStatus, SchoolType
from schoolpartners.schools.options import FORMS, LANGUAGES, TOPICS


def test_weights_are_documented_and_sum_to_about_a_hundred():
    best = (
        matching.WEIGHTS["twin_active"]
        + matching.WEIGHTS["languages_both"]
        + matching.WEIGHTS["ages"]
        + 3 * matching.WEIGHTS["topic"]
        + 3 * matching.WEIGHTS["form"]
        + matching.WEIGHTS["learners"]
        + matching.WEIGHTS["first_timer"]
    )
    assert 100 <= best <= 115
    assert matching.WEIGHTS["twin_active"] > matching.WEIGHTS["twin_suspended"] > 0
    assert matching.WEIGHTS["twin_suspended"] > matching.WEIGHTS["languages_both"]  # twin cities weigh most


@pytest.fixture
def hamburg(make_link, make_city, make_school):
    link = make_link(since=1957, status=LinkStatus.active)
    school = make_school(
        Country.DE,
        "Hamburger Schule",
        city=link.german_city,
        school_type=SchoolType.gymnasium,
        languages_mask=LANGUAGES.mask(["russian_foreign"]),
        age_min=12,
        age_max=15,
        topics_mask=TOPICS.mask(["history", "sport"]),
        forms_mask=FORMS.mask(["tandem"]),
        learners=50,
    )
    return school, link


def profile(**changes):
    base = {
        "languages_mask": LANGUAGES.mask(["german_foreign"]),
        "age_min": 12,
        "age_max": 15,
        "topics_mask": TOPICS.mask(["history"]),
        "forms_mask": FORMS.mask(["tandem"]),
        "learners": 50,
    }
    base.update(changes)
    return base


def test_twin_city_school_ranks_first_with_its_reasons(app, hamburg, make_school, make_city):
    school, link = hamburg
    twin = make_school(Country.RU, "Школа побратим", city=link.russian_city, **profile())
    other = make_school(Country.RU, "Школа другая", city=make_city(Country.RU), **profile())
    with app.test_request_context(), force_locale("de"):
        found = matching.suggest(school, set())
    assert [s.school_id for s in found] == [twin.id, other.id]
    assert found[0].score - found[1].score == pytest.approx(matching.WEIGHTS["twin_active"])
    assert found[0].reasons[0] == "Partnerstädte seit 1957"
    assert "Deutsch ↔ Russisch" in found[0].reasons


def test_suspended_link_counts_less_and_says_so(app, hamburg, make_school):
    school, link = hamburg
    link.status = LinkStatus.suspended
    bump_catalog()
    make_school(Country.RU, "Школа", city=link.russian_city, **profile())
    with app.test_request_context(), force_locale("ru"):
        (found,) = matching.suggest(school, set())
    assert found.reasons[0] == "Города-побратимы с 1957 года (приостановлено)"
    assert found.score < 100


def test_components(app, hamburg, make_school, make_city):
    school, _link = hamburg
    city = make_city(Country.RU)
    full = make_school(Country.RU, "A", city=city, **profile())
    no_german = make_school(Country.RU, "B", city=city, **profile(languages_mask=LANGUAGES.mask(["english"])))
    older = make_school(Country.RU, "C", city=city, **profile(age_min=16, age_max=18))
    with app.test_request_context():
        scores = {s.school_id: s.score for s in matching.suggest(school, set())}
    w = matching.WEIGHTS
    assert scores[full.id] - scores[no_german.id] == pytest.approx(w["languages_both"] - w["languages_one"])
    assert scores[full.id] - scores[older.id] == pytest.approx(w["ages"])


def test_same_country_unverified_not_looking_and_partners_are_left_out(app, hamburg, make_school, make_city, make_user):
    school, _link = hamburg
    city = make_city(Country.RU)
    good = make_school(Country.RU, "Good", city=city, **profile())
    make_school(Country.DE, "Same country", **profile())
    make_school(Country.RU, "Pending", city=city, status=SchoolStatus.pending, **profile())
    make_school(Country.RU, "Not looking", city=city, looking_for_partners=False, **profile())
    partner = make_school(Country.RU, "Partner", city=city, **profile())
    with app.test_request_context():
        ids = {s.school_id for s in matching.suggest(school, {partner.id})}
    assert ids == {good.id}


def test_first_timers_get_a_small_boost(app, hamburg, make_school, make_city, make_user):
    school, _link = hamburg
    city = make_city(Country.RU)
    newcomer = make_school(Country.RU, "New", city=city, **profile())
    busy = make_school(Country.RU, "Busy", city=city, **profile())
    other_german = make_school(Country.DE)
    a, b = make_user("teacher", school=other_german), make_user("teacher", school=busy)
    db.session.add(
        Partnership(
            german_school_id=other_german.id, russian_school_id=busy.id, german_contact_id=a.id, russian_contact_id=b.id
        )
    )
    bump_catalog()
    with app.test_request_context():
        scores = {s.school_id: s.score for s in matching.suggest(school, set())}
    assert scores[newcomer.id] - scores[busy.id] == pytest.approx(matching.WEIGHTS["first_timer"])


def test_page_shows_chips_filters_and_empty_state(client, login, make_user, hamburg, make_school, make_city):
    school, link = hamburg
    make_school(Country.RU, "Школа у Невы", city=link.russian_city, school_type=SchoolType.lyceum, **profile())
    login(make_user("teacher", school=school))
    html = client.get("/partners/suggestions?lang=de").get_data(as_text=True)
    assert "Школа у Невы" in html and "Partnerstädte seit 1957" in html
    assert "Школа у Невы" not in client.get("/partners/suggestions?type=ru_gymnasium").get_data(as_text=True)
    assert "Школа у Невы" in client.get("/partners/suggestions?type=lyceum").get_data(as_text=True)
    empty = client.get("/partners/suggestions?topic=arts&lang=en").get_data(as_text=True)
    assert "No school fits these filters right now." in empty


def test_staff_without_a_verified_school_get_an_explanation(client, login, make_user, make_school):
    login(make_user("teacher", school=make_school(status=SchoolStatus.pending)))
    html = client.get("/partners/suggestions?lang=en").get_data(as_text=True)
    assert "Suggestions need a verified school" in html


def test_query_count_does_not_grow_with_schools(client, login, make_user, hamburg, make_school, make_city, queries):
    school, _link = hamburg
    login(make_user("teacher", school=school))
    make_school(Country.RU, **profile())
    client.get("/partners/suggestions")  # warm the catalogue
    queries.statements.clear()
    client.get("/partners/suggestions")
    few = queries.count
    for _ in range(30):
        make_school(Country.RU, city=make_city(Country.RU), **profile())
    client.get("/partners/suggestions")  # the catalogue reloads once after the change
    queries.statements.clear()
    client.get("/partners/suggestions")
    assert queries.count == few <= 3, queries.statements  # user, schools with open requests, counter
