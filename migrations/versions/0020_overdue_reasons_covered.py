"""Covering partial indexes for the overdue reasons on PostgreSQL, so each reason's overdue rows are read from an
index without visiting the table.

"Overdue only" and the dashboard work out every reason's overdue cases at once (hashed sets). The risk-review
and allocation reasons shared ``ix_cases_overdue`` and then visited every case it named (a bitmap over 100,000
open cases at 1,000,000); scheduled updates visited every plan due; SPO notifications read every order with a
notification date, made or not. At 100,000 cases the "overdue only" statement went from 11.9 to 6.4 ms, its
reasons from 6 to 2.5 ms (docs/benchmarks.md, "Overdue reasons from their own indexes").

Revision ID: 0020_overdue_reasons_covered
Revises: 0019_overdue_by_owner
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_overdue_reasons_covered"
down_revision = "0019_overdue_by_owner"
branch_labels = None
depends_on = None

# (name, table, columns, included columns, partial predicate). PostgreSQL only, as in 0014_dashboard_at_scale:
# SQLite (tests, demo) keeps ix_cases_overdue and the plain indexes for the same reasons.
INDEXES = [
    ("ix_cases_risk_review_open", "cases", ["id"], [], sa.text("risk_review_due AND status <> 'closed'")),
    ("ix_cases_awaiting_allocation", "cases", ["reported_at"], ["id"], sa.text("status = 'reported'")),
    ("ix_contact_plans_due_covering", "contact_plans", ["next_update_due_at"], ["case_id", "party_id"], None),
    (
        "ix_protective_orders_notification_owed",
        "protective_orders",
        ["notification_due_at"],
        ["case_id", "status", "expires_on"],
        sa.text("notification_due_at IS NOT NULL AND notification_made_on IS NULL"),
    ),
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, columns, include, where in INDEXES:
        op.create_index(name, table, columns, unique=False, postgresql_include=include, postgresql_where=where)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, *_ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
