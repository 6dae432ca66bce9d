"""Demo data for the retention review: two cases closed long ago, past their review dates.

Idempotent: a case whose reference exists already is left alone. The references come from years the
demo's reference counter never reaches, so they cannot collide with cases recorded in the portal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import Role, User
from casework.cases.models import (
    Case,
    CaseStatus,
    CaseStatusChange,
    Channel,
    Classification,
    Offence,
    Outcome,
    ReporterType,
)
from casework.extensions import db
from casework.people.models import CaseParty, PartyRole, Person
from casework.people.service import refresh_party_names

DEMO_CLOSED = (
    (
        "SH-2015-000041",
        Classification.STALKING,
        Offence.S2A,
        Outcome.CONVICTED,
        datetime(2015, 9, 14, 15, 0, tzinfo=UTC),
        ("Dana", "Whitlock", date(1979, 2, 3)),
        ("Rory", "Penhale", date(1975, 11, 20)),
    ),
    (
        "SH-2018-000077",
        Classification.HARASSMENT,
        Offence.S2,
        Outcome.NFA_VICTIM_DOES_NOT_SUPPORT,
        datetime(2018, 6, 2, 10, 30, tzinfo=UTC),
        ("Priya", "Castellane", date(1988, 7, 9)),
        ("Glen", "Ashworth", None),
    ),
)


def _add_party(case: Case, role: PartyRole, first: str, last: str, born: date | None) -> None:
    person = Person(first_name=first, last_name=last, date_of_birth=born)
    db.session.add(person)
    db.session.flush()
    db.session.add(
        CaseParty(
            case_id=case.id, person_id=person.id, role=role, enhanced_rights=True if role == PartyRole.VICTIM else None
        )
    )


def seed() -> None:
    """Add the two long-closed cases if they are missing."""
    officer = db.session.execute(
        sa.select(User).where(User.role == Role.OFFICER, User.team_id.is_not(None)).order_by(User.id).limit(1)
    ).scalar_one_or_none()
    if officer is None:
        return
    for reference, classification, offence, outcome, closed_at, victim, suspect in DEMO_CLOSED:
        if db.session.execute(sa.select(Case.id).where(Case.reference == reference)).first():
            continue
        case = Case(
            reference=reference,
            channel=Channel.PHONE_101,
            reporter_type=ReporterType.VICTIM,
            classification=classification,
            offence=offence,
            summary=f"Historic {classification.label.lower()} case, closed long ago: kept for the retention demo.",
            reported_at=closed_at.replace(month=1),
            status=CaseStatus.CLOSED,
            outcome=outcome,
            closed_at=closed_at,
            team_id=officer.team_id,
            officer_id=officer.id,
            created_by_id=officer.id,
        )
        db.session.add(case)
        db.session.flush()
        db.session.add(
            CaseStatusChange(
                case_id=case.id,
                from_status=CaseStatus.INVESTIGATING,
                to_status=CaseStatus.CLOSED,
                outcome=outcome,
                reason="Closed (historic demo record).",
                changed_by_id=officer.id,
            )
        )
        _add_party(case, PartyRole.VICTIM, *victim)
        _add_party(case, PartyRole.SUSPECT, *suspect)
        db.session.flush()
        refresh_party_names(case.id)
        audit.record(AuditAction.CREATE, "case", case.id, actor_label="demo seed", detail={"reference": reference})
    db.session.flush()
