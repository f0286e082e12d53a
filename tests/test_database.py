"""SQLite set-up: pragmas, and write transactions that take the lock up front while reads do not.

These build their own SQLite file database, so they run in the PostgreSQL suite as well.
"""

import pytest
import sqlalchemy as sa

from config import TestConfig
from schoolpartners import create_app
from schoolpartners.extensions import db, limiter


@pytest.fixture
def sqlite_app(app, tmp_path):
    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'begin.db'}"

    other = create_app(FileConfig)
    with other.app_context():
        db.metadata.create_all(db.engine)
    yield other
    with other.app_context():
        db.engine.dispose()
    limiter.init_app(app)  # the extension is shared: point it back at the suite's storage


def test_sqlite_connections_have_the_pragmas(sqlite_app):
    with sqlite_app.app_context(), db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_post_requests_begin_immediate_and_get_requests_do_not(sqlite_app):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            statements.append(statement)

    with sqlite_app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
    client = sqlite_app.test_client()
    client.get("/twin-cities")
    assert statements == ["BEGIN"]
    statements.clear()
    client.post("/login", data={"email": "nobody@example.org", "password": "x"})
    assert statements == ["BEGIN IMMEDIATE"]
