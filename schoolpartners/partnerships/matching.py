"""Partner suggestions: every candidate school scored at once with numpy, reasons for the best ones.

Candidates come from the per-process school catalogue (schools/catalog.py), so a request does not scan the
school table; scoring 10,000 schools is a handful of array operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..cities.models import Country, LinkStatus
from ..i18n import label
from ..schools.catalog import TYPES, Catalog, catalog
from ..schools.models import School, SchoolType
from ..schools.options import FORMS, LANGUAGES, TOPICS

# The score's parts, in points; the total is their sum (at most about 100). Documented and tested in one place.
WEIGHTS = {
    # Schools in twinned cities are the strongest reason; a suspended link still counts, a little less.
    "twin_active": 40.0,
    "twin_unknown": 35.0,
    "twin_suspended": 30.0,
    # A German school teaching Russian and a Russian school teaching German help each other (tandems).
    "languages_both": 25.0,
    "languages_one": 10.0,
    # Pupils' ages: share of the smaller age range that the other school also teaches.
    "ages": 15.0,
    # Per shared topic, up to three.
    "topic": 5.0,
    # Per shared form of cooperation, up to three.
    "form": 3.0,
    # Similar numbers of learners of the partner language.
    "learners": 5.0,
    # Schools with no partnership yet get a small boost (first-timers, as youth-exchange funders favour).
    "first_timer": 5.0,
}
TWIN_WEIGHT = {
    LinkStatus.active: WEIGHTS["twin_active"],
    LinkStatus.unknown: WEIGHTS["twin_unknown"],
    LinkStatus.suspended: WEIGHTS["twin_suspended"],
}
GERMAN_LANGS = LANGUAGES.mask(["german_foreign", "german_heritage"])
RUSSIAN_LANGS = LANGUAGES.mask(["russian_foreign", "russian_heritage"])


@dataclass
class Suggestion:
    school_id: int
    score: float
    reasons: list[str]


def score_all(school: School, cat: Catalog) -> dict[str, np.ndarray]:
    """Every score component for every candidate, as arrays aligned with cat.ids."""
    n = len(cat.ids)
    twin = np.zeros(n)
    for other_city, status, _year in cat.twins.get(school.city_id, []):
        twin[cat.city == other_city] = TWIN_WEIGHT[status]

    mine, theirs = (RUSSIAN_LANGS, GERMAN_LANGS) if school.country is Country.DE else (GERMAN_LANGS, RUSSIAN_LANGS)
    i_teach_theirs = bool(school.languages_mask & mine)
    they_teach_mine = (cat.languages & theirs) != 0
    if i_teach_theirs:
        languages = np.where(they_teach_mine, WEIGHTS["languages_both"], WEIGHTS["languages_one"])
    else:
        languages = np.where(they_teach_mine, WEIGHTS["languages_one"], 0.0)

    ages = np.zeros(n)
    if school.age_min is not None and school.age_max is not None:
        known = (cat.age_min >= 0) & (cat.age_max >= 0)
        overlap = np.minimum(cat.age_max, school.age_max) - np.maximum(cat.age_min, school.age_min) + 1
        shorter = np.minimum(cat.age_max - cat.age_min, school.age_max - school.age_min) + 1
        ages = np.where(known & (overlap > 0), WEIGHTS["ages"] * overlap / np.maximum(shorter, 1), 0.0)

    topics = WEIGHTS["topic"] * np.minimum(np.bitwise_count(cat.topics & school.topics_mask), 3)
    forms = WEIGHTS["form"] * np.minimum(np.bitwise_count(cat.forms & school.forms_mask), 3)
    learners = np.zeros(n)
    if school.learners:
        known = cat.learners > 0
        larger = np.maximum(cat.learners, school.learners)
        learners = np.where(known, WEIGHTS["learners"] * (1 - np.abs(cat.learners - school.learners) / larger), 0.0)
    first_timer = np.where(cat.partnered, 0.0, WEIGHTS["first_timer"])
    return {
        "twin": twin,
        "languages": languages,
        "ages": ages,
        "topics": topics,
        "forms": forms,
        "learners": learners,
        "first_timer": first_timer,
    }


def suggest(
    school: School,
    exclude: set[int],
    region: str = "",
    school_type: str = "",
    topic: str = "",
    limit: int = 12,
    cat: Catalog | None = None,
) -> list[Suggestion]:
    """The best partner schools for `school`, highest score first, each with its reasons."""
    cat = cat or catalog()
    other_country = 1 if school.country is Country.DE else 0
    allowed = cat.looking & (cat.country == other_country) & ~np.isin(cat.ids, np.array(sorted(exclude | {school.id})))
    if region:
        allowed &= (cat.region_de == region) | (cat.region_ru == region)
    if school_type in SchoolType.__members__:
        allowed &= cat.school_type == TYPES.index(SchoolType[school_type])
    if topic in TOPICS.keys:
        allowed &= (cat.topics & TOPICS.bit(topic)) != 0
    candidates = np.flatnonzero(allowed)
    if not len(candidates):
        return []
    parts = score_all(school, cat)
    totals = sum(parts.values())
    top = candidates[np.argsort(-totals[candidates], kind="stable")[:limit]]
    return [Suggestion(int(cat.ids[i]), round(float(totals[i]), 1), reasons(school, cat, i, parts)) for i in top]


CHIPS = {
    "twin": _l("Twin cities"),
    "twin_since": _l("Twin cities since %(year)s"),
    "suspended": _l("%(reason)s (suspended)"),
    "languages": _l("German ↔ Russian"),
    "learns_yours": _l("Their pupils learn your language"),
    "learners": _l("Similar number of learners"),
    "first_timer": _l("No partner school yet"),
}


def reasons(school: School, cat: Catalog, i: int, parts: dict[str, np.ndarray]) -> list[str]:
    """Short chips that explain a suggestion, strongest first (labels are translated once per locale)."""
    chips = []
    if parts["twin"][i]:
        for other_city, status, year in cat.twins.get(school.city_id, []):
            if other_city == cat.city[i]:
                text = label(CHIPS["twin_since"]) % {"year": year} if year else label(CHIPS["twin"])
                if status is LinkStatus.suspended:
                    text = label(CHIPS["suspended"]) % {"reason": text}
                chips.append(text)
    if parts["languages"][i] >= WEIGHTS["languages_both"]:
        chips.append(label(CHIPS["languages"]))
    elif cat.languages[i] & (GERMAN_LANGS if school.country is Country.DE else RUSSIAN_LANGS):
        chips.append(label(CHIPS["learns_yours"]))
    if parts["ages"][i]:
        low = max(int(cat.age_min[i]), school.age_min)
        high = min(int(cat.age_max[i]), school.age_max)
        chips.append(ngettext("%(low)s–%(num)s year", "%(low)s–%(num)s years", high, low=low))
    chips.extend(TOPICS.labels(int(cat.topics[i]) & school.topics_mask)[:3])
    chips.extend(FORMS.labels(int(cat.forms[i]) & school.forms_mask)[:2])
    if parts["learners"][i] >= WEIGHTS["learners"] * 0.75:
        chips.append(label(CHIPS["learners"]))
    if parts["first_timer"][i]:
        chips.append(label(CHIPS["first_timer"]))
    return chips
