"""Project templates: prepared bilingual plans kept as data files, not as catalog strings.

Each ``template_data/<key>.json`` holds one template; teachers start a joint project from it and edit
the copied texts, so the wording is content (edited by people who teach) rather than interface.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..i18n import LANGUAGES
from .models import MilestoneMode

TEMPLATE_DIR = Path(__file__).parent / "template_data"
# Shown first in the catalogue: the model project the platform grew out of.
FIRST_TEMPLATE = "city_partnership_history"
# Column sizes of Project.title_* / Milestone.title_* and Project.template.
MAX_TITLE_LENGTH = 200
MAX_KEY_LENGTH = 40

MODES = frozenset(mode.value for mode in MilestoneMode)
_TOP_FIELDS = frozenset(
    {
        "key",
        "title",
        "description",
        "goals",
        "benefit_german",
        "benefit_russian",
        "duration_days",
        "working_languages",
        "milestones",
    }
)
_MILESTONE_FIELDS = frozenset({"title", "task", "offset_days", "mode"})


@dataclass(frozen=True)
class TemplateMilestone:
    title_de: str
    title_ru: str
    task_de: str
    task_ru: str
    offset_days: int  # deadline, counted in days from the project start
    mode: str  # a MilestoneMode value

    def title(self, locale: str) -> str:
        return self.title_ru if locale == "ru" else self.title_de


@dataclass(frozen=True)
class ProjectTemplate:
    key: str
    title_de: str
    title_ru: str
    description_de: str
    description_ru: str
    goals_de: str
    goals_ru: str
    benefit_german: str  # German text: what the German school gains
    benefit_russian: str  # Russian text: what the Russian school gains
    duration_days: int
    working_languages: tuple[str, ...]
    milestones: tuple[TemplateMilestone, ...]

    def title(self, locale: str) -> str:
        """The title in Russian for "ru", else in German."""
        return self.title_ru if locale == "ru" else self.title_de


class _Reader:
    """Checks one parsed file; every error names the file and the place inside it."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def fail(self, where: str, problem: str) -> ValueError:
        return ValueError(f"project template {self.filename}: {where}: {problem}")

    def fields(self, data: Any, allowed: frozenset[str], where: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, "expected an object")
        if missing := sorted(allowed - data.keys()):
            raise self.fail(where, f"missing field {', '.join(missing)}")
        if unknown := sorted(data.keys() - allowed):
            raise self.fail(where, f"unknown field {', '.join(unknown)}")
        return data

    def text(self, value: Any, where: str, max_length: int | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "empty or not a text")
        if max_length is not None and len(value) > max_length:
            raise self.fail(where, f"longer than {max_length} characters")
        return value.strip()

    def bilingual(self, value: Any, where: str, max_length: int | None = None) -> tuple[str, str]:
        pair = self.fields(value, frozenset({"de", "ru"}), where)
        return (
            self.text(pair["de"], f"{where}.de", max_length),
            self.text(pair["ru"], f"{where}.ru", max_length),
        )

    def days(self, value: Any, where: str) -> int:
        # bool is an int subclass; true/false in the file is a mistake, not a number of days.
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise self.fail(where, "expected a positive whole number of days")
        return value

    def template(self, data: Any, expected_key: str) -> ProjectTemplate:
        data = self.fields(data, _TOP_FIELDS, "template")
        key = self.text(data["key"], "key", MAX_KEY_LENGTH)
        if key != expected_key:
            raise self.fail("key", f"{key!r} differs from the file name")
        duration = self.days(data["duration_days"], "duration_days")
        languages = data["working_languages"]
        if (
            not isinstance(languages, list)
            or not languages
            or len(set(languages)) != len(languages)
            or not all(isinstance(code, str) and code in LANGUAGES for code in languages)
        ):
            raise self.fail("working_languages", f"expected distinct codes out of {', '.join(LANGUAGES)}")
        raw_milestones = data["milestones"]
        if not isinstance(raw_milestones, list) or not raw_milestones:
            raise self.fail("milestones", "expected a non-empty list")
        milestones = []
        previous = 0
        for number, raw in enumerate(raw_milestones, start=1):
            where = f"milestones[{number}]"
            fields = self.fields(raw, _MILESTONE_FIELDS, where)
            offset = self.days(fields["offset_days"], f"{where}.offset_days")
            if offset <= previous:
                raise self.fail(f"{where}.offset_days", f"{offset} is not after the previous milestone ({previous})")
            if offset > duration:
                raise self.fail(f"{where}.offset_days", f"{offset} is after the project end ({duration})")
            if fields["mode"] not in MODES:
                raise self.fail(f"{where}.mode", f"unknown mode {fields['mode']!r}")
            title_de, title_ru = self.bilingual(fields["title"], f"{where}.title", MAX_TITLE_LENGTH)
            task_de, task_ru = self.bilingual(fields["task"], f"{where}.task")
            milestones.append(TemplateMilestone(title_de, title_ru, task_de, task_ru, offset, fields["mode"]))
            previous = offset
        title_de, title_ru = self.bilingual(data["title"], "title", MAX_TITLE_LENGTH)
        description_de, description_ru = self.bilingual(data["description"], "description")
        goals_de, goals_ru = self.bilingual(data["goals"], "goals")
        return ProjectTemplate(
            key=key,
            title_de=title_de,
            title_ru=title_ru,
            description_de=description_de,
            description_ru=description_ru,
            goals_de=goals_de,
            goals_ru=goals_ru,
            benefit_german=self.text(data["benefit_german"], "benefit_german"),
            benefit_russian=self.text(data["benefit_russian"], "benefit_russian"),
            duration_days=duration,
            working_languages=tuple(languages),
            milestones=tuple(milestones),
        )


def load_template(path: Path) -> ProjectTemplate:
    """Read and validate one template file; ValueError names the file."""
    reader = _Reader(path.name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise reader.fail("file", f"not valid UTF-8 JSON ({error})") from error
    return reader.template(data, expected_key=path.stem)


@cache
def templates() -> dict[str, ProjectTemplate]:
    """All project templates by key, the city-partnership history first, then by key."""
    # Read TEMPLATE_DIR at call time so tests can point it at a temporary folder.
    paths = sorted(TEMPLATE_DIR.glob("*.json"), key=lambda path: (path.stem != FIRST_TEMPLATE, path.stem))
    return {path.stem: load_template(path) for path in paths}


def get_template(key: str) -> ProjectTemplate | None:
    """The template with this key, or None (e.g. for a key that was removed or mistyped)."""
    return templates().get(key)
