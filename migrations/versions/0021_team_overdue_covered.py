"""A covering partial index on the cases that may be overdue, by team, for "overdue only" on PostgreSQL.

"Overdue only" works out every case whose ``overdue_from`` has passed and tests each against the overdue reasons.
At 1,000,000 cases that is 27,000 cases: a bitmap heap scan visiting 4,155 table blocks for a manager, and for a
team a bitmap of the team's 167,000 cases intersected with the candidates. Keyed by team, then ``overdue_from``,
and carrying the columns the lists scope, check and sort by, both are read from the index alone: the manager's
statement 72 -> 60 ms, a team's 53 -> 38 ms (docs/benchmarks.md, "Overdue only from one index").

Revision ID: 0021_team_overdue_covered
Revises: 0020_overdue_reasons_covered
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_team_overdue_covered"
down_revision = "0020_overdue_reasons_covered"
branch_labels = None
depends_on = None

NAME = "ix_cases_team_overdue_covering"
# What the lists scope by (team, owners, restriction), test (status) and sort by (SORT_COLUMNS, then id).
INCLUDED = [
    "id",
    "restricted",
    "officer_id",
    "supervisor_id",
    "created_by_id",
    "status",
    "reported_at",
    "reference",
    "updated_at",
]


def upgrade():
    # PostgreSQL only (INCLUDE), as in 0014_dashboard_at_scale: SQLite keeps ix_cases_overdue_from.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        NAME,
        "cases",
        ["team_id", "overdue_from"],
        unique=False,
        postgresql_include=INCLUDED,
        postgresql_where=sa.text("overdue_from IS NOT NULL"),
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(NAME, table_name="cases")
