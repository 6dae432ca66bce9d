"""The audit viewer's queries: events across the system, filtered, paged by keyset, exported as CSV.

Every filter maps to an index on ``audit_events``: the action (``ix_audit_events_action``), the acting
user (``ix_audit_events_user``), the object (``ix_audit_events_object``) and the date range
(``created_at``), each ordered by ``created_at``. Pages follow a keyset (the last row seen), so the
hundredth page costs what the first does. An export is a disclosure of the trail itself: it needs a
reason and is audited with who, why, which filters and how many rows.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from casework.audit import service as audit
from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import User
from casework.errors import DomainError
from casework.extensions import db
from casework.workdays import local_midnight

PAGE_SIZE = 50
EXPORT_CAP = 10_000

SIGN_IN_ACTIONS = (AuditAction.SIGN_IN, AuditAction.SIGN_OUT, AuditAction.SIGN_IN_FAILED)

CATEGORIES: dict[str, str] = {
    "sign_in": "Sign-in activity (sign-ins, failures, lockouts, second factor, accounts)",
    "refusals": "Refusals (access denied)",
    "disclosures": "Disclosures (break-glass, referrals, exports)",
    "erasures": "Erasures",
}

# Cases are a feature this foundation package must not import: the reference is resolved with a bare
# table of the two columns needed (read-only), so a case reference can be typed into the object filter.
_cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("reference", sa.String))


@dataclass(frozen=True)
class AuditFilters:
    """What the viewer asked for; every field optional."""

    category: str | None = None
    action: AuditAction | None = None
    user_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    object_type: str | None = None
    object_id: str | None = None
    case_reference: str | None = None

    def describe(self) -> dict[str, Any]:
        """The filters that are set, as plain values (for the export's audit row)."""
        return {
            key: value.isoformat()
            if isinstance(value, date)
            else str(value)
            if isinstance(value, AuditAction)
            else value
            for key, value in asdict(self).items()
            if value not in (None, "")
        }


@dataclass(frozen=True)
class AuditRow:
    """One event as the viewer shows it: the actor's name beside the email recorded at the time."""

    event: AuditEvent
    actor_name: str | None

    @property
    def detail_text(self) -> str:
        """The event's detail as compact JSON (already free of sealed values: nothing records them)."""
        return json.dumps(self.event.detail, sort_keys=True, ensure_ascii=False) if self.event.detail else ""


@dataclass
class AuditPage:
    """One page of events, newest first, with the cursor of the next page (if any)."""

    rows: list[AuditRow] = field(default_factory=list)
    next_cursor: int | None = None
    unknown_case: bool = False


def _case_id(reference: str) -> int | None:
    return db.session.execute(
        sa.select(_cases.c.id).where(sa.func.upper(_cases.c.reference) == reference.strip().upper())
    ).scalar()


def _filtered(filters: AuditFilters) -> tuple[sa.Select[Any], bool]:
    query = sa.select(AuditEvent, User.full_name).outerjoin(User, User.id == AuditEvent.user_id)
    if filters.category == "sign_in":
        query = query.where(sa.or_(AuditEvent.action.in_(SIGN_IN_ACTIONS), AuditEvent.object_type == "user"))
    elif filters.category == "refusals":
        query = query.where(AuditEvent.action == AuditAction.ACCESS_DENIED)
    elif filters.category == "disclosures":
        query = query.where(AuditEvent.action == AuditAction.DISCLOSE)
    elif filters.category == "erasures":
        query = query.where(AuditEvent.action == AuditAction.ERASE)
    if filters.action is not None:
        query = query.where(AuditEvent.action == filters.action)
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.date_from is not None:
        query = query.where(AuditEvent.created_at >= local_midnight(filters.date_from))
    if filters.date_to is not None:
        query = query.where(AuditEvent.created_at < local_midnight(filters.date_to + timedelta(days=1)))
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEvent.object_id == filters.object_id)
    unknown_case = False
    if filters.case_reference:
        case_id = _case_id(filters.case_reference)
        unknown_case = case_id is None
        query = query.where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id or ""))
    return query, unknown_case


def check_filters(filters: AuditFilters) -> None:
    """Refuse filters that cannot mean anything, with a message for the field."""
    if filters.category is not None and filters.category not in CATEGORIES:
        raise DomainError("Select a category from the list", field="category")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise DomainError("The 'to' date must be on or after the 'from' date", field="date_to")


def events_page(filters: AuditFilters, *, after: int | None = None, page_size: int = PAGE_SIZE) -> AuditPage:
    """A page of events matching ``filters``, newest first, after the event ``after`` (the previous page's last)."""
    check_filters(filters)
    query, unknown_case = _filtered(filters)
    if after is not None:
        last = db.session.execute(sa.select(AuditEvent.created_at).where(AuditEvent.id == after)).scalar()
        if last is None:
            raise DomainError("That page no longer exists: start again from the first page", field="after")
        query = query.where(
            sa.or_(AuditEvent.created_at < last, sa.and_(AuditEvent.created_at == last, AuditEvent.id < after))
        )
    found = db.session.execute(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(page_size + 1)
    ).all()
    rows = [AuditRow(event, name) for event, name in found[:page_size]]
    next_cursor = rows[-1].event.id if len(found) > page_size else None
    return AuditPage(rows=rows, next_cursor=next_cursor, unknown_case=unknown_case)


CSV_COLUMNS = [
    "id",
    "when (UTC)",
    "actor",
    "actor name",
    "action",
    "object type",
    "object id",
    "justification",
    "recipient",
    "address",
    "detail",
]


def export_csv(actor: User, filters: AuditFilters, *, reason: str) -> tuple[str, int]:
    """The filtered events (newest first, at most ``EXPORT_CAP``) as CSV, and how many rows; audited as a disclosure."""
    reason = (reason or "").strip()
    if len(reason) < audit.JUSTIFICATION_MIN:
        raise DomainError(
            f"Enter the reason for exporting the audit trail, in at least {audit.JUSTIFICATION_MIN} characters",
            field="reason",
        )
    check_filters(filters)
    query, _ = _filtered(filters)
    found = db.session.execute(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(EXPORT_CAP)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event, name in found:
        row = AuditRow(event, name)
        writer.writerow(
            _cell(value)
            for value in [
                event.id,
                event.created_at.isoformat(timespec="seconds"),
                event.actor,
                name or "",
                event.action.value,
                event.object_type,
                event.object_id or "",
                event.justification or "",
                event.recipient or "",
                event.ip_address or "",
                row.detail_text,
            ]
        )
    audit.record(
        AuditAction.DISCLOSE,
        "audit_log",
        actor=actor,
        justification=reason,
        recipient=actor.email,
        detail={"export": "csv", "filters": filters.describe(), "rows": len(found), "capped": len(found) == EXPORT_CAP},
    )
    db.session.flush()
    return out.getvalue(), len(found)


def _cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def staff_choices() -> list[tuple[int, str]]:
    """Every account, for the 'person' filter: name and email."""
    users = db.session.execute(sa.select(User.id, User.full_name, User.email).order_by(User.full_name)).all()
    return [(user_id, f"{name} ({email})") for user_id, name, email in users]
