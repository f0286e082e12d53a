"""The daily jobs (`flask daily`, or one by one): each idempotent, each in a short transaction of its own.

A job is to the CLI what a request is to a view: it commits once, here, so `flask daily` and the single commands
share it. Its transaction takes SQLite's write lock up front (`writes()`), as a write request does, so a web
request writing at the same moment makes it wait (busy timeout), never fail with "database is locked".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from .database import writes
from .extensions import db
from .formtokens import purge_form_tokens
from .partnerships.services import expire_overdue
from .privacy.erase import purge_archived, remove_files
from .sqltypes import utcnow
from .submissions.models import SubmissionFile
from .uploads import delete_stored, leftover_parts, settled_stored_names

NAMES_PER_QUERY = 500
FORM_TOKEN_DAYS = 2  # a form is retried within minutes of a lost answer, never days later


def expire_requests() -> str:
    """Mark partnership requests older than 60 days as expired."""
    with writes():
        count = expire_overdue()
        db.session.commit()
    return f"{count} requests expired."


def purge_archived_students() -> str:
    """Delete student accounts archived longer than STUDENT_RETENTION_DAYS, with their data and files."""
    with writes():
        erased = purge_archived()
        db.session.commit()
    remove_files(erased.files)  # only once the rows are gone for good (Finding #7)
    return f"{erased.count} archived student accounts deleted."


def clean_uploads(now: float | None = None) -> str:
    """Remove what killed requests left in UPLOAD_DIR: `.part-*` files older than a day and stored files that no
    row names, but never a file younger than an hour (its request may not have committed yet). `now`: epoch
    seconds."""
    folder = current_app.config["UPLOAD_DIR"]
    now = time.time() if now is None else now
    parts = leftover_parts(folder, now)
    for path in parts:
        path.unlink(missing_ok=True)
    names = settled_stored_names(folder, now)
    with writes():
        known = _known_names(names)
        db.session.commit()
    orphans = [name for name in names if name not in known]
    for name in orphans:
        delete_stored(folder, name)
    return f"{len(parts)} partial uploads and {len(orphans)} files without a record removed."


def _known_names(names: list[str]) -> set[str]:
    """The names among `names` that a stored file's row points at (a bounded number of queries per chunk)."""
    known: set[str] = set()
    for start in range(0, len(names), NAMES_PER_QUERY):
        chunk = names[start : start + NAMES_PER_QUERY]
        known.update(
            db.session.scalars(sa.select(SubmissionFile.storage_name).where(SubmissionFile.storage_name.in_(chunk)))
        )
    return known


def forget_form_tokens() -> str:
    """Forget the one-time tokens of forms sent more than FORM_TOKEN_DAYS ago."""
    with writes():
        count = purge_form_tokens(utcnow() - timedelta(days=FORM_TOKEN_DAYS))
        db.session.commit()
    return f"{count} used form tokens forgotten."


# Every daily job, in the order `flask daily` runs them; jobs later issues add go here too.
DAILY: tuple[tuple[str, Callable[[], str]], ...] = (
    ("expire-requests", expire_requests),
    ("purge-archived", purge_archived_students),
    ("clean-uploads", clean_uploads),
    ("forget-form-tokens", forget_form_tokens),
)
