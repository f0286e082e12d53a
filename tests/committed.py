"""Tests that need committed data and several connections (races, lock waits): a database of their own per test
module, outside the rolled-back transaction of every other test.

Mark the module `pytestmark = pytest.mark.committed` and use the `committed_app` fixture: an app on a fresh,
migrated database (a copy of one migrated once per run), with its own connection pool. Build data inside
`with committed_app.app_context():` and commit it; every request of its test clients runs in its own session, as
in production.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.orm import Session

from config import TestConfig
from schoolpartners import create_app
from schoolpartners.database import writes
from schoolpartners.extensions import db, limiter

LOCK_TIMEOUT_MS = 10_000  # how long a waiting transaction waits for a row lock before it gives up


def _is_postgres(url: str | None) -> bool:
    return bool(url and url.startswith("postgresql"))


@contextmanager
def postgres_database(server: str, name: str, template: str | None = None) -> Iterator[str]:
    """A database `name` created on the PostgreSQL server of the URL `server` (a copy of `template`, if given) and
    dropped afterwards; yields its URL."""
    url = sa.make_url(server)
    name = name[:63]
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _app_on(url: str, upload_dir: str) -> Flask:
    class CommittedConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_DIR = upload_dir
        SQLALCHEMY_ENGINE_OPTIONS = (
            {"connect_args": {"options": f"-c lock_timeout={LOCK_TIMEOUT_MS}"}} if _is_postgres(url) else {}
        )

    from tests.conftest import IsolatedClient

    application = create_app(CommittedConfig)
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture(scope="session")
def committed_template(app):
    """One migrated database per run, copied for every module (PostgreSQL: a template database)."""
    base = os.environ.get("TEST_DATABASE_URL")
    upload_dir = tempfile.mkdtemp(prefix="sp-committed-uploads-")
    with ExitStack() as stack:
        if _is_postgres(base):
            name = f"{sa.make_url(base).database}_tpl_{os.getpid()}"
            template_url = stack.enter_context(postgres_database(base, name))
        else:
            folder = Path(tempfile.mkdtemp(prefix="sp-committed-"))
            stack.callback(shutil.rmtree, folder, ignore_errors=True)
            template_url = f"sqlite:///{folder / 'template.db'}"
        template = _app_on(template_url, upload_dir)
        with template.app_context():
            upgrade()
            db.engine.dispose()
        limiter.init_app(app)  # the extension is shared: point it back at the suite's storage
        yield template_url


@pytest.fixture(scope="module")
def committed_app(app, committed_template, request):
    """An app on a fresh copy of the migrated database, for this module alone."""
    module = request.module.__name__.rsplit(".", 1)[-1][:30]
    upload_dir = tempfile.mkdtemp(prefix="sp-committed-uploads-")
    with ExitStack() as stack:
        if _is_postgres(committed_template):
            template = sa.make_url(committed_template).database
            module_url = stack.enter_context(postgres_database(committed_template, f"{template}_{module}", template))
        else:
            source = Path(sa.make_url(committed_template).database)
            target = source.with_name(f"{module}.db")
            shutil.copyfile(source, target)
            module_url = f"sqlite:///{target}"
        application = _app_on(module_url, upload_dir)
        yield application
        with application.app_context():
            db.engine.dispose()
        limiter.init_app(app)
        shutil.rmtree(upload_dir, ignore_errors=True)


def together(*calls: Callable[[], object], timeout: float = 60) -> list:
    """Run the calls in threads released at the same moment by a barrier; their results (or exceptions) in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 — returned to the test, which asserts on it
            results[index] = exc

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a call did not finish"
    return results


class Background:
    """A call running in a thread; `result()` waits for it and returns its value (or raises its exception)."""

    def __init__(self, call: Callable[[], object]):
        self._value: object = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,))
        self._thread.start()

    def _run(self, call):
        try:
            self._value = call()
        except BaseException as exc:  # noqa: BLE001 — re-raised in result()
            self._error = exc

    def result(self, timeout: float = 60):
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the call did not finish"
        if self._error is not None:
            raise self._error
        return self._value


@contextmanager
def holding_lock(application: Flask, model, ident) -> Iterator[Session]:
    """A separate session that holds the row lock on one row (SQLite: the database's write lock) until the block
    ends; change the row through the yielded session and commit it inside the block to release it with the new
    state, as a concurrent request that got there first would."""
    with application.app_context():
        session = Session(db.engine)
        try:
            with writes():
                row = session.get(model, ident, with_for_update=True)
            assert row is not None
            yield session
        finally:
            session.rollback()
            session.close()


def wait_for_lock_waiters(application: Flask, count: int = 1, timeout: float = 10) -> None:
    """Return once `count` other transactions wait for a lock (PostgreSQL); on SQLite, a moment for the waiting
    request to reach its BEGIN IMMEDIATE (SQLite cannot tell; the outcome asserted is the same either way)."""
    with application.app_context():
        if db.engine.dialect.name != "postgresql":
            time.sleep(0.3)
            return
        deadline = time.monotonic() + timeout
        query = sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        with db.engine.connect() as conn:
            while conn.execute(query).scalar() < count:
                assert time.monotonic() < deadline, "no transaction came to wait for the lock"
                time.sleep(0.02)
                conn.rollback()
