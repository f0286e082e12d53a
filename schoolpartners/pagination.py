"""A page of results whose ids were chosen in memory (the directory), shaped like Flask-SQLAlchemy's."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .routing import MAX_ID


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


MAX_PAGE = 100_000  # an OFFSET beyond this is never a page someone reads, and a huge one overflows the driver


def page_number(value: str | None) -> int:
    """The ?page= argument as a positive number (1 for anything else, "²" and 10²³ included)."""
    return int(value) if value and value.isdecimal() and 0 < int(value) < MAX_PAGE else 1


def row_id(value: str | None) -> int | None:
    """An id from a query argument (?post=), or None when it cannot name a row (not a number, beyond INTEGER)."""
    return int(value) if value and value.isdecimal() and 0 < int(value) <= MAX_ID else None
