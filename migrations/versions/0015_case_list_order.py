"""Indexes for the case lists in their usual order (newest first, then id) per officer, supervisor and team.

A page of "my cases" or "team cases" is then read straight off an index instead of sorting all of
someone's cases (about 20,000 an officer at a million cases). The supervisor's index starts with the
column of the old single-column index, which it replaces.

Revision ID: 0015_case_list_order
Revises: 0014_dashboard_at_scale
"""
from alembic import op

revision = "0015_case_list_order"
down_revision = "0014_dashboard_at_scale"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_officer_reported", ["officer_id", "reported_at", "id"], unique=False)
        batch_op.create_index("ix_cases_supervisor_reported", ["supervisor_id", "reported_at", "id"], unique=False)
        batch_op.create_index("ix_cases_team_reported", ["team_id", "reported_at", "id"], unique=False)
        batch_op.drop_index("ix_cases_supervisor_id")


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_supervisor_id", ["supervisor_id"], unique=False)
        batch_op.drop_index("ix_cases_team_reported")
        batch_op.drop_index("ix_cases_supervisor_reported")
        batch_op.drop_index("ix_cases_officer_reported")
