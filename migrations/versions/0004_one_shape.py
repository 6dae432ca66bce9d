"""One optimistic-locking mechanism: incidents get a version counter like cases and users.

Revision ID: 0004_one_shape
Revises: 0003_case_list_at_scale
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_one_shape"
down_revision = "0003_case_list_at_scale"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_id", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("version_id")
