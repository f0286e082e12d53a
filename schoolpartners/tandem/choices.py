"""The codes a tandem profile is made of, with their translated labels (UI strings, hence in the catalogs)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..i18n import label
from .matching import SLOT_STARTS, slot_code

LANGUAGES = {"de": _l("German"), "ru": _l("Russian"), "other": _l("another language")}
LEARNABLE = ("de", "ru")

INTERESTS = {
    "football": _l("Football"),
    "sports": _l("Sports"),
    "music": _l("Music"),
    "dance": _l("Dance"),
    "theatre": _l("Theatre"),
    "art": _l("Art and drawing"),
    "photography": _l("Photography"),
    "films": _l("Films and series"),
    "books": _l("Books"),
    "games": _l("Games"),
    "computers": _l("Computers and programming"),
    "science": _l("Science"),
    "history": _l("History"),
    "nature": _l("Nature and animals"),
    "travel": _l("Travel"),
    "cooking": _l("Cooking and baking"),
    "fashion": _l("Fashion"),
    "volunteering": _l("Volunteering"),
}

MODES = {
    "written": _l("Writing messages"),
    "lessons": _l("Voice or video in lessons"),
    "visit": _l("Meeting on an exchange visit"),
}

DAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
SLOT_CODES = tuple(slot_code(day, start) for day in range(7) for start in SLOT_STARTS)

# Why a learner of a round has no partner (WaitingLearner.reason).
WAITING_REASONS = {
    "no_learning_language": _l("no language to learn in the tandem profile"),
    "no_birth_date": _l("month and year of birth missing"),
    "no_consent": _l("the parents' consent to the tandem is missing"),
    "no_partner": _l("nobody in the other class fits the rules (languages, age)"),
    "surplus": _l("the other class has fewer learners"),
}

# Broken hard rules, to explain a refused swap (matching.violations codes).
VIOLATIONS = {
    "no_learning_language": _l("one of them has no language to learn"),
    "languages": _l("they do not speak what the other one learns"),
    "age": _l("more than two years between them (minors)"),
}


def language_label(code: str) -> str:
    return label(LANGUAGES.get(code, LANGUAGES["other"]))


def interest_label(code: str) -> str:
    return label(INTERESTS[code]) if code in INTERESTS else code


def mode_label(code: str) -> str:
    return label(MODES[code]) if code in MODES else code


def slot_hours(code: int) -> tuple[int, int, int]:
    """(day 0–6, first hour, hour after the last) of a slot code."""
    return code // 24, code % 24, code % 24 + 2
