"""Victims, plans and times shared by the contact tests."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from casework.audit.models import AuditEvent
from casework.auth.models import User
from casework.cases.models import Case
from casework.contact import service
from casework.extensions import db
from casework.people.models import CaseParty, PartyRole, VictimContact
from casework.workdays import LONDON
from tests import factories


def london(*parts: int) -> datetime:
    """An aware instant from a Europe/London wall-clock time."""
    return datetime(*parts, tzinfo=LONDON)


def add_victim(
    case: Case, *, enhanced: bool = True, email_safe: bool = False, texts_safe: bool = False, **person: object
) -> CaseParty:
    """A victim of ``case`` with contact preferences, loaded as the contact service loads it."""
    party = factories.CasePartyFactory(
        case=case, role=PartyRole.VICTIM, enhanced_rights=enhanced, person=factories.PersonFactory(**person)
    )
    db.session.add(
        VictimContact(
            party_id=party.id, email_safe=email_safe, texts_safe=texts_safe, safe_times="Weekdays 10:00 to 15:00"
        )
    )
    db.session.commit()
    return service.get_victim(case, party.id)


def audit_rows(case: Case, key: str) -> list[AuditEvent]:
    """The case's audit rows whose detail carries ``key``."""
    rows = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))
    ).scalars()
    return [row for row in rows if key in (row.detail or {})]


def rows_of(query: sa.Select) -> set[tuple]:  # type: ignore[type-arg]
    """An obligation source's rows as (case_id, object_id, due_at, recipient_id) tuples."""
    return {(row.case_id, row.object_id, row.due_at, row.recipient_id) for row in db.session.execute(query).all()}


def officer_of(case: Case) -> User:
    """The case's officer in case."""
    return db.session.get(User, case.officer_id)  # type: ignore[return-value]


def supervisor_of(case: Case) -> User:
    """The case's supervisor."""
    return db.session.get(User, case.supervisor_id)  # type: ignore[return-value]
