"""What each home page shows: counts and lists from the same visibility rules as the case lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework.auth.models import Role, Team, User
from casework.cases import registry
from casework.cases.models import Case, CaseStatus, Channel, Outcome, RiskLevel
from casework.cases.queries import (
    Scope,
    overdue_clause,
    overdue_instant,
    overdue_probed,
    overdue_reasons_for,
    visible_in_scope,
)
from casework.contact.models import ContactPlan, DecisionNotice
from casework.dashboard import figures
from casework.db import utcnow
from casework.extensions import db
from casework.security import Permission, can, restricted_cases_hidden_from, visible_cases_clause
from casework.snapshot_reads import read_together
from casework.support.models import Referral, ReferralStatus, SupportService
from casework.workdays import local_midnight


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
    ).where(visible_in_scope(user, scope))
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


# --- The supervisors' and managers' dashboard --------------------------------------------------------
# Every figure is counted in SQL with the condition its case list applies (``dashboard.figures``),
# inside the same visibility rule and scope as that list, in a fixed number of queries.


@dataclass(frozen=True)
class DashboardScope:
    """Whose cases the dashboard counts: a supervisor's team, or (managers) every team or one of them."""

    user: User
    period: figures.Period
    team_id: int | None = None
    no_contact_days: int = figures.NO_CONTACT_DAYS_DEFAULT  # the N of "no victim contact in N days" (configuration)

    @cached_property
    def list_scope(self) -> str:
        """The case list's own scope for the same cases (asked for by each of the page's thousand links)."""
        return Scope.ALL if can(self.user, Permission.VIEW_ALL_TEAMS) else Scope.TEAM

    def clause(self) -> sa.ColumnElement[bool]:
        """The cases counted: those the user may see, in the scope (and team) chosen."""
        return self._clause

    @cached_property
    def _clause(self) -> sa.ColumnElement[bool]:
        # Built once: a dozen statements use it (SQL expressions are immutable, so they can share it).
        team = Case.team_id == self.team_id if self.team_id else sa.true()
        return sa.and_(visible_in_scope(self.user, self.list_scope), team)

    def rows_clause(self, case_id: Any) -> sa.ColumnElement[bool]:
        """A feature row (``case_id``) is counted: its case is one of those counted, without joining ``cases``.

        A manager over every team may see every case but the restricted ones they are not on the access list
        of: the rows of those few cases are left out (a hashed list from the partial index on restricted cases),
        rather than the case of every row being looked up. Otherwise the rows' cases are those in ``clause()``.
        """
        if self.team_id is None and self.list_scope == Scope.ALL and self.user.role == Role.MANAGER:
            hidden_ids = restricted_cases_hidden_from(self.user)
            # Worked out once: PostgreSQL would otherwise inline it into each branch of a union of rows.
            hidden = hidden_ids.cte("hidden_cases").prefix_with("MATERIALIZED")
            return case_id.not_in(sa.select(hidden.c.id))
        return case_id.in_(sa.select(Case.id).where(self.clause()))

    def link(self, **params: object) -> dict[str, object]:
        """The case list's query string for a figure: the same scope and team, and the figure's filters."""
        base: dict[str, object] = {"scope": self.list_scope}
        if self.team_id:
            base["team_id"] = self.team_id
        return {**base, **params}


@dataclass(frozen=True)
class OfficerLoad:
    """One officer's open cases by risk, and their overdue cases."""

    officer_id: int
    name: str
    by_risk: dict[str, int]
    unassessed: int
    open_cases: int
    overdue: int
    no_safety_plan: int
    no_contact: int


@dataclass(frozen=True)
class Compliance:
    """A Victims' Code measure: items on time of items due, and the cases behind them."""

    key: str
    label: str
    on_time: int
    due: int
    cases_due: int
    cases_missed: int
    due_link: dict[str, object]
    missed_link: dict[str, object]
    officers: tuple[Compliance, ...] = ()

    @property
    def percent(self) -> int | None:
        """The share on time, rounded down, or ``None`` when nothing was due."""
        return None if not self.due else self.on_time * 100 // self.due


