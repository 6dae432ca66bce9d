"""Contact with victims: contact plans and their history, do-not-contact flags, the contact log,
key decisions and the notice each victim is owed. Partial indexes on the open obligations' due
columns serve the reminder sweep and the overdue reasons of the case lists.

Revision ID: 0006_contact
Revises: 0005_reminders
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_contact'
down_revision = '0005_reminders'
branch_labels = None
depends_on = None


OPEN = sa.text("status <> 'closed'")


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_open', ['id'], unique=False, postgresql_where=OPEN, sqlite_where=OPEN)

    op.create_table('key_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('arrest', 'interview', 'released_no_charge', 'released_on_bail', 'released_under_investigation', 'bail_conditions_changed', 'not_to_investigate', 'not_to_charge', 'charged', 'out_of_court', 'court_date', name='decisionkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hearing_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('court_reminder_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_key_decisions_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_key_decisions_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_decisions'))
    )
    with op.batch_alter_table('key_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_key_decisions_case', ['case_id', 'decided_at'], unique=False)
        batch_op.create_index('ix_key_decisions_court_reminder', ['court_reminder_at'], unique=False)

    op.create_table('contact_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('contacted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('phone', 'text', 'email', 'letter', 'in_person', 'textphone', 'via_adviser', name='contactmethod', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('outcome', sa.Enum('spoke', 'safe_message', 'no_answer', 'unsafe', name='contactoutcome', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('discussed', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_contact_attempts_case_id_cases')),
    sa.ForeignKeyConstraint(['made_by_id'], ['users.id'], name=op.f('fk_contact_attempts_made_by_id_users')),
    sa.ForeignKeyConstraint(['party_id'], ['case_parties.id'], name=op.f('fk_contact_attempts_party_id_case_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_attempts'))
    )
    with op.batch_alter_table('contact_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_contact_attempts_case_at', ['case_id', 'contacted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_attempts_party_id'), ['party_id'], unique=False)

    op.create_table('contact_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('schedule', sa.Enum('every_n_days', 'enhanced_standard', name='schedule', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('frequency_days', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('message_channel', sa.Enum('email', 'sms', name='messagechannel', native_enum=False, create_constraint=True, length=8), nullable=True),
    sa.Column('next_update_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_update_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_prompted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('version_id', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_contact_plans_case_id_cases')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_contact_plans_owner_id_users')),
    sa.ForeignKeyConstraint(['party_id'], ['case_parties.id'], name=op.f('fk_contact_plans_party_id_case_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_plans')),
    sa.UniqueConstraint('party_id', name=op.f('uq_contact_plans_party_id'))
    )
    with op.batch_alter_table('contact_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_plans_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_contact_plans_next_due', ['next_update_due_at'], unique=False)

    op.create_table('do_not_contact_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('review_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_do_not_contact_flags_case_id_cases')),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'], name=op.f('fk_do_not_contact_flags_lifted_by_id_users')),
    sa.ForeignKeyConstraint(['party_id'], ['case_parties.id'], name=op.f('fk_do_not_contact_flags_party_id_case_parties')),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_do_not_contact_flags_set_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_do_not_contact_flags'))
    )
    with op.batch_alter_table('do_not_contact_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_do_not_contact_flags_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_do_not_contact_one_open', ['party_id'], unique=True, postgresql_where=sa.text('lifted_at IS NULL'), sqlite_where=sa.text('lifted_at IS NULL'))
        batch_op.create_index('ix_do_not_contact_review', ['review_due_at'], unique=False, postgresql_where=sa.text('lifted_at IS NULL'), sqlite_where=sa.text('lifted_at IS NULL'))

    op.create_table('contact_plan_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_contact_plan_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['contact_plans.id'], name=op.f('fk_contact_plan_changes_plan_id_contact_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_plan_changes'))
    )
    with op.batch_alter_table('contact_plan_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_plan_changes_plan_id'), ['plan_id'], unique=False)

    op.create_table('decision_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('enhanced_rights', sa.Boolean(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('discharged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('discharged_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_decision_notices_case_id_cases')),
    sa.ForeignKeyConstraint(['decision_id'], ['key_decisions.id'], name=op.f('fk_decision_notices_decision_id_key_decisions')),
    sa.ForeignKeyConstraint(['discharged_by_id'], ['contact_attempts.id'], name=op.f('fk_decision_notices_discharged_by_id_contact_attempts')),
    sa.ForeignKeyConstraint(['party_id'], ['case_parties.id'], name=op.f('fk_decision_notices_party_id_case_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_notices')),
    sa.UniqueConstraint('decision_id', 'party_id', name=op.f('uq_decision_notices_decision_id'))
    )
    with op.batch_alter_table('decision_notices', schema=None) as batch_op:
        batch_op.create_index('ix_decision_notices_case', ['case_id'], unique=False)
        batch_op.create_index('ix_decision_notices_open_due', ['due_at'], unique=False, postgresql_where=sa.text('discharged_at IS NULL'), sqlite_where=sa.text('discharged_at IS NULL'))



def downgrade():
    with op.batch_alter_table('decision_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_decision_notices_open_due', postgresql_where=sa.text('discharged_at IS NULL'), sqlite_where=sa.text('discharged_at IS NULL'))
        batch_op.drop_index('ix_decision_notices_case')

    op.drop_table('decision_notices')
    with op.batch_alter_table('contact_plan_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_plan_changes_plan_id'))

    op.drop_table('contact_plan_changes')
    with op.batch_alter_table('do_not_contact_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_do_not_contact_review', postgresql_where=sa.text('lifted_at IS NULL'), sqlite_where=sa.text('lifted_at IS NULL'))
        batch_op.drop_index('ix_do_not_contact_one_open', postgresql_where=sa.text('lifted_at IS NULL'), sqlite_where=sa.text('lifted_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_do_not_contact_flags_case_id'))

    op.drop_table('do_not_contact_flags')
    with op.batch_alter_table('contact_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_plans_next_due')
        batch_op.drop_index(batch_op.f('ix_contact_plans_case_id'))

    op.drop_table('contact_plans')
    with op.batch_alter_table('contact_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_attempts_party_id'))
        batch_op.drop_index('ix_contact_attempts_case_at')

    op.drop_table('contact_attempts')
    with op.batch_alter_table('key_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_key_decisions_court_reminder')
        batch_op.drop_index('ix_key_decisions_case')

    op.drop_table('key_decisions')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_open')
