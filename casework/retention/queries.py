"""Review dates and the cases due for review.

A review date is computed, never stored: the closure date (in London) plus the review period for the
case's classification and outcome (``RETENTION_REVIEW_YEARS``), or the ``next_review_on`` of the latest
"retain" decision made since that closure. So a reopened case has none (it is not closed), closing it
again starts afresh, and a change of the configured periods applies to every case at once, with no
data step to run. The due list is one query: the periods become closure-date cut-offs per
classification and outcome, served by ``ix_cases_closed_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from casework.cases.models import Case, CaseStatus, Classification, Outcome
from casework.extensions import db
from casework.people.models import CaseParty, Person
from casework.retention.models import Decision, RetentionDecision
from casework.workdays import local_date, local_midnight

REPORT_LIMIT = 500


def review_years(classification: Classification, outcome: Outcome | None) -> int:
    """The review period in clear years for a case closed with this classification and outcome."""
    years: dict[str, int] = current_app.config["RETENTION_REVIEW_YEARS"]
    for key in (f"{classification.value}/{outcome.value}" if outcome else None, classification.value, "default"):
        if key is not None and key in years:
            return years[key]
    return 6


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def first_review_on(case: Case) -> date | None:
    """When a closed case is first reviewed: ``years`` clear years after the day it closed."""
    if case.status != CaseStatus.CLOSED or case.closed_at is None:
        return None
    return add_years(local_date(case.closed_at), review_years(case.classification, case.outcome))


def _latest_decision() -> sa.ScalarSelect[Any]:
    return (
        sa.select(RetentionDecision.id)
        .where(RetentionDecision.case_id == Case.id, RetentionDecision.created_at >= Case.closed_at)
        .order_by(RetentionDecision.created_at.desc(), RetentionDecision.id.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )


def latest_decision(case: Case) -> RetentionDecision | None:
    """The latest decision made since the case was last closed."""
    if case.closed_at is None:
        return None
    return db.session.execute(
        sa.select(RetentionDecision)
        .where(RetentionDecision.case_id == case.id, RetentionDecision.created_at >= case.closed_at)
        .order_by(RetentionDecision.created_at.desc(), RetentionDecision.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def review_on(case: Case) -> date | None:
    """The case's current review date: none while open or once erased, else the first or the retained-to date."""
    if case.status != CaseStatus.CLOSED:
        return None
    decision = latest_decision(case)
    if decision is None:
        return first_review_on(case)
    return decision.next_review_on if decision.decision == Decision.RETAIN else None


def decisions_for(case: Case) -> list[RetentionDecision]:
    """Every decision on the case, newest first, with who made it."""
    return list(
        db.session.execute(
            sa.select(RetentionDecision)
            .where(RetentionDecision.case_id == case.id)
            .options(sa.orm.joinedload(RetentionDecision.decided_by))
            .order_by(RetentionDecision.created_at.desc(), RetentionDecision.id.desc())
        ).scalars()
    )


def _first_review_due(today: date) -> sa.ColumnElement[bool]:
    """Closed long enough ago for its classification and outcome (no decision since the closure)."""
    conditions = []
    for classification in Classification:
        by_years: dict[int, list[Outcome | None]] = {}
        for outcome in [*Outcome, None]:
            by_years.setdefault(review_years(classification, outcome), []).append(outcome)
        for years, outcomes in by_years.items():
            # review date <= today  <=>  closed on or before (today - years)  <=>  closed before the next midnight
            cutoff = local_midnight(add_years(today, -years) + timedelta(days=1))
            named = [outcome for outcome in outcomes if outcome is not None]
            outcome_match = sa.or_(
                Case.outcome.in_(named) if named else sa.false(),
                Case.outcome.is_(None) if None in outcomes else sa.false(),
            )
            conditions.append(sa.and_(Case.classification == classification, outcome_match, Case.closed_at < cutoff))
    return sa.or_(*conditions)


@dataclass(frozen=True)
class DueCase:
    """A row of the retention report."""

    case: Case
    review_on: date
    retained_before: bool


def due_for_review(today: date, *, limit: int = REPORT_LIMIT) -> list[DueCase]:
    """Closed cases whose review date is on or before ``today``, longest overdue first."""
    decision = sa.orm.aliased(RetentionDecision)
    query = (
        sa.select(Case, decision)
        .outerjoin(decision, decision.id == _latest_decision())
        .where(Case.status == CaseStatus.CLOSED, Case.closed_at.is_not(None))
        .where(
            sa.or_(
                sa.and_(decision.id.is_(None), _first_review_due(today)),
                sa.and_(decision.decision == Decision.RETAIN, decision.next_review_on <= today),
            )
        )
        .order_by(Case.closed_at, Case.id)
        .limit(limit)
    )
    rows = []
    for case, latest in db.session.execute(query).all():
        if latest is None:
            rows.append(DueCase(case, first_review_on(case) or today, retained_before=False))
        else:
            rows.append(DueCase(case, latest.next_review_on or today, retained_before=True))
    rows.sort(key=lambda row: (row.review_on, row.case.id))
    return rows


def configured_years() -> dict[str, int]:
    """The review periods in force (configuration), for the report's explanation."""
    return dict(sorted(current_app.config["RETENTION_REVIEW_YEARS"].items()))


def parties_of(case: Case) -> list[CaseParty]:
    """The case's parties with their people (names and roles only)."""
    return list(
        db.session.execute(sa.select(CaseParty).where(CaseParty.case_id == case.id).order_by(CaseParty.id)).scalars()
    )


def cases_of(person: Person) -> list[Case]:
    """Every case the person is part of (what an erasure of them touches)."""
    return list(
        db.session.execute(
            sa.select(Case)
            .join(CaseParty, CaseParty.case_id == Case.id)
            .where(CaseParty.person_id == person.id)
            .order_by(Case.reference)
            .distinct()
        ).scalars()
    )