@dataclass
class Dashboard:
    """Every table of the dashboard, as counted."""

    scope: DashboardScope
    urgent: list[Case]
    urgent_reasons: dict[int, list[str]]
    headline: dict[str, int]
    officers: list[OfficerLoad]
    status_age: dict[CaseStatus, dict[str, int]]
    weeks: list[date]
    weekly: dict[str, dict[Channel, int]]
    outcomes: dict[Outcome, int]
    orders: dict[str, tuple[int, int]]
    referrals: list[tuple[int, str, ReferralStatus, int, int]]
    compliance: list[Compliance]
    channels: list[Channel] = field(default_factory=list)
    no_contact_days: int = figures.NO_CONTACT_DAYS_DEFAULT

    def week_total(self, monday: date) -> int:
        """Reports in the week from ``monday`` (summed from the grouped counts the database returned)."""
        return sum(self.weekly.get(monday.isoformat(), {}).values())


URGENT_SHOWN = 20


URGENT_LINK = {"open": "1", "risk": RiskLevel.HIGH.value, "reason": ",".join(figures.CONTACT_REASONS)}


T = TypeVar("T")


@dataclass(frozen=True)
class _Section(Generic[T]):
    """One statement of the dashboard, and what its rows become."""

    query: sa.Select[Any]
    result: Callable[[list[sa.Row[Any]]], T]


def _count_where(scope: DashboardScope, condition: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count()).select_from(Case).where(scope.clause(), condition).scalar_subquery()


def _overdue_elsewhere(scope: DashboardScope, now: datetime) -> _Section[dict[str, int]]:
    """Cases with a referral not sent in time, and with an SPO notification missed, open or closed (one statement).

    Each starts from its reason's own few overdue rows.
    """
    query = sa.select(
        _count_where(scope, figures.reasons_clause(("referral_to_send",), now)),
        _count_where(scope, figures.reasons_clause(("spo_notification",), now)),
    )
    return _Section(query, lambda rows: dict(zip(("referrals_overdue", "spo_missed"), rows[0], strict=True)))


def _one_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.case((condition, 1), else_=0)


@dataclass
class _Caseload:
    """What the one pass over the open cases gives: per officer, the headline, status by age."""

    officers: list[OfficerLoad]
    headline: dict[str, int]
    status_age: dict[CaseStatus, dict[str, int]]


