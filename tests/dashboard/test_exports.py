"""Exports: a reason first, audited as a disclosure (who, why, filters, rows), never a sealed detail."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases.models import RiskLevel
from casework.dashboard import exports
from casework.errors import DomainError
from casework.extensions import db
from casework.people.models import VictimContact
from tests import factories
from tests.dashboard.seed import seed
from tests.dashboard.test_dashboard import list_count, signed_in

SEALED = "SEALED-MARKER-12 Elm Road"
REASON = "Monthly performance report to the head of the unit"


@pytest.fixture
def seeded(app, db_session):  # type: ignore[no-untyped-def]
    data = seed()
    victim = factories.CasePartyFactory(case=data.urgent)
    db_session.add(VictimContact(party_id=victim.id, sealed_address=SEALED, sealed_phone="07700 900SEALED"))
    db_session.commit()
    return data


def disclosures() -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == AuditAction.DISCLOSE).order_by(AuditEvent.id)
    return list(db.session.execute(query).scalars())


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_export_asks_for_a_reason_first_and_saves_nothing_without_one(app, seeded):
    client = signed_in(app, seeded.manager)
    page = client.get("/exports/cases?scope=all&risk=high").get_data(as_text=True)
    assert "Why do you need this export?" in page
    query = f"scope=all&risk=high&team_id={seeded.south.id}&closed=2026-01-01..2026-01-31"
    shown = (
        client.get(f"/exports/cases?{query}").get_data(as_text=True).split('id="export-filters"')[1].split("</dl>")[0]
    )
    for words in ("All cases", "High", "South", "Closed 1 January 2026 to 31 January 2026", "Sorted by"):
        assert words in shown, words  # what is disclosed, in the words of the list page
    assert "team_id" not in shown and "Team id" not in shown and "reported_desc" not in shown
    response = client.post_form("/exports/cases?scope=all&risk=high", {"reason": " ", "file_format": "csv"})
    assert response.status_code == 200
    assert "Enter why you need this export" in response.get_data(as_text=True)
    assert disclosures() == []


def test_a_filtered_list_exports_the_cases_the_list_shows_and_is_audited(app, seeded):
    client = signed_in(app, seeded.manager)
    query = "scope=all&open=1&risk=high"
    response = client.post_form(f"/exports/cases?{query}", {"reason": REASON, "file_format": "csv"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="cases-')
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response.data)
    assert rows[0][:3] == ["Reference", "Team", "Officer in case"]
    references = {row[0] for row in rows[1:]}
    assert references == {seeded.urgent.reference, seeded.ordered.reference}
    assert seeded.restricted.reference not in references
    assert len(rows) - 1 == list_count(client, f"/cases?{query}")
    (event,) = disclosures()
    assert (event.user_id, event.object_type, event.justification) == (seeded.manager.id, "case_list", REASON)
    assert event.detail["rows"] == 2
    assert event.detail["filters"]["open"] == "1"
    assert event.detail["filters"]["risk"] == [RiskLevel.HIGH.value]


def test_sealed_details_and_names_never_leave_in_an_export(app, seeded):
    client = signed_in(app, seeded.manager)
    for file_format in ("csv", "xlsx"):
        content = client.post_form("/exports/cases?scope=all", {"reason": REASON, "file_format": file_format}).data
        if file_format == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(content)).active
            content = "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row).encode()
        assert b"SEALED" not in content
        assert seeded.urgent.reference.encode() in content
    assert all(SEALED not in str(event.detail) for event in disclosures())


def test_each_dashboard_table_exports_as_excel_with_the_dashboard_figures(app, seeded):
    client = signed_in(app, seeded.manager)
    for table in exports.DASHBOARD_TABLES:
        response = client.post_form(f"/exports/dashboard/{table}", {"reason": REASON, "file_format": "xlsx"})
        assert response.status_code == 200, table
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        assert sheet.max_row >= 2, table
    caseload = client.post_form("/exports/dashboard/caseload", {"reason": REASON, "file_format": "csv"}).data
    olive = next(row for row in csv_rows(caseload) if row[0] == "Olive Officer")
    assert olive[1:] == ["1", "1", "1", "0", "3", "2", "1", "0"]
    assert [event.object_id for event in disclosures()][-1] == "dashboard:caseload"
    assert client.get("/exports/dashboard/nonsense").status_code == 404


def test_a_value_a_spreadsheet_would_run_is_exported_as_text():
    table = exports.Table("Cases", ["Officer"], [['=HYPERLINK("http://example.org")'], ["-1+1"]])
    assert csv_rows(exports.render(table, "csv"))[1:] == [['\'=HYPERLINK("http://example.org")'], ["'-1+1"]]


def test_the_service_refuses_without_permission_or_reason(app, db_session):
    officer = factories.UserFactory(role=Role.OFFICER)
    table = exports.Table("Cases", ["Reference"], [])
    with pytest.raises(DomainError):
        exports.export(officer, table, what="cases", file_format="csv", reason=REASON, filters={})
    manager = factories.UserFactory(role=Role.MANAGER)
    with pytest.raises(DomainError, match="Enter why"):
        exports.export(manager, table, what="cases", file_format="csv", reason="because", filters={})


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADVISER, Role.ADMIN])
def test_only_supervisors_and_managers_export(make_client, role):
    client, _ = make_client(role)
    assert client.get("/exports/cases").status_code == 403
    assert client.get("/exports/dashboard/caseload").status_code == 403
