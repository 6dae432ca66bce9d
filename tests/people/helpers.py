"""Shared helpers for the people tests."""

from __future__ import annotations

import re

import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, Team, User
from casework.cases.models import Case, CaseStatus
from casework.extensions import db
from casework.people.models import CaseParty, Person
from tests import factories

TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


def open_case(team: Team, officer: User, supervisor: User | None = None, **fields: object) -> Case:
    """An investigating case of ``team``, with ``officer`` in case."""
    supervisor = supervisor or factories.UserFactory(role=Role.SUPERVISOR, team=team)
    fields.setdefault("status", CaseStatus.INVESTIGATING)
    return factories.CaseFactory(team=team, officer=officer, supervisor=supervisor, created_by=officer, **fields)


def person_form(**overrides: object) -> dict[str, object]:
    """A valid "add a person" form: a suspect born on 1 March 1985."""
    data: dict[str, object] = {
        "role": "suspect",
        "first_name": "Dale",
        "last_name": "Hartigan",
        "other_names": "",
        "date_of_birth": ["1", "3", "1985"],
        "relationship_to_victim": "",
        "enhanced_rights": "yes",
        "enhanced_rights_reason": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def add_path(case: Case, data: dict[str, object]) -> str:
    """Where a person's form is posted: the form of their part (``role``), or the part question when none fits."""
    role = data.get("role")
    if role in {"victim", "suspect", "witness", "reporter"}:
        return f"/cases/{case.id}/people/new/{role}"
    return f"/cases/{case.id}/people/new"


def count(model: type) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def people_counts() -> tuple[int, int]:
    """(people, case parties): both unchanged means nothing was saved."""
    return count(Person), count(CaseParty)


def audit_changes() -> int:
    return db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action.in_([AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DISCLOSE])
        )
    ).scalar_one()


def parties_of(case: Case) -> list[CaseParty]:
    return list(
        db.session.execute(sa.select(CaseParty).where(CaseParty.case_id == case.id).order_by(CaseParty.id)).scalars()
    )


def title_of(page: str) -> str:
    match = TITLE.search(page)
    return match.group(1) if match else ""


def party_section(page: str, party_id: int) -> str:
    """The people tab's summary card for one party."""
    start = page.index(f'id="party-{party_id}"')
    end = page.find("</section>", start)
    return page[start:end]
