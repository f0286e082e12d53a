"""Project templates: three bilingual plans load, read well in both languages and reject broken files."""

from __future__ import annotations

import copy
import dataclasses
import json
import re

import pytest

from schoolpartners.projects import templates_catalogue
from schoolpartners.projects.models import MilestoneMode
from schoolpartners.projects.templates_catalogue import ProjectTemplate, get_template, templates

KEYS = ["city_partnership_history", "environment_in_our_cities", "everyday_life_of_young_people"]
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
SHIPPED_DIR = templates_catalogue.TEMPLATE_DIR  # kept before any test points the catalogue elsewhere


def _texts(template: ProjectTemplate, language: str) -> list[tuple[str, str]]:
    """(field, text) for every text of the template written in one language."""
    if language == "de":
        texts = [
            ("title", template.title_de),
            ("description", template.description_de),
            ("goals", template.goals_de),
            ("benefit_german", template.benefit_german),
        ]
    else:
        texts = [
            ("title", template.title_ru),
            ("description", template.description_ru),
            ("goals", template.goals_ru),
            ("benefit_russian", template.benefit_russian),
        ]
    for number, milestone in enumerate(template.milestones, start=1):
        texts.append((f"milestone {number} title", getattr(milestone, f"title_{language}")))
        texts.append((f"milestone {number} task", getattr(milestone, f"task_{language}")))
    return texts


def _latin_share(text: str) -> float:
    letters = [char for char in text if char.isalpha()]
    latin = [char for char in letters if ord(char) < 0x250]  # Basic Latin to Latin Extended-B (ä, ö, ü, ß)
    return len(latin) / len(letters)


@pytest.fixture
def template_dir(tmp_path, monkeypatch):
    """Point the catalogue at an empty temporary folder; the cache is cleared before and after."""
    monkeypatch.setattr(templates_catalogue, "TEMPLATE_DIR", tmp_path)
    templates.cache_clear()
    yield tmp_path
    templates.cache_clear()


def _valid_data() -> dict:
    return json.loads((SHIPPED_DIR / "environment_in_our_cities.json").read_text("utf-8"))


def test_all_templates_load_with_the_city_partnership_history_first():
    assert list(templates()) == KEYS
    assert all(key == template.key for key, template in templates().items())


@pytest.mark.parametrize("key", KEYS)
def test_template_is_complete_in_both_languages(key):
    template = get_template(key)
    assert template is not None
    assert template.working_languages == ("de", "ru")
    assert 120 <= template.duration_days <= 180
    assert 5 <= len(template.milestones) <= 7
    for language in ("de", "ru"):
        for field, text in _texts(template, language):
            assert text.strip(), f"{key}: {field} ({language}) is empty"
    assert template.title("ru") == template.title_ru
    assert template.title("de") == template.title("en") == template.title_de


@pytest.mark.parametrize("key", KEYS)
def test_russian_texts_are_cyrillic_and_german_texts_latin(key):
    template = get_template(key)
    for field, text in _texts(template, "ru"):
        assert CYRILLIC.search(text), f"{key}: {field} (ru) has no Cyrillic letters"
    for field, text in _texts(template, "de"):
        assert _latin_share(text) > 0.95, f"{key}: {field} (de) is not mostly in Latin letters"


@pytest.mark.parametrize("key", KEYS)
def test_milestones_are_in_order_within_the_project(key):
    template = get_template(key)
    offsets = [milestone.offset_days for milestone in template.milestones]
    assert offsets == sorted(set(offsets)), "offsets must be strictly increasing"
    assert offsets[0] > 0 and offsets[-1] <= template.duration_days
    assert {milestone.mode for milestone in template.milestones} == {mode.value for mode in MilestoneMode}


def test_history_template_has_archives_witnesses_and_mixed_teams_and_suits_any_twin_cities():
    template = get_template("city_partnership_history")
    assert any(milestone.mode == "mixed_teams" for milestone in template.milestones)
    german = " ".join(text for _, text in _texts(template, "de"))
    russian = " ".join(text for _, text in _texts(template, "ru"))
    assert "Archiv" in german and "Zeitzeug" in german
    assert "архив" in russian.lower() and "очевид" in russian.lower()
    # A template for every pair of twin cities names none of them.
    for city in ("Hamburg", "Petersburg", "Гамбург", "Петербург"):
        assert city not in german and city not in russian


def test_templates_are_immutable():
    template = get_template("city_partnership_history")
    with pytest.raises(dataclasses.FrozenInstanceError):
        template.title_de = "Etwas anderes"
    with pytest.raises(dataclasses.FrozenInstanceError):
        template.milestones[0].offset_days = 1


def test_unknown_key_gives_none():
    assert get_template("no_such_template") is None
    assert get_template("") is None


def _drop_goals(data):
    del data["goals"]


def _empty_russian_task(data):
    data["milestones"][1]["task"]["ru"] = "   "


def _repeat_offset(data):
    data["milestones"][2]["offset_days"] = data["milestones"][1]["offset_days"]


def _unknown_mode(data):
    data["milestones"][0]["mode"] = "groups"


def _offset_after_end(data):
    data["milestones"][-1]["offset_days"] = data["duration_days"] + 1


def _other_key(data):
    data["key"] = "something_else"


@pytest.mark.parametrize(
    ("break_it", "problem"),
    [
        (_drop_goals, "template: missing field goals"),
        (_empty_russian_task, r"milestones\[2\]\.task\.ru: empty"),
        (_repeat_offset, r"milestones\[3\]\.offset_days: .* not after the previous"),
        (_unknown_mode, r"milestones\[1\]\.mode: unknown mode 'groups'"),
        (_offset_after_end, r"milestones\[7\]\.offset_days: 151 is after the project end \(150\)"),
        (_other_key, "key: 'something_else' differs from the file name"),
    ],
)
def test_broken_file_raises_value_error_naming_the_file(template_dir, break_it, problem):
    data = _valid_data()
    assert templates() == {}  # nothing in the temporary folder yet
    templates.cache_clear()
    broken = copy.deepcopy(data) | {"key": "broken_plan"}
    break_it(broken)
    # A valid file next to the broken one: the error must point at the right file.
    (template_dir / "environment_in_our_cities.json").write_text(json.dumps(data), encoding="utf-8")
    (template_dir / "broken_plan.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"broken_plan\.json: {problem}"):
        templates()


def test_file_that_is_not_json_raises_value_error_naming_the_file(template_dir):
    (template_dir / "half_written.json").write_text('{"key": "half_written", "title": ', encoding="utf-8")
    with pytest.raises(ValueError, match=r"half_written\.json: file: not valid UTF-8 JSON"):
        templates()


def test_valid_copy_loads_from_another_folder(template_dir):
    data = _valid_data()
    data["key"] = "copy_of_environment"
    (template_dir / "copy_of_environment.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert list(templates()) == ["copy_of_environment"]
    assert get_template("copy_of_environment").milestones[0].title_de == "Umweltspaziergang"
