"""Risk reads: assessments, what a risk level prompts, and why a re-assessment is due."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload

from casework.cases import registry
from casework.cases.models import Case, RiskLevel
from casework.errors import NotFound
from casework.extensions import db
from casework.incidents.models import Incident
from casework.risk.models import RiskAssessment
from casework.security import Permission

# DOMAIN.md: the S-DASH checklist is used when there are two or more incidents.
INCIDENTS_BEFORE_FIRST_ASSESSMENT = 2


# DOMAIN.md: a high-risk case should prompt a MARAC referral and a safety plan.
PROMPTS: dict[RiskLevel, tuple[str, ...]] = {
    RiskLevel.HIGH: ("Consider a MARAC referral", "Agree a safety plan with the victim"),
}


MARKED_FOR_REASSESSMENT = "Something has happened since the latest assessment, such as a breach of an order"


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
    return [case.risk_review_gap] if case.risk_review_gap else []


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


@registry.task_provider
def _risk_task(case: Case) -> list[registry.Task]:
    """Risk assessed with the S-DASH checklist; overdue while a (re-)assessment is due."""
    if case.risk_level is None:
        state = registry.TaskState.OVERDUE if case.risk_review_due else registry.TaskState.TO_DO
        hint = "S-DASH checklist: due now" if case.risk_review_due else "S-DASH checklist"
    elif case.risk_review_due:
        state, hint = registry.TaskState.OVERDUE, f"{case.risk_level.label} risk: re-assess now"
    else:
        state, hint = registry.TaskState.DONE, f"{case.risk_level.label} risk"
    href = url_for("risk.new_assessment", case_id=case.id)
    return [registry.Task("Risk assessed (S-DASH)", state, href, hint, 18, Permission.CASE_EDIT)]