def _caseload(scope: DashboardScope, now: datetime) -> _Section[_Caseload]:
    """Every open-case figure from one statement over the open cases of the scope (the partial index).

    The cases are grouped by officer in case, status, age band and risk level (a few hundred groups), each group
    with its overdue cases, high-risk cases without a safety plan decision, cases with no victim contact in N
    days and high-risk cases with a contact overdue; the per-officer rows, the headline and the status-by-age
    table are sums of those groups' counts. Closed cases still overdue (a referral or a notice owed) are added
    for the officers' overdue column only: the few closed cases whose ``overdue_from`` has passed (a partial
    index), each probed for its reasons, rather than every closed case. The registered overdue reasons
    (``overdue_clause``) are worked out once, at the lists' instant, each row tagged with its reason, so the
    contact reasons of the urgent figure are a part of the same set.
    """
    open_case = figures.open_clause()
    at = overdue_instant(now)
    tagged = [
        reason.case_ids(at).correlate(None).add_columns(sa.literal(reason.key).label("reason"))
        for reason in registry.overdue_reasons()
    ]
    overdue_ids = sa.union(*tagged).cte("overdue_ids")
    case_id, reason = overdue_ids.c[0], overdue_ids.c.reason
    overdue = Case.id.in_(sa.select(case_id))
    contact_overdue = Case.id.in_(sa.select(case_id).where(reason.in_(figures.CONTACT_REASONS)))
    urgent = sa.and_(Case.risk_level == RiskLevel.HIGH, contact_overdue)
    band = figures.age_band_expression(now)
    # The candidates are worked out apart, then probed: with the probes' cost in view, PostgreSQL would rather
    # intersect them with a bitmap of the 900,000 closed cases (at a million) to probe a few fewer.
    candidates = (
        sa.select(Case.id)
        .where(scope.clause(), ~open_case, Case.overdue_from <= at, Case.officer_id.is_not(None))
        .cte("closed_overdue_candidates")
        .prefix_with("MATERIALIZED")
    )
    closed = (
        sa.select(Case.officer_id, Case.status)
        .where(Case.id.in_(sa.select(candidates.c.id)), overdue_probed(at))
        .subquery("closed_overdue")
    )
    rows = sa.union_all(
        sa.select(
            Case.officer_id.label("officer_id"),
            Case.status.label("status"),
            band.label("band"),
            Case.risk_level.label("risk_level"),
            _one_if(overdue).label("overdue"),
            _one_if(figures.no_safety_plan_clause()).label("no_safety_plan"),
            _one_if(figures.no_contact_clause(scope.no_contact_days, now)).label("no_contact"),
            _one_if(urgent).label("urgent"),
        ).where(scope.clause(), open_case),
        # The closed cases still overdue: the few whose overdue_from has passed (a partial index), each probed
        # for its reasons (testing them against the force's overdue set hashed the whole set for a few cases).
        sa.select(closed.c.officer_id, closed.c.status, *(sa.null(),) * 2, sa.literal(1), *(sa.literal(0),) * 3),
    )
    # Materialised before grouping: otherwise the cost of reading the cases dwarfs the difference between
    # hashing and sorting the groups, and PostgreSQL sorts 100,000 rows (the two are within its 1% fuzz, and
    # a sorted path wins the tie) where hashing takes a third of the time.
    rows = rows.cte("caseload_rows").prefix_with("MATERIALIZED")
    fine = (
        sa.select(
            rows.c.officer_id,
            rows.c.status,
            rows.c.band,
            rows.c.risk_level,
            sa.func.count().label("cases"),
            sa.func.sum(rows.c.overdue).label("overdue"),
            sa.func.sum(rows.c.no_safety_plan).label("no_safety_plan"),
            sa.func.sum(rows.c.no_contact).label("no_contact"),
            sa.func.sum(rows.c.urgent).label("urgent"),
        )
        .group_by(rows.c.officer_id, rows.c.status, rows.c.band, rows.c.risk_level)
        .cte("caseload_groups")
    )
    # The fine groups (officer x status x age band x risk, over a thousand for a force) summed again in SQL the two
    # ways the page shows them, so Python reads a few hundred rows: per officer and risk level (closed cases apart,
    # they count as overdue only), and per status and age band (open cases).
    closed_group = fine.c.status == CaseStatus.CLOSED
    by_officer = (
        sa.select(
            fine.c.officer_id,
            closed_group.label("closed"),
            fine.c.risk_level,
            *(_total(fine.c[name]).label(name) for name in _CASELOAD_COUNTS),
        )
        .group_by(fine.c.officer_id, closed_group, fine.c.risk_level)
        .subquery()
    )
    counts = [by_officer.c[name] for name in _CASELOAD_COUNTS]
    # The officers' names joined to the groups, not to every case (nor sorted with them). Each branch types its
    # empty columns, as PostgreSQL will not match a bare NULL of one to a column of the other.
    query = sa.union_all(
        sa.select(
            sa.literal(True).label("per_officer"),
            by_officer.c.officer_id,
            by_officer.c.closed,
            by_officer.c.risk_level,
            sa.cast(sa.null(), fine.c.status.type).label("status"),
            sa.cast(sa.null(), fine.c.band.type).label("band"),
            *counts,
            User.full_name,
        ).outerjoin(User, User.id == by_officer.c.officer_id),
        sa.select(
            sa.literal(False),
            sa.cast(sa.null(), by_officer.c.officer_id.type),
            sa.cast(sa.null(), sa.Boolean),
            sa.cast(sa.null(), by_officer.c.risk_level.type),
            fine.c.status,
            fine.c.band,
            _total(fine.c.cases),
            *(sa.literal(0) for _ in counts[1:]),
            sa.cast(sa.null(), User.full_name.type),
        )
        .where(~closed_group)
        .group_by(fine.c.status, fine.c.band),
    )
    return _Section(query, _caseload_from)


def _caseload_from(rows: list[sa.Row[Any]]) -> _Caseload:
    """The caseload's rows summed per officer, for the headline, and by status and age band."""
    headline = {"urgent": 0, "open": 0, "no_safety_plan": 0, "no_contact": 0}
    status_age: dict[CaseStatus, dict[str, int]] = {s: {} for s in CaseStatus if s != CaseStatus.CLOSED}
    loads: dict[int, dict[str, Any]] = {}
    for row in rows:
        if not row.per_officer:
            status_age[CaseStatus(row.status)][row.band] = row.cases
            continue
        if not row.closed:
            headline["open"] += row.cases
            headline["urgent"] += row.urgent
            headline["no_safety_plan"] += row.no_safety_plan
            headline["no_contact"] += row.no_contact
        if row.officer_id is None:
            continue
        load = loads.get(row.officer_id)
        if load is None:
            by_risk = dict.fromkeys((level.value for level in figures.RISK_COLUMNS), 0)
            load = loads[row.officer_id] = {"name": row.full_name, "by_risk": by_risk, "n": [0] * 5}
        if not row.closed:
            if row.risk_level is None:
                load["n"][0] += row.cases
            else:
                load["by_risk"][RiskLevel(row.risk_level).value] += row.cases
            load["n"][1] += row.cases
        load["n"][2] += row.overdue
        load["n"][3] += row.no_safety_plan
        load["n"][4] += row.no_contact
    officers = sorted(
        (OfficerLoad(officer_id, load["name"], load["by_risk"], *load["n"]) for officer_id, load in loads.items()),
        key=lambda row: (row.name, row.officer_id),
    )
    return _Caseload(officers, headline, status_age)


