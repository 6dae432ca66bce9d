"""The dashboard at scale: covering partial indexes on PostgreSQL, so that every figure reads only the rows it counts
(open cases, cases closed or reported in the period, the feature rows due in the period) from an index, without
visiting the table (see docs/benchmarks.md, "The dashboard at scale").

Revision ID: 0014_dashboard_at_scale
Revises: 0013_retention
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_dashboard_at_scale"
down_revision = "0013_retention"
branch_labels = None
depends_on = None

OPEN = sa.text("status <> 'closed'")
CLOSED = sa.text("status = 'closed'")
TOLD = sa.text("outcome IN ('spoke', 'safe_message')")
SAFETY_PLAN = sa.text("kind = 'safety_plan'")
CASE_SCOPE = ["team_id", "officer_id", "supervisor_id", "restricted", "id"]

# (name, table, columns, included columns, partial predicate). PostgreSQL only: INCLUDE and index-only scans
# are what make them pay; on SQLite (tests, demo) the existing indexes serve the same queries.
INDEXES = [
    ("ix_cases_dashboard_open", "cases", ["team_id", "status", "risk_level"], [*CASE_SCOPE[1:], "reported_at"], OPEN),
    ("ix_cases_dashboard_closed", "cases", ["closed_at"], ["outcome", *CASE_SCOPE], CLOSED),
    ("ix_cases_dashboard_reported", "cases", ["reported_at"], ["channel", *CASE_SCOPE], None),
    ("ix_cases_dashboard_id", "cases", ["id"], [*CASE_SCOPE[:-1], "status"], None),
    ("ix_cases_restricted", "cases", ["id"], [], sa.text("restricted")),
    ("ix_contact_attempts_told", "contact_attempts", ["contacted_at"], ["case_id"], TOLD),
    ("ix_case_decisions_safety_plan", "case_decisions", ["case_id"], [], SAFETY_PLAN),
    ("ix_contact_plans_case_due", "contact_plans", ["case_id"], ["next_update_due_at", "party_id"], None),
    ("ix_decision_notices_due", "decision_notices", ["due_at"], ["case_id", "discharged_at"], None),
    ("ix_referrals_created", "referrals", ["created_at"], ["case_id", "service_id", "status"], None),
    ("ix_referrals_send_due", "referrals", ["send_due_at"], ["case_id", "sent_at"], None),
    ("ix_order_status_changes_effective", "order_status_changes", ["effective_on", "to_status"], ["order_id"], None),
    ("ix_order_breaches_occurred", "order_breaches", ["occurred_at"], ["case_id", "order_id"], None),
    ("ix_protective_orders_expires", "protective_orders", ["expires_on"], ["case_id", "status"], None),
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
