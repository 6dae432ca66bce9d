"""A partial index on the closed cases that may still be overdue (``overdue_from`` set).

The dashboard's caseload pass counts, besides the open cases, the closed cases still overdue (a
key-decision notice or a referral owed) for each officer. It tested every overdue case of the force
against ``cases`` (26,000 lookups at 1,000,000 cases); the closed cases with ``overdue_from`` set are
about 2,000 there, read from this index.

Revision ID: 0017_closed_overdue_from
Revises: 0016_overdue_from
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_closed_overdue_from"
down_revision = "0016_overdue_from"
branch_labels = None
depends_on = None

CLOSED_SET = sa.text("status = 'closed' AND overdue_from IS NOT NULL")


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_closed_overdue_from",
            ["overdue_from"],
            unique=False,
            postgresql_where=CLOSED_SET,
            sqlite_where=CLOSED_SET,
        )


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_closed_overdue_from")