_CASELOAD_COUNTS = ("cases", "overdue", "no_safety_plan", "no_contact", "urgent")


def _total(counts: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """A sum of counts as an integer (PostgreSQL sums bigints as numeric)."""
    return sa.cast(sa.func.sum(counts), sa.BigInteger)


def _weekly(scope: DashboardScope, mondays: list[date]) -> _Section[dict[str, dict[Channel, int]]]:
    week = figures.week_expression(mondays).label("week")
    query = (
        sa.select(week, Case.channel, sa.func.count())
        .where(scope.clause(), Case.reported_at >= local_midnight(mondays[0]))
        .group_by(week, Case.channel)
    )

    def table(rows: list[sa.Row[Any]]) -> dict[str, dict[Channel, int]]:
        weeks: dict[str, dict[Channel, int]] = {}
        for monday, channel, count in rows:
            weeks.setdefault(monday, {})[channel] = count
        return weeks

    return _Section(query, table)


def _outcomes(scope: DashboardScope) -> _Section[dict[Outcome, int]]:
    query = (
        sa.select(Case.outcome, sa.func.count())
        .where(scope.clause(), figures.closed_clause(scope.period))
        .group_by(Case.outcome)
    )
    return _Section(query, lambda rows: {outcome: count for outcome, count in rows if outcome is not None})


def _orders(scope: DashboardScope, now: datetime) -> _Section[dict[str, tuple[int, int]]]:
    """Per kind of order figure: (orders, cases), from one query over the union of each kind's rows.

    Counted in stages that hash rather than sort (``count(DISTINCT ...)`` sorts every row): each order once
    per kind, then per case, then per kind. An order belongs to one case, so orders per case add up.
    """
    period = scope.period
    parts = [
        figures.order_event_rows(kind, period).add_columns(sa.literal(kind).label("kind"))
        for kind in figures.ORDER_EVENTS
    ]
    parts.append(figures.breach_rows(period).add_columns(sa.literal("breached").label("kind")))
    parts.append(figures.expiring_rows(now).add_columns(sa.literal("expiring").label("kind")))
    rows = sa.union_all(*parts).subquery()
    each_order = (
        sa.select(rows.c.kind, rows.c.case_id, rows.c.order_id)
        .where(scope.rows_clause(rows.c.case_id))
        .group_by(rows.c.kind, rows.c.case_id, rows.c.order_id)
        .subquery()
    )
    per_case = (
        sa.select(each_order.c.kind, sa.func.count().label("orders"))
        .group_by(each_order.c.kind, each_order.c.case_id)
        .subquery()
    )
    query = sa.select(per_case.c.kind, sa.func.sum(per_case.c.orders), sa.func.count()).group_by(per_case.c.kind)
    return _Section(query, lambda rows: {kind: (int(orders), cases) for kind, orders, cases in rows})


def _referrals(scope: DashboardScope) -> _Section[list[tuple[int, str, ReferralStatus, int, int]]]:
    """Referrals made in the period and their cases, per service and status now.

    Counted per case first, then per service and status: both steps hash (``count(DISTINCT case_id)`` sorted
    the year's referrals, a hundred thousand rows at 1,000,000 cases).
    """
    rows = figures.referral_rows(scope.period).subquery()
    per_case = (
        sa.select(rows.c.service_id, rows.c.status, sa.func.count().label("referrals"))
        .where(scope.rows_clause(rows.c.case_id))
        .group_by(rows.c.service_id, rows.c.status, rows.c.case_id)
        .subquery()
    )
    counts = (
        sa.select(
            per_case.c.service_id,
            per_case.c.status,
            sa.func.sum(per_case.c.referrals).label("referrals"),
            sa.func.count().label("cases"),
        )
        .group_by(per_case.c.service_id, per_case.c.status)
        .subquery()
    )
    query = (
        sa.select(counts.c.service_id, SupportService.name, counts.c.status, counts.c.referrals, counts.c.cases)
        .join(SupportService, SupportService.id == counts.c.service_id)
        .order_by(SupportService.name, counts.c.status)
    )
    return _Section(
        query, lambda rows: [(sid, name, ReferralStatus(status), int(n), cases) for sid, name, status, n, cases in rows]
    )


def _measure(
    scope: DashboardScope, case_id: Any, due: sa.ColumnElement[bool], on_time: sa.ColumnElement[bool]
) -> sa.Select[Any]:
    """Per officer in case: items due, items on time, cases with an item due, cases with one missed (one query).

    Counted per case first (items due and on time), then per officer, so that both steps hash instead of
    sorting every item for ``count(DISTINCT ...)``. A case has one officer in case (or none), so the groups'
    counts add up to the whole scope's.
    """
    per_case = (
        sa.select(
            Case.officer_id.label("officer_id"),
            sa.func.count().label("due"),
            sa.func.count().filter(on_time).label("on_time"),
        )
        .select_from(Case)
        .join(case_id.table, case_id == Case.id)
        .where(scope.clause(), due)
        .group_by(Case.officer_id, case_id)
        .subquery()
    )
    per_officer = (
        sa.select(
            per_case.c.officer_id,
            sa.func.sum(per_case.c.due).label("due"),
            sa.func.sum(per_case.c.on_time).label("on_time"),
            sa.func.count().label("cases_due"),
            sa.func.count().filter(per_case.c.on_time < per_case.c.due).label("cases_missed"),
        )
        .group_by(per_case.c.officer_id)
        .subquery()
    )
    return (
        sa.select(
            per_officer.c.officer_id,
            User.full_name,
            per_officer.c.due,
            per_officer.c.on_time,
            per_officer.c.cases_due,
            per_officer.c.cases_missed,
        )
        .outerjoin(User, User.id == per_officer.c.officer_id)
        .order_by(User.full_name)
    )


def _compliance(scope: DashboardScope, now: datetime) -> list[_Section[Compliance]]:
    """The Victims' Code measures, one statement each."""
    period = scope.period
    return [
        _compliance_measure(
            scope,
            "decisions",
            "Victims told of key decisions within the deadline",
            _measure(scope, DecisionNotice.case_id, figures.notices_due(period, now), figures.notice_on_time()),
            {"decisions_due": period.value},
            {"decisions_late": period.value},
        ),
        _compliance_measure(
            scope,
            "updates",
            "Scheduled victim updates not overdue (now)",
            _measure(scope, ContactPlan.case_id, figures.plans_in_force(), figures.plan_on_time(now)),
            {"planned": "1"},
            {"reason": "victim_update"},
        ),
        _compliance_measure(
            scope,
            "referrals",
            "Referrals sent to the service within 2 working days of consent",
            _measure(scope, Referral.case_id, figures.referrals_due(period, now), figures.referral_on_time()),
            {"referrals_due": period.value},
            {"referrals_late": period.value},
        ),
    ]


def _compliance_measure(
    scope: DashboardScope,
    key: str,
    label: str,
    query: sa.Select[Any],
    due_link: dict[str, object],
    missed: dict[str, object],
) -> _Section[Compliance]:
    def measure(rows: list[sa.Row[Any]]) -> Compliance:
        counted = [
            (officer_id, name, int(due), int(on_time), cases_due, cases_missed)
            for officer_id, name, due, on_time, cases_due, cases_missed in rows
        ]
        officers = tuple(
            Compliance(
                key,
                name,
                on_time,
                due,
                cases_due,
                cases_missed,
                scope.link(officer_id=officer_id, **due_link),
                scope.link(officer_id=officer_id, **missed),
            )
            for officer_id, name, due, on_time, cases_due, cases_missed in counted
            if officer_id is not None
        )
        due, on_time, cases_due, cases_missed = (sum(row[column] for row in counted) for column in range(2, 6))
        return Compliance(
            key, label, on_time, due, cases_due, cases_missed, scope.link(**due_link), scope.link(**missed), officers
        )

    return _Section(query, measure)


def dashboard(scope: DashboardScope, *, now: datetime | None = None, readers: int = 1) -> Dashboard:
    """Every figure of the dashboard for ``scope``: a fixed number of queries, whatever the data size.

    The figures' statements are independent: on PostgreSQL they are shared out between ``readers`` connections
    that see one snapshot (``snapshot_reads``), heaviest first as measured at 1,000,000 cases.
    """
    now = now or utcnow()
    # Longest overdue first, as in the lists' red panel: read off the overdue_from index, each case's contact
    # reasons probed, stopping at the first URGENT_SHOWN (their number is counted with the caseload).
    urgent_contact = overdue_probed(overdue_instant(now), figures.CONTACT_REASONS)
    urgent = list(
        db.session.execute(
            sa.select(Case)
            .where(scope.clause(), figures.open_clause(), Case.risk_level == RiskLevel.HIGH, urgent_contact)
            .options(joinedload(Case.officer))
            .order_by(Case.overdue_from, Case.id)
            .limit(URGENT_SHOWN)
        ).scalars()
    )
    mondays = figures.weeks(now)
    decisions, updates, referral_measure = _compliance(scope, now)
    sections: dict[str, _Section[Any]] = {  # heaviest first
        "caseload": _caseload(scope, now),
        "referral_measure": referral_measure,
        "updates": updates,
        "orders": _orders(scope, now),
        "outcomes": _outcomes(scope),
        "referrals": _referrals(scope),
        "weekly": _weekly(scope, mondays),
        "decisions": decisions,
        "elsewhere": _overdue_elsewhere(scope, now),
    }
    read = read_together([section.query for section in sections.values()], readers=readers)
    found = {name: section.result(rows) for (name, section), rows in zip(sections.items(), read, strict=True)}
    caseload, weekly = found["caseload"], found["weekly"]
    channels = [channel for channel in Channel if any(channel in row for row in weekly.values())]
    return Dashboard(
        scope=scope,
        urgent=urgent,
        urgent_reasons=overdue_reasons_for(urgent, now),
        headline={**caseload.headline, **found["elsewhere"]},
        officers=caseload.officers,
        status_age=caseload.status_age,
        weeks=mondays,
        weekly=weekly,
        outcomes=found["outcomes"],
        orders=found["orders"],
        referrals=found["referrals"],
        compliance=[found["decisions"], found["updates"], found["referral_measure"]],
        channels=channels,
        no_contact_days=scope.no_contact_days,
    )


def teams_for(user: User) -> list[Team]:
    """The teams a manager may pick from (supervisors see their own team only)."""
    if not can(user, Permission.VIEW_ALL_TEAMS):
        return []
    return list(db.session.execute(sa.select(Team).order_by(Team.name)).scalars())


# --- An officer's own figures, on their home page -------------------------------------------------------


@dataclass(frozen=True)
class MyFigures:
    """An officer's own counts, each the size of the list it links to (``links``)."""

    counts: dict[str, int]
    links: dict[str, dict[str, object]]


def my_figures(user: User, *, now: datetime | None = None) -> MyFigures:
    """Open cases by risk, contacts due today and overdue, orders expiring, recent breaches: one query."""
    now = now or utcnow()
    recent = figures.default_period(now)
    conditions: dict[str, tuple[sa.ColumnElement[bool], dict[str, object]]] = {
        **{
            level.value: (sa.and_(figures.open_clause(), Case.risk_level == level), {"open": "1", "risk": level.value})
            for level in figures.RISK_COLUMNS
        },
        "unassessed": (sa.and_(figures.open_clause(), Case.risk_level.is_(None)), {"open": "1", "unassessed": "1"}),
        "due_today": (figures.due_today_clause(now), {"due_today": "1"}),
        "contact_overdue": (
            figures.reasons_clause(figures.CONTACT_REASONS, now),
            {"reason": ",".join(figures.CONTACT_REASONS)},
        ),
        "orders_expiring": (figures.figure_clause("order_expiring", "1", now), {"order_expiring": "1"}),
        "breaches": (figures.figure_clause("order_breached", recent.value, now), {"order_breached": recent.value}),
    }
    query = sa.select(*(sa.func.count().filter(condition) for condition, _ in conditions.values())).where(
        visible_in_scope(user, Scope.MINE)
    )
    counts = dict(zip(conditions, db.session.execute(query).one(), strict=True))
    links = {key: {"scope": Scope.MINE, **params} for key, (_, params) in conditions.items()}
    return MyFigures(counts, links)
