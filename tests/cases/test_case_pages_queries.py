"""The case page runs a constant number of SQL queries whatever the number of linked rows."""

from __future__ import annotations

import pytest

from casework.auth.models import Role
from casework.cases import service
from casework.cases.models import (
    CaseAccess,
    CaseDecision,
    CaseStatus,
    DecisionKind,
    DecisionOutcome,
    NoteVisibility,
    RiskLevel,
)
from casework.db import utcnow
from casework.extensions import db
from casework.people.models import PartyRole, VictimContact
from tests import factories
from tests.querycount import count_queries


def add_linked_rows(case, officer, count: int) -> None:  # type: ignore[no-untyped-def]
    for number in range(count):
        factories.IncidentFactory(case=case, recorded_by=officer)
        factories.CasePartyFactory(case=case, role=PartyRole.WITNESS if number % 2 else PartyRole.SUSPECT)
        factories.RiskAssessmentFactory(case=case, assessor=officer)
        service.add_note(officer, case, body=f"Note {number}", visibility=NoteVisibility.POLICE_ONLY)
        # Victims with contact needs (the identity bar and the task list read them) and dated decisions.
        victim = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
        db.session.add(VictimContact(party_id=victim.id, uses_bsl=bool(number % 2), interpreter_needed=True))
        for kind, outcome in (
            (DecisionKind.MARAC, DecisionOutcome.MARAC_REFERRED),
            (DecisionKind.SAFETY_PLAN, DecisionOutcome.PLAN_AGREED),
        ):
            db.session.add(
                CaseDecision(case_id=case.id, kind=kind, outcome=outcome, decided_at=utcnow(), decided_by_id=officer.id)
            )


@pytest.mark.parametrize(
    "tab",
    [
        "",
        "/timeline",
        "/people",
        "/incidents",
        "/risk",
        "/log",
        "/audit",
        "/status",
        "/close",
        "/edit",
        "/decisions/marac",
    ],
)
def test_case_tabs_run_a_constant_number_of_queries(make_client, db_session, tab):
    client, supervisor = make_client(Role.SUPERVISOR)
    officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    small, large = (
        factories.CaseFactory(
            team=supervisor.team,
            officer=officer,
            supervisor=supervisor,
            status=CaseStatus.INVESTIGATING,
            risk_level=RiskLevel.HIGH,
        )
        for _ in range(2)
    )
    add_linked_rows(small, officer, 5)
    add_linked_rows(large, officer, 200)
    db_session.commit()
    with count_queries() as few:
        assert client.get(f"/cases/{small.id}{tab}").status_code == 200
    with count_queries() as many:
        assert client.get(f"/cases/{large.id}{tab}").status_code == 200
    assert many.count == few.count, many.statements


@pytest.mark.parametrize("restricted", [False, True])
def test_the_query_that_loads_a_case_also_decides_who_may_see_it(make_client, db_session, restricted):
    """No second round trip to check access: the visibility rule rides on the case's own query."""
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, restricted=restricted)
    if restricted:
        db.session.add(CaseAccess(case_id=case.id, user_id=officer.id, granted_by_id=officer.id))
    other_team = factories.CaseFactory(restricted=restricted)
    db_session.commit()
    for target, status in ((case, 200), (other_team, 404 if restricted else 403)):
        with count_queries() as seen:
            assert client.get(f"/cases/{target.id}/people").status_code == status
        access_checks = [s for s in seen.statements if s.lstrip().upper().startswith("SELECT EXISTS")]
        assert access_checks == [], access_checks


def test_the_summary_reads_each_feature_once(make_client, db_session):
    """The orders needing attention feed both the open items and the task list: read once (``request_memo``)."""
    client, supervisor = make_client(Role.SUPERVISOR)
    case = factories.CaseFactory(team=supervisor.team, supervisor=supervisor, status=CaseStatus.INVESTIGATING)
    db_session.commit()
    with count_queries() as summary:
        assert client.get(f"/cases/{case.id}").status_code == 200
    orders = [statement for statement in summary.statements if statement.startswith("SELECT protective_orders.id")]
    assert len(orders) == 1, orders
