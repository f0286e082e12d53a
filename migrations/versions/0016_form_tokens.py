"""form_tokens

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    # One-time tokens of create forms already sent, so a retried form creates nothing twice.
    op.create_table(
        "used_form_token",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_used_form_token"),
    )
    with op.batch_alter_table("used_form_token", schema=None) as batch_op:
        batch_op.create_index("ix_used_form_token_created_at", ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("used_form_token", schema=None) as batch_op:
        batch_op.drop_index("ix_used_form_token_created_at")
    op.drop_table("used_form_token")
