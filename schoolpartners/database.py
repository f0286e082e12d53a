"""Engine set-up: SQLite pragmas and write transactions that cannot lose updates."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_writing: ContextVar[bool] = ContextVar("writing", default=False)


@contextmanager
def writes() -> Iterator[None]:
    """Transactions begun inside this block take SQLite's write lock up front, as a write request does.

    For work outside a request that writes: CLI jobs (`flask send-mail`, `flask daily`) and tests holding a lock.
    On PostgreSQL it changes nothing; there row locks (`locking.lock`) serialise state changes."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def takes_write_lock() -> bool:
    """Whether a transaction begun now starts with BEGIN IMMEDIATE on SQLite."""
    return _writing.get() or (has_request_context() and request.method not in SAFE_METHODS)


def configure_engine(engine: Engine) -> None:
    """Install the SQLite recipe on an engine; PostgreSQL needs nothing here."""
    if engine.dialect.name != "sqlite" or getattr(engine, "_sp_configured", False):
        return
    engine._sp_configured = True  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself (SQLAlchemy's documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if engine.url.database and engine.url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A request that may write takes the write lock up front, so two workers
        # cannot both read, modify and write back the same row.
        if takes_write_lock():
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")
