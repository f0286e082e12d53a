"""`flask seed-scale`: many realistic schools for benchmarks (bulk inserts, search keys, no people)."""

from __future__ import annotations

import random

import sqlalchemy as sa

from .cities.models import City, Country
from .extensions import db
from .schools.catalog import bump_catalog
from .schools.models import School, SchoolStatus, SchoolType, SearchToken, Visibility
from .schools.options import FORMS, LANGUAGES, TOPICS
from .search import index_keys
from .sqltypes import utcnow

GERMAN_KINDS = [
    ("Gymnasium", SchoolType.gymnasium),
    ("Gesamtschule", SchoolType.gesamtschule),
    ("Realschule", SchoolType.realschule),
    ("Oberschule", SchoolType.oberschule),
    ("Grundschule", SchoolType.grundschule),
]
GERMAN_PLACES = [
    "Am Stadtpark",
    "An der Linde",
    "Am Mühlenberg",
    "Im Grünen Winkel",
    "Am Hafen",
    "Lindenhof",
    "Am Wall",
    "Sonnenhang",
    "Am Rathaus",
    "Feldmark",
    "Am Kanal",
    "Waldblick",
]
RUSSIAN_KINDS = [
    ("Школа №", SchoolType.ru_secondary),
    ("Гимназия №", SchoolType.ru_gymnasium),
    ("Лицей №", SchoolType.lyceum),
    ("Школа № {n} с углублённым изучением немецкого языка", SchoolType.ru_german_profile),
]


def seed_scale(count: int, seed: int = 7) -> int:
    """Add `count` verified schools with varied profiles in the known cities; returns how many."""
    rng = random.Random(seed)
    cities = {Country.DE: [], Country.RU: []}
    for city in db.session.scalars(sa.select(City)):
        cities[city.country].append(city)
    city_keys = {
        c.id: index_keys(c.name_de, c.name_ru, c.name_en, c.region_de, c.region_ru)
        for group in cities.values()
        for c in group
    }
    rows, names = [], []
    for i in range(count):
        country = Country.DE if i % 2 == 0 else Country.RU
        city = rng.choice(cities[country])
        if country is Country.DE:
            kind, school_type = rng.choice(GERMAN_KINDS)
            name = f"{kind} {rng.choice(GERMAN_PLACES)} {city.name_de}"
            languages = ["russian_foreign", "english"] if rng.random() < 0.7 else ["english", "other"]
        else:
            kind, school_type = rng.choice(RUSSIAN_KINDS)
            number = 100 + i
            name = kind.format(n=number) if "{n}" in kind else f"{kind} {number}"
            languages = ["german_foreign", "english"] if rng.random() < 0.6 else ["english"]
        age_min = rng.choice([6, 10, 11, 12, 14])
        names.append((name, city.id))
        rows.append(
            {
                "name": name,
                "school_type": school_type,
                "city_id": city.id,
                "country": country,
                "languages_mask": LANGUAGES.mask(languages),
                "topics_mask": TOPICS.mask(rng.sample(TOPICS.keys, 3)),
                "forms_mask": FORMS.mask(rng.sample(FORMS.keys, 2)),
                "age_min": age_min,
                "age_max": min(age_min + rng.choice([4, 6, 8]), 19),
                "learners": rng.choice([20, 40, 80, 150]),
                "looking_for_partners": rng.random() < 0.8,
                "visibility": Visibility.public,
                "status": SchoolStatus.verified,
                "status_changed_at": utcnow(),
                "created_at": utcnow(),
                "offer_de": "",
                "offer_ru": "",
                "address": "",
                "website": "",
                "status_reason": "",
            }
        )
    ids = db.session.scalars(sa.insert(School).returning(School.id, sort_by_parameter_order=True), rows).all()
    tokens = []
    for school_id, (name, city_id) in zip(ids, names, strict=True):
        tokens.extend({"school_id": school_id, "key": key} for key in index_keys(name) | city_keys[city_id])
    db.session.execute(sa.insert(SearchToken), tokens)
    bump_catalog()
    return len(ids)
