"""The incidents tab runs the same number of SQL statements however many incidents and evidence items a case has."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from casework.auth.models import Role
from casework.db import utcnow
from casework.extensions import db
from tests import factories
from tests.factories import EvidenceItemFactory


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """Collect the SQL statements run on the test's connection (savepoint bookkeeping left out)."""
    statements: list[str] = []
    engine = db.session.get_bind().engine

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def tab_statements(client, officer, incidents: int) -> int:
    case = factories.allocated_case(officer)
    for n in range(incidents):
        incident = factories.IncidentFactory(
            case=case, recorded_by=factories.UserFactory(), occurred_from=utcnow() - timedelta(days=n + 1)
        )
        EvidenceItemFactory(incident=incident, file_name="a.png", stored_name=f"{incident.id:064x}", size_bytes=10)
        EvidenceItemFactory(incident=incident)
    with counting_statements() as statements:
        response = client.get(f"/cases/{case.id}/incidents")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="govuk-summary-card"') == incidents
    return len(statements)


def test_the_incidents_tab_needs_no_more_queries_for_fifty_incidents_than_for_five(make_client):
    client, officer = make_client(Role.OFFICER)
    assert tab_statements(client, officer, 5) == tab_statements(client, officer, 50)
