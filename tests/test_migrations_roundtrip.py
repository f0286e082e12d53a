"""Every migration goes down and up again with the demo world in the database, on a database of its own.

From an empty database: upgrade to head, load the twin cities and seed the demo world; downgrade to the first
revision (the rows of its tables stay) and upgrade to head again with those rows in place; downgrade to base,
upgrade to head, and the schema agrees with the models. Migrations added later are covered as they come.
"""

import os
import sqlite3
import tempfile
from contextlib import ExitStack

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade

from schoolpartners.cities.services import load_twin_cities
from schoolpartners.demo import seed_demo
from schoolpartners.extensions import db, limiter
from tests.committed import _app_on, _is_postgres, postgres_database


@pytest.fixture
def empty_app(app, tmp_path):
    """An app on an empty database of its own (PostgreSQL: created on the suite's server, dropped afterwards)."""
    base = os.environ.get("TEST_DATABASE_URL")
    with ExitStack() as stack:
        if _is_postgres(base):
            name = f"{sa.make_url(base).database}_roundtrip_{os.getpid()}"
            database_url = stack.enter_context(postgres_database(base, name))
        else:
            database_url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
        application = _app_on(database_url, tempfile.mkdtemp(prefix="sp-roundtrip-uploads-", dir=tmp_path))
        yield application
        with application.app_context():
            db.engine.dispose()
        limiter.init_app(app)  # the extension is shared: point it back at the suite's storage


def row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {name: conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar() for name in names}


def first_revision() -> str:
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    (base,) = script.get_bases()
    return base


def test_migrations_go_down_and_up_with_the_demo_world(empty_app):
    with empty_app.app_context():
        upgrade()
        load_twin_cities()
        seed_demo()
        db.session.commit()
        db.session.remove()
        seeded = row_counts()
        assert seeded["users"] > 20 and seeded["project"] > 0 and seeded["class_membership"] > 0

        downgrade(revision=first_revision())
        kept = row_counts()
        assert kept["users"] == seeded["users"] and kept["school"] == seeded["school"]
        upgrade()  # every later step runs with rows in users, schools and cities
        assert {name: row_counts()[name] for name in kept} == kept

        downgrade(revision="base")
        assert row_counts() == {"alembic_version": 0}
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            assert compare_metadata(context, db.metadata) == []
            if conn.dialect.name == "sqlite":  # the migrations turn foreign keys off for their run, and on again
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.fixture
def sqlite_app(app, tmp_path):
    """A SQLite file database, in the PostgreSQL suite as well: the check below is SQLite's own."""
    application = _app_on(f"sqlite:///{tmp_path / 'check.db'}", str(tmp_path))
    yield application
    with application.app_context():
        db.engine.dispose()
    limiter.init_app(app)


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_on_sqlite_a_step_that_leaves_a_reference_pointing_nowhere_is_rolled_back(sqlite_app, tmp_path):
    with sqlite_app.app_context():
        upgrade()
        head = current_revision()
        dangling = sqlite3.connect(tmp_path / "check.db")  # a plain connection: foreign keys off
        with dangling:
            dangling.execute("INSERT INTO search_token (school_id, key) VALUES (999999, 'nowhere')")
        dangling.close()

        with pytest.raises(SystemExit):  # Flask-Migrate reports the error and exits
            downgrade(revision="-1")
        assert current_revision() == head  # the step was rolled back
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
