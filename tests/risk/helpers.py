"""Form data and queries shared by the risk tests."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from casework.audit.models import AuditAction, AuditEvent
from casework.cases.models import Case
from casework.extensions import db
from casework.risk.checklist import CURRENT
from casework.risk.models import RiskAssessment

KEYS = CURRENT.keys


def answer_data(yes: Iterable[str] = (), comments: dict[str, str] | None = None) -> dict[str, str]:
    """Every question answered (Yes for the keys in ``yes``), with optional comments."""
    yes = set(yes)
    data = {}
    for key in KEYS:
        data[key] = "yes" if key in yes else "no"
        data[f"{key}_comment"] = (comments or {}).get(key, "")
    return data


def form_data(
    yes: Iterable[str] = (), level: str = "medium", rationale: str = "Frightened victim, threats made.", **extra: str
) -> dict[str, str]:
    """A complete, valid assessment form."""
    return {**answer_data(yes), "level": level, "rationale": rationale, **extra}


def full_answers(yes: Iterable[str] = ()) -> dict[str, dict[str, object]]:
    """Stored answers as the service writes them, for factories."""
    yes = set(yes)
    return {key: {"answer": key in yes, "comment": f"Comment on {key}"} for key in KEYS}


def assessments_of(case: Case) -> list[RiskAssessment]:
    """The case's assessments, oldest first, read afresh from the database."""
    db.session.expire_all()
    query = select(RiskAssessment).where(RiskAssessment.case_id == case.id).order_by(RiskAssessment.id)
    return list(db.session.execute(query).scalars())


def saved_changes() -> tuple[int, int]:
    """How many assessments and change events exist: bad input must leave both alone."""
    assessments = db.session.execute(select(func.count(RiskAssessment.id))).scalar_one()
    changes = db.session.execute(
        select(func.count(AuditEvent.id)).where(AuditEvent.action.in_([AuditAction.CREATE, AuditAction.UPDATE]))
    ).scalar_one()
    return assessments, changes
