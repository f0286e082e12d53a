"""Conversation prompts for tandem pairs: a bilingual library kept as a data file, not as catalog strings.

``prompt_data/prompts.json`` holds every prompt in German and in Russian, each written for one CEFR level;
the wording is teaching content, edited with the data rather than translated in the catalogs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

PROMPTS_FILE = Path(__file__).parent / "prompt_data" / "prompts.json"
LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")  # CEFR, the same codes as classes.models.Level
PROMPT_LEVELS = LEVELS[:-1]  # the library stops at C1; C2 pairs get C1 and B2
PROMPT_LANGUAGES = ("de", "ru")
TOPICS: dict[str, LazyString] = {
    "school": _l("School"),
    "city": _l("Our cities"),
    "family": _l("Family"),
    "hobbies": _l("Hobbies"),
    "history": _l("History of our cities"),
    "festivals": _l("Festivals"),
    "food": _l("Food"),
    "nature": _l("Nature"),
    "media": _l("Media"),
    "future": _l("Future"),
}

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FIELDS = frozenset({"id", "level", "topic", *PROMPT_LANGUAGES})
_TEXT_FIELDS = frozenset({"title", "text", "questions"})


@dataclass(frozen=True)
class PromptText:
    title: str
    text: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Prompt:
    id: str
    level: str  # one of PROMPT_LEVELS
    topic: str  # a key of TOPICS
    de: PromptText
    ru: PromptText

    def in_language(self, lang: str) -> PromptText:
        """The German or Russian version; ValueError for any other language."""
        if lang == "de":
            return self.de
        if lang == "ru":
            return self.ru
        raise ValueError(f"tandem prompts are written in German and Russian only, not {lang!r}")

    def title(self, lang: str) -> str:
        """The title in this language."""
        return self.in_language(lang).title

    def text(self, lang: str) -> str:
        """The task in this language."""
        return self.in_language(lang).text

    def questions(self, lang: str) -> tuple[str, ...]:
        """The follow-up questions in this language."""
        return self.in_language(lang).questions


def _fail(where: str, problem: str) -> ValueError:
    return ValueError(f"tandem prompts ({PROMPTS_FILE.name}): {where}: {problem}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "empty or not a text")
    return value.strip()


def _fields(data: Any, allowed: frozenset[str], where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _fail(where, "expected an object")
    if missing := sorted(allowed - data.keys()):
        raise _fail(where, f"missing field {', '.join(missing)}")
    if unknown := sorted(data.keys() - allowed):
        raise _fail(where, f"unknown field {', '.join(unknown)}")
    return data


def _prompt_text(data: Any, where: str) -> PromptText:
    data = _fields(data, _TEXT_FIELDS, where)
    questions = data["questions"]
    if not isinstance(questions, list) or not questions:
        raise _fail(f"{where}.questions", "expected a non-empty list")
    return PromptText(
        title=_text(data["title"], f"{where}.title"),
        text=_text(data["text"], f"{where}.text"),
        questions=tuple(_text(question, f"{where}.questions[{n}]") for n, question in enumerate(questions, 1)),
    )


def _prompt(data: Any, number: int) -> Prompt:
    if not isinstance(data, dict):
        raise _fail(f"prompt #{number}", "expected an object")
    prompt_id = data.get("id")
    if not isinstance(prompt_id, str) or not _ID.fullmatch(prompt_id):
        raise _fail(f"prompt #{number}", f"id {prompt_id!r} is not in kebab-case")
    where = f"prompt {prompt_id!r}"
    data = _fields(data, _FIELDS, where)
    if data["level"] not in PROMPT_LEVELS:
        raise _fail(where, f"unknown level {data['level']!r}, expected one of {', '.join(PROMPT_LEVELS)}")
    if data["topic"] not in TOPICS:
        raise _fail(where, f"unknown topic {data['topic']!r}, expected one of {', '.join(TOPICS)}")
    de = _prompt_text(data["de"], f"{where}.de")
    ru = _prompt_text(data["ru"], f"{where}.ru")
    if len(de.questions) != len(ru.questions):
        raise _fail(where, "the German and Russian versions have different numbers of questions")
    return Prompt(id=prompt_id, level=data["level"], topic=data["topic"], de=de, ru=ru)


def load_prompts(path: Path) -> tuple[Prompt, ...]:
    """Read and validate a prompt file; ValueError names the prompt that is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _fail("file", f"not valid UTF-8 JSON ({error})") from error
    if not isinstance(data, list) or not data:
        raise _fail("file", "expected a non-empty list of prompts")
    prompts = tuple(_prompt(raw, number) for number, raw in enumerate(data, start=1))
    seen: set[str] = set()
    for prompt in prompts:
        if prompt.id in seen:
            raise _fail(f"prompt {prompt.id!r}", "the id is used twice")
        seen.add(prompt.id)
    return prompts


@cache
def all_prompts() -> tuple[Prompt, ...]:
    """Every prompt in file order, read and validated once per process."""
    # Read PROMPTS_FILE at call time so tests can point it at a temporary file.
    return load_prompts(PROMPTS_FILE)


def get(prompt_id: str) -> Prompt | None:
    """The prompt with this id, or None (e.g. for an id that was removed from the file)."""
    return next((prompt for prompt in all_prompts() if prompt.id == prompt_id), None)


def for_level(level: str, topic: str | None = None) -> list[Prompt]:
    """Prompts at this CEFR level or one step below (C2 gets C1 and B2), optionally of one topic only."""
    if level not in LEVELS:
        raise ValueError(f"unknown CEFR level {level!r}")
    if topic is not None and topic not in TOPICS:
        raise ValueError(f"unknown prompt topic {topic!r}")
    top = min(LEVELS.index(level), len(PROMPT_LEVELS) - 1)
    levels = set(PROMPT_LEVELS[max(top - 1, 0) : top + 1])
    return [prompt for prompt in all_prompts() if prompt.level in levels and (topic is None or prompt.topic == topic)]


def prompt_of_the_week(pair_id: int, level: str, today: date) -> Prompt:
    """The pair's prompt for the ISO week of ``today``: fixed all week, the next one in the list a week later."""
    candidates = for_level(level)
    # 0001-01-01 is a Monday, so this counts ISO weeks (Monday to Sunday) across year boundaries too.
    week = (today.toordinal() - 1) // 7
    # Neighbouring pairs start at neighbouring prompts: the first len(candidates) pairs all differ each week,
    # and every pair walks through the whole list (and through the topics, which alternate in the file).
    return candidates[(week + pair_id) % len(candidates)]
