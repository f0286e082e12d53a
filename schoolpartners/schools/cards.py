"""School cards for the directory, rendered once per school, language and catalogue version.

A directory page is mostly cards; rendering them anew on every request cost more than everything else
together. The key holds the catalogue version, so any profile change shows at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import get_template_attribute
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..lru import LRU
from .models import School

cards = LRU(5000)


def school_cards(ids: list[int], version: int, locale: str) -> list[Markup]:
    """The rendered cards of these schools, in this order (one query for those not yet rendered)."""
    found = {i: cards.get((version, locale, i)) for i in ids}
    missing = [i for i, card in found.items() if card is None]
    if missing:
        render = get_template_attribute("schools/_card.html", "school_card")
        for school in db.session.scalars(
            sa.select(School).where(School.id.in_(missing)).options(joinedload(School.city))
        ):
            found[school.id] = cards[(version, locale, school.id)] = Markup(render(school))  # noqa: S704
    return [found[i] for i in ids if found[i] is not None]
