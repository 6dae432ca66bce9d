"""Dated decisions on a case (MARAC considered, safety plan agreed: who and when), and an index for "my cases"
including the reports a user recorded that still await allocation.

Revision ID: 0011_case_decisions
Revises: 0010_sessions_and_sign_in
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_case_decisions"
down_revision = "0010_sessions_and_sign_in"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("marac", "safety_plan", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "marac_referred",
                "marac_not_referred",
                "plan_agreed",
                "plan_declined",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_decisions_case_id_cases")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_case_decisions_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_decisions")),
    )
    with op.batch_alter_table("case_decisions", schema=None) as batch_op:
        batch_op.create_index("ix_case_decisions_case_kind", ["case_id", "kind", "decided_at"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_created_by_status", ["created_by_id", "status"], unique=False)


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_created_by_status")
    with op.batch_alter_table("case_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_case_decisions_case_kind")
    op.drop_table("case_decisions")
