"""Exports of a filtered case list or a dashboard table, as CSV or Excel: a disclosure, with a reason, audited.

An export carries only what the case list shows about a case (reference, team, officer, status,
risk and dates), never a person's details and never a victim's sealed details. Every export
writes one ``disclose`` audit row naming who, why, the filters and how many rows left the system.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.orm import joinedload

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.queries import CaseFilters, filtered_query
from casework.dashboard.figures import AGE_BANDS, ORDER_EVENTS, RISK_COLUMNS
from casework.dashboard.service import Dashboard
from casework.errors import DomainError
from casework.extensions import db
from casework.security import Permission, can
from casework.workdays import local_date

EXPORT_LIMIT = 50_000
FORMATS = {
    "csv": ("text/csv", "csv"),  # Flask adds "; charset=utf-8" to a text type
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
}
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): prefix a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """What is exported: a title, column headers and rows of plain values."""

    title: str
    headers: list[str]
    rows: list[list[Any]]


def _date(instant: datetime | None) -> str:
    return local_date(instant).isoformat() if instant is not None else ""


CASE_COLUMNS: list[tuple[str, Callable[[Case], Any]]] = [
    ("Reference", lambda case: case.reference),
    ("Team", lambda case: case.team.name),
    ("Officer in case", lambda case: case.officer.full_name if case.officer else ""),
    ("Status", lambda case: case.status.label),
    ("Risk", lambda case: case.risk_level.label if case.risk_level else "Not assessed"),
    ("Classification", lambda case: case.classification.label),
    ("Offence", lambda case: case.offence.label),
    ("Channel", lambda case: case.channel.label),
    ("Reported on", lambda case: _date(case.reported_at)),
    ("Closed on", lambda case: _date(case.closed_at)),
    ("Outcome", lambda case: case.outcome.label if case.outcome else ""),
    ("Restricted", lambda case: "Yes" if case.restricted else "No"),
]


def case_table(user: User, filters: CaseFilters, now: datetime) -> Table:
    """The cases of a filtered list, in the list's default order; refused past ``EXPORT_LIMIT`` rows."""
    query = (
        filtered_query(user, filters, now)
        .options(joinedload(Case.team), joinedload(Case.officer))
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(EXPORT_LIMIT + 1)
    )
    cases = list(db.session.execute(query).unique().scalars())
    if len(cases) > EXPORT_LIMIT:
        raise DomainError(f"More than {EXPORT_LIMIT:,} cases match: narrow the filters first", field="reason")
    return Table(
        "Cases", [header for header, _ in CASE_COLUMNS], [[get(case) for _, get in CASE_COLUMNS] for case in cases]
    )


def _officers(data: Dashboard) -> Table:
    headers = [
        "Officer in case",
        *(f"{level.label} risk" for level in RISK_COLUMNS),
        "Not assessed",
        "Open",
        "Overdue",
        "High risk, no safety plan",
        f"No victim contact in {data.no_contact_days} days",
    ]
    rows = [
        [
            row.name,
            *(row.by_risk[level.value] for level in RISK_COLUMNS),
            row.unassessed,
            row.open_cases,
            row.overdue,
            row.no_safety_plan,
            row.no_contact,
        ]
        for row in data.officers
    ]
    return Table("Caseload per officer", headers, rows)


def _status_age(data: Dashboard) -> Table:
    headers = ["Status", *(band.label for band in AGE_BANDS), "All"]
    rows = [
        [status.label, *(bands.get(band.key, 0) for band in AGE_BANDS), sum(bands.values())]
        for status, bands in data.status_age.items()
    ]
    return Table("Open cases by status and age", headers, rows)


def _weekly(data: Dashboard) -> Table:
    headers = ["Week beginning", *(channel.label for channel in data.channels), "All channels"]
    rows = []
    for monday in data.weeks:
        counts = data.weekly.get(monday.isoformat(), {})
        rows.append(
            [monday.isoformat(), *(counts.get(channel, 0) for channel in data.channels), data.week_total(monday)]
        )
    return Table("New reports per week", headers, rows)


def _outcomes(data: Dashboard) -> Table:
    rows = [[outcome.label, count] for outcome, count in sorted(data.outcomes.items(), key=lambda item: -item[1])]
    return Table("Outcomes of cases closed in the period", ["Outcome", "Cases"], rows)


def _orders(data: Dashboard) -> Table:
    labels = {**{kind: label for kind, (label, _) in ORDER_EVENTS.items()}, "breached": "Breached"}
    labels["expiring"] = "Expiring in the next 28 days"
    rows = [[label, *data.orders.get(kind, (0, 0))] for kind, label in labels.items()]
    rows.append(["SPO notification missed (now)", "", data.headline["spo_missed"]])
    return Table("Protective orders", ["Figure", "Orders", "Cases"], rows)


def _referrals(data: Dashboard) -> Table:
    rows = [[name, status.label, referrals, cases] for _, name, status, referrals, cases in data.referrals]
    return Table("Referrals made in the period", ["Service", "Status now", "Referrals", "Cases"], rows)


def _compliance(data: Dashboard) -> Table:
    headers = ["Measure", "Officer in case", "On time", "Due", "Share (%)", "Cases", "Cases missed"]
    rows = []
    for total in data.compliance:
        for m in (total, *total.officers):
            share = "" if m.percent is None else m.percent
            officer = "All" if m is total else m.label
            rows.append([total.label, officer, m.on_time, m.due, share, m.cases_due, m.cases_missed])
    return Table("Victims' Code compliance", headers, rows)


DASHBOARD_TABLES: dict[str, Callable[[Dashboard], Table]] = {
    "caseload": _officers,
    "status-age": _status_age,
    "weekly": _weekly,
    "outcomes": _outcomes,
    "orders": _orders,
    "referrals": _referrals,
    "compliance": _compliance,
}


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def render(table: Table, file_format: str) -> bytes:
    """The table as a CSV (UTF-8 with a byte-order mark, so Excel reads it right) or an Excel workbook."""
    rows: Sequence[list[Any]] = [[_cell(value) for value in row] for row in table.rows]
    if file_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(table.headers)
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.title[:31])
    sheet.append(table.headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export(actor: User, table: Table, *, what: str, file_format: str, reason: str, filters: dict[str, Any]) -> bytes:
    """Disclose ``table`` to ``actor`` as a file: checked, audited (who, why, filters, rows), rendered."""
    if not can(actor, Permission.CASES_EXPORT):
        raise DomainError("You may not export case data", field="reason")
    reason = (reason or "").strip()
    if len(reason) < audit.JUSTIFICATION_MIN:
        raise DomainError(
            f"Enter why you need this export, in at least {audit.JUSTIFICATION_MIN} characters", field="reason"
        )
    if file_format not in FORMATS:
        raise DomainError("Choose CSV or Excel", field="file_format")
    audit.record(
        AuditAction.DISCLOSE,
        "case_list" if what == "cases" else "dashboard",
        what,
        actor=actor,
        justification=reason,
        recipient=actor.email,
        detail={"export": what, "format": file_format, "filters": filters, "rows": len(table.rows)},
    )
    db.session.flush()
    return render(table, file_format)


def visible_count(user: User, filters: CaseFilters, now: datetime) -> int:
    """How many cases an export of this list would hold (counted in SQL, up to the limit and one more)."""
    capped = filtered_query(user, filters, now).with_only_columns(Case.id).limit(EXPORT_LIMIT + 1).subquery()
    return db.session.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one()
