"""The incidents tab runs the same number of SQL statements however many incidents and evidence items a case has."""

from __future__ import annotations

from datetime import timedelta

from casework.auth.models import Role
from casework.db import utcnow
from tests import factories
from tests.factories import EvidenceItemFactory
from tests.querycount import count_queries


def tab_statements(client, officer, incidents: int) -> int:
    case = factories.allocated_case(officer)
    for n in range(incidents):
        incident = factories.IncidentFactory(
            case=case, recorded_by=factories.UserFactory(), occurred_from=utcnow() - timedelta(days=n + 1)
        )
        EvidenceItemFactory(incident=incident, file_name="a.png", stored_name=f"{incident.id:064x}", size_bytes=10)
        EvidenceItemFactory(incident=incident)
    with count_queries() as counter:
        response = client.get(f"/cases/{case.id}/incidents")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="govuk-summary-card"') == incidents
    return counter.count


def test_the_incidents_tab_needs_no_more_queries_for_fifty_incidents_than_for_five(make_client):
    client, officer = make_client(Role.OFFICER)
    assert tab_statements(client, officer, 5) == tab_statements(client, officer, 50)
