"""Every service that changes data writes its audit row: the action, the object, the actor, and no sealed
values in the detail. Services are called directly, so a dropped ``audit.record`` fails here whatever the views do."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_login import login_user

from casework.admin import service as admin
from casework.audit import service as audit
from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, User, UserSession
from casework.cases import service as cases
from casework.cases.models import (
    CaseStatus,
    Classification,
    NoteVisibility,
    Offence,
    Outcome,
    RiskLevel,
)
from casework.db import utcnow
from casework.extensions import db
from casework.incidents import service as incidents
from casework.incidents import storage
from casework.incidents.models import EvidenceType
from casework.people import queries as people_queries
from casework.people import service as people
from casework.people.models import PartyRole, VictimContact
from casework.risk import checklist
from casework.risk import service as risk
from tests import factories

SEALED = ("1 Secret Road, Hidetown", "07700 900123", "safe@example.org")


@pytest.fixture
def ctx(app, db_session) -> Iterator[None]:
    with app.app_context():
        yield


def audited(operation: Callable[[], object]) -> list[AuditEvent]:
    """Run ``operation`` and return the audit rows it added (after a flush, in order)."""
    before = db.session.execute(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0))).scalar_one()
    operation()
    db.session.flush()
    return list(
        db.session.execute(sa.select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)).scalars()
    )


def assert_row(
    events: list[AuditEvent], action: AuditAction, object_type: str, object_id: object, actor: User | None, **detail
) -> AuditEvent:
    """Exactly the expected row is among ``events``; no event carries a sealed value."""
    for event in events:
        text = json.dumps(event.detail, default=str) + (event.justification or "")
        assert not any(value in text for value in SEALED), f"sealed value in {event.detail}"
    matching = [
        event
        for event in events
        if event.action == action
        and event.object_type == object_type
        and event.object_id == (None if object_id is None else str(object_id))
        and all((event.detail or {}).get(key) == value for key, value in detail.items())
    ]
    assert len(matching) == 1, [(e.action, e.object_type, e.object_id, e.detail) for e in events]
    event = matching[0]
    if actor is None:
        assert (event.user_id, event.actor) == (None, "system")
    else:
        assert (event.user_id, event.actor) == (actor.id, actor.email)
    return event


@pytest.fixture
def world(ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, team=officer.team)
    case = factories.CaseFactory(team=officer.team, officer=officer, supervisor=supervisor, created_by=officer)
    case.status = CaseStatus.INVESTIGATING
    db.session.commit()
    return officer, supervisor, cases.get_case(case.id)


# --- Cases -----------------------------------------------------------------------------------


def test_creating_a_case(world):
    officer, _, _ = world
    created = []
    details = factories.new_case_details(reported_at=utcnow())
    events = audited(lambda: created.append(cases.create_case(officer, details)))
    assert_row(events, AuditAction.CREATE, "case", created[0].id, officer)


def test_editing_case_details(world):
    officer, _, case = world
    details = cases.CaseDetails(
        classification=Classification.HARASSMENT,
        offence=Offence.S2,
        summary=case.summary,
        incident_number=None,
        crime_number="CRIME-1",
    )
    events = audited(lambda: cases.update_details(officer, case, details, expected_version=case.version_id))
    assert_row(
        events,
        AuditAction.UPDATE,
        "case",
        case.id,
        officer,
        changes={
            "classification": ["Stalking", "Harassment"],
            "offence": ["s.2A Stalking", "s.2 Harassment"],
            "crime_number": [None, "CRIME-1"],
        },
    )


def test_changing_status(world):
    officer, _, case = world
    events = audited(
        lambda: cases.change_status(
            officer, case, CaseStatus.CHARGED, reason="Charged", expected_version=case.version_id
        )
    )
    assert_row(events, AuditAction.UPDATE, "case", case.id, officer, status=["investigating", "charged"])


def test_closing_and_reopening(world):
    _, supervisor, case = world
    events = audited(
        lambda: cases.close_case(
            supervisor, case, outcome=Outcome.CAUTION, reason="Done", confirmed=True, expected_version=case.version_id
        )
    )
    assert_row(events, AuditAction.UPDATE, "case", case.id, supervisor, status=["investigating", "closed"])
    events = audited(
        lambda: cases.reopen_case(supervisor, case, reason="New evidence", expected_version=case.version_id)
    )
    assert_row(events, AuditAction.UPDATE, "case", case.id, supervisor, status=["closed", "investigating"])


def test_allocating(world):
    officer, supervisor, case = world
    other = factories.UserFactory(role=Role.OFFICER, team=officer.team)
    events = audited(
        lambda: cases.allocate(
            supervisor,
            case,
            officer_id=other.id,
            supervisor_id=supervisor.id,
            reason=None,
            expected_version=case.version_id,
        )
    )
    assert_row(events, AuditAction.UPDATE, "case", case.id, supervisor, assigned="officer", user_id=other.id)


def test_restricting_and_granting_access(world):
    _, supervisor, case = world
    events = audited(lambda: cases.set_restricted(supervisor, case, restricted=True, reason="Victim is staff"))
    event = assert_row(events, AuditAction.UPDATE, "case", case.id, supervisor, restricted=True)
    assert event.justification == "Victim is staff"
    colleague = factories.UserFactory(role=Role.OFFICER)
    events = audited(lambda: cases.grant_access(supervisor, case, email=colleague.email, reason="Needs it"))
    assert_row(events, AuditAction.UPDATE, "case", case.id, supervisor, access_granted=colleague.id)


def test_adding_a_note(world):
    officer, _, case = world
    notes = []
    events = audited(
        lambda: notes.append(cases.add_note(officer, case, body="Called victim", visibility=NoteVisibility.SHAREABLE))
    )
    assert_row(events, AuditAction.UPDATE, "case", case.id, officer, note_added=notes[0].id)


def test_viewing_a_case_and_a_list(world):
    officer, _, case = world
    events = audited(lambda: cases.record_case_view(officer, case, "summary"))
    assert_row(events, AuditAction.VIEW, "case", case.id, officer, page="summary")
    events = audited(lambda: cases.record_list_view(officer, "home", {case.id}))
    assert_row(events, AuditAction.VIEW, "case_list", None, officer, page="home", cases=[case.id])


# --- People ----------------------------------------------------------------------------------


def _victim_with_sealed_details(case):
    party = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    party.contact = VictimContact(sealed_address=SEALED[0], sealed_phone=SEALED[1], sealed_email=SEALED[2])
    db.session.commit()
    return people_queries.get_party(case, party.id)


def test_adding_a_person_and_linking_a_known_one(world):
    officer, _, case = world
    known = factories.CasePartyFactory(case=factories.CaseFactory(team=officer.team), role=PartyRole.SUSPECT)
    added = []
    details = people.PartyDetails(
        role=PartyRole.SUSPECT,
        first_name=known.person.first_name,
        last_name=known.person.last_name,
        date_of_birth=known.person.date_of_birth,
        existing_person_id=known.person.id,
    )
    events = audited(lambda: added.append(people.add_party(officer, case, details)))
    assert_row(events, AuditAction.UPDATE, "case", case.id, officer, party_added="suspect", party_id=added[0].id)
    assert_row(events, AuditAction.COMBINE, "case", case.id, officer, person_id=known.person.id)


def test_changing_contact_details_names_the_fields_not_the_values(world):
    officer, _, case = world
    party = _victim_with_sealed_details(case)
    details = people.ContactDetails(
        preferred_method=None,
        safe_times="After 6pm",
        voicemail_safe=False,
        texts_safe=True,
        letters_safe=False,
        email_safe=False,
        language=None,
        interpreter_needed=False,
        uses_bsl=False,
        uses_textphone=False,
        access_needs=None,
        sealed_address="2 Other Street, Newtown",
        sealed_phone=SEALED[1],
        sealed_email=SEALED[2],
    )
    events = audited(lambda: people.update_contact(officer, case, party, details))
    event = assert_row(events, AuditAction.UPDATE, "case", case.id, officer, victim_contact=party.id)
    assert event.detail["changed"] == ["safe_times", "sealed_address", "texts_safe"]
    assert "Other Street" not in json.dumps(event.detail)


def test_break_glass_is_a_disclosure_without_the_values(world):
    _, _, case = world
    colleague = factories.UserFactory(role=Role.OFFICER, team=case.team)
    party = _victim_with_sealed_details(case)
    events = audited(lambda: people.break_glass(colleague, case, party, reason="Urgent welfare check"))
    event = assert_row(events, AuditAction.DISCLOSE, "case", case.id, colleague, sealed_details_of_party=party.id)
    assert (event.justification, event.recipient) == ("Urgent welfare check", colleague.email)


def test_acknowledging_a_disclosure(world):
    _, supervisor, case = world
    colleague = factories.UserFactory(role=Role.OFFICER, team=case.team)
    party = _victim_with_sealed_details(case)
    people.break_glass(colleague, case, party, reason="Urgent welfare check")
    [disclosure] = people_queries.disclosures_to_review(supervisor)
    events = audited(lambda: people.acknowledge_disclosure(supervisor, disclosure))
    assert_row(events, AuditAction.UPDATE, "case", case.id, supervisor, disclosure_acknowledged=disclosure.id)


# --- Incidents and risk ----------------------------------------------------------------------


def test_recording_and_editing_an_incident(world):
    officer, _, case = world
    recorded = []
    yesterday = utcnow().date() - timedelta(days=1)
    details = incidents.IncidentDetails(when=incidents.When(yesterday), description="Waited outside")
    events = audited(lambda: recorded.append(incidents.record_incident(officer, case, details)))
    assert_row(events, AuditAction.UPDATE, "case", case.id, officer, incident_added=recorded[0].id)
    changed = incidents.IncidentDetails(when=incidents.When(yesterday), description="Waited outside", location="Gate")
    incident = recorded[0]
    events = audited(
        lambda: incidents.update_incident(officer, case, incident, changed, expected_version=incident.version_id)
    )
    assert_row(events, AuditAction.UPDATE, "case", case.id, officer, incident_updated=incident.id)


def test_adding_and_downloading_evidence(world, app, tmp_path):
    officer, _, case = world
    app.config["EVIDENCE_DIR"] = str(tmp_path)
    incident = factories.IncidentFactory(case=case, recorded_by_id=officer.id)
    added = []
    details = incidents.EvidenceDetails(evidence_type=EvidenceType.DOCUMENT, description="Letter")
    upload = storage.Upload("letter.pdf", io.BytesIO(b"%PDF-1.4\n" + bytes(40)))
    events = audited(lambda: added.append(incidents.add_evidence(officer, case, incident, details, upload)))
    assert_row(events, AuditAction.UPDATE, "case", case.id, officer, evidence_added=added[0].id)
    events = audited(lambda: incidents.evidence_file(officer, case, added[0]))
    assert_row(events, AuditAction.VIEW, "case", case.id, officer, evidence_downloaded=added[0].id)


def test_recording_a_risk_assessment(world):
    officer, _, case = world
    answers = {key: risk.Answer(False) for key in checklist.CURRENT.keys}
    assessed = []
    events = audited(
        lambda: assessed.append(risk.record_assessment(officer, case, answers, RiskLevel.MEDIUM, "Some threats"))
    )
    assert_row(events, AuditAction.UPDATE, "case", case.id, officer, risk_assessed=assessed[0].id, level="medium")


# --- Administration --------------------------------------------------------------------------


def test_account_changes(ctx):
    admin_user = factories.UserFactory(role=Role.ADMIN)
    team = factories.TeamFactory()
    created = []
    events = audited(
        lambda: created.append(
            admin.create_user(
                admin_user, email="new@casework.police.uk", full_name="New", role=Role.OFFICER, team_id=team.id
            )
        )
    )
    user = created[0][0]
    assert_row(events, AuditAction.CREATE, "user", user.id, admin_user, email="new@casework.police.uk")
    events = audited(
        lambda: admin.update_user(
            admin_user,
            user,
            expected_version=user.version_id,
            email=user.email,
            full_name="Renamed",
            role=Role.OFFICER,
            team_id=team.id,
        )
    )
    assert_row(events, AuditAction.UPDATE, "user", user.id, admin_user, changes={"full_name": ["New", "Renamed"]})
    events = audited(lambda: admin.set_active(admin_user, user, False))
    assert_row(events, AuditAction.UPDATE, "user", user.id, admin_user, changes={"active": [True, False]})
    events = audited(lambda: admin.unlock(admin_user, user))
    assert_row(events, AuditAction.UPDATE, "user", user.id, admin_user, changes={"locked": [True, False]})
    events = audited(lambda: admin.reset_password(admin_user, user))
    assert_row(events, AuditAction.UPDATE, "user", user.id, admin_user, changed=["password"])


def test_team_changes(ctx):
    admin_user = factories.UserFactory(role=Role.ADMIN)
    created = []
    events = audited(lambda: created.append(admin.create_team(admin_user, "North")))
    assert_row(events, AuditAction.CREATE, "team", created[0].id, admin_user, name="North")
    events = audited(lambda: admin.rename_team(admin_user, created[0], "North East"))
    assert_row(events, AuditAction.UPDATE, "team", created[0].id, admin_user, changes={"name": ["North", "North East"]})


def test_the_command_line_acts_as_the_system(ctx):
    created = []
    events = audited(
        lambda: created.append(
            admin.create_user(None, email="first@casework.police.uk", full_name="First", role=Role.ADMIN, team_id=None)
        )
    )
    assert_row(events, AuditAction.CREATE, "user", created[0][0].id, None)


def test_audit_record_has_no_implicit_actor(app, ctx):
    """Even inside a signed-in request, a row written without ``actor`` is the system's, never the request user's."""
    officer = factories.UserFactory(role=Role.OFFICER)
    with app.test_request_context("/"):
        officer.attach_session(UserSession(token="t", user_id=officer.id, user_token="t", signed_in_at=utcnow()))
        login_user(officer)
        event = audit.record(AuditAction.UPDATE, "case", 1)
    assert (event.user_id, event.actor) == (None, "system")
