"""Risk: S-DASH assessments, what a high level prompts, and the rules that ask for a re-assessment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import User
from casework.cases.models import Case, RiskLevel
from casework.db import utcnow
from casework.errors import DomainError
from casework.extensions import db
from casework.incidents import service as incidents
from casework.incidents.models import Incident
from casework.risk import checklist
from casework.risk.models import RiskAssessment
from casework.risk.queries import INCIDENTS_BEFORE_FIRST_ASSESSMENT


@dataclass(frozen=True)
class Answer:
    """The answer to one checklist question, with the officer's comment."""

    answer: bool
    comment: str = ""


@incidents.incident_listener
def on_incident_recorded(case: Case) -> None:
    """A new incident after the latest assessment (or a second incident before any) asks for a re-assessment."""
    assessed = db.session.execute(sa.select(sa.exists().where(RiskAssessment.case_id == case.id))).scalar()
    recorded = db.session.execute(sa.select(sa.func.count(Incident.id)).where(Incident.case_id == case.id)).scalar_one()
    if assessed or recorded >= INCIDENTS_BEFORE_FIRST_ASSESSMENT:
        case.risk_review_due = True


def on_order_breached(case: Case) -> None:
    """A breach of a protective order asks for a re-assessment, whether or not it came with a new incident."""
    case.risk_review_due = True


def record_assessment(
    actor: User, case: Case, answers: Mapping[str, Answer], level: RiskLevel, rationale: str
) -> RiskAssessment:
    """Record a completed S-DASH checklist and the officer's level; it becomes the case's current level.

    The answers must cover exactly the current checklist's questions. Earlier assessments are
    kept as they were. The case row is locked first, so two officers assessing at once are
    taken in turn and the later one sets the level, instead of one failing on the case's version.
    """
    current = checklist.CURRENT
    if not case.is_open:
        raise DomainError("This case is closed: its risk can no longer be assessed")
    missing = [key for key in current.keys if key not in answers]
    if missing:
        raise DomainError("Answer every question on the checklist", field=missing[0])
    if set(answers) - set(current.keys):
        raise DomainError(f"These answers are not for the {current.version} checklist. Start the assessment again")
    if not rationale.strip():
        raise DomainError("Give the reasons for the risk level you chose", field="rationale")
    db.session.refresh(case, ["version_id", "risk_level", "risk_review_due"], with_for_update=True)
    assessment = RiskAssessment(
        case_id=case.id,
        assessor_id=actor.id,
        assessed_at=utcnow(),
        checklist_version=current.version,
        answers={key: {"answer": answers[key].answer, "comment": answers[key].comment} for key in current.keys},
        yes_count=sum(answers[key].answer for key in current.keys),
        level=level,
        rationale=rationale.strip(),
    )
    db.session.add(assessment)
    case.risk_level = level
    case.risk_review_due = False
    db.session.flush()
    audit.record(
        AuditAction.UPDATE, "case", case.id, actor=actor, detail={"risk_assessed": assessment.id, "level": level.value}
    )
    db.session.flush()
    return assessment
