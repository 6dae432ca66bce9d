"""Each case's ``overdue_from``: the earliest instant an overdue reason could apply to it, with a partial index.

The case lists, the red panel and the home-page counts test the overdue reasons only on the cases
whose ``overdue_from`` has passed (``casework/cases/overdue.py``), instead of working every reason out
over the whole force. Backfilled here from the reasons as they stand at this revision; the app keeps
it current from then on.

Revision ID: 0016_overdue_from
Revises: 0015_case_list_order
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_overdue_from"
down_revision = "0015_case_list_order"
branch_labels = None
depends_on = None

SET = sa.text("overdue_from IS NOT NULL")

# Each reason's earliest instant, correlated to the case being updated (see each reason's ``since``).
INSTANTS = [
    "CASE WHEN cases.risk_review_due AND cases.status <> 'closed' THEN cases.reported_at END",
    "CASE WHEN cases.status = 'reported' THEN cases.reported_at END",
    "CASE WHEN cases.status <> 'closed' THEN"
    " (SELECT min(next_update_due_at) FROM contact_plans WHERE contact_plans.case_id = cases.id) END",
    "(SELECT min(due_at) FROM decision_notices WHERE decision_notices.case_id = cases.id"
    " AND decision_notices.discharged_at IS NULL)",
    "(SELECT min(review_due_at) FROM do_not_contact_flags WHERE do_not_contact_flags.case_id = cases.id"
    " AND do_not_contact_flags.lifted_at IS NULL)",
    "CASE WHEN cases.status <> 'closed' THEN"
    " (SELECT min(notification_due_at) FROM protective_orders WHERE protective_orders.case_id = cases.id"
    " AND protective_orders.notification_made_on IS NULL) END",
    "(SELECT min(send_due_at) FROM referrals WHERE referrals.case_id = cases.id AND referrals.status = 'proposed')",
]
NEVER = "'9999-12-31 00:00:00.000000'"


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overdue_from", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_cases_overdue_from", ["overdue_from"], unique=False, postgresql_where=SET, sqlite_where=SET
        )
    if op.get_bind().dialect.name == "postgresql":
        earliest = f"LEAST({', '.join(INSTANTS)})"
    else:  # SQLite's min(a, b, ...) is NULL if any argument is
        earliest = f"NULLIF(min({', '.join(f'coalesce({instant}, {NEVER})' for instant in INSTANTS)}), {NEVER})"
    op.execute(f"UPDATE cases SET overdue_from = {earliest}")


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_overdue_from")
        batch_op.drop_column("overdue_from")
