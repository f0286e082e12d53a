"""Conversation prompts: the bilingual library is complete, safe for minors, and rotates weekly per pair."""

from __future__ import annotations

import copy
import json
import os
import re
import statistics
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask_babel import LazyString, force_locale

from schoolpartners.tandem import prompts
from schoolpartners.tandem.prompts import (
    LEVELS,
    PROMPT_LEVELS,
    TOPICS,
    Prompt,
    all_prompts,
    for_level,
    get,
    prompt_of_the_week,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_FILE = prompts.PROMPTS_FILE  # kept before any test points the loader elsewhere
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Tandems are supervised: no prompt may lead students to swap contact details or meet privately.
CONTACT = re.compile(
    r"whats\s*app|telegram|телеграм|instagram|инстаграм|\bvk\b|\bвк\b|вконтакте|facebook|tiktok|snapchat|discord"
    r"|e-?mail|имейл|электронн\w* почт|@|telefonnummer|handynummer|номер\w* телефон|телефонн\w* номер"
    r"|kontaktdaten|контактн\w* данн|adresse|адрес|privat|наедине"
    r"|\+?\d[\d ()/-]{6,}\d",  # anything that looks like a phone number
    re.IGNORECASE,
)
MONDAY = date(2026, 3, 2)  # ISO week 10 of 2026


def _texts(prompt: Prompt, lang: str) -> list[str]:
    return [prompt.title(lang), prompt.text(lang), *prompt.questions(lang)]


def _cyrillic_share(text: str) -> float:
    letters = [char for char in text if char.isalpha()]
    return sum(1 for char in letters if CYRILLIC.match(char)) / len(letters)


def _mean_sentence_length(level: str, lang: str) -> float:
    sentences = [
        sentence
        for prompt in all_prompts()
        if prompt.level == level
        for sentence in re.split(r"(?<=[.?!:])\s+", prompt.text(lang))
    ]
    return statistics.mean(len(sentence.split()) for sentence in sentences)


@pytest.fixture
def prompt_file(tmp_path, monkeypatch):
    """Point the loader at a temporary file; the cache is cleared before and after."""
    path = tmp_path / "prompts.json"
    monkeypatch.setattr(prompts, "PROMPTS_FILE", path)
    all_prompts.cache_clear()
    yield path
    all_prompts.cache_clear()


def _shipped_data() -> list[dict]:
    return json.loads(SHIPPED_FILE.read_text("utf-8"))


def test_the_library_loads_with_at_least_48_prompts_and_unique_kebab_case_ids():
    library = all_prompts()
    assert len(library) >= 48
    ids = [prompt.id for prompt in library]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", prompt_id) for prompt_id in ids)
    assert all_prompts() is library  # read once


def test_every_level_has_six_prompts_and_every_topic_four():
    levels = Counter(prompt.level for prompt in all_prompts())
    topics = Counter(prompt.topic for prompt in all_prompts())
    assert set(levels) == set(PROMPT_LEVELS)
    assert min(levels.values()) >= 6, levels
    assert set(topics) == set(TOPICS)
    assert min(topics.values()) >= 4, topics


def test_levels_are_the_cefr_levels_used_for_classes():
    from schoolpartners.classes.models import Level

    assert tuple(level.value for level in Level) == LEVELS


def test_topic_labels_are_lazy_english_msgids(app):
    assert all(isinstance(label, LazyString) for label in TOPICS.values())
    with app.test_request_context(), force_locale("en"):
        assert str(TOPICS["city"]) == "Our cities"
        assert str(TOPICS["history"]) == "History of our cities"


def test_german_texts_have_no_cyrillic_and_russian_texts_are_mostly_cyrillic():
    for prompt in all_prompts():
        for text in _texts(prompt, "de"):
            assert not CYRILLIC.search(text), f"{prompt.id}: Cyrillic in German text {text!r}"
        for text in _texts(prompt, "ru"):
            assert CYRILLIC.search(text), f"{prompt.id}: no Cyrillic in Russian text {text!r}"
        for text in (prompt.title("ru"), prompt.text("ru")):
            assert _cyrillic_share(text) >= 0.9, f"{prompt.id}: Russian text is not mostly Cyrillic: {text!r}"


def test_both_versions_have_the_same_number_of_questions():
    for prompt in all_prompts():
        assert 2 <= len(prompt.questions("de")) == len(prompt.questions("ru")) <= 5, prompt.id


def test_every_prompt_has_both_partners_speak():
    # The reader tells first and then asks the partner back.
    for prompt in all_prompts():
        assert "frag" in prompt.text("de").lower(), prompt.id
        assert "спроси" in prompt.text("ru").lower(), prompt.id


def test_no_prompt_asks_for_contact_details_or_private_meetings():
    for prompt in all_prompts():
        for lang in ("de", "ru"):
            for text in _texts(prompt, lang):
                assert not CONTACT.search(text), f"{prompt.id} ({lang}): {text!r}"


def test_language_gets_harder_from_a1_to_c1():
    for lang in ("de", "ru"):
        lengths = [_mean_sentence_length(level, lang) for level in PROMPT_LEVELS]
        assert lengths == sorted(lengths), (lang, lengths)
        assert lengths[0] <= 6, (lang, lengths)  # A1: very short sentences
        assert lengths[-1] >= 2 * lengths[0], (lang, lengths)


def test_a_prompt_reads_in_german_and_russian_and_refuses_other_languages():
    prompt = get("school-timetable")
    assert prompt is not None
    assert prompt.level == "A1"
    assert prompt.topic == "school"
    assert prompt.title("de") == "Mein Stundenplan"
    assert prompt.title("ru") == "Моё расписание"
    assert prompt.text("ru").startswith("Расскажи")
    assert prompt.questions("de")[1] == "Was ist dein Lieblingsfach?"
    with pytest.raises(ValueError, match="'en'"):
        prompt.title("en")


def test_get_returns_none_for_an_unknown_id():
    assert get("no-such-prompt") is None


@pytest.mark.parametrize(
    ("level", "expected"),
    [("A1", {"A1"}), ("A2", {"A1", "A2"}), ("B1", {"A2", "B1"}), ("C1", {"B2", "C1"}), ("C2", {"B2", "C1"})],
)
def test_for_level_offers_the_level_and_one_step_below(level, expected):
    offered = for_level(level)
    assert {prompt.level for prompt in offered} == expected
    assert len(offered) == sum(1 for prompt in all_prompts() if prompt.level in expected)


def test_for_level_filters_by_topic():
    offered = for_level("B2", topic="history")
    assert offered
    assert {prompt.topic for prompt in offered} == {"history"}
    assert {prompt.level for prompt in offered} == {"B1", "B2"}


@pytest.mark.parametrize(("level", "topic"), [("D1", None), ("a1", None), ("B1", "politics")])
def test_for_level_rejects_unknown_levels_and_topics(level, topic):
    with pytest.raises(ValueError):
        for_level(level, topic)


def test_prompt_of_the_week_is_stable_for_the_whole_iso_week():
    for pair_id in range(1, 30):
        week = {prompt_of_the_week(pair_id, "B1", MONDAY + timedelta(days=day)).id for day in range(7)}
        assert len(week) == 1, pair_id
    # ISO week 53 of 2026 runs from Monday 28 December 2026 to Sunday 3 January 2027.
    across_new_year = {prompt_of_the_week(7, "A2", date(2026, 12, 28) + timedelta(days=day)).id for day in range(7)}
    assert len(across_new_year) == 1


def test_prompt_of_the_week_changes_the_next_week():
    for pair_id in range(1, 30):
        for level in LEVELS:
            this_week = prompt_of_the_week(pair_id, level, MONDAY + timedelta(days=6))
            next_week = prompt_of_the_week(pair_id, level, MONDAY + timedelta(days=7))
            assert this_week != next_week, (pair_id, level)


def test_prompt_of_the_week_is_never_above_the_pairs_level():
    for level in LEVELS:
        allowed = {prompt.id for prompt in for_level(level)}
        for pair_id in range(1, 40):
            for week in range(0, 60, 7):
                prompt = prompt_of_the_week(pair_id, level, MONDAY + timedelta(weeks=week))
                assert prompt.id in allowed, (level, prompt.id)
                assert PROMPT_LEVELS.index(prompt.level) <= LEVELS.index(level)


def test_pairs_get_different_prompts_in_the_same_week():
    for level in LEVELS:
        candidates = for_level(level)
        this_week = [prompt_of_the_week(pair_id, level, MONDAY).id for pair_id in range(1, len(candidates) + 1)]
        # As many neighbouring pairs as there are prompts share none of them.
        assert sorted(this_week) == sorted(prompt.id for prompt in candidates), level


def test_every_pair_meets_every_prompt_of_its_level_over_the_weeks():
    candidates = for_level("B2")
    seen = {prompt_of_the_week(42, "B2", MONDAY + timedelta(weeks=week)).id for week in range(len(candidates))}
    assert seen == {prompt.id for prompt in candidates}


def test_prompt_of_the_week_is_the_same_in_every_process():
    script = (
        "from datetime import date; from schoolpartners.tandem.prompts import prompt_of_the_week as p; "
        "print([p(pair, 'B1', date(2026, 3, 4)).id for pair in range(1, 6)])"
    )
    here = repr([prompt_of_the_week(pair, "B1", date(2026, 3, 4)).id for pair in range(1, 6)])
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.strip() == here


def _break_wrong_level(data):
    data[3]["level"] = "C2"


def _break_unknown_topic(data):
    data[3]["topic"] = "politics"


def _break_missing_russian(data):
    del data[3]["ru"]


def _break_empty_question(data):
    data[3]["de"]["questions"][1] = "  "


def _break_question_counts(data):
    data[3]["ru"]["questions"].pop()


def _break_unknown_field(data):
    data[3]["en"] = copy.deepcopy(data[3]["de"])


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [
        (_break_wrong_level, "unknown level 'C2'"),
        (_break_unknown_topic, "unknown topic 'politics'"),
        (_break_missing_russian, "missing field ru"),
        (_break_empty_question, r"de\.questions\[2\]: empty"),
        (_break_question_counts, "different numbers of questions"),
        (_break_unknown_field, "unknown field en"),
    ],
)
def test_a_broken_prompt_raises_a_value_error_naming_its_id(prompt_file, breakage, problem):
    data = _shipped_data()
    broken_id = data[3]["id"]
    breakage(data)
    prompt_file.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    with pytest.raises(ValueError, match=rf"prompt '{broken_id}'.*{problem}"):
        all_prompts()


def test_a_duplicate_id_is_named(prompt_file):
    data = _shipped_data()
    data[7]["id"] = data[2]["id"]
    prompt_file.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    with pytest.raises(ValueError, match=rf"prompt '{data[2]['id']}': the id is used twice"):
        all_prompts()


def test_an_id_that_is_not_kebab_case_is_named_by_position_and_value(prompt_file):
    data = _shipped_data()
    data[4]["id"] = "School Timetable"
    prompt_file.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    with pytest.raises(ValueError, match=r"prompt #5: id 'School Timetable' is not in kebab-case"):
        all_prompts()


def test_a_file_that_is_not_json_is_rejected(prompt_file):
    prompt_file.write_text('[{"id": "school-timetable",', "utf-8")
    with pytest.raises(ValueError, match="not valid UTF-8 JSON"):
        all_prompts()
