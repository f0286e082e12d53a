"""files: when a stored file's metadata was removed (Finding #6, Issue 10 item 3)

Files stored before this revision have none: `flask clean-file-metadata` cleans them and sets it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 16:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submission_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metadata_removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("submission_file", schema=None) as batch_op:
        batch_op.drop_column("metadata_removed_at")
