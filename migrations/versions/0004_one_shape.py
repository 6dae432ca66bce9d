"""One shape: incidents get a version counter like cases and users (one optimistic-locking mechanism),
and the audit action "erase", which nothing records, leaves the audit trail's list of actions.

Revision ID: 0004_one_shape
Revises: 0003_case_list_at_scale
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_one_shape"
down_revision = "0003_case_list_at_scale"
branch_labels = None
depends_on = None


ACTIONS = ["view", "create", "update", "disclose", "combine", "sign_in", "sign_out", "sign_in_failed", "access_denied"]


def _allow_actions(actions):
    listed = ", ".join(f"'{action}'" for action in actions)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint("ck_audit_events_action", type_="check")
        batch_op.create_check_constraint("ck_audit_events_action", sa.text(f"action IN ({listed})"))


def upgrade():
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_id", sa.Integer(), server_default="1", nullable=False))
    _allow_actions(ACTIONS)


def downgrade():
    _allow_actions([*ACTIONS[:5], "erase", *ACTIONS[5:]])
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("version_id")
