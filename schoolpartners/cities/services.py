"""Loading the researched city-partnership data and changing a link's status."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from ..extensions import db
from .models import City, Country, LinkStatus, TwinCityLink

DATA_FILE = Path(__file__).parent / "data" / "twin_cities.csv"


def _upsert_city(cache: dict, country: Country, name_de: str, **fields) -> tuple[City, bool]:
    city = cache.get((country, name_de))
    created = city is None
    if created:
        city = City(country=country, name_de=name_de, **fields)
        db.session.add(city)
        cache[(country, name_de)] = city
    else:
        for key, value in fields.items():
            setattr(city, key, value)
    return city, created


def load_twin_cities(path: Path = DATA_FILE) -> dict[str, int]:
    """Import the CSV idempotently: cities and links are matched by name, a link's status is kept."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    cities = {(c.country, c.name_de): c for c in db.session.scalars(sa.select(City))}
    links = {(k.german_city_id, k.russian_city_id): k for k in db.session.scalars(sa.select(TwinCityLink))}
    counts = {"rows": len(rows), "cities_created": 0, "links_created": 0, "links_updated": 0}
    for row in rows:
        german, g_new = _upsert_city(
            cities,
            Country.DE,
            row["german_city"].strip(),
            name_ru=row["german_city_ru"].strip(),
            name_en=row["german_city_en"].strip(),
            region_de=row["german_state"].strip() or None,
            region_ru=row["german_state_ru"].strip() or None,
            timezone=row["german_tz"].strip() or None,
        )
        russian, r_new = _upsert_city(
            cities,
            Country.RU,
            row["russian_city_latin"].strip(),
            name_ru=row["russian_city_cyrillic"].strip(),
            name_en=row["russian_city_en"].strip(),
            region_de=row["russian_region"].strip() or None,
            region_ru=row["russian_region_ru"].strip() or None,
            timezone=row["russian_tz"].strip() or None,
        )
        counts["cities_created"] += int(g_new) + int(r_new)
        db.session.flush()
        since = int(row["since"]) if row["since"].strip() else None
        link = links.get((german.id, russian.id))
        if link is None:
            link = TwinCityLink(german_city_id=german.id, russian_city_id=russian.id, status=LinkStatus.unknown)
            db.session.add(link)
            links[(german.id, russian.id)] = link
            counts["links_created"] += 1
        elif link.since != since or link.source != row["source"].strip():
            counts["links_updated"] += 1
        link.since = since
        link.source = row["source"].strip()
    db.session.flush()
    return counts
