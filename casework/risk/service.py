"""Risk: S-DASH assessments, what a high level prompts, and the rules that ask for a re-assessment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import User
from casework.cases import registry
from casework.cases.models import Case, RiskLevel
from casework.db import utcnow
from casework.errors import DomainError, NotFound
from casework.extensions import db
from casework.incidents import service as incidents
from casework.incidents.models import Incident
from casework.risk import checklist
from casework.risk.models import RiskAssessment

# DOMAIN.md: the S-DASH checklist is used when there are two or more incidents.
INCIDENTS_BEFORE_FIRST_ASSESSMENT = 2

# DOMAIN.md: a high-risk case should prompt a MARAC referral and a safety plan.
PROMPTS: dict[RiskLevel, tuple[str, ...]] = {
    RiskLevel.HIGH: ("Consider a MARAC referral", "Agree a safety plan with the victim"),
}

MARKED_FOR_REASSESSMENT = "Something has happened since the latest assessment, such as a breach of an order"


@dataclass(frozen=True)
class Answer:
    """The answer to one checklist question, with the officer's comment."""

    answer: bool
    comment: str = ""


@incidents.incident_listener
def on_incident_recorded(case: Case) -> None:
    """A new incident after the latest assessment (or a second incident before any) asks for a re-assessment."""
    assessed = db.session.execute(sa.select(sa.exists().where(RiskAssessment.case_id == case.id))).scalar()
    incidents = db.session.execute(
        sa.select(sa.func.count(Incident.id)).where(Incident.case_id == case.id)
    ).scalar_one()
    if assessed or incidents >= INCIDENTS_BEFORE_FIRST_ASSESSMENT:
        case.risk_review_due = True


def assessments_for(case: Case) -> list[RiskAssessment]:
    """Every assessment of the case, newest first."""
    query = (
        sa.select(RiskAssessment)
        .where(RiskAssessment.case_id == case.id)
        .options(sa.orm.joinedload(RiskAssessment.assessor))
        .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
    )
    return list(db.session.execute(query).scalars())


def get_assessment(case: Case, assessment_id: int) -> RiskAssessment:
    """One assessment of ``case``, or ``NotFound`` (also when it belongs to another case)."""
    assessment = db.session.execute(
        sa.select(RiskAssessment)
        .where(RiskAssessment.id == assessment_id, RiskAssessment.case_id == case.id)
        .options(sa.orm.joinedload(RiskAssessment.assessor))
    ).scalar_one_or_none()
    if assessment is None:
        raise NotFound("No such risk assessment")
    return assessment


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


def prompts_for(case: Case) -> list[str]:
    """What the case's current risk level asks the officer to do next (open cases only)."""
    if not case.is_open or case.risk_level is None:
        return []
    return list(PROMPTS.get(case.risk_level, ()))


def _incidents(count: int) -> str:
    return "1 incident has" if count == 1 else f"{count} incidents have"


def reassessment_reasons(case: Case) -> list[str]:
    """Why an open case's risk should be assessed again; empty when no re-assessment is due."""
    if not (case.risk_review_due and case.is_open):
        return []
    latest = db.session.execute(
        sa.select(sa.func.max(RiskAssessment.assessed_at)).where(RiskAssessment.case_id == case.id)
    ).scalar()
    incidents = sa.select(sa.func.count(Incident.id)).where(Incident.case_id == case.id)
    if latest is None:
        total = db.session.execute(incidents).scalar_one()
        if total >= INCIDENTS_BEFORE_FIRST_ASSESSMENT:
            return [f"{_incidents(total)} been recorded and the risk has not been assessed yet"]
    else:
        since = db.session.execute(incidents.where(Incident.created_at > latest)).scalar_one()
        if since:
            return [f"{_incidents(since)} been recorded since the latest assessment"]
    return [MARKED_FOR_REASSESSMENT]


@registry.open_items_provider
def _risk_review_open(case: Case) -> list[str]:
    return ["A risk re-assessment is due"] if case.risk_review_due else []


@registry.timeline_provider
def _assessment_timeline(case: Case, viewer: registry.Viewer) -> list[registry.TimelineEntry]:
    assessments = db.session.execute(
        sa.select(RiskAssessment).where(RiskAssessment.case_id == case.id).options(joinedload(RiskAssessment.assessor))
    ).scalars()
    return [
        registry.TimelineEntry(
            assessment.assessed_at, f"Risk assessed: {assessment.level.label}", assessment.assessor.full_name
        )
        for assessment in assessments
    ]
