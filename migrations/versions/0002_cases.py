"""Cases, people, incidents, evidence, risk assessments; trigram name search on PostgreSQL.

Revision ID: 0002_cases
Revises: 0001_foundation


"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_cases'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('other_names', sa.String(length=200), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('match_key', sa.String(length=201), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index('ix_people_match_key_dob', ['match_key', 'date_of_birth'], unique=False)

    op.create_table('reference_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_reference_counters'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.Enum('online', '101', '999', 'in_person', 'text_relay', 'emergency_sms', 'bsl_video_relay', 'crimestoppers', 'agency_referral', 'third_party', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reporter_type', sa.Enum('victim', 'witness', 'third_party', 'anonymous', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('classification', sa.Enum('stalking', 'harassment', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('offence', sa.Enum('s2', 's2a', 's4', 's4a', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('incident_number', sa.String(length=40), nullable=True),
    sa.Column('crime_number', sa.String(length=40), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('reported', 'allocated', 'investigating', 'charged', 'at_court', 'closed', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('outcome', sa.Enum('charged_summonsed', 'convicted', 'acquitted', 'caution', 'community_resolution', 'nfa_victim_supports', 'nfa_victim_does_not_support', 'nfa_suspect_not_identified', 'nfa_public_interest', 'transferred', 'no_crime', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('restricted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('risk_level', sa.Enum('standard', 'medium', 'high', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('risk_review_due', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('version_id', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cases_created_by_id_users')),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('fk_cases_officer_id_users')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], name=op.f('fk_cases_supervisor_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_cases_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('reference', name=op.f('uq_cases_reference'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_officer_status', ['officer_id', 'status'], unique=False)
        batch_op.create_index('ix_cases_reported_at', ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_supervisor_id'), ['supervisor_id'], unique=False)
        batch_op.create_index('ix_cases_team_status_reported', ['team_id', 'status', 'reported_at'], unique=False)

    op.create_table('case_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_access_case_id_cases')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_case_access_granted_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_access_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_access')),
    sa.UniqueConstraint('case_id', 'user_id', name=op.f('uq_case_access_case_id'))
    )
    with op.batch_alter_table('case_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_access_user_id'), ['user_id'], unique=False)

    op.create_table('case_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('officer', 'supervisor', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_case_assignments_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_assignments_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_assignments_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_assignments'))
    )
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_assignments_case_id'), ['case_id'], unique=False)

    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('visibility', sa.Enum('police_only', 'shareable', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_notes_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_notes_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index('ix_case_notes_case_created', ['case_id', 'created_at'], unique=False)

    op.create_table('case_parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('victim', 'suspect', 'witness', 'reporter', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('relationship_to_victim', sa.Enum('ex_partner', 'partner', 'family', 'acquaintance', 'colleague', 'neighbour', 'stranger', 'online_only', 'unknown', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('not_to_be_identified', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('enhanced_rights', sa.Boolean(), nullable=True),
    sa.Column('enhanced_rights_reason', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_parties_case_id_cases')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_case_parties_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_parties')),
    sa.UniqueConstraint('case_id', 'person_id', 'role', name=op.f('uq_case_parties_case_id'))
    )
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_parties_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_case_parties_person', ['person_id', 'role'], unique=False)

    op.create_table('case_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('reported', 'allocated', 'investigating', 'charged', 'at_court', 'closed', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('to_status', sa.Enum('reported', 'allocated', 'investigating', 'charged', 'at_court', 'closed', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('outcome', sa.Enum('charged_summonsed', 'convicted', 'acquitted', 'caution', 'community_resolution', 'nfa_victim_supports', 'nfa_victim_does_not_support', 'nfa_suspect_not_identified', 'nfa_public_interest', 'transferred', 'no_crime', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_status_changes_case_id_cases')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_case_status_changes_changed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_status_changes'))
    )
    with op.batch_alter_table('case_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_status_changes_case_id'), ['case_id'], unique=False)

    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('occurred_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('occurred_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('behaviours', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('how_reported', sa.Enum('online', '101', '999', 'in_person', 'text_relay', 'emergency_sms', 'bsl_video_relay', 'crimestoppers', 'agency_referral', 'third_party', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_incidents_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_incidents_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_case_occurred', ['case_id', 'occurred_from'], unique=False)

    op.create_table('risk_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=False),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checklist_version', sa.String(length=40), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('yes_count', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('standard', 'medium', 'high', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_risk_assessments_assessor_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_risk_assessments_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_assessments'))
    )
    with op.batch_alter_table('risk_assessments', schema=None) as batch_op:
        batch_op.create_index('ix_risk_assessments_case_assessed', ['case_id', 'assessed_at'], unique=False)

    op.create_table('evidence_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('evidence_type', sa.Enum('message', 'screenshot', 'photo', 'video', 'cctv', 'audio', 'document', 'physical', 'statement', 'other', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_evidence_items_added_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_evidence_items_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_items')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_evidence_items_stored_name'))
    )
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_items_incident_id'), ['incident_id'], unique=False)

    op.create_table('sealed_details_disclosures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_sealed_details_disclosures_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_sealed_details_disclosures_case_id_cases')),
    sa.ForeignKeyConstraint(['party_id'], ['case_parties.id'], name=op.f('fk_sealed_details_disclosures_party_id_case_parties')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sealed_details_disclosures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sealed_details_disclosures'))
    )
    with op.batch_alter_table('sealed_details_disclosures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sealed_details_disclosures_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sealed_details_disclosures_party_id'), ['party_id'], unique=False)

    op.create_table('victim_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('preferred_method', sa.Enum('phone', 'text', 'email', 'letter', 'in_person', 'textphone', 'via_adviser', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('safe_times', sa.String(length=200), nullable=True),
    sa.Column('voicemail_safe', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('texts_safe', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('letters_safe', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('email_safe', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('language', sa.String(length=60), nullable=True),
    sa.Column('interpreter_needed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('uses_bsl', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('uses_textphone', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('access_needs', sa.Text(), nullable=True),
    sa.Column('sealed_address', sa.Text(), nullable=True),
    sa.Column('sealed_phone', sa.String(length=40), nullable=True),
    sa.Column('sealed_email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['case_parties.id'], name=op.f('fk_victim_contacts_party_id_case_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_victim_contacts')),
    sa.UniqueConstraint('party_id', name=op.f('uq_victim_contacts_party_id'))
    )

    if op.get_bind().dialect.name == "postgresql":
        # Name search ("contains") over millions of people needs a trigram index, not a LIKE scan.
        # pg_trgm is a trusted extension: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_people_full_name_trgm ON people "
            "USING gin (lower(first_name || ' ' || last_name) gin_trgm_ops)"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_people_full_name_trgm")
    op.drop_table('victim_contacts')
    with op.batch_alter_table('sealed_details_disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sealed_details_disclosures_party_id'))
        batch_op.drop_index(batch_op.f('ix_sealed_details_disclosures_case_id'))

    op.drop_table('sealed_details_disclosures')
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_items_incident_id'))

    op.drop_table('evidence_items')
    with op.batch_alter_table('risk_assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_assessments_case_assessed')

    op.drop_table('risk_assessments')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_case_occurred')

    op.drop_table('incidents')
    with op.batch_alter_table('case_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_status_changes_case_id'))

    op.drop_table('case_status_changes')
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.drop_index('ix_case_parties_person')
        batch_op.drop_index(batch_op.f('ix_case_parties_case_id'))

    op.drop_table('case_parties')
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_case_notes_case_created')

    op.drop_table('case_notes')
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_assignments_case_id'))

    op.drop_table('case_assignments')
    with op.batch_alter_table('case_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_access_user_id'))

    op.drop_table('case_access')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_team_status_reported')
        batch_op.drop_index(batch_op.f('ix_cases_supervisor_id'))
        batch_op.drop_index('ix_cases_reported_at')
        batch_op.drop_index('ix_cases_officer_status')

    op.drop_table('cases')
    op.drop_table('reference_counters')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index('ix_people_match_key_dob')

    op.drop_table('people')
