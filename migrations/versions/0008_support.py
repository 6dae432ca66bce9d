"""Victim support: support services (advisers belong to one), referrals with consent and history, aftercare.

Revision ID: 0008_support
Revises: 0007_orders
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_support"
down_revision = '0007_orders'
branch_labels = None
depends_on = None

SERVICE_KINDS = (
    "national_stalking_helpline", "isac_advocacy", "idva", "victim_support", "witness_service", "housing",
    "counselling", "interpreter",
)
REFERRAL_STATUSES = ("proposed", "consent_declined", "sent", "accepted", "declined", "closed", "withdrawn")
AFTERCARE_KINDS = ("needs_assessment", "safety_planning", "housing", "counselling", "court_support")
OPEN_FOLLOW_UP = sa.text("follow_up_closed_at IS NULL")


def _timestamps():
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def _status(length=20):
    return sa.Enum(*REFERRAL_STATUSES, native_enum=False, create_constraint=True, length=length)


def upgrade():
    op.create_table(
        "support_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*SERVICE_KINDS, native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("secure_email", sa.String(length=254), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("version_id", sa.Integer(), server_default="1", nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_services")),
        sa.UniqueConstraint("name", name=op.f("uq_support_services_name")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("support_service_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_support_service_id"), ["support_service_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_users_support_service_id_support_services"), "support_services", ["support_service_id"], ["id"]
        )

    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", _status(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "consent",
            sa.Enum("given", "declined", native_enum=False, create_constraint=True, length=16),
            nullable=True,
        ),
        sa.Column("consent_scope", sa.Text(), nullable=True),
        sa.Column("consent_shares_contact", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "consent_method",
            sa.Enum(
                "in_person", "phone", "signed_form", "email", "text", "interpreter",
                native_enum=False, create_constraint=True, length=16,
            ),
            nullable=True,
        ),
        sa.Column("consent_by_id", sa.Integer(), nullable=True),
        sa.Column("consent_withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("send_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("take_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("adviser_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "support_completed", "victim_ended_support", "no_contact", "transferred", "other",
                native_enum=False, create_constraint=True, length=24,
            ),
            nullable=True,
        ),
        sa.Column("outcome_notes", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version_id", sa.Integer(), server_default="1", nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["adviser_id"], ["users.id"], name=op.f("fk_referrals_adviser_id_users")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_referrals_case_id_cases")),
        sa.ForeignKeyConstraint(["consent_by_id"], ["users.id"], name=op.f("fk_referrals_consent_by_id_users")),
        sa.ForeignKeyConstraint(
            ["consent_withdrawn_by_id"], ["users.id"], name=op.f("fk_referrals_consent_withdrawn_by_id_users")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_referrals_created_by_id_users")),
        sa.ForeignKeyConstraint(["party_id"], ["case_parties.id"], name=op.f("fk_referrals_party_id_case_parties")),
        sa.ForeignKeyConstraint(
            ["service_id"], ["support_services.id"], name=op.f("fk_referrals_service_id_support_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index("ix_referrals_case", ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_party_id"), ["party_id"], unique=False)
        batch_op.create_index("ix_referrals_service_status_sent", ["service_id", "status", "sent_at"], unique=False)
        batch_op.create_index("ix_referrals_adviser_status", ["adviser_id", "status"], unique=False)
        batch_op.create_index("ix_referrals_status_send_due", ["status", "send_due_at"], unique=False)

    op.create_table(
        "referral_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("from_status", _status(), nullable=True),
        sa.Column("to_status", _status(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_referral_status_changes_changed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_referral_status_changes_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_status_changes")),
    )
    with op.batch_alter_table("referral_status_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_status_changes_referral_id"), ["referral_id"], unique=False)

    op.create_table(
        "aftercare_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*AFTERCARE_KINDS, native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=False),
        sa.Column("follow_up_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("follow_up_closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("needs", sa.JSON(), nullable=True),
        sa.Column("special_measures", sa.Text(), nullable=True),
        sa.Column("pre_trial_visit_on", sa.Date(), nullable=True),
        sa.Column("witness_service", sa.Boolean(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_aftercare_entries_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_aftercare_entries_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_entries")),
    )
    with op.batch_alter_table("aftercare_entries", schema=None) as batch_op:
        batch_op.create_index("ix_aftercare_entries_referral", ["referral_id", "occurred_on"], unique=False)
        batch_op.create_index(
            "ix_aftercare_entries_open_follow_up",
            ["follow_up_due_at"],
            unique=False,
            postgresql_where=OPEN_FOLLOW_UP,
            sqlite_where=OPEN_FOLLOW_UP,
        )


def downgrade():
    op.drop_table("aftercare_entries")
    op.drop_table("referral_status_changes")
    op.drop_table("referrals")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_support_service_id_support_services"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_users_support_service_id"))
        batch_op.drop_column("support_service_id")
    op.drop_table("support_services")
