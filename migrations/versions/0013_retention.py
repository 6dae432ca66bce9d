"""Retention: dated review decisions on closed cases, an index on closure dates for the report, the audit
action "erase" (erasure is now recorded), and an index on audit actions for the audit viewer.

Review dates are computed (casework/retention/queries.py), so already-closed cases need no data step.

Revision ID: 0013_retention
Revises: 0012_access_list_removal
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_retention"
down_revision = "0012_access_list_removal"
branch_labels = None
depends_on = None

ACTIONS = ["view", "create", "update", "disclose", "combine", "sign_in", "sign_out", "sign_in_failed", "access_denied"]
SQLITE_APPEND_ONLY = tuple(
    f"""CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"""
    for verb in ("UPDATE", "DELETE")
)


def _allow_actions(actions):
    """Change the CHECK constraint on audit_events.action. SQLite rebuilds the table (dropping its
    append-only triggers with it), so they are made again straight after."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    listed = ", ".join(f"'{action}'" for action in actions)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint("ck_audit_events_action", type_="check")
        batch_op.create_check_constraint("ck_audit_events_action", sa.text(f"action IN ({listed})"))
    if sqlite:
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)


def upgrade():
    op.create_table(
        "retention_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum("retain", "erase", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_retention_decisions_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_retention_decisions_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_decisions")),
    )
    op.create_index("ix_retention_decisions_case", "retention_decisions", ["case_id", "created_at"], unique=False)
    op.create_index("ix_cases_closed_at", "cases", ["closed_at"], unique=False)
    _allow_actions([*ACTIONS, "erase"])
    op.create_index("ix_audit_events_action", "audit_events", ["action", "created_at"], unique=False)


def downgrade():
    op.drop_index("ix_audit_events_action", table_name="audit_events")
    _allow_actions(ACTIONS)
    op.drop_index("ix_cases_closed_at", table_name="cases")
    op.drop_index("ix_retention_decisions_case", table_name="retention_decisions")
    op.drop_table("retention_decisions")
