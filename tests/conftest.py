"""Shared fixtures: one app and schema per run, a rolled-back transaction per test."""

from __future__ import annotations

import contextvars
import os
import re
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings

from config import TestConfig
from schoolpartners import create_app
from schoolpartners.extensions import db, limiter
from schoolpartners.lru import LRU
from schoolpartners.schools import catalog

pytest_plugins = ["tests.factories", "tests.committed"]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
IN_CI = bool(os.environ.get("CI"))


def _database_url() -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    folder = tempfile.mkdtemp(prefix="sp-test-")
    return f"sqlite:///{Path(folder) / 'test.db'}"


settings.register_profile("schoolpartners", deadline=None)  # CI machines are slow and shared
settings.load_profile("schoolpartners")


def pytest_report_header(config):
    from tests.e2e.conftest import CHROMIUM, chromium_available

    backend = "PostgreSQL" if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgres") else "SQLite"
    lines = [f"schoolpartners: database {backend}"]
    if not chromium_available():
        verdict = "a failure, because CI is set" if IN_CI else "skipped"
        lines.append(f"schoolpartners: Chromium not found at {CHROMIUM}: the browser journeys are {verdict}")
    return lines


def reset_schema() -> None:
    """Start from an empty database and build it with the migrations, as production does."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade()


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as in production: its own app context, `g`,
    locale and current_user, and its own database session (on the test's connection)."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test's objects re-read what the request changed
        return response


@pytest.fixture(scope="session")
def app():
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = _database_url()
        UPLOAD_DIR = tempfile.mkdtemp(prefix="sp-uploads-")

    application = create_app(Config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        try:
            reset_schema()
        except sa.exc.OperationalError as exc:
            pytest.exit(f"test database not reachable: {exc}", returncode=3)
    yield application
    with application.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter drops them


@pytest.fixture(autouse=True)
def _transaction(app, request):
    """Each test runs in a transaction that is rolled back; views' commits become savepoints.

    Tests marked `committed` (tests/committed.py) commit for real on a database of their own instead."""
    if request.node.get_closest_marker("committed"):
        limiter.reset()
        catalog._cache.clear()
        LRU.clear_all()
        yield None
        return
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        original_session = db.session
        db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        limiter.reset()
        catalog._cache.clear()  # versions restart with every rolled-back test
        LRU.clear_all()
        try:
            yield connection
        finally:
            db.session.remove()
            db.session = original_session
            engines[None] = engine
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def csrf_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK)", statement):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def queries(_transaction):
    """Counts the SQL statements a block runs (savepoint bookkeeping excluded)."""
    counter = QueryCounter()
    sa.event.listen(_transaction, "before_cursor_execute", counter)
    yield counter
    sa.event.remove(_transaction, "before_cursor_execute", counter)


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (lock waits, NUL bytes, …) are deselected on SQLite, so they do not count as skipped."""
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgres"):
        return
    kept = [item for item in items if not item.get_closest_marker("postgres_only")]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker("postgres_only")])
        items[:] = kept


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may be skipped: a skipped browser journey or database test is a failure there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if IN_CI and skipped and session.exitstatus == 0:
        reporter.write_line(f"schoolpartners: {len(skipped)} test(s) skipped, which CI does not allow", red=True)
        session.exitstatus = 1
