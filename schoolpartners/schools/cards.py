"""School cards for the directory, rendered once per school, language and catalogue version.

A directory page is mostly cards; rendering them anew on every request cost more than everything else
together. The key holds the catalogue version, so any profile change shows at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import sqlalchemy as sa
from flask import current_app, get_template_attribute
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from ..extensions import db
from .models import School

MAX_CARDS = 5000
_cards: OrderedDict[tuple, Markup] = OrderedDict()
_lock = threading.Lock()


def school_cards(ids: list[int], version: int, locale: str) -> list[Markup]:
    """The rendered cards of these schools, in this order (one query for those not yet rendered)."""
    prefix = (current_app.config["SQLALCHEMY_DATABASE_URI"], version, locale)
    missing = [i for i in ids if (*prefix, i) not in _cards]
    if missing:
        render = get_template_attribute("schools/_card.html", "school_card")
        schools = db.session.scalars(sa.select(School).where(School.id.in_(missing)).options(joinedload(School.city)))
        fresh = {school.id: Markup(render(school)) for school in schools}  # noqa: S704  rendered by Jinja (escaped)
        with _lock:
            for school_id, card in fresh.items():
                _cards[(*prefix, school_id)] = card
            while len(_cards) > MAX_CARDS:
                _cards.popitem(last=False)
    found = [_cards.get((*prefix, i)) for i in ids]
    return [card for card in found if card is not None]
