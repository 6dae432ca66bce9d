"""The case list at scale: overdue and recently-updated indexes, an index-only name-search join,
and every party's name on the case in one trigram-indexed column (see docs/benchmarks.md).

Revision ID: 0003_case_list_at_scale
Revises: 0002_cases
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_case_list_at_scale"
down_revision = "0002_cases"
branch_labels = None
depends_on = None

OVERDUE = sa.text("risk_review_due OR status = 'reported'")


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("party_names", sa.Text(), server_default="", nullable=False))
        batch_op.create_index("ix_cases_updated_at", ["updated_at"], unique=False)
        batch_op.create_index(
            "ix_cases_overdue", ["reported_at"], unique=False, postgresql_where=OVERDUE, sqlite_where=OVERDUE
        )
    with op.batch_alter_table("case_parties", schema=None) as batch_op:
        batch_op.drop_index("ix_case_parties_person")
        batch_op.create_index("ix_case_parties_person", ["person_id", "role"], unique=False, postgresql_include=["case_id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE cases SET party_names = names.joined FROM ("
            "  SELECT cp.case_id, string_agg(lower(p.first_name || ' ' || p.last_name), ' | ' ORDER BY cp.id) AS joined"
            "  FROM case_parties cp JOIN people p ON p.id = cp.person_id GROUP BY cp.case_id"
            ") AS names WHERE names.case_id = cases.id"
        )
        op.execute("CREATE INDEX ix_cases_party_names_trgm ON cases USING gin (party_names gin_trgm_ops)")
    else:
        op.execute(
            "UPDATE cases SET party_names = coalesce((SELECT group_concat(lower(p.first_name || ' ' || p.last_name),"
            " ' | ') FROM case_parties cp JOIN people p ON p.id = cp.person_id WHERE cp.case_id = cases.id), '')"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_cases_party_names_trgm")
    with op.batch_alter_table("case_parties", schema=None) as batch_op:
        batch_op.drop_index("ix_case_parties_person")
        batch_op.create_index("ix_case_parties_person", ["person_id", "role"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_overdue")
        batch_op.drop_index("ix_cases_updated_at")
        batch_op.drop_column("party_names")
