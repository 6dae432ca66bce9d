"""A partial index on each user's current access list, by user then case.

Every case list, count and dashboard figure tests restricted cases against the user's access list
(``security.visible_cases_clause``), which PostgreSQL hashes once per statement. The index on
``user_id`` alone made it visit the table for each entry: 25 ms cold, 6.6 ms warm for a manager on
15,000 lists at 1,000,000 cases. Read from this index alone it takes 3.7 ms, and the list's page
statement 13 ms instead of 35.

Revision ID: 0018_case_access_by_user
Revises: 0017_closed_overdue_from
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_case_access_by_user"
down_revision = "0017_closed_overdue_from"
branch_labels = None
depends_on = None

CURRENT = sa.text("removed_at IS NULL")


def upgrade():
    with op.batch_alter_table("case_access", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_access_current_by_user",
            ["user_id", "case_id"],
            unique=False,
            postgresql_where=CURRENT,
            sqlite_where=CURRENT,
        )


def downgrade():
    with op.batch_alter_table("case_access", schema=None) as batch_op:
        batch_op.drop_index("ix_case_access_current_by_user")
