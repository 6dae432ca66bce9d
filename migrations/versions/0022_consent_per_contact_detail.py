"""The victim's consent to share contact details with a support service, per detail.

One box stood for "address and safe phone and email": a victim who agreed to a phone call only could not be
recorded as such, and the service was shown their address too. Each detail now has its own answer; an
existing "yes" becomes yes to all three, as it was recorded.

Revision ID: 0022_consent_per_contact_detail
Revises: 0021_team_overdue_covered
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_consent_per_contact_detail"
down_revision = "0021_team_overdue_covered"
branch_labels = None
depends_on = None

DETAILS = ("consent_shares_address", "consent_shares_phone", "consent_shares_email")


def upgrade():
    with op.batch_alter_table("referrals") as batch_op:
        for name in DETAILS:
            batch_op.add_column(sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE referrals SET consent_shares_address = consent_shares_contact, "
        "consent_shares_phone = consent_shares_contact, consent_shares_email = consent_shares_contact"
    )
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.drop_column("consent_shares_contact")


def downgrade():
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.add_column(
            sa.Column("consent_shares_contact", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Only a yes to every detail was a yes to the old single box.
    op.execute(
        "UPDATE referrals SET consent_shares_contact = "
        "(consent_shares_address AND consent_shares_phone AND consent_shares_email)"
    )
    with op.batch_alter_table("referrals") as batch_op:
        for name in DETAILS:
            batch_op.drop_column(name)
