"""Protective orders: the orders, the people they protect, their hearings, status history and breaches.

Revision ID: 0007_orders
Revises: 0006_contact
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_orders'
down_revision = '0006_contact'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('protective_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('order_type', sa.Enum('spo', 'interim_spo', 'ro_conviction', 'ro_acquittal', 'non_molestation', 'dapn', 'dapo', 'other', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('other_name', sa.String(length=200), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('court', sa.String(length=200), nullable=True),
    sa.Column('status', sa.Enum('considered', 'not_pursued', 'applied', 'hearing_listed', 'interim_granted', 'granted', 'refused', 'withdrawn', 'appealed', 'varied', 'renewed', 'discharged', 'expired', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('considered_on', sa.Date(), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=True),
    sa.Column('made_on', sa.Date(), nullable=True),
    sa.Column('served_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('until_further_order', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('prohibitions', sa.Text(), nullable=True),
    sa.Column('requirements', sa.Text(), nullable=True),
    sa.Column('notification_made_on', sa.Date(), nullable=True),
    sa.Column('notification_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expiry_reminder_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('version_id', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_protective_orders_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_protective_orders_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['subject_id'], ['case_parties.id'], name=op.f('fk_protective_orders_subject_id_case_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protective_orders'))
    )
    with op.batch_alter_table('protective_orders', schema=None) as batch_op:
        batch_op.create_index('ix_protective_orders_case', ['case_id', 'status'], unique=False)
        batch_op.create_index('ix_protective_orders_expiry_reminder', ['expiry_reminder_at'], unique=False)
        batch_op.create_index('ix_protective_orders_notification_due', ['notification_due_at'], unique=False)

    op.create_table('order_breaches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_order_breaches_case_id_cases')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_order_breaches_incident_id_incidents')),
    sa.ForeignKeyConstraint(['order_id'], ['protective_orders.id'], name=op.f('fk_order_breaches_order_id_protective_orders')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_order_breaches_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_breaches'))
    )
    with op.batch_alter_table('order_breaches', schema=None) as batch_op:
        batch_op.create_index('ix_order_breaches_case_occurred', ['case_id', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_breaches_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_breaches_order_id'), ['order_id'], unique=False)

    op.create_table('order_hearings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('hearing_on', sa.Date(), nullable=False),
    sa.Column('court', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['protective_orders.id'], name=op.f('fk_order_hearings_order_id_protective_orders')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_order_hearings_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_hearings'))
    )
    with op.batch_alter_table('order_hearings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_hearings_order_id'), ['order_id'], unique=False)

    op.create_table('order_protected_people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['protective_orders.id'], name=op.f('fk_order_protected_people_order_id_protective_orders')),
    sa.ForeignKeyConstraint(['party_id'], ['case_parties.id'], name=op.f('fk_order_protected_people_party_id_case_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_protected_people')),
    sa.UniqueConstraint('order_id', 'party_id', name=op.f('uq_order_protected_people_order_id'))
    )
    with op.batch_alter_table('order_protected_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_protected_people_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_protected_people_party_id'), ['party_id'], unique=False)

    op.create_table('order_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('considered', 'not_pursued', 'applied', 'hearing_listed', 'interim_granted', 'granted', 'refused', 'withdrawn', 'appealed', 'varied', 'renewed', 'discharged', 'expired', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('considered', 'not_pursued', 'applied', 'hearing_listed', 'interim_granted', 'granted', 'refused', 'withdrawn', 'appealed', 'varied', 'renewed', 'discharged', 'expired', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_order_status_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['protective_orders.id'], name=op.f('fk_order_status_changes_order_id_protective_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_status_changes'))
    )
    with op.batch_alter_table('order_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_status_changes_order_id'), ['order_id'], unique=False)



def downgrade():
    with op.batch_alter_table('order_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_status_changes_order_id'))

    op.drop_table('order_status_changes')
    with op.batch_alter_table('order_protected_people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_protected_people_party_id'))
        batch_op.drop_index(batch_op.f('ix_order_protected_people_order_id'))

    op.drop_table('order_protected_people')
    with op.batch_alter_table('order_hearings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_hearings_order_id'))

    op.drop_table('order_hearings')
    with op.batch_alter_table('order_breaches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_breaches_order_id'))
        batch_op.drop_index(batch_op.f('ix_order_breaches_incident_id'))
        batch_op.drop_index('ix_order_breaches_case_occurred')

    op.drop_table('order_breaches')
    with op.batch_alter_table('protective_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_protective_orders_notification_due')
        batch_op.drop_index('ix_protective_orders_expiry_reminder')
        batch_op.drop_index('ix_protective_orders_case')

    op.drop_table('protective_orders')
