"""People can be taken off a restricted case's access list: a grant becomes a dated row
(``removed_at``, who removed it and why), and only current grants must be unique.

Revision ID: 0012_access_list_removal
Revises: 0011_case_decisions
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_access_list_removal"
down_revision = "0011_case_decisions"
branch_labels = None
depends_on = None

CURRENT = sa.text("removed_at IS NULL")


def upgrade():
    with op.batch_alter_table("case_access", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("removed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("removal_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_access_removed_by_id_users"), "users", ["removed_by_id"], ["id"]
        )
        batch_op.drop_constraint("uq_case_access_case_id", type_="unique")
        batch_op.create_index(
            "uq_case_access_current",
            ["case_id", "user_id"],
            unique=True,
            postgresql_where=CURRENT,
            sqlite_where=CURRENT,
        )


def downgrade():
    op.execute("DELETE FROM case_access WHERE removed_at IS NOT NULL")
    with op.batch_alter_table("case_access", schema=None) as batch_op:
        batch_op.drop_index("uq_case_access_current")
        batch_op.create_unique_constraint("uq_case_access_case_id", ["case_id", "user_id"])
        batch_op.drop_constraint(batch_op.f("fk_case_access_removed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("removal_reason")
        batch_op.drop_column("removed_by_id")
        batch_op.drop_column("removed_at")
