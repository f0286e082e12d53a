"""family_data

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 16:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    # A deleted staff account keeps its row (foreign keys hold), named "former staff member of <school>".
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("former_of_school_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_users_former_of_school_id_school", "school", ["former_of_school_id"], ["id"]
        )
    # Who asked for a pupil's deletion, when, and which account id (never the pupil's name).
    op.create_table(
        "deletion_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name="fk_deletion_record_school_id_school", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name="fk_deletion_record_requested_by_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deletion_record"),
    )
    with op.batch_alter_table("deletion_record", schema=None) as batch_op:
        batch_op.create_index("ix_deletion_record_student_id", ["student_id"], unique=False)


def downgrade():
    with op.batch_alter_table("deletion_record", schema=None) as batch_op:
        batch_op.drop_index("ix_deletion_record_student_id")
    op.drop_table("deletion_record")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("fk_users_former_of_school_id_school", type_="foreignkey")
        batch_op.drop_column("former_of_school_id")
        batch_op.drop_column("deleted_at")
