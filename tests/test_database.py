"""SQLite write transactions take the lock up front; reads do not."""

import pytest
import sqlalchemy as sa

from schoolpartners.extensions import db


def test_sqlite_connections_have_the_pragmas(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000
    assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_post_requests_begin_immediate_and_get_requests_do_not(app, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    from config import TestConfig
    from schoolpartners import create_app
    from schoolpartners.extensions import limiter

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'begin.db'}"

    other = create_app(FileConfig)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            statements.append(statement)

    with other.app_context():
        db.metadata.create_all(db.engine)
        sa.event.listen(db.engine, "before_cursor_execute", record)
    client = other.test_client()
    try:
        client.get("/twin-cities")
        assert statements == ["BEGIN"]
        statements.clear()
        client.post("/login", data={"email": "nobody@example.org", "password": "x"})
        assert statements == ["BEGIN IMMEDIATE"]
    finally:
        with other.app_context():
            db.engine.dispose()
        limiter.init_app(app)  # the extension is shared: point it back at the suite's storage
