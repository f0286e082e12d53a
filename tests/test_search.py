"""Search keys: scripts, cases, transliterations and umlauts all meet."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schoolpartners.search import index_keys, query_terms, successor


def matches(query: str, *texts: str) -> bool:
    keys = index_keys(*texts)
    return all(any(key.startswith(v) for key in keys for v in term) for term in query_terms(query))


SPB = ("Sankt Petersburg", "Санкт-Петербург", "Saint Petersburg")
RYAZAN = ("Rjasan", "Рязань", "Ryazan")
MUENSTER = ("Münster", "Мюнстер", "Münster")


@pytest.mark.parametrize(
    "query",
    [
        "САНКТ-ПЕТЕРБУРГ",
        "санкт",
        "Sankt-Peterburg",
        "Sankt Petersburg",
        "St. Petersburg",
        "saint petersburg",
        "петербург",
        "peterb",
    ],
)
def test_st_petersburg_is_found_every_way(query):
    assert matches(query, *SPB)


@pytest.mark.parametrize("query", ["Rjasan", "Ryazan", "рязань", "РЯЗ"])
def test_ryazan_in_both_conventions(query):
    assert matches(query, *RYAZAN)


@pytest.mark.parametrize("query", ["Muenster", "munster", "MÜNSTER", "Münst", "мюнстер"])
def test_muenster_with_and_without_umlaut(query):
    assert matches(query, *MUENSTER)


@pytest.mark.parametrize(("query", "texts"), [("hamburg", RYAZAN), ("petersburg", RYAZAN), ("rjasan", SPB)])
def test_what_does_not_belong_is_not_found(query, texts):
    assert not matches(query, *texts)


def test_more_examples():
    assert matches("Nizhny Novgorod", "Нижний Новгород")
    assert matches("Nischni Nowgorod", "Нижний Новгород")
    assert matches("Jekaterinburg", "Екатеринбург")
    assert matches("Yekaterinburg", "Екатеринбург")
    assert matches("Wolgograd", "Волгоград")
    assert matches("Köln", "Koeln") and matches("Koeln", "Köln")
    assert matches("fedorova", "Фёдорова")
    assert matches("gross", "Großstadt")
    assert not matches("", "anything") or query_terms("") == []


def test_successor_bounds_a_prefix():
    assert successor("abc") == "abd"
    assert "abc" <= "abcz" < successor("abc")


cyrillic = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюя", min_size=1, max_size=12).filter(
    lambda w: w.strip("ъь")  # the hard and soft signs alone have no Latin letters
)
latin = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=1, max_size=12)


@given(st.one_of(cyrillic, latin))
def test_case_never_matters(word):
    assert index_keys(word.upper()) == index_keys(word.lower()) == index_keys(word)
    assert query_terms(word.upper()) == query_terms(word)


@given(cyrillic)
def test_a_cyrillic_word_is_found_by_its_cyrillic_and_latin_forms(word):
    keys = index_keys(word)
    assert matches(word, word)
    assert matches(word.upper(), word)
    assert any(key.isascii() for key in keys)  # a Latin form exists for Latin-script searchers
    for key in keys:
        assert matches(key, word)  # every stored spelling finds the word again
