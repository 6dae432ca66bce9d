"""Read-side queries for case lists, overdue work and the case's own timeline entries.

Every list goes through ``security.visible_cases_clause`` and loads what a row shows in a
fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, Team, User
from casework.cases import registry
from casework.cases.models import (
    Case,
    CaseAssignment,
    CaseDecision,
    CaseNote,
    CaseStatus,
    CaseStatusChange,
    Classification,
    NoteVisibility,
    RiskLevel,
    victim_models,
)
from casework.cases.registry import TimelineEntry
from casework.cases.service import format_reference
from casework.db import utcnow
from casework.extensions import db
from casework.security import visible_cases_clause
from casework.statements import built_once
from casework.workdays import local_date, local_midnight

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


# Each sort: its label, the column of ``cases`` it orders by, and whether newest/last first.
SORTS: dict[str, tuple[str, str, bool]] = {
    "reported_desc": ("Newest first", "reported_at", True),
    "reported_asc": ("Oldest first", "reported_at", False),
    "reference": ("Reference, A to Z", "reference", False),
    "reference_desc": ("Reference, Z to A", "reference", True),
    "updated_desc": ("Recently updated", "updated_at", True),
}
SORT_COLUMNS = ("reported_at", "reference", "updated_at")


def _ordering(sort: str, columns: Any) -> list[sa.ColumnElement[Any]]:
    """The ORDER BY of sort ``sort`` over ``columns`` (``Case.__table__.c`` or a subquery's), ties by id."""
    _, key, descending = SORTS.get(sort, SORTS["reported_desc"])
    return [columns[key].desc() if descending else columns[key].asc(), columns["id"].desc()]


# Sortable column headers (MOJ sortable table, sorted on the server): the column's sorts,
# ascending then descending; the header links to the other one when the column is sorted.
SORTABLE_COLUMNS: dict[str, tuple[str, str]] = {
    "reference": ("reference", "reference_desc"),
    "reported": ("reported_asc", "reported_desc"),
}


def column_sort(column: str, current: str) -> tuple[str, str]:
    """The header of ``column`` under sort ``current``: its ``aria-sort`` and the sort its link asks for."""
    ascending, descending = SORTABLE_COLUMNS[column]
    if current == ascending:
        return "ascending", descending
    if current == descending:
        return "descending", ascending
    return "none", descending if column == "reported" else ascending


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
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ListedCase:
    """What a row of a case list shows, read as plain columns.

    The list is the most requested page: loading 25 cases as ORM objects with their team, officer and
    victims (about 80 objects, each tracked by the session and expired at commit) was a third of its time.
    """

    id: int
    reference: str
    classification: Classification
    status: CaseStatus
    risk_level: RiskLevel | None
    risk_review_due: bool
    restricted: bool
    reported_at: datetime
    overdue_from: datetime | None
    team_name: str
    officer_name: str | None
    victims: tuple[str, ...] = ()

    @property
    def is_open(self) -> bool:
        """Whether the case is still being worked (as ``Case.is_open``)."""
        return self.status != CaseStatus.CLOSED


@dataclass
class CasePage:
    """One page of a case list."""

    cases: list[ListedCase]
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


def _review_flagged_since() -> sa.ColumnElement[Any]:
    """A review flag has no date of its own: the report's instant stands in (earlier than the truth, as allowed)."""
    return sa.case((sa.and_(Case.risk_review_due, Case.status != CaseStatus.CLOSED), Case.reported_at))


def _awaiting_allocation_since() -> sa.ColumnElement[Any]:
    """The report's instant, not 24 hours later: SQLite cannot add an interval, and earlier is allowed."""
    return sa.case((Case.status == CaseStatus.REPORTED, Case.reported_at))


# Both served by the partial index ix_cases_overdue (each implies its predicate), and on PostgreSQL each by its own
# covering one (migration 0020_overdue_reasons_covered). Change them together.
registry.overdue_reason(
    registry.OverdueReason(
        "risk_review", "Risk assessment due", _risk_review_due, order=10, since=_review_flagged_since
    )
)


def _reported_at(now: datetime) -> sa.ColumnElement[datetime]:
    return Case.reported_at


registry.overdue_reason(
    registry.OverdueReason(
        "allocation",
        "Awaiting allocation for more than 24 hours",
        _allocation_late,
        order=20,
        due_at=_reported_at,
        due_after=ALLOCATION_DUE,
        since=_awaiting_allocation_since,
    )
)


def overdue_instant(now: datetime) -> datetime:
    """The instant overdue work is judged at: the start of ``now``'s minute.

    Every request in one minute then shares the same overdue statements (built and keyed once,
    see ``statements.built_once``) instead of rebuilding a dozen subqueries per page; a deadline shows as
    overdue at most a minute after it passes, well inside the reminder sweep's own cadence.
    """
    return now.replace(second=0, microsecond=0)


def _reason_queries(at: datetime) -> tuple[tuple[registry.OverdueReason, ...], tuple[sa.Select[Any], ...]]:
    """The registered reasons and each one's overdue case ids at ``at`` (an ``overdue_instant``)."""
    reasons = tuple(registry.overdue_reasons())
    return reasons, built_once(
        ("reasons", at, reasons), lambda: tuple(reason.case_ids(at).correlate(None) for reason in reasons)
    )


def overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    """Cases needing action now, for any registered reason (``registry.overdue_reason``).

    The one definition of "overdue", used by the list filter, the red panel and the home-page
    counts. Only the cases whose ``overdue_from`` has passed (a partial index, ``cases.overdue``) are
    tested, each against every reason's own index by case id: the cost grows with the overdue work,
    not with the cases.
    """
    at = overdue_instant(now)
    _, queries = _reason_queries(at)
    if not queries:
        return sa.false()
    return sa.and_(Case.overdue_from <= at, sa.or_(*(_correlated(query) for query in queries)))


def overdue_probed(at: datetime, keys: tuple[str, ...] | None = None) -> sa.ColumnElement[bool]:
    """``overdue_clause`` for a query that stops after a few cases (a red panel): every reason probed per case.

    The same reasons and the same answer (only those of ``keys``, when given). PostgreSQL turns the
    ``EXISTS`` of ``overdue_clause`` into hashed sets when it expects many candidate cases, building every
    reason's overdue cases of the force first; a scalar subquery is never hashed, so a page that needs ten
    cases tests about ten.
    """
    reasons, queries = _reason_queries(at)
    chosen = [query for reason, query in zip(reasons, queries, strict=True) if keys is None or reason.key in keys]
    if not chosen:
        return sa.false()
    return sa.and_(Case.overdue_from <= at, sa.or_(*(_probe(query) for query in chosen)))


def _probe(case_ids: sa.Select[Any]) -> sa.ColumnElement[bool]:
    """Whether the outer query's case is among ``case_ids``, looked up by case id as a scalar subquery."""
    reason = case_ids.subquery()
    return sa.select(sa.literal(1)).where(next(iter(reason.c)) == Case.id).limit(1).scalar_subquery().is_not(None)


def _reasons_statement(at: datetime) -> tuple[tuple[registry.OverdueReason, ...], sa.Select[Any]]:
    """One row per given case (``case_ids``, expanding): a flag per reason, then each dated reason's due time."""
    reasons, queries = _reason_queries(at)

    def build() -> sa.Select[Any]:
        flags = [_correlated(query).label(f"r{n}") for n, query in enumerate(queries)]
        dues = [reason.due_at(at).label(f"d{n}") for n, reason in enumerate(reasons) if reason.due_at is not None]
        return sa.select(Case.id, *flags, *dues).where(Case.id.in_(sa.bindparam("case_ids", expanding=True)))

    return reasons, built_once(("reasons_for", at, reasons), build)


def _correlated(case_ids: sa.Select[Any]) -> sa.Exists:
    """Whether the outer query's case is among ``case_ids``, probed by case id.

    For a page of cases PostgreSQL then looks each case up in the reason's own table by its case-id
    index, instead of building every overdue case of the force (which grows with the data) to test
    a handful against it.
    """
    reason = case_ids.subquery()
    return sa.exists().where(next(iter(reason.c)) == Case.id)


class MayBeOverdue(Protocol):
    """A case as a list or a page holds it: its id and ``overdue_from``."""

    @property
    def id(self) -> int:
        """The case's id."""

    @property
    def overdue_from(self) -> datetime | None:
        """The earliest instant an overdue reason could apply to the case (``cases.overdue``)."""


def overdue_reasons_for(cases: Iterable[MayBeOverdue], now: datetime) -> dict[int, list[str]]:
    """Why each of these cases is overdue (the same SQL as ``overdue_clause``), in one query.

    Cases that are not overdue are left out. A case whose ``overdue_from`` has not passed cannot be
    overdue, so only the others are asked about: on a page of 25, usually a few, often none (and then
    no query at all).
    """
    at = overdue_instant(now)
    ids = sorted({case.id for case in cases if case.overdue_from is not None and case.overdue_from <= at})
    reasons, statement = _reasons_statement(at)
    if not ids or not reasons:
        return {}
    dated = [reason for reason in reasons if reason.due_at is not None]
    found: dict[int, list[str]] = {}
    for row in db.session.execute(statement, {"case_ids": ids}):
        hits = row[1 : len(reasons) + 1]
        due = dict(zip(dated, row[len(reasons) + 1 :], strict=True))
        labels = [
            _with_lateness(reason.label, _plus(due.get(reason), reason.due_after), now)
            for reason, hit in zip(reasons, hits, strict=True)
            if hit
        ]
        if labels:
            found[row[0]] = labels
    return found


def _plus(due_at: datetime | None, after: timedelta) -> datetime | None:
    return None if due_at is None else due_at + after


def _with_lateness(label: str, due_at: datetime | None, now: datetime) -> str:
    """``label`` and how long ago it fell due ("… – 3 days overdue"), when the reason knows its due time."""
    if due_at is None:
        return label
    days = (local_date(now) - local_date(due_at)).days
    if days >= 1:
        return f"{label} – {days} {'day' if days == 1 else 'days'} overdue"
    hours = int((now - due_at).total_seconds() // 3600)
    if hours >= 1:
        return f"{label} – {hours} {'hour' if hours == 1 else 'hours'} overdue"
    return f"{label} – less than an hour overdue"


def default_scope(user: User) -> str:
    """Officers start on their own cases, supervisors on the team's, managers on all."""
    return {Role.OFFICER: Scope.MINE, Role.SUPERVISOR: Scope.TEAM}.get(user.role, Scope.ALL)


def scope_clause(user: User, scope: str) -> sa.ColumnElement[bool]:
    """Narrow to the user's own cases, their team's, or (no narrowing) all they may see.

    "Mine" are the cases the user is officer in case or supervisor of, and the reports they recorded
    that still await allocation (each branch has its own index, so the planner ORs three index scans).
    """
    if scope == Scope.MINE:
        return sa.or_(*(branch for branch, _ in _mine(user)))
    if scope == Scope.TEAM and user.team_id is not None:
        return Case.team_id == user.team_id
    return sa.true()


def visible_in_scope(user: User, scope: str) -> sa.ColumnElement[bool]:
    """The cases ``user`` may see within one of their list scopes (``scope_clause``).

    The "team" scope narrows to the user's own team, so the visibility rule is asked for ``among_own``; "my
    cases" as a whole is not (a report the user recorded may be another team's).
    """
    own_team = scope == Scope.TEAM and user.team_id is not None
    return sa.and_(visible_cases_clause(user, among_own=own_team), scope_clause(user, scope))


def _mine(user: User) -> list[tuple[sa.ColumnElement[bool], bool]]:
    """The three ways a case is the user's: officer in case, supervisor, or recorder awaiting allocation.

    Each with whether it narrows to the user's own cases (``visible_cases_clause(among_own=...)``): a report
    they recorded may be another team's.
    """
    return [
        (Case.officer_id == user.id, True),
        (Case.supervisor_id == user.id, True),
        (sa.and_(Case.created_by_id == user.id, Case.status == CaseStatus.REPORTED), False),
    ]


def _mine_visible(user: User) -> list[sa.ColumnElement[bool]]:
    """Each way a case is the user's (``_mine``) with the visibility rule that branch needs: "my cases" read
    branch by branch, each off its own index."""
    return [sa.and_(visible_cases_clause(user, among_own=among_own), branch) for branch, among_own in _mine(user)]


def _union_of(branches: Iterable[sa.Select[Any]]) -> sa.CompoundSelect:
    """The union of ``branches``, each ordered and limited on its own: each a subquery, as SQLite wants."""
    subqueries = [branch.subquery() for branch in branches]
    return sa.union(*(sa.select(*subquery.c) for subquery in subqueries))


def name_matches(search: str) -> sa.ColumnElement[bool]:
    """Cases with a party whose name contains ``search``: one trigram-indexed column, no join."""
    return Case.party_names.contains(search.lower(), autoescape=True)


def extra_filters(args: Mapping[str, str], now: datetime) -> dict[str, str]:
    """The registered extra filters (``registry.list_filter``) in a query string whose values are understood."""
    registered = registry.list_filters()
    return {
        key: value
        for key, value in args.items()
        if key in registered and registered[key].clause(value, now) is not None
    }


def describe_extra_filters(extra: Mapping[str, str]) -> dict[str, str]:
    """Each extra filter in words, by query-string key."""
    registered = registry.list_filters()
    return {key: registered[key].describe(value) for key, value in extra.items() if key in registered}


def _one_of_picked(column: Any, values: Iterable[object]) -> sa.ColumnElement[bool]:
    """``column IN values`` for the values a user ticked, sent as one parameter.

    Enum values are otherwise written into the SQL (``db.enum_type``), which suits the code's own
    constants. The hundreds of combinations a user can tick would each be a statement of its own,
    compiled and parsed afresh the first time (377 compilations in 200 filtered lists).
    """
    return column.in_(sa.bindparam(None, list(values), type_=column.type, expanding=True))


def filtered_query(
    user: User,
    filters: CaseFilters,
    now: datetime,
    *,
    scope: sa.ColumnElement[bool] | None = None,
) -> sa.Select[tuple[Case]]:
    """The list's query before ordering and paging.

    ``scope``, when given, instead of the filters' scope: a clause that holds the visibility rule too (one of
    ``_mine_visible``).
    """
    query = sa.select(Case).where(visible_in_scope(user, filters.scope) if scope is None else scope)
    if filters.status:
        query = query.where(_one_of_picked(Case.status, filters.status))
    if filters.risk:
        query = query.where(_one_of_picked(Case.risk_level, filters.risk))
    if filters.classification:
        query = query.where(_one_of_picked(Case.classification, filters.classification))
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
    registered = registry.list_filters()
    for key, value in filters.extra.items():
        clause = registered[key].clause(value, now) if key in registered else None
        if clause is not None:
            query = query.where(clause)
    search = filters.search.strip()
    if search:
        reference = _REFERENCE.match(search)
        if reference:
            query = query.where(Case.reference == format_reference(int(reference[1]), int(reference[2])))
        else:
            query = query.where(name_matches(search))
    return query


_LISTED_COLUMNS = (
    Case.id,
    Case.reference,
    Case.classification,
    Case.status,
    Case.risk_level,
    Case.risk_review_due,
    Case.restricted,
    Case.reported_at,
    Case.overdue_from,
    Team.name,
    User.full_name,
)


def _listed(query: sa.Select[tuple[Case]]) -> sa.Select[Any]:
    """``query`` narrowed to what a list row shows: the case's own columns, its team's and officer's names."""
    return (
        query.with_only_columns(*_LISTED_COLUMNS)
        .join(Team, Team.id == Case.team_id)
        .outerjoin(User, User.id == Case.officer_id)
    )


def _victims_of(case_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Each case's victims' names, in the order they were added."""
    if not case_ids:
        return {}

    def build() -> sa.Select[Any]:
        party, person, _ = victim_models()
        return (
            sa.select(party.case_id, person.first_name, person.last_name)
            .join(person, person.id == party.person_id)
            .where(party.case_id.in_(sa.bindparam("case_ids", expanding=True)), party.role == "victim")
            .order_by(party.id)
        )

    rows = db.session.execute(built_once(("listed victims",), build), {"case_ids": case_ids})
    names: dict[int, list[str]] = {}
    for case_id, first_name, last_name in rows:
        names.setdefault(case_id, []).append(f"{first_name} {last_name}")
    return {case_id: tuple(found) for case_id, found in names.items()}


def list_cases(user: User, filters: CaseFilters, *, now: datetime | None = None) -> CasePage:
    """One page of the cases ``user`` may see, filtered and sorted: three queries whatever the page size."""
    now = now or utcnow()
    query = filtered_query(user, filters, now)
    if filters.overdue:
        # The page's ids from the overdue matches alone, then those 25 cases by primary key: joined back
        # whole, PostgreSQL hashed the matches against a scan of every case.
        page_ids, total, page = _overdue_page(query, filters)
        if not page_ids:
            return CasePage(cases=[], total=total, page=page)
        query, offset = sa.select(Case).where(Case.id.in_(page_ids)), 0
    else:
        total = _count_mine(user, filters, now) if filters.scope == Scope.MINE else _count(query)
        page = _clamped(filters.page, total)
        offset = (page - 1) * PAGE_SIZE
        if filters.scope == Scope.MINE:
            query = sa.select(Case).where(Case.id.in_(_mine_page_ids(user, filters, now, offset + PAGE_SIZE)))
    order = _ordering(filters.sort, Case.__table__.c)
    rows = db.session.execute(_listed(query).order_by(*order).limit(PAGE_SIZE).offset(offset)).all()
    victims = _victims_of([row[0] for row in rows])
    cases = [ListedCase(*row, victims=victims.get(row[0], ())) for row in rows]
    return CasePage(cases=cases, total=total, page=page)


def _clamped(page: int, total: int) -> int:
    """``page`` within the pages ``total`` cases fill (counted no further than ``COUNT_LIMIT + 1``)."""
    return min(max(page, 1), max(1, math.ceil(min(total, COUNT_LIMIT + 1) / PAGE_SIZE)))


def _overdue_page(query: sa.Select[tuple[Case]], filters: CaseFilters) -> tuple[list[int], int, int]:
    """The ids on the page of overdue matches, how many match, and the page number: usually one statement.

    The matches are worked out once and both counted (a window over them) and sorted for the page;
    counting them in a statement of its own evaluated every overdue reason twice. A page past the end
    is asked for again as the last page.
    """
    matches = _fenced(query)
    ordered = (
        sa.select(matches.c.id, sa.func.count().over()).order_by(*_ordering(filters.sort, matches.c)).limit(PAGE_SIZE)
    )

    def rows_of(page: int) -> list[sa.Row[Any]]:
        return list(db.session.execute(ordered.offset((page - 1) * PAGE_SIZE)))

    asked = max(filters.page, 1)
    rows = rows_of(asked) or (rows_of(1) if asked > 1 else [])
    total = min(rows[0][1], COUNT_LIMIT + 1) if rows else 0
    page = _clamped(asked, total)
    if page != asked:
        rows = rows_of(page)
    return [row[0] for row in rows], total, page


def _fenced(query: sa.Select[tuple[Case]]) -> sa.Subquery:
    """Every case ``query`` matches, with the columns the lists sort by, worked out before any ordering.

    For overdue work: ``OFFSET 0`` keeps PostgreSQL from planning the filter for the page's LIMIT.
    Otherwise it reads a scope's cases off an ordered index, testing each against the whole overdue
    set without a hash (22 s for a team's red panel at a million cases, most old cases being closed);
    fenced, it hashes the set once and sorts the few matches.
    """
    columns = [Case.id, *(getattr(Case, name) for name in SORT_COLUMNS)]
    return query.with_only_columns(*columns).order_by(None).offset(0).subquery()


def _mine_page_ids(user: User, filters: CaseFilters, now: datetime, first: int) -> sa.CompoundSelect:
    """The ids that can be on the page of "my cases": the ``first`` of each way a case is mine, in list order.

    "Officer in case OR supervisor OR recorder" would make the database read and sort every one of
    the user's cases (thousands a year); each branch alone walks its own ordered index
    (``ix_cases_officer_reported``...) and stops after ``first`` rows. The top of the union is the
    top of the whole, so the page is the same.
    """
    return _union_of(
        filtered_query(user, filters, now, scope=branch)
        .with_only_columns(Case.id)
        .order_by(*_ordering(filters.sort, Case.__table__.c))
        .limit(first)
        for branch in _mine_visible(user)
    )


def overdue_cases(user: User, *, limit: int = 10, now: datetime | None = None) -> list[ListedCase]:
    """The overdue cases ``user`` may see in their default scope, longest overdue first (in red at the top).

    Read in ``overdue_from`` order off its index, stopping at ``limit``; "my cases" (an officer's) each way a
    case is theirs off its own index (``ix_cases_officer_overdue_from``...), the top of the union being the
    top of the whole, as ``_mine_page_ids`` does. As plain columns, with no victims: the panels show a
    reference and the case's own tags.
    """
    at = overdue_instant(now or utcnow())

    def build() -> sa.Select[Any]:
        scope = default_scope(user)
        if scope != Scope.MINE:
            query = sa.select(Case).where(visible_in_scope(user, scope), overdue_probed(at))
        else:
            candidates = _union_of(
                sa.select(Case.id, Case.overdue_from)
                .where(branch, overdue_probed(at))
                .order_by(Case.overdue_from, Case.id)
                .limit(limit)
                for branch in _mine_visible(user)
            ).subquery()
            longest = sa.select(candidates.c.id).order_by(candidates.c.overdue_from, candidates.c.id).limit(limit)
            query = sa.select(Case).where(Case.id.in_(longest))
        return _listed(query.order_by(Case.overdue_from, Case.id).limit(limit))

    query = built_once(("panel", at, tuple(registry.overdue_reasons()), user.id, user.role, user.team_id, limit), build)
    return [ListedCase(*row) for row in db.session.execute(query)]


def _count_mine(user: User, filters: CaseFilters, now: datetime) -> int:
    """``_count`` of "my cases" as the union of the three ways a case is mine, each read off its own index.

    Each branch stops at ``COUNT_LIMIT + 1``, so the union reaches it exactly when the whole does.
    """
    mine = _union_of(
        filtered_query(user, filters, now, scope=branch).with_only_columns(Case.id).limit(COUNT_LIMIT + 1)
        for branch in _mine_visible(user)
    ).subquery()
    return min(db.session.execute(sa.select(sa.func.count()).select_from(mine)).scalar_one(), COUNT_LIMIT + 1)


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
        # Allocating moves the case on and assigns people at once: the reason is shown with the assignment.
        reason = None if change.to_status == CaseStatus.ALLOCATED else change.reason
        entries.append(TimelineEntry(change.created_at, title, change.changed_by.full_name, reason))
    return entries


@registry.timeline_provider
def _assignments(case: Case, viewer: registry.Viewer) -> list[TimelineEntry]:
    """One entry per allocation (the officer in case and the supervisor chosen together), its reason once."""
    assignments = db.session.execute(
        sa.select(CaseAssignment)
        .where(CaseAssignment.case_id == case.id)
        .options(joinedload(CaseAssignment.user), joinedload(CaseAssignment.assigned_by))
        .order_by(CaseAssignment.created_at, CaseAssignment.id)
    ).scalars()
    grouped: list[list[CaseAssignment]] = []
    for assignment in assignments:
        last = grouped[-1][-1] if grouped else None
        if (
            last is not None
            and (last.assigned_by_id, last.reason) == (assignment.assigned_by_id, assignment.reason)
            and assignment.created_at - last.created_at < timedelta(seconds=5)
        ):
            grouped[-1].append(assignment)
        else:
            grouped.append([assignment])
    return [
        TimelineEntry(
            together[0].created_at,
            "; ".join(f"{assignment.role.label}: {assignment.user.full_name}" for assignment in together),
            together[0].assigned_by.full_name,
            together[0].reason,
        )
        for together in grouped
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


@registry.timeline_provider
def _decisions(case: Case, viewer: registry.Viewer) -> list[TimelineEntry]:
    """MARAC and safety-plan decisions, dated when made; their notes for police eyes only."""
    decisions = db.session.execute(
        sa.select(CaseDecision).where(CaseDecision.case_id == case.id).options(joinedload(CaseDecision.decided_by))
    ).scalars()
    return [
        TimelineEntry(
            decision.decided_at,
            decision.outcome.label,
            decision.decided_by.full_name,
            decision.note if viewer.police_only else None,
        )
        for decision in decisions
    ]


AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    """What the audit tab is narrowed to: an action, a person (user id), dates (London days), a page."""

    action: AuditAction | None = None
    user_id: int | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass(frozen=True)
class FieldChange:
    """One field an audited edit changed; ``values_shown`` is false when only the field's name was recorded
    (always so for sealed fields)."""

    field: str
    before: str | None
    after: str | None
    values_shown: bool = True


@dataclass(frozen=True)
class AuditRow:
    """One audit event as the audit tab shows it: who by name, and what changed."""

    event: AuditEvent
    who: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class AuditPage:
    """A page of a case's audit trail, newest first."""

    rows: list[AuditRow]
    total: int
    page: int
    pages: int


def _field_changes(detail: dict[str, object] | None) -> list[FieldChange]:
    changes = (detail or {}).get("changes")
    if isinstance(changes, dict):
        return [
            FieldChange(name.replace("_", " ").capitalize(), *value)
            if isinstance(value, list) and len(value) == 2
            else FieldChange(name.replace("_", " ").capitalize(), None, None, values_shown=False)
            for name, value in sorted(changes.items())
        ]
    if isinstance(changes, list):
        return [
            FieldChange(str(name).replace("_", " ").capitalize(), None, None, values_shown=False) for name in changes
        ]
    return []


def _of_case(case: Case) -> sa.ColumnElement[bool]:
    return sa.and_(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))


def case_audit_people(case: Case) -> list[tuple[int, str]]:
    """(user id, name) of everyone who appears in the case's audit trail, by name (the person filter)."""
    query = (
        sa.select(User.id, User.full_name)
        .where(User.id.in_(sa.select(AuditEvent.user_id).where(_of_case(case)).distinct()))
        .order_by(User.full_name)
    )
    return [(user_id, name) for user_id, name in db.session.execute(query)]


def case_audit_page(case: Case, filters: AuditFilters) -> AuditPage:
    """The case's audit trail, filtered and a page at a time, with names rather than email addresses.

    ``changes`` in an event's detail become field, before and after; values recorded as sealed (a victim's
    address and safe contact details) are never recorded, so never shown.
    """
    query = sa.select(AuditEvent).where(_of_case(case))
    if filters.action is not None:
        query = query.where(AuditEvent.action == filters.action)
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.since is not None:
        query = query.where(AuditEvent.created_at >= local_midnight(filters.since))
    if filters.until is not None:
        query = query.where(AuditEvent.created_at < local_midnight(filters.until + timedelta(days=1)))
    total = db.session.execute(query.with_only_columns(sa.func.count(AuditEvent.id))).scalar_one()
    pages = max(1, math.ceil(total / AUDIT_PAGE_SIZE))
    page = min(max(filters.page, 1), pages)
    events = list(
        db.session.execute(
            query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(AUDIT_PAGE_SIZE)
            .offset((page - 1) * AUDIT_PAGE_SIZE)
        ).scalars()
    )
    names = dict(case_audit_people(case))
    rows = [
        AuditRow(
            event, names.get(event.user_id, event.actor) if event.user_id else event.actor, _field_changes(event.detail)
        )
        for event in events
    ]
    return AuditPage(rows, total, page, pages)
