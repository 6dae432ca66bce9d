"""Read-side queries for case lists, overdue work and the case's own timeline entries.

Every list goes through ``security.visible_cases_clause`` and loads what a row shows in a
fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from casework.audit.models import AuditEvent
from casework.auth.models import Role, User
from casework.cases import registry
from casework.cases.models import (
    Case,
    CaseAssignment,
    CaseNote,
    CaseStatus,
    CaseStatusChange,
    Classification,
    NoteVisibility,
    RiskLevel,
)
from casework.cases.registry import TimelineEntry
from casework.cases.service import format_reference
from casework.db import utcnow
from casework.extensions import db
from casework.security import visible_cases_clause
from casework.workdays import local_midnight

PAGE_SIZE = 25
# Counting every visible case grows with the data (about a second a page at national scale);
# past this many, the list says "more than" and asks for a filter.
COUNT_LIMIT = 1000
MIN_NAME_SEARCH = 3
ALLOCATION_DUE = timedelta(hours=24)
_REFERENCE = re.compile(r"^SH-(\d{4})-(\d{1,6})$", re.IGNORECASE)


class Scope:
    """Which cases a list starts from."""

    MINE = "mine"
    TEAM = "team"
    ALL = "all"


SORTS: dict[str, tuple[str, object]] = {
    "reported_desc": ("Newest first", Case.reported_at.desc()),
    "reported_asc": ("Oldest first", Case.reported_at.asc()),
    "reference": ("Reference", Case.reference.asc()),
    "updated_desc": ("Recently updated", Case.updated_at.desc()),
}


@dataclass
class CaseFilters:
    """What the case list was asked for."""

    scope: str = Scope.TEAM
    status: list[CaseStatus] = field(default_factory=list)
    risk: list[RiskLevel] = field(default_factory=list)
    classification: list[Classification] = field(default_factory=list)
    officer_id: int | None = None
    team_id: int | None = None
    reported_from: date | None = None
    reported_to: date | None = None
    overdue: bool = False
    search: str = ""
    sort: str = "reported_desc"
    page: int = 1


@dataclass
class CasePage:
    """One page of a case list."""

    cases: list[Case]
    total: int
    page: int
    page_size: int = PAGE_SIZE

    @property
    def total_is_capped(self) -> bool:
        """Whether more cases match than were counted."""
        return self.total > COUNT_LIMIT

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, math.ceil(self.total / self.page_size))


def is_reference(text: str) -> bool:
    """Whether a search looks like a case reference (``SH-2026-123``) rather than a name."""
    return _REFERENCE.match(text.strip()) is not None


def _risk_review_due(now: datetime) -> sa.Select[tuple[int]]:
    return sa.select(Case.id).where(Case.risk_review_due, Case.status != CaseStatus.CLOSED)


def _allocation_late(now: datetime) -> sa.Select[tuple[int]]:
    return sa.select(Case.id).where(Case.status == CaseStatus.REPORTED, Case.reported_at < now - ALLOCATION_DUE)


# Both served by the partial index ix_cases_overdue (each implies its predicate). Change them together.
registry.overdue_reason(registry.OverdueReason("risk_review", "Risk re-assessment due", _risk_review_due, order=10))
registry.overdue_reason(
    registry.OverdueReason("allocation", "Awaiting allocation for more than 24 hours", _allocation_late, order=20)
)


def overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    """Cases needing action now, for any registered reason (``registry.overdue_reason``).

    The one definition of "overdue", used by the list filter, the red panel and the home-page
    counts. Each reason gives the ids of its overdue cases from its own index; their union is
    small, so the planner hashes it and joins cases by primary key instead of testing every case.
    """
    reasons = [reason.case_ids(now).correlate(None) for reason in registry.overdue_reasons()]
    return Case.id.in_(sa.union(*reasons)) if reasons else sa.false()


def overdue_reasons_for(case_ids: Iterable[int], now: datetime) -> dict[int, list[str]]:
    """Why each of these cases is overdue (the same SQL as ``overdue_clause``), in one query.

    Cases that are not overdue are left out.
    """
    ids = sorted(set(case_ids))
    reasons = registry.overdue_reasons()
    if not ids or not reasons:
        return {}
    columns = [Case.id.in_(reason.case_ids(now).correlate(None)).label(f"r{n}") for n, reason in enumerate(reasons)]
    rows = db.session.execute(sa.select(Case.id, *columns).where(Case.id.in_(ids))).all()
    found = {row[0]: [reason.label for reason, hit in zip(reasons, row[1:], strict=True) if hit] for row in rows}
    return {case_id: labels for case_id, labels in found.items() if labels}


def default_scope(user: User) -> str:
    """Officers start on their own cases, supervisors on the team's, managers on all."""
    return {Role.OFFICER: Scope.MINE, Role.SUPERVISOR: Scope.TEAM}.get(user.role, Scope.ALL)


def scope_clause(user: User, scope: str) -> sa.ColumnElement[bool]:
    """Narrow to the user's own cases, their team's, or (no narrowing) all they may see.

    "Mine" are the cases the user is officer in case or supervisor of, and the reports they recorded
    that still await allocation (each branch has its own index, so the planner ORs three index scans).
    """
    if scope == Scope.MINE:
        return sa.or_(
            Case.officer_id == user.id,
            Case.supervisor_id == user.id,
            sa.and_(Case.created_by_id == user.id, Case.status == CaseStatus.REPORTED),
        )
    if scope == Scope.TEAM and user.team_id is not None:
        return Case.team_id == user.team_id
    return sa.true()


