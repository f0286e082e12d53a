"""Every verified school as numpy arrays, kept per process and reloaded when anything changes.

The directory (counts, filters, name order) and partner suggestions (scores) read these arrays instead of
scanning the school table on every request; a counter in `app_state` tells when to reload. Search keys stay
in the indexed `search_token` table, which the directory asks for the ids matching a query.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..cities.models import City, Country, LinkStatus, TwinCityLink
from ..extensions import db
from .models import AppState, School, SchoolStatus, SchoolType, Visibility

CATALOG_KEY = "catalog"
TYPES = list(SchoolType)


def bump_catalog() -> None:
    """Tell every process that school data changed (call inside the changing transaction)."""
    db.session.info["catalog_bumped"] = True
    updated = db.session.execute(
        sa.update(AppState).where(AppState.key == CATALOG_KEY).values(value=AppState.value + 1)
    ).rowcount
    if not updated:
        db.session.add(AppState(key=CATALOG_KEY, value=1))
        db.session.flush()


@dataclass
class Catalog:
    version: int
    ids: np.ndarray
    country: np.ndarray  # 0 = DE, 1 = RU
    city: np.ndarray
    school_type: np.ndarray  # index into TYPES, -1 unknown
    languages: np.ndarray
    topics: np.ndarray
    forms: np.ndarray
    age_min: np.ndarray  # -1 unknown
    age_max: np.ndarray
    learners: np.ndarray
    looking: np.ndarray
    public: np.ndarray
    partnered: np.ndarray  # has an active or paused partnership
    region_de: np.ndarray
    region_ru: np.ndarray
    name_rank: np.ndarray  # position in alphabetical order of names
    # City id -> [(twinned city id, status, year)], both directions
    twins: dict[int, list[tuple[int, LinkStatus, int | None]]] = field(default_factory=dict)
    region_names: dict[str, list[str]] = field(default_factory=dict)
    city_names: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    partners: dict[int, list[tuple]] = field(default_factory=dict)
    names: dict[int, tuple[str, Country]] = field(default_factory=dict)

    def cities(self, locale: str) -> list[tuple[str, str]]:
        """(id, name) of the cities that have verified schools, by name in the viewer's language."""
        return self.city_names.get(locale, self.city_names.get("de", []))

    def regions(self, locale: str) -> list[str]:
        """The regions that have verified schools, for filter lists."""
        return self.region_names["ru" if locale == "ru" else "de"]


_cache: dict[str, Catalog] = {}
_lock = threading.Lock()


def _partners() -> dict[int, list[tuple]]:
    """School id -> [(partnership id, partner school id, status)] for partnerships that have not ended."""
    from ..partnerships.models import Partnership, PartnershipStatus

    rows = db.session.execute(
        sa.select(Partnership.id, Partnership.german_school_id, Partnership.russian_school_id, Partnership.status)
        .where(Partnership.status != PartnershipStatus.ended)
        .order_by(Partnership.created_at, Partnership.id)
    ).all()
    partners: dict[int, list[tuple]] = {}
    for partnership_id, german, russian, status in rows:
        partners.setdefault(german, []).append((partnership_id, russian, status))
        partners.setdefault(russian, []).append((partnership_id, german, status))
    return partners


def load_catalog(version: int) -> Catalog:
    """Read every verified school (one query), the city links and who has partners."""
    rows = db.session.execute(
        sa.select(
            School.id,
            School.country,
            School.city_id,
            School.school_type,
            School.languages_mask,
            School.topics_mask,
            School.forms_mask,
            School.age_min,
            School.age_max,
            School.learners,
            School.looking_for_partners,
            School.visibility,
            City.region_de,
            City.region_ru,
            School.name,
        )
        .join(City, City.id == School.city_id)
        .where(School.status == SchoolStatus.verified)
        .order_by(School.id)
    ).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * 15

    def ints(values, default=-1):
        return np.array([default if v is None else v for v in values], dtype=np.int64)

    ids = ints(columns[0])
    partners = _partners()
    order = sorted(range(len(rows)), key=lambda i: (columns[14][i].casefold(), columns[0][i]))
    name_rank = np.empty(len(rows), dtype=np.int64)
    name_rank[order] = np.arange(len(rows))
    cities = db.session.scalars(sa.select(City).where(City.id.in_(set(columns[2])))).all() if rows else []
    city_names = {
        locale: sorted(((str(c.id), c.name(locale)) for c in cities), key=lambda item: item[1].casefold())
        for locale in ("de", "ru", "en")
    }
    twins: dict[int, list] = {}
    for link in db.session.scalars(sa.select(TwinCityLink)):
        twins.setdefault(link.german_city_id, []).append((link.russian_city_id, link.status, link.since))
        twins.setdefault(link.russian_city_id, []).append((link.german_city_id, link.status, link.since))
    return Catalog(
        version=version,
        ids=ids,
        country=np.array([0 if c is Country.DE else 1 for c in columns[1]], dtype=np.int8),
        city=ints(columns[2]),
        school_type=np.array([-1 if t is None else TYPES.index(t) for t in columns[3]], dtype=np.int16),
        languages=ints(columns[4], 0),
        topics=ints(columns[5], 0),
        forms=ints(columns[6], 0),
        age_min=ints(columns[7]),
        age_max=ints(columns[8]),
        learners=ints(columns[9]),
        looking=np.array(columns[10], dtype=bool),
        public=np.array([v is Visibility.public for v in columns[11]], dtype=bool),
        partnered=np.isin(ids, np.fromiter(partners, dtype=np.int64, count=len(partners))),
        partners=partners,
        names={
            school_id: (name, country)
            for school_id, name, country in zip(ids.tolist(), columns[14], columns[1], strict=True)
        },
        region_de=np.array([r or "" for r in columns[12]], dtype=object),
        region_ru=np.array([r or "" for r in columns[13]], dtype=object),
        name_rank=name_rank,
        twins=twins,
        city_names=city_names,
        region_names={
            "de": sorted({r for r in columns[12] if r}),
            "ru": sorted({r for r in columns[13] if r}),
        },
    )


_checked: dict[str, float] = {}  # when each database's counter was last read by this process


@sa.event.listens_for(Session, "after_commit")
def _recheck_after_own_change(session: Session) -> None:
    if session.info.pop("catalog_bumped", False):
        _checked.clear()


def catalog() -> Catalog:
    """This process's catalogue, reloaded when the shared counter has moved.

    The counter is read at most every CATALOG_RECHECK_SECONDS (a cached page then needs no query at all);
    after a commit that changed school data in this process it is read at once.
    """
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    cached = _cache.get(key)
    now = time.monotonic()
    if cached is not None and now - _checked.get(key, -math.inf) < current_app.config["CATALOG_RECHECK_SECONDS"]:
        return cached
    version = db.session.scalar(sa.select(AppState.value).where(AppState.key == CATALOG_KEY)) or 0
    _checked[key] = now
    if cached is None or cached.version != version:
        with _lock:
            cached = _cache.get(key)
            if cached is None or cached.version != version:
                cached = _cache[key] = load_catalog(version)
    return cached
