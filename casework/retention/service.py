"""Retention decisions and erasure of personal data.

Erasure works from the schema rather than from a list of features, so that a table added later is
covered without anyone remembering to add it here:

* the rows *about a case* are every table that reaches ``cases`` through foreign keys (a
  ``case_id`` column, or a parent that has one: evidence through its incident, hearings through
  their order, aftercare through its referral);
* the rows *about a party* are those that reach the party's ``case_parties`` row the same way
  (their contact attempts and do-not-contact flags, referrals and aftercare, an order they are the
  subject of);
* a text column in those rows is personal free text unless it is listed in ``NOT_FREE_TEXT``
  (references, stored file names, codes, hashes).

Erasing a person renames their ``people`` row to "Erased person <id>", clears their date of birth,
other names, their parts' notes and their sealed contact details, blanks the free text of the rows
about their parts, and takes every string that identifies them (names, date of birth, contact
details) out of all the text of their cases, JSON included. Erasing a case does the same for each of
its people who is in no other case and blanks all free text about the case; evidence files are deleted
from disk once the transaction commits. Audit events are never changed: they hold ids, not names
(the erasure tests scan them too), and the erasure leaves its own event as the stub.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import User
from casework.cases.models import Case, CaseStatus
from casework.db import utcnow
from casework.errors import DomainError
from casework.extensions import db
from casework.incidents import storage
from casework.incidents.models import EvidenceItem, Incident
from casework.people.models import CaseParty, Person, VictimContact
from casework.people.service import refresh_party_names
from casework.retention.models import Decision, RetentionDecision
from casework.workdays import local_date

ERASED = "[erased]"
MAX_RETAIN_YEARS = 25

# Text columns of case rows that identify nobody: references, codes, hashes, stored names, court names.
NOT_FREE_TEXT = frozenset(
    {
        ("cases", "reference"),
        ("cases", "incident_number"),
        ("cases", "crime_number"),
        ("cases", "party_names"),  # rebuilt from the (erased) people by refresh_party_names
        ("evidence_items", "reference"),
        ("evidence_items", "stored_name"),
        ("evidence_items", "content_type"),
        ("evidence_items", "sha256"),
        ("incidents", "behaviours"),
        ("online_reports", "reference"),
        ("protective_orders", "court"),
        ("order_hearings", "court"),
        ("reminders", "kind"),
        ("reminders", "claim"),
        ("risk_assessments", "checklist_version"),
        ("contact_plan_changes", "terms"),
        ("retention_decisions", "reason"),  # the review's own record: names are taken out, the reason stays
    }
)
# JSON columns whose free text sits under particular keys (the rest are choices and flags).
JSON_FREE_TEXT_KEYS = {
    ("risk_assessments", "answers"): frozenset({"comment"}),
    ("aftercare_entries", "needs"): frozenset({"notes"}),
}
# JSON columns that are wholly the people's own words: emptied when their case is erased.
JSON_EMPTIED = frozenset({("online_reports", "answers")})
SKIPPED_TABLES = frozenset({"audit_events", "audit_seals", "people"})


@dataclass
class ErasureCount:
    """What an erasure changed (ids and counts only: this goes into the audit trail)."""

    people: set[int] = field(default_factory=set)
    cases: set[int] = field(default_factory=set)
    values: int = 0
    files: int = 0

    def detail(self) -> dict[str, Any]:
        """For the audit event: which records, how much was removed."""
        return {
            "people": sorted(self.people),
            "cases": sorted(self.cases),
            "values_erased": self.values,
            "files_deleted": self.files,
        }


# --- The schema walk ------------------------------------------------------------------------------

Scope = Callable[[Iterable[int]], sa.ColumnElement[bool]]


def _reaching(root: sa.Table) -> list[tuple[sa.Table, Scope]]:
    """Every table reaching ``root`` through foreign keys, with a condition picking the rows of given root ids."""
    found: dict[str, tuple[sa.Table, Scope]] = {root.name: (root, lambda ids: root.c.id.in_(list(ids)))}
    changed = True
    while changed:
        changed = False
        for table in db.metadata.sorted_tables:
            if table.name in found or table.name in SKIPPED_TABLES:
                continue
            for foreign_key in sorted(table.foreign_keys, key=lambda key: key.parent.name):
                parent = foreign_key.column.table
                if parent.name not in found or foreign_key.column.name != "id":
                    continue
                found[table.name] = (table, _through(foreign_key.parent, found[parent.name]))
                changed = True
                break
    return list(found.values())


def _through(column: sa.Column[Any], parent: tuple[sa.Table, Scope]) -> Scope:
    parent_table, parent_scope = parent
    return lambda ids: column.in_(sa.select(parent_table.c.id).where(parent_scope(ids)))


def _text_columns(table: sa.Table) -> list[sa.Column[Any]]:
    return [
        column
        for column in table.columns
        if isinstance(column.type, sa.String | sa.JSON)
        and not isinstance(column.type, sa.Enum)
        and not column.primary_key
        and not column.foreign_keys
    ]


def _is_free_text(column: sa.Column[Any]) -> bool:
    return (column.table.name, column.name) not in NOT_FREE_TEXT


# --- Taking identifiers out of text ----------------------------------------------------------------


def _identifiers(person: Person, contacts: list[VictimContact]) -> list[str]:
    """Every string that identifies the person, longest first (so a full name goes before its parts)."""
    found = {person.first_name, person.last_name, person.full_name, person.match_key}
    for alias in re.split(r"[,;/\n]", person.other_names or ""):
        found.add(alias)
    if person.date_of_birth:
        born = person.date_of_birth
        found |= {born.isoformat(), born.strftime("%d/%m/%Y"), f"{born.day} {born:%B %Y}", f"{born:%d %B %Y}"}
    for contact in contacts:
        found |= {contact.sealed_phone or "", contact.sealed_email or "", contact.sealed_address or ""}
        found |= set((contact.sealed_address or "").splitlines())
    return sorted({value.strip() for value in found if value and len(value.strip()) >= 2}, key=len, reverse=True)


def _pattern(identifiers: list[str]) -> re.Pattern[str] | None:
    if not identifiers:
        return None
    return re.compile(
        "|".join(rf"(?<!\w){re.escape(value)}(?!\w)" for value in identifiers), re.IGNORECASE | re.UNICODE
    )


def _scrub(value: Any, pattern: re.Pattern[str], *, blank_keys: frozenset[str] = frozenset()) -> Any:
    """``value`` (text or JSON) with the identifiers replaced; strings under ``blank_keys`` wholly erased."""
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_scrub(item, pattern, blank_keys=blank_keys) for item in value]
    if isinstance(value, dict):
        return {
            key: (
                ERASED
                if key in blank_keys and isinstance(item, str) and item
                else _scrub(item, pattern, blank_keys=blank_keys)
            )
            for key, item in value.items()
        }
    return value


def _blank(column: sa.Column[Any], value: Any) -> Any:
    """The erased form of a value of a free-text column."""
    key = (column.table.name, column.name)
    if value is None:
        return None
    if key in JSON_EMPTIED:
        return {}
    if isinstance(column.type, sa.JSON):
        blank_keys = JSON_FREE_TEXT_KEYS.get(key, frozenset())
        return _scrub(value, re.compile(r"(?!)"), blank_keys=blank_keys) if blank_keys else value
    return None if column.nullable else ERASED


def _rewrite(
    scopes: list[tuple[sa.Table, Scope]],
    ids: Iterable[int],
    change: Callable[[sa.Column[Any], Any], Any],
    count: ErasureCount,
) -> None:
    """Apply ``change`` to every text column of the rows in ``scopes``; write only the values that differ."""
    ids = list(ids)
    if not ids:
        return
    for table, scope in scopes:
        columns = _text_columns(table)
        if not columns:
            continue
        rows = db.session.execute(sa.select(table.c.id, *columns).where(scope(ids))).all()
        for row in rows:
            values = {}
            for column, value in zip(columns, row[1:], strict=True):
                new = change(column, value)
                if new != value:
                    values[column.name] = new
            if values:
                db.session.execute(sa.update(table).where(table.c.id == row[0]).values(**values))
                count.values += len(values)


# --- Erasing --------------------------------------------------------------------------------------


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason for the erasure", field="reason")
    return reason


def _parts_of(person: Person) -> list[CaseParty]:
    return list(
        db.session.execute(
            sa.select(CaseParty).where(CaseParty.person_id == person.id).order_by(CaseParty.id)
        ).scalars()
    )


def _erase_person(person: Person, count: ErasureCount) -> re.Pattern[str] | None:
    """Erase one person everywhere; returns the pattern of their identifiers (to clean reasons with)."""
    parts = _parts_of(person)
    party_ids = [part.id for part in parts]
    case_ids = sorted({part.case_id for part in parts})
    contacts = list(db.session.execute(sa.select(VictimContact).where(VictimContact.party_id.in_(party_ids))).scalars())
    pattern = _pattern(_identifiers(person, contacts))
    # Their own rows first: the free text about their parts (contact, referrals, orders they are subject of).
    party_scopes = [scope for scope in _reaching(CaseParty.__table__) if scope[0].name != "case_parties"]
    _rewrite(
        party_scopes, party_ids, lambda column, value: _blank(column, value) if _is_free_text(column) else value, count
    )
    for part in parts:
        changed = [part.notes, part.enhanced_rights_reason]
        part.notes, part.enhanced_rights_reason = None, None
        count.values += sum(value is not None for value in changed)
    # Then every mention of them in their cases' text, JSON included.
    if pattern is not None:
        _rewrite(
            _reaching(Case.__table__),
            case_ids,
            lambda column, value: _scrub(value, pattern) if value is not None else None,
            count,
        )
    count.values += 2 + (person.other_names is not None) + (person.date_of_birth is not None)
    person.first_name, person.last_name = "Erased", f"person {person.id}"
    person.other_names, person.date_of_birth = None, None
    db.session.flush()
    for case_id in case_ids:
        refresh_party_names(case_id)
    count.people.add(person.id)
    count.cases.update(case_ids)
    return pattern


def _open_cases_of(person: Person) -> list[str]:
    return list(
        db.session.execute(
            sa.select(Case.reference)
            .join(CaseParty, CaseParty.case_id == Case.id)
            .where(CaseParty.person_id == person.id, Case.status != CaseStatus.CLOSED)
            .order_by(Case.reference)
        ).scalars()
    )


def _clean_reason(reason: str, patterns: Iterable[re.Pattern[str] | None]) -> str:
    for pattern in patterns:
        if pattern is not None:
            reason = pattern.sub(ERASED, reason)
    return reason


def erase_person(actor: User, person: Person, *, reason: str) -> ErasureCount:
    """Erase a person's personal data everywhere, with a recorded reason (names taken out of it).

    Refused while the person is part of an open case: close it first (an investigation still needs them).
    """
    reason = _check_reason(reason)
    if person.first_name == "Erased" and person.last_name == f"person {person.id}":
        raise DomainError("This person's data has already been erased", field="reason")
    open_cases = _open_cases_of(person)
    if open_cases:
        raise DomainError(
            f"This person is part of open cases ({', '.join(open_cases)}): close them before erasing", field="reason"
        )
    count = ErasureCount()
    pattern = _erase_person(person, count)
    audit.record(
        AuditAction.ERASE,
        "person",
        person.id,
        actor=actor,
        justification=_clean_reason(reason, [pattern]),
        detail=count.detail(),
    )
    db.session.flush()
    return count


def _other_cases(person_id: int, case_id: int) -> bool:
    return (
        db.session.execute(
            sa.select(CaseParty.id).where(CaseParty.person_id == person_id, CaseParty.case_id != case_id).limit(1)
        ).first()
        is not None
    )


def _evidence_files(case: Case) -> list[str]:
    return list(
        db.session.execute(
            sa.select(EvidenceItem.stored_name)
            .join(Incident, Incident.id == EvidenceItem.incident_id)
            .where(Incident.case_id == case.id, EvidenceItem.stored_name.is_not(None))
        ).scalars()
    )


def erase_case(actor: User, case: Case, *, reason: str) -> ErasureCount:
    """The "erase" decision: erase each of the case's people found in no other case, and all its free text.

    People who are also part of another case keep their record (that case still needs it); their parts in
    this case lose their notes and contact details and their names go from this case's text.
    """
    reason = _check_reason(reason)
    if case.status != CaseStatus.CLOSED:
        raise DomainError("Only a closed case can be erased", field="reason")
    count = ErasureCount(cases={case.id})
    patterns = []
    people = db.session.execute(
        sa.select(Person).join(CaseParty, CaseParty.person_id == Person.id).where(CaseParty.case_id == case.id)
    ).scalars()
    for person in list(people):
        if _other_cases(person.id, case.id):
            contacts = list(
                db.session.execute(
                    sa.select(VictimContact)
                    .join(CaseParty, CaseParty.id == VictimContact.party_id)
                    .where(CaseParty.case_id == case.id, CaseParty.person_id == person.id)
                ).scalars()
            )
            patterns.append(_pattern(_identifiers(person, contacts)))
        else:
            patterns.append(_erase_person(person, count))
    pattern_list = [pattern for pattern in patterns if pattern is not None]

    def erase(column: sa.Column[Any], value: Any) -> Any:
        if _is_free_text(column):
            value = _blank(column, value)
        for pattern in pattern_list:
            value = _scrub(value, pattern) if value is not None else None
        return value

    _rewrite(_reaching(Case.__table__), [case.id], erase, count)
    files = _evidence_files(case)
    _delete_after_commit(files)
    count.files = len(files)
    db.session.flush()
    refresh_party_names(case.id)
    cleaned = _clean_reason(reason, patterns)
    db.session.add(RetentionDecision(case_id=case.id, decision=Decision.ERASE, reason=cleaned, decided_by_id=actor.id))
    audit.record(AuditAction.ERASE, "case", case.id, actor=actor, justification=cleaned, detail=count.detail())
    db.session.flush()
    return count


def retain(
    actor: User, case: Case, *, reason: str, next_review_on: date | None, today: date | None = None
) -> RetentionDecision:
    """The "retain" decision: keep the case until a new review date, for a recorded reason."""
    today = today or local_date(utcnow())
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason for keeping the record", field="reason")
    if case.status != CaseStatus.CLOSED:
        raise DomainError("Only a closed case has a retention review", field="reason")
    if next_review_on is None:
        raise DomainError("Enter the date of the next review", field="next_review_on")
    if next_review_on <= today:
        raise DomainError("The next review must be after today", field="next_review_on")
    if next_review_on > today + timedelta(days=366 * MAX_RETAIN_YEARS):
        raise DomainError(f"The next review must be within {MAX_RETAIN_YEARS} years", field="next_review_on")
    decision = RetentionDecision(
        case_id=case.id, decision=Decision.RETAIN, reason=reason, next_review_on=next_review_on, decided_by_id=actor.id
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        justification=reason,
        detail={"retention": "retain", "decision": decision.id, "next_review_on": next_review_on.isoformat()},
    )
    return decision


# --- Evidence files: deleted once the erasure is committed -----------------------------------------

_PENDING = "retention_files_to_delete"


def _delete_after_commit(stored_names: list[str]) -> None:
    db.session.info.setdefault(_PENDING, []).extend(storage.path_of(name) for name in stored_names)


@event.listens_for(Session, "after_commit")
def _delete_files(session: Session) -> None:
    for path in session.info.pop(_PENDING, []):
        Path(path).unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _keep_files(session: Session, previous_transaction: object) -> None:
    session.info.pop(_PENDING, None)