def name_matches(search: str) -> sa.ColumnElement[bool]:
    """Cases with a party whose name contains ``search``: one trigram-indexed column, no join."""
    return Case.party_names.contains(search.lower(), autoescape=True)


def filtered_query(user: User, filters: CaseFilters, now: datetime) -> sa.Select[tuple[Case]]:
    """The list's query before ordering and paging."""
    query = sa.select(Case).where(visible_cases_clause(user), scope_clause(user, filters.scope))
    if filters.status:
        query = query.where(Case.status.in_(filters.status))
    if filters.risk:
        query = query.where(Case.risk_level.in_(filters.risk))
    if filters.classification:
        query = query.where(Case.classification.in_(filters.classification))
    if filters.officer_id:
        query = query.where(Case.officer_id == filters.officer_id)
    if filters.team_id:
        query = query.where(Case.team_id == filters.team_id)
    if filters.reported_from:
        query = query.where(Case.reported_at >= local_midnight(filters.reported_from))
    if filters.reported_to:
        query = query.where(Case.reported_at < local_midnight(filters.reported_to + timedelta(days=1)))
    if filters.overdue:
        query = query.where(overdue_clause(now))
    search = filters.search.strip()
    if search:
        reference = _REFERENCE.match(search)
        if reference:
            query = query.where(Case.reference == format_reference(int(reference[1]), int(reference[2])))
        else:
            query = query.where(name_matches(search))
    return query


def _with_list_columns(query: sa.Select[tuple[Case]]) -> sa.Select[tuple[Case]]:
    return query.options(
        joinedload(Case.team),
        joinedload(Case.officer),
        selectinload(Case.victims),
    )


def list_cases(user: User, filters: CaseFilters, *, now: datetime | None = None) -> CasePage:
    """One page of the cases ``user`` may see, filtered and sorted: three queries whatever the page size."""
    now = now or utcnow()
    query = filtered_query(user, filters, now)
    total = _count(query)
    page = min(max(filters.page, 1), max(1, math.ceil(total / PAGE_SIZE)))
    _, order = SORTS.get(filters.sort, SORTS["reported_desc"])
    paged = _with_list_columns(query).order_by(order, Case.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return CasePage(cases=list(db.session.execute(paged).unique().scalars()), total=total, page=page)


def overdue_cases(user: User, *, limit: int = 10, now: datetime | None = None) -> list[Case]:
    """The overdue cases ``user`` may see in their default scope, oldest first (shown in red at the top)."""
    now = now or utcnow()
    query = (
        sa.select(Case)
        .where(visible_cases_clause(user), scope_clause(user, default_scope(user)), overdue_clause(now))
        .order_by(Case.reported_at.asc())
        .limit(limit)
    )
    return list(db.session.execute(_with_list_columns(query)).unique().scalars())


def _count(query: sa.Select[tuple[Case]]) -> int:
    """How many cases match, counting no further than ``COUNT_LIMIT + 1`` (shown as "more than 1,000")."""
    capped = query.order_by(None).with_only_columns(Case.id).limit(COUNT_LIMIT + 1).subquery()
    return db.session.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one()


@registry.timeline_provider
def _status_changes(case: Case, viewer: registry.Viewer) -> list[TimelineEntry]:
    changes = db.session.execute(
        sa.select(CaseStatusChange)
        .where(CaseStatusChange.case_id == case.id)
        .options(joinedload(CaseStatusChange.changed_by))
    ).scalars()
    entries = []
    for change in changes:
        title = "Report recorded" if change.from_status is None else f"Status changed to ‘{change.to_status.label}’"
        if change.outcome:
            title += f": {change.outcome.label}"
        entries.append(TimelineEntry(change.created_at, title, change.changed_by.full_name, change.reason))
    return entries


@registry.timeline_provider
def _assignments(case: Case, viewer: registry.Viewer) -> list[TimelineEntry]:
    assignments = db.session.execute(
        sa.select(CaseAssignment)
        .where(CaseAssignment.case_id == case.id)
        .options(joinedload(CaseAssignment.user), joinedload(CaseAssignment.assigned_by))
    ).scalars()
    return [
        TimelineEntry(
            assignment.created_at,
            f"{assignment.role.label}: {assignment.user.full_name}",
            assignment.assigned_by.full_name,
            assignment.reason,
        )
        for assignment in assignments
    ]


@registry.timeline_provider
def _notes(case: Case, viewer: registry.Viewer) -> list[TimelineEntry]:
    notes = sa.select(CaseNote).where(CaseNote.case_id == case.id).options(joinedload(CaseNote.author))
    if not viewer.police_only:
        notes = notes.where(CaseNote.visibility == NoteVisibility.SHAREABLE)
    return [
        TimelineEntry(note.created_at, "Log entry added", note.author.full_name, note.body)
        for note in db.session.execute(notes).scalars()
    ]


def case_audit_events(case: Case, *, limit: int = 500) -> list[AuditEvent]:
    """The case's audit trail, newest first."""
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())
