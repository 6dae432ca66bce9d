"""Rules the forms check are also the services' own: called directly, with no form in front, they still refuse.
And permissions refuse actions on a case in the wrong state, in ``can`` and at the door of the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases import service as cases
from casework.cases.models import (
    NUMBER_MAX,
    SUMMARY_MAX,
    CaseNote,
    CaseStatus,
    Channel,
    Classification,
    Offence,
    Outcome,
    ReporterType,
)
from casework.db import utcnow
from casework.errors import DomainError, NotFound
from casework.extensions import db
from casework.people import queries as people_queries
from casework.people import service as people
from casework.people.models import PartyRole, VictimContact
from casework.security import Permission, can
from casework.workdays import LONDON
from tests import factories


@pytest.fixture
def world(app, db_session):
    with app.app_context():
        officer = factories.UserFactory(role=Role.OFFICER)
        supervisor = factories.UserFactory(role=Role.SUPERVISOR, team=officer.team)
        case = factories.CaseFactory(
            team=officer.team,
            officer=officer,
            supervisor=supervisor,
            created_by=officer,
            status=CaseStatus.INVESTIGATING,
        )
        yield officer, supervisor, cases.get_case(case.id)


def _close(supervisor, case):
    cases.close_case(
        supervisor, case, outcome=Outcome.CAUTION, reason=None, confirmed=True, expected_version=case.version_id
    )


def test_reopening_an_open_case_is_refused(world):
    _, supervisor, case = world
    with pytest.raises(DomainError, match="not closed"):
        cases.reopen_case(supervisor, case, reason="Because", expected_version=case.version_id)


def test_reopening_needs_a_reason(world):
    _, supervisor, case = world
    _close(supervisor, case)
    with pytest.raises(DomainError) as refused:
        cases.reopen_case(supervisor, case, reason="   ", expected_version=case.version_id)
    assert refused.value.field == "reason"


def test_closing_a_closed_case_is_refused(world):
    _, supervisor, case = world
    _close(supervisor, case)
    with pytest.raises(DomainError, match="already closed"):
        _close(supervisor, case)


@pytest.mark.parametrize("who", ["officer", "supervisor"])
def test_allocating_someone_from_another_team_is_refused(world, who):
    officer, supervisor, case = world
    outsider = factories.UserFactory(role=Role.OFFICER if who == "officer" else Role.SUPERVISOR)
    chosen = {"officer_id": officer.id, "supervisor_id": supervisor.id, f"{who}_id": outsider.id}
    with pytest.raises(DomainError, match="must belong to the case's team") as refused:
        cases.allocate(supervisor, case, **chosen, reason=None, expected_version=case.version_id)
    assert refused.value.field == f"{who}_id"


def test_allocating_an_inactive_or_wrong_role_user_is_refused(world):
    officer, supervisor, case = world
    inactive = factories.UserFactory(role=Role.OFFICER, team=officer.team, active=False)
    with pytest.raises(DomainError, match="Choose an active officer"):
        cases.allocate(
            supervisor, case, officer_id=inactive.id, supervisor_id=supervisor.id, reason=None, expected_version=1
        )
    with pytest.raises(DomainError, match="Choose an active supervisor"):
        cases.allocate(
            supervisor, case, officer_id=officer.id, supervisor_id=officer.id, reason=None, expected_version=1
        )


def test_a_stale_version_is_refused_by_every_case_service(world):
    officer, supervisor, case = world
    stale = case.version_id - 1
    details = cases.CaseDetails(case.classification, case.offence, "New summary", None, None)
    for call in (
        lambda: cases.update_details(officer, case, details, expected_version=stale),
        lambda: cases.change_status(officer, case, CaseStatus.CHARGED, reason=None, expected_version=stale),
        lambda: cases.allocate(
            supervisor, case, officer_id=officer.id, supervisor_id=supervisor.id, reason=None, expected_version=stale
        ),
        lambda: cases.close_case(
            supervisor, case, outcome=Outcome.CAUTION, reason=None, confirmed=True, expected_version=stale
        ),
    ):
        with pytest.raises(DomainError, match="Someone else changed this record"):
            call()


def test_a_transition_not_in_the_table_is_refused(world):
    officer, _, case = world
    with pytest.raises(DomainError, match="cannot go from"):
        cases.change_status(officer, case, CaseStatus.AT_COURT, reason=None, expected_version=case.version_id)
    with pytest.raises(DomainError, match="Close case"):
        cases.change_status(officer, case, CaseStatus.CLOSED, reason=None, expected_version=case.version_id)


def test_a_report_dated_in_the_future_is_refused(world):
    officer, _, _ = world
    details = factories.new_case_details(reported_at=utcnow() + timedelta(days=1))
    with pytest.raises(DomainError) as refused:
        cases.create_case(officer, details)
    assert refused.value.field == "reported_on"


def test_a_date_of_birth_in_the_future_is_refused(world):
    officer, _, case = world
    tomorrow = (utcnow().astimezone(LONDON) + timedelta(days=1)).date()
    with pytest.raises(DomainError) as refused:
        people.add_party(
            officer,
            case,
            people.PartyDetails(role=PartyRole.WITNESS, first_name="A", last_name="B", date_of_birth=tomorrow),
        )
    assert refused.value.field == "date_of_birth"


def _victim(case):
    party = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    party.contact = VictimContact(sealed_address="1 Secret Road")
    db.session.commit()
    return people_queries.get_party(case, party.id)


@pytest.mark.parametrize("reason", ["", "   ", "\n", "x", "  see it   "])
def test_break_glass_needs_a_reason(world, reason):
    _, _, case = world
    colleague = factories.UserFactory(role=Role.OFFICER, team=case.team)
    with pytest.raises(DomainError) as refused:
        people.break_glass(colleague, case, _victim(case), reason=reason)
    assert refused.value.field == "reason"


def test_only_the_cases_supervisor_may_acknowledge_a_disclosure(world):
    _, supervisor, case = world
    team = case.team
    colleague = factories.UserFactory(role=Role.OFFICER, team=team)
    other_supervisor = factories.UserFactory(role=Role.SUPERVISOR, team=team)
    people.break_glass(colleague, case, _victim(case), reason="Welfare check tonight")
    [listed] = people_queries.disclosures_to_review(supervisor)
    disclosure = people_queries.get_disclosure(listed.id)
    assert not can(other_supervisor, Permission.DISCLOSURE_ACKNOWLEDGE, disclosure)
    with pytest.raises(NotFound):
        people.acknowledge_disclosure(other_supervisor, disclosure)
    assert can(supervisor, Permission.DISCLOSURE_ACKNOWLEDGE, disclosure)
    assert not can(colleague, Permission.DISCLOSURE_ACKNOWLEDGE, disclosure)


def test_contact_details_are_kept_for_victims_only(world):
    officer, _, case = world
    colleague = factories.UserFactory(role=Role.OFFICER, team=case.team)
    victim_id = _victim(case).id
    suspect_id = factories.CasePartyFactory(case=case, role=PartyRole.SUSPECT).id
    victim, suspect = (people_queries.get_party(case, party_id) for party_id in (victim_id, suspect_id))
    assert can(officer, Permission.VICTIM_CONTACT_EDIT, victim)
    assert not can(officer, Permission.VICTIM_CONTACT_EDIT, suspect)
    assert not can(colleague, Permission.VICTIM_CONTACT_EDIT, victim)


# --- Permissions on a case in the wrong state ---------------------------------------------------

OPEN_ONLY = [Permission.CASE_EDIT, Permission.CASE_PROGRESS, Permission.CASE_ALLOCATE, Permission.CASE_CLOSE]


@pytest.mark.parametrize("permission", OPEN_ONLY)
def test_actions_for_open_cases_are_refused_on_a_closed_case(world, permission):
    _, supervisor, case = world
    assert can(supervisor, permission, case)
    _close(supervisor, case)
    assert not can(supervisor, permission, case)


def test_reopening_is_refused_on_an_open_case(world):
    _, supervisor, case = world
    assert not can(supervisor, Permission.CASE_REOPEN, case)
    _close(supervisor, case)
    assert can(supervisor, Permission.CASE_REOPEN, case)


@pytest.mark.parametrize(
    ("path", "closed"),
    [("edit", True), ("status", True), ("allocate", True), ("close", True), ("reopen", False)],
)
def test_pages_for_the_wrong_state_answer_403(make_client, path, closed):
    client, supervisor = make_client(Role.SUPERVISOR)
    officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    status = CaseStatus.CLOSED if closed else CaseStatus.INVESTIGATING
    case = factories.CaseFactory(
        team=supervisor.team, officer=officer, supervisor=supervisor, created_by=officer, status=status
    )
    assert client.get(f"/cases/{case.id}/{path}").status_code == 403
    assert client.post_form(f"/cases/{case.id}/{path}", {"reason": "x", "version": case.version_id}).status_code == 403


def test_a_change_to_a_case_closed_meanwhile_says_so_and_shows_what_was_typed(make_client):
    """Another tab, a colleague or a second click closed it: the refusal is logged, but the page says why and
    keeps the text, instead of telling the officer their role has no access."""
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, status=CaseStatus.CLOSED)
    typed = "Spoke to the neighbour: the car was back at 02:00"
    data = {"body": typed, "visibility": "police_only", "version": case.version_id}
    response = client.post_form(f"/cases/{case.id}/log", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "This case is closed" in page and typed in page and "does not give you access" not in page
    assert "police_only" not in page  # a choice's code is not something typed
    denial = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.ACCESS_DENIED, AuditEvent.user_id == officer.id)
    ).scalar_one()
    assert denial.detail["reason"] == "case closed"
    assert db.session.execute(sa.select(sa.func.count(CaseNote.id)).where(CaseNote.case_id == case.id)).scalar() == 0


def test_an_officer_of_another_team_is_still_refused_as_such_on_a_closed_case(make_client):
    client, _ = make_client(Role.OFFICER)
    other = factories.allocated_case(factories.UserFactory(role=Role.OFFICER), status=CaseStatus.CLOSED)
    page = client.post_form(f"/cases/{other.id}/log", {"body": "x"}).get_data(as_text=True)
    assert "does not give you access" in page and "This case is closed" not in page


def test_an_unrestricted_case_has_no_access_list_to_add_to(world):
    _, supervisor, case = world
    colleague = factories.UserFactory(role=Role.OFFICER)
    with pytest.raises(DomainError, match="Only restricted cases"):
        cases.grant_access(supervisor, case, email=colleague.email, reason="Needed")


def _new_case(**facts: object) -> cases.NewCase:
    return cases.NewCase(
        **{
            "channel": Channel.PHONE_101,
            "reporter_type": ReporterType.VICTIM,
            "classification": Classification.STALKING,
            "offence": Offence.S2A,
            "summary": "Follows her to work",
            "reported_at": utcnow() - timedelta(hours=1),
            **facts,
        }
    )


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"summary": "x" * (SUMMARY_MAX + 1)}, "summary"),
        ({"summary": "  \n "}, "summary"),
        ({"incident_number": "4" * (NUMBER_MAX + 1)}, "incident_number"),
        ({"crime_number": "C" * (NUMBER_MAX + 1)}, "crime_number"),
        ({"classification": Classification.HARASSMENT, "offence": Offence.S4A}, "offence"),
        ({"classification": Classification.STALKING, "offence": Offence.S2}, "offence"),
    ],
)
def test_a_case_s_written_facts_keep_their_limits_without_a_form(world, facts, field):
    officer, _, case = world
    with pytest.raises(DomainError) as refused:
        cases.create_case(officer, _new_case(**facts))
    assert refused.value.field == field
    details = cases.CaseDetails(
        classification=facts.get("classification", case.classification),  # type: ignore[arg-type]
        offence=facts.get("offence", case.offence),  # type: ignore[arg-type]
        summary=facts.get("summary", case.summary),  # type: ignore[arg-type]
        incident_number=facts.get("incident_number", case.incident_number),  # type: ignore[arg-type]
        crime_number=facts.get("crime_number", case.crime_number),  # type: ignore[arg-type]
    )
    summary_before = case.summary
    with pytest.raises(DomainError) as refused:
        cases.update_details(officer, case, details, expected_version=case.version_id)
    assert refused.value.field == field
    assert case.summary == summary_before


@pytest.mark.parametrize("offence", list(Offence))
def test_each_offence_goes_with_its_own_classification(world, offence):
    officer, _, _ = world
    expected = Classification.STALKING if offence in {Offence.S2A, Offence.S4A} else Classification.HARASSMENT
    case = cases.create_case(officer, _new_case(classification=expected, offence=offence))
    assert (case.classification, case.offence) == (expected, offence)


def test_facts_at_their_limits_are_kept(world):
    officer, _, _ = world
    case = cases.create_case(
        officer, _new_case(summary="x" * SUMMARY_MAX, incident_number="4" * NUMBER_MAX, crime_number="C" * NUMBER_MAX)
    )
    db.session.flush()
    assert len(case.summary) == SUMMARY_MAX and len(case.crime_number or "") == NUMBER_MAX
