"""The case page runs a constant number of SQL queries whatever the number of linked rows."""

from __future__ import annotations

import pytest

from casework.auth.models import Role
from casework.cases import service
from casework.cases.models import NoteVisibility
from casework.people.models import PartyRole
from tests import factories
from tests.querycount import count_queries


def add_linked_rows(case, officer, count: int) -> None:  # type: ignore[no-untyped-def]
    for number in range(count):
        factories.IncidentFactory(case=case, recorded_by=officer)
        factories.CasePartyFactory(case=case, role=PartyRole.WITNESS if number % 2 else PartyRole.SUSPECT)
        factories.RiskAssessmentFactory(case=case, assessor=officer)
        service.add_note(officer, case, body=f"Note {number}", visibility=NoteVisibility.POLICE_ONLY)


@pytest.mark.parametrize("tab", ["", "/people", "/incidents", "/risk", "/log", "/audit"])
def test_case_tabs_run_a_constant_number_of_queries(make_client, db_session, tab):
    client, supervisor = make_client(Role.SUPERVISOR)
    officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    small = factories.CaseFactory(team=supervisor.team, officer=officer, supervisor=supervisor)
    large = factories.CaseFactory(team=supervisor.team, officer=officer, supervisor=supervisor)
    add_linked_rows(small, officer, 5)
    add_linked_rows(large, officer, 200)
    db_session.commit()
    with count_queries() as few:
        assert client.get(f"/cases/{small.id}{tab}").status_code == 200
    with count_queries() as many:
        assert client.get(f"/cases/{large.id}{tab}").status_code == 200
    assert many.count == few.count, many.statements
