"""Reminders: the outbox of messages owed about obligations (staff reminders, escalations, victim messages).

Revision ID: 0005_reminders
Revises: 0004_one_shape
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_reminders"
down_revision = "0004_one_shape"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")
CLAIMED = sa.text("status = 'claimed'")


def upgrade():
    op.create_table(
        "reminders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("staff", "victim", native_enum=False, create_constraint=True, length=8),
            nullable=False,
        ),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum("due", "escalation", native_enum=False, create_constraint=True, length=12),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "claimed", "sent", "failed", "cancelled",
                native_enum=False, create_constraint=True, length=12,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column(
            "channel",
            sa.Enum("email", "sms", native_enum=False, create_constraint=True, length=8),
            nullable=True,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_reminders_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "kind", "object_id", "due_at", "audience", "recipient_id", "stage", name="uq_reminders_obligation"
        ),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index("ix_reminders_case", ["case_id"], unique=False)
        batch_op.create_index(
            "ix_reminders_claimed", ["claimed_at"], unique=False, postgresql_where=CLAIMED, sqlite_where=CLAIMED
        )
        batch_op.create_index(
            "ix_reminders_pending", ["not_before"], unique=False, postgresql_where=PENDING, sqlite_where=PENDING
        )


def downgrade():
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_pending")
        batch_op.drop_index("ix_reminders_claimed")
        batch_op.drop_index("ix_reminders_case")
    op.drop_table("reminders")
