"""Online reports from the public (the triage queue) and the server-side drafts they are built in.

Revision ID: 0009_intake
Revises: 0008_support
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_intake'
down_revision = '0008_support'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_drafts')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_report_drafts_token_hash'))
    )
    with op.batch_alter_table('report_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_drafts_last_active_at'), ['last_active_at'], unique=False)

    op.create_table('online_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('reporter_type', sa.Enum('victim', 'witness', 'third_party', 'anonymous', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('new', 'case_created', 'added_to_case', 'closed', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('triaged_by_id', sa.Integer(), nullable=True),
    sa.Column('triaged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.Enum('not_a_crime', 'duplicate', 'another_force', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('close_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_online_reports_case_id_cases')),
    sa.ForeignKeyConstraint(['triaged_by_id'], ['users.id'], name=op.f('fk_online_reports_triaged_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_online_reports')),
    sa.UniqueConstraint('reference', name=op.f('uq_online_reports_reference'))
    )
    with op.batch_alter_table('online_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_online_reports_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_online_reports_status_submitted', ['status', 'submitted_at'], unique=False)



def downgrade():
    with op.batch_alter_table('online_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_online_reports_status_submitted')
        batch_op.drop_index(batch_op.f('ix_online_reports_case_id'))

    op.drop_table('online_reports')
    with op.batch_alter_table('report_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_drafts_last_active_at'))

    op.drop_table('report_drafts')
