"""A page of results whose ids were chosen in memory (the directory), shaped like Flask-SQLAlchemy's."""

from __future__ import annotations

import math
from dataclasses import dataclass


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


def page_number(value: str | None) -> int:
    """The ?page= argument as a positive number (1 for anything else)."""
    return int(value) if value and value.isdigit() and 0 < int(value) < 100_000 else 1
