"""What each home page shows: counts and lists from the same visibility rules as the case lists."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from casework.auth.models import Team, User
from casework.cases.models import Case, CaseStatus, RiskLevel
from casework.cases.queries import overdue_clause, scope_clause
from casework.db import utcnow
from casework.extensions import db
from casework.security import visible_cases_clause


@dataclass(frozen=True)
class Caseload:
    """Counts of open cases in a scope."""

    open_cases: int
    awaiting_allocation: int
    high_risk: int
    overdue: int


def caseload(user: User, scope: str) -> Caseload:
    """Open, unallocated, high-risk and overdue counts in one query."""
    now = utcnow()
    open_case = Case.status != CaseStatus.CLOSED
    query = sa.select(
        sa.func.count().filter(open_case),
        sa.func.count().filter(Case.status == CaseStatus.REPORTED),
        sa.func.count().filter(open_case, Case.risk_level == RiskLevel.HIGH),
        sa.func.count().filter(overdue_clause(now)),
    ).where(visible_cases_clause(user), scope_clause(user, scope))
    counts = db.session.execute(query).one()
    return Caseload(*counts)


def caseload_by_team(user: User) -> list[tuple[Team, Caseload]]:
    """The manager's view: each team's open, unallocated, high-risk and overdue cases (one query)."""
    now = utcnow()
    open_case = Case.status != CaseStatus.CLOSED
    query = (
        sa.select(
            Team,
            sa.func.count(Case.id).filter(open_case),
            sa.func.count(Case.id).filter(Case.status == CaseStatus.REPORTED),
            sa.func.count(Case.id).filter(open_case, Case.risk_level == RiskLevel.HIGH),
            sa.func.count(Case.id).filter(overdue_clause(now)),
        )
        .join(Case, sa.and_(Case.team_id == Team.id, visible_cases_clause(user)), isouter=True)
        .group_by(Team.id)
        .order_by(Team.name)
    )
    return [(team, Caseload(*counts)) for team, *counts in db.session.execute(query).all()]
