"""One-time form tokens: a create form sent twice (a retry after a lost answer) creates one row."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .sqltypes import UTCDateTime, utcnow


class UsedFormToken(db.Model):
    """A token whose form has been sent; committed with what the form created, or rolled back with it."""

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def new_form_token() -> str:
    """A fresh token for a form about to be shown."""
    return secrets.token_urlsafe(24)


def claim_form_token(token: str) -> bool:
    """Record `token` as used in the current transaction; False when it already was (nothing is recorded).

    The savepoint turns the loser of two identical submits racing each other into a plain False: on PostgreSQL
    its insert waits for the winner's commit and then meets the primary key."""
    if db.session.get(UsedFormToken, token) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(UsedFormToken(token=token))
    except sa.exc.IntegrityError:
        return False
    return True


def purge_form_tokens(older_than: datetime) -> int:
    """Forget tokens used before `older_than` (a form is not retried days later); the number removed."""
    result = db.session.execute(sa.delete(UsedFormToken).where(UsedFormToken.created_at < older_than))
    return result.rowcount
