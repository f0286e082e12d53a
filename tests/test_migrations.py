"""The migrations build the schema (conftest runs them) and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from schoolpartners.extensions import db


def test_models_and_migrations_agree(app, _transaction):
    context = MigrationContext.configure(_transaction, opts={"compare_type": True, "render_as_batch": True})
    diff = compare_metadata(context, db.metadata)
    assert diff == []
