"""Row locks for state changes: every service that moves an object from one state to another locks it first.

`lock(obj)` takes the row lock (PostgreSQL: `SELECT … FOR UPDATE`) and re-reads the object's state under it, so a
transition decided afterwards sees what a concurrent request committed a moment before. An object the session
already holds is not re-read by a plain query; `refresh` re-reads it. On SQLite a write request already holds the
database's write lock (`BEGIN IMMEDIATE`, database.py), and the refresh still re-reads.
"""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa

from .extensions import db

T = TypeVar("T")


def lock(obj: T) -> T:
    """Lock `obj`'s row and re-read its state; returns it for chaining.

    `FOR UPDATE OF` its own table only: an object loaded with `joinedload` is refreshed with the same outer joins,
    and PostgreSQL cannot lock the nullable side of an outer join."""
    db.session.refresh(obj, with_for_update={"of": type(obj)})
    return obj


def get_locked(model: type[T], ident) -> T | None:
    """Load one row by primary key under its row lock, re-read even if the session already holds it."""
    mapper = sa.inspect(model)
    (key,) = mapper.primary_key
    return db.session.scalars(
        sa.select(model).where(key == ident).with_for_update(of=model).execution_options(populate_existing=True)
    ).one_or_none()
