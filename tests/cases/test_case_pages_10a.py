"""The identity bar on every case page, closing warnings for gaps in the record, the status page's copy per role,
"My cases" with the reports I recorded that await allocation, and the banner after recording a report."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from casework.auth.models import Role
from casework.cases import service
from casework.cases.models import CaseDecision, CaseStatus, DecisionKind, DecisionOutcome, Outcome, RiskLevel
from casework.cases.queries import Scope
from casework.dashboard.service import caseload
from casework.db import utcnow
from casework.errors import DomainError
from casework.extensions import db
from casework.people.models import PartyRole, VictimContact
from tests import factories


def identity_bar(page: str) -> str:
    match = re.search(
        r'<div class="moj-identity-bar casework-identity-bar".*?</dl>.*?</div>\s*</div>\s*</div>', page, re.S
    )
    assert match, "no identity bar"
    return match.group(0)


def test_identity_bar_shows_reference_victim_officer_risk_status_and_contact_needs(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, risk_level=RiskLevel.HIGH)
    victim = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    other = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    factories.CasePartyFactory(case=case, role=PartyRole.SUSPECT)
    db.session.add(VictimContact(party_id=victim.id, uses_bsl=True, uses_textphone=True))
    db.session.add(VictimContact(party_id=other.id, interpreter_needed=True, language="Polish"))
    db.session.commit()
    for tab in ("", "/people", "/incidents", "/risk", "/log", "/orders", "/contact", "/support", "/edit"):
        bar = identity_bar(client.get(f"/cases/{case.id}{tab}").get_data(as_text=True))
        assert victim.person.full_name in bar and "and 1 other victim" in bar, tab
        assert case.reference in bar and officer.full_name in bar
        assert "High risk" in bar and "Investigating" in bar
        assert f"BSL interpreter ({victim.person.full_name})" in bar
        assert f"Textphone / Relay UK ({victim.person.full_name})" in bar
        assert f"Interpreter: Polish ({other.person.full_name})" in bar


def test_identity_bar_before_a_victim_is_added_and_before_allocation(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.CaseFactory(team=officer.team, created_by=officer)
    bar = identity_bar(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "No victim added yet" in bar and "Awaiting allocation" in bar and "Contact needs" not in bar


def test_one_victim_with_bsl_is_named_without_repeating_the_name(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    victim = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    db.session.add(VictimContact(party_id=victim.id, uses_bsl=True))
    db.session.commit()
    bar = identity_bar(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert ">BSL interpreter<" in bar


# --- Closing ---------------------------------------------------------------------------------------


def _high_risk_case(supervisor, **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("crime_number", "CR/1")
    return factories.CaseFactory(
        team=supervisor.team,
        officer=supervisor,
        supervisor=supervisor,
        status=CaseStatus.INVESTIGATING,
        risk_level=RiskLevel.HIGH,
        **fields,
    )


def _close(supervisor, case, *, confirmed: bool):  # type: ignore[no-untyped-def]
    return service.close_case(
        supervisor, case, outcome=Outcome.CAUTION, reason=None, confirmed=confirmed, expected_version=case.version_id
    )


def test_the_service_refuses_to_close_a_case_with_gaps_unless_confirmed(app, db_session):
    with app.test_request_context():
        supervisor = factories.UserFactory(role=Role.SUPERVISOR)
        case = _high_risk_case(supervisor, crime_number=None)
        assert service.record_gaps(case) == [
            "High risk: no decision on a MARAC referral is recorded",
            "High risk: no safety plan decision is recorded",
            "No crime number is recorded",
        ]
        with pytest.raises(DomainError, match="Confirm"):
            _close(supervisor, case, confirmed=False)
        assert case.is_open
        _close(supervisor, case, confirmed=True)
        assert case.status == CaseStatus.CLOSED


@pytest.mark.parametrize("missing", ["crime_number", "risk_review", "marac", "safety_plan"])
def test_each_gap_alone_needs_confirmation(app, db_session, missing):
    with app.test_request_context():
        supervisor = factories.UserFactory(role=Role.SUPERVISOR)
        case = _high_risk_case(
            supervisor,
            crime_number=None if missing == "crime_number" else "CR/1",
            risk_review_due=missing == "risk_review",
        )
        for kind, outcome in (
            (DecisionKind.MARAC, DecisionOutcome.MARAC_REFERRED),
            (DecisionKind.SAFETY_PLAN, DecisionOutcome.PLAN_AGREED),
        ):
            if kind.value != missing:
                db.session.add(
                    CaseDecision(
                        case_id=case.id, kind=kind, outcome=outcome, decided_at=utcnow(), decided_by_id=supervisor.id
                    )
                )
        db.session.flush()
        assert len(service.record_gaps(case)) == 1
        with pytest.raises(DomainError, match="Confirm"):
            _close(supervisor, case, confirmed=False)


def test_a_complete_case_closes_without_confirmation(app, db_session):
    with app.test_request_context():
        supervisor = factories.UserFactory(role=Role.SUPERVISOR)
        case = factories.CaseFactory(
            team=supervisor.team,
            officer=supervisor,
            supervisor=supervisor,
            status=CaseStatus.INVESTIGATING,
            risk_level=RiskLevel.STANDARD,
            crime_number="CR/2",
        )
        assert service.closing_warnings(case) == []
        _close(supervisor, case, confirmed=False)
        assert case.status == CaseStatus.CLOSED


def test_the_close_page_lists_each_gap_and_never_says_nothing_is_open(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    case = _high_risk_case(supervisor, crime_number=None, risk_review_due=True)
    page = client.get(f"/cases/{case.id}/close").get_data(as_text=True)
    for gap in (
        "High risk: no decision on a MARAC referral is recorded",
        "High risk: no safety plan decision is recorded",
        "No crime number is recorded",
        "A risk re-assessment is due",
    ):
        assert gap in page
    assert page.count("A risk re-assessment is due") == 1
    assert "Nothing is" not in page
    assert "I have checked the list above" in page
    refused = client.post_form(f"/cases/{case.id}/close", {"outcome": "caution", "version": case.version_id})
    assert "Confirm that you want to close the case" in refused.get_data(as_text=True)
    db.session.refresh(case)
    assert case.is_open
    closed = client.post_form(
        f"/cases/{case.id}/close", {"outcome": "caution", "confirm": "y", "version": case.version_id}
    )
    assert closed.status_code == 302


# --- Change status ---------------------------------------------------------------------------------


def test_an_officer_is_not_told_to_use_a_close_button_they_do_not_have(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    page = client.get(f"/cases/{case.id}/status").get_data(as_text=True)
    assert "Close case" not in page
    assert "Only a supervisor can close it" in page


def test_a_supervisor_is_told_where_to_close_the_case(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    case = factories.CaseFactory(
        team=supervisor.team, officer=supervisor, supervisor=supervisor, status=CaseStatus.INVESTIGATING
    )
    page = client.get(f"/cases/{case.id}/status").get_data(as_text=True)
    assert "To close it, use ‘Close case’" in page


# --- My cases and the banner after recording --------------------------------------------------------


def test_my_cases_include_reports_i_recorded_that_await_allocation_only(make_client):
    client, officer = make_client(Role.OFFICER)
    colleague = factories.UserFactory(role=Role.OFFICER, team=officer.team)
    mine = factories.CaseFactory(team=officer.team, created_by=officer, reference="SH-2026-700001")
    theirs = factories.CaseFactory(team=officer.team, created_by=colleague, reference="SH-2026-700002")
    allocated_to_colleague = factories.allocated_case(colleague, reference="SH-2026-700003")
    allocated_to_colleague.created_by_id = officer.id
    db.session.commit()
    page = client.get("/cases?scope=mine").get_data(as_text=True)
    assert mine.reference in page
    assert theirs.reference not in page
    assert allocated_to_colleague.reference not in page
    counts = caseload(officer, Scope.MINE)
    assert (counts.open_cases, counts.awaiting_allocation) == (1, 1)


def test_the_banner_after_recording_links_to_the_next_steps(make_client):
    client, _ = make_client(Role.OFFICER)
    response = client.post_form("/cases/new", factories.new_case_form())
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/cases/{case_id}/people/new/victim">add the victim</a>' in page
    assert f'href="/cases/{case_id}/incidents/new">record the incidents</a>' in page


def test_crime_number_overdue_shows_on_the_summary_after_a_day(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, reported_at=utcnow() - timedelta(hours=25))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "1 overdue" in page or "overdue</strong>" in page
