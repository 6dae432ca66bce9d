"""What each dashboard figure counts, written once in SQL and registered as a case-list filter.

A figure and the case list it links to must agree, so each is built from the same condition:
the dashboard counts ``count(*) FILTER (WHERE condition)`` (or groups by the same expression)
and the case list applies ``condition`` when the figure's ``?key=value`` is in its query string
(``cases.registry.list_filter``). Where a figure counts rows of a feature (orders, referrals,
key-decision notices), the condition on those rows is written once and the list asks for
``cases.id IN (SELECT case_id ... WHERE condition)``; the figure shows that case count as its link.
"Overdue" is never redefined here: the figures use the registered ``overdue_reason``s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from casework.cases import registry
from casework.cases.models import Case, CaseDecision, CaseStatus, Channel, DecisionKind, Outcome, RiskLevel
from casework.cases.queries import overdue_instant
from casework.contact.models import ContactAttempt, ContactOutcome, ContactPlan, DecisionNotice, DoNotContact
from casework.extensions import db
from casework.forms import EARLIEST_YEAR, LATEST_YEAR
from casework.orders.models import OrderBreach, OrderStatus, OrderStatusChange, ProtectiveOrder
from casework.support.models import Referral, ReferralStatus, SupportService
from casework.workdays import end_of_local_day, local_date, local_midnight

EXPIRY_HORIZON_DAYS = 28
WEEKS_SHOWN = 26
# The overdue reasons that are a contact with the victim missed (registered by the contact feature).
CONTACT_REASONS = ("victim_update", "key_decision")


@dataclass(frozen=True)
class Period:
    """A range of London dates, both ends included (the dashboard's date-range filter)."""

    start: date
    end: date

    @property
    def value(self) -> str:
        """As it travels in a query string: ``2026-10-01..2026-10-28``."""
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def since(self) -> datetime:
        """The first instant of the period."""
        return local_midnight(self.start)

    @property
    def until(self) -> datetime:
        """The first instant after the period."""
        return local_midnight(self.end + timedelta(days=1))

    def holds(self, column: Any) -> sa.ColumnElement[bool]:
        """``column`` (an instant) falls in the period."""
        return sa.and_(column >= self.since, column < self.until)

    def holds_day(self, column: Any) -> sa.ColumnElement[bool]:
        """``column`` (a date) falls in the period."""
        return column.between(self.start, self.end)

    def describe(self) -> str:
        """In words, for people."""
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    @classmethod
    def parse(cls, value: str) -> Period | None:
        """The period in ``value``, or ``None`` when it is not one (or not within the years a date field takes)."""
        start, _, end = value.partition("..")
        try:
            period = cls(date.fromisoformat(start), date.fromisoformat(end))
        except ValueError:
            return None
        in_range = period.start.year >= EARLIEST_YEAR and period.end.year <= LATEST_YEAR
        return period if in_range and period.start <= period.end else None


def default_period(now: datetime) -> Period:
    """The last 28 days, today included."""
    today = local_date(now)
    return Period(today - timedelta(days=27), today)


# --- Cases: open, risk, age, week of report, outcome ----------------------------------------------


def open_clause() -> sa.ColumnElement[bool]:
    """The case is still being worked."""
    return Case.status != CaseStatus.CLOSED


@dataclass(frozen=True)
class AgeBand:
    """How long ago a case was reported, in whole London days."""

    key: str
    label: str
    from_days: int
    to_days: int | None


AGE_BANDS = (
    AgeBand("0-7", "0 to 7 days", 0, 7),
    AgeBand("8-28", "8 to 28 days", 8, 28),
    AgeBand("29-90", "29 to 90 days", 29, 90),
    AgeBand("91+", "Over 90 days", 91, None),
)
AGE_BANDS_BY_KEY = {band.key: band for band in AGE_BANDS}


def age_band_expression(now: datetime) -> sa.ColumnElement[str]:
    """The age band of a case as SQL (its key), from the London day it was reported."""
    today = local_date(now)
    whens = [
        (Case.reported_at >= local_midnight(today - timedelta(days=band.to_days)), band.key)
        for band in AGE_BANDS
        if band.to_days is not None
    ]
    return sa.case(*whens, else_=AGE_BANDS[-1].key)


def weeks(now: datetime) -> list[date]:
    """The Mondays of the last 26 weeks (London), oldest first; the last is this week's."""
    today = local_date(now)
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1)]


def week_expression(mondays: list[date]) -> sa.ColumnElement[str]:
    """The Monday (ISO date) of the week a case was reported in, for cases since the first Monday.

    A binary search in nested ``CASE``s: at most six comparisons a case rather than up to 26 down a flat list. London
    midnights are not a fixed number of seconds apart (summer time), so the weeks cannot be computed by arithmetic
    on the instant, and SQLite has no time zones to truncate to a local week.
    """
    starts = [local_midnight(monday) for monday in mondays]

    def within(first: int, end: int) -> sa.ColumnElement[str]:
        """The week among ``mondays[first:end]``, for a case reported on or after the first of them."""
        if end - first == 1:
            return sa.literal(mondays[first].isoformat(), sa.String)
        middle = (first + end) // 2
        return sa.case((Case.reported_at >= starts[middle], within(middle, end)), else_=within(first, middle))

    return sa.case((Case.reported_at >= starts[0], within(0, len(mondays))), else_=sa.null())


def week_clause(monday: date) -> sa.ColumnElement[bool]:
    """Reported in the seven London days from ``monday``."""
    return sa.and_(
        Case.reported_at >= local_midnight(monday), Case.reported_at < local_midnight(monday + timedelta(days=7))
    )


def closed_clause(period: Period) -> sa.ColumnElement[bool]:
    """Closed, and the closing fell in the period."""
    return sa.and_(Case.status == CaseStatus.CLOSED, period.holds(Case.closed_at))


def reasons_clause(keys: tuple[str, ...], now: datetime) -> sa.ColumnElement[bool]:
    """Overdue for any of these registered reasons (the registry's own SQL), judged when the lists judge it."""
    at = overdue_instant(now)
    reasons = [reason.case_ids(at).correlate(None) for reason in registry.overdue_reasons() if reason.key in keys]
    return Case.id.in_(sa.union(*reasons)) if reasons else sa.false()


# --- Gaps in an officer's caseload: no safety plan decision, no victim contact ---------------------

NO_CONTACT_DAYS_DEFAULT = 28
NO_CONTACT_DAYS_MAX = 365
TOLD = tuple(outcome for outcome in ContactOutcome if outcome.told)


def no_safety_plan_clause() -> sa.ColumnElement[bool]:
    """An open high-risk case with no safety plan decision recorded (agreed or declined), as its record gaps say."""
    decided = sa.exists().where(CaseDecision.case_id == Case.id, CaseDecision.kind == DecisionKind.SAFETY_PLAN)
    return sa.and_(open_clause(), Case.risk_level == RiskLevel.HIGH, ~decided)


def no_contact_clause(days: int, now: datetime) -> sa.ColumnElement[bool]:
    """An open case reported over ``days`` days ago whose victims nobody spoke to (or left a safe message for) since.

    An unanswered call is not contact; a case younger than ``days`` has not gone that long yet.
    """
    since = now - timedelta(days=days)
    contacted = sa.exists().where(
        ContactAttempt.case_id == Case.id, ContactAttempt.contacted_at >= since, ContactAttempt.outcome.in_(TOLD)
    )
    return sa.and_(open_clause(), Case.reported_at < since, ~contacted)


def _no_contact_days(value: str) -> int | None:
    return int(value) if value.isdigit() and 1 <= int(value) <= NO_CONTACT_DAYS_MAX else None


def _no_contact_filter(value: str, now: datetime) -> sa.ColumnElement[bool] | None:
    days = _no_contact_days(value)
    return None if days is None else no_contact_clause(days, now)


# --- Protective orders ------------------------------------------------------------------------------

ORDER_EVENTS: dict[str, tuple[str, frozenset[OrderStatus]]] = {
    "applied": ("Applied for", frozenset({OrderStatus.APPLIED})),
    "granted": ("Granted (full or interim)", frozenset({OrderStatus.GRANTED, OrderStatus.INTERIM_GRANTED})),
    "refused": ("Refused", frozenset({OrderStatus.REFUSED})),
}


def order_event_rows(kind: str, period: Period) -> sa.Select[Any]:
    """Orders (``case_id``, ``order_id``) that moved to the statuses of ``kind`` on a day in the period."""
    _, statuses = ORDER_EVENTS[kind]
    return (
        sa.select(ProtectiveOrder.case_id.label("case_id"), ProtectiveOrder.id.label("order_id"))
        .join(OrderStatusChange, OrderStatusChange.order_id == ProtectiveOrder.id)
        .where(OrderStatusChange.to_status.in_(statuses), period.holds_day(OrderStatusChange.effective_on))
    )


def breach_rows(period: Period) -> sa.Select[Any]:
    """Orders (``case_id``, ``order_id``) breached in the period."""
    return sa.select(OrderBreach.case_id.label("case_id"), OrderBreach.order_id.label("order_id")).where(
        period.holds(OrderBreach.occurred_at)
    )


def expiring_rows(now: datetime) -> sa.Select[Any]:
    """Orders (``case_id``, ``order_id``) in force that expire within the next 28 days (London dates)."""
    today = local_date(now)
    return sa.select(ProtectiveOrder.case_id.label("case_id"), ProtectiveOrder.id.label("order_id")).where(
        ProtectiveOrder.in_force,
        ProtectiveOrder.expires_on.between(today, today + timedelta(days=EXPIRY_HORIZON_DAYS)),
    )


def _case_in(rows: sa.Select[Any]) -> sa.ColumnElement[bool]:
    return Case.id.in_(sa.select(rows.subquery().c.case_id))


# --- Referrals ----------------------------------------------------------------------------------------


def referral_rows(period: Period) -> sa.Select[Any]:
    """Referrals proposed in the period: ``case_id``, ``referral_id``, ``service_id``, ``status``."""
    return sa.select(
        Referral.case_id.label("case_id"),
        Referral.id.label("referral_id"),
        Referral.service_id.label("service_id"),
        Referral.status.label("status"),
    ).where(period.holds(Referral.created_at))


# --- Victims' Code compliance --------------------------------------------------------------------------


def notices_due(period: Period, now: datetime) -> sa.ColumnElement[bool]:
    """Key-decision notices whose deadline fell in the period and is settled: told, or the deadline passed."""
    return sa.and_(
        period.holds(DecisionNotice.due_at),
        sa.or_(DecisionNotice.discharged_at.is_not(None), DecisionNotice.due_at < now),
    )


def notice_on_time() -> sa.ColumnElement[bool]:
    """The victim was told by the deadline."""
    return sa.and_(DecisionNotice.discharged_at.is_not(None), DecisionNotice.discharged_at <= DecisionNotice.due_at)


def referrals_due(period: Period, now: datetime) -> sa.ColumnElement[bool]:
    """Referrals whose 2-working-day sending deadline fell in the period and is settled: sent, or passed."""
    return sa.and_(
        period.holds(Referral.send_due_at), sa.or_(Referral.sent_at.is_not(None), Referral.send_due_at < now)
    )


def referral_on_time() -> sa.ColumnElement[bool]:
    """Sent to the service by the deadline."""
    return sa.and_(Referral.sent_at.is_not(None), Referral.sent_at <= Referral.send_due_at)


def plans_in_force(case: Any = Case) -> sa.ColumnElement[bool]:
    """Contact plans whose scheduled updates run now: the case (joined) is open and no do-not-contact is in force."""
    dnc = sa.exists().where(DoNotContact.party_id == ContactPlan.party_id, DoNotContact.lifted_at.is_(None))
    return sa.and_(case.status != CaseStatus.CLOSED, ~dnc)


def plan_on_time(now: datetime) -> sa.ColumnElement[bool]:
    """The next scheduled update is not yet due (the contact feature's "victim update overdue" is its opposite)."""
    return ContactPlan.next_update_due_at >= now


def _cases_with(row_case_id: Any, *conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return Case.id.in_(sa.select(row_case_id).where(*conditions))


# --- Registering the figures as case-list filters --------------------------------------------------------


def _with_period(build: Callable[[Period, datetime], sa.ColumnElement[bool]]) -> Any:
    def clause(value: str, now: datetime) -> sa.ColumnElement[bool] | None:
        period = Period.parse(value)
        return None if period is None else build(period, now)

    return clause


def _period_words(template: str) -> Callable[[str], str]:
    def describe(value: str) -> str:
        period = Period.parse(value)
        return template.format(period.describe() if period else value)

    return describe


def _flag(clause: Callable[[datetime], sa.ColumnElement[bool]]) -> Any:
    return lambda value, now: clause(now) if value == "1" else None


def _enum_value(enum_class: Any, value: str) -> Any:
    return next((member for member in enum_class if member.value == value), None)


def _age_clause(value: str, now: datetime) -> sa.ColumnElement[bool] | None:
    return age_band_expression(now) == value if value in AGE_BANDS_BY_KEY else None


def _week_clause(value: str, now: datetime) -> sa.ColumnElement[bool] | None:
    try:
        return week_clause(date.fromisoformat(value))
    except ValueError:
        return None


def _channel_clause(value: str, now: datetime) -> sa.ColumnElement[bool] | None:
    channel = _enum_value(Channel, value)
    return None if channel is None else Case.channel == channel


def _outcome_clause(value: str, now: datetime) -> sa.ColumnElement[bool] | None:
    outcome = _enum_value(Outcome, value)
    return None if outcome is None else Case.outcome == outcome


def _reason_keys(value: str) -> tuple[str, ...] | None:
    known = {reason.key: reason for reason in registry.overdue_reasons()}
    keys = tuple(key for key in value.split(",") if key)
    return keys if keys and all(key in known for key in keys) else None


def _reason_clause(value: str, now: datetime) -> sa.ColumnElement[bool] | None:
    keys = _reason_keys(value)
    return None if keys is None else reasons_clause(keys, now)


def _reason_words(value: str) -> str:
    labels = {reason.key: reason.label for reason in registry.overdue_reasons()}
    return "Overdue: " + " or ".join(labels.get(key, key).lower() for key in value.split(","))


def _parse_referral(value: str) -> tuple[int, ReferralStatus, Period] | None:
    service, _, rest = value.partition(":")
    status, _, period_value = rest.partition(":")
    referral_status = _enum_value(ReferralStatus, status)
    period = Period.parse(period_value)
    if not service.isdigit() or referral_status is None or period is None:
        return None
    return int(service), referral_status, period


def _referral_clause(value: str, now: datetime) -> sa.ColumnElement[bool] | None:
    parsed = _parse_referral(value)
    if parsed is None:
        return None
    service_id, status, period = parsed
    rows = referral_rows(period).subquery()
    return Case.id.in_(sa.select(rows.c.case_id).where(rows.c.service_id == service_id, rows.c.status == status))


def _referral_words(value: str) -> str:
    parsed = _parse_referral(value)
    if parsed is None:
        return value
    service_id, status, period = parsed
    service = db.session.get(SupportService, service_id)
    name = service.name if service is not None else "an unknown service"
    return f"A referral to {name} made {period.describe()}, now ‘{status.label}’"


def _late_notices(period: Period, now: datetime) -> sa.ColumnElement[bool]:
    return _cases_with(DecisionNotice.case_id, notices_due(period, now), ~notice_on_time())


def _late_referrals(period: Period, now: datetime) -> sa.ColumnElement[bool]:
    return _cases_with(Referral.case_id, referrals_due(period, now), ~referral_on_time())


def _planned(now: datetime) -> sa.ColumnElement[bool]:
    planned_case = aliased(Case)
    rows = (
        sa.select(ContactPlan.case_id)
        .join(planned_case, planned_case.id == ContactPlan.case_id)
        .where(plans_in_force(planned_case))
    )
    return Case.id.in_(rows)


FIGURE_FILTERS = (
    registry.ListFilter("open", _flag(lambda now: open_clause()), lambda value: "Open cases only"),
    registry.ListFilter(
        "unassessed", _flag(lambda now: Case.risk_level.is_(None)), lambda value: "Risk not assessed yet"
    ),
    registry.ListFilter(
        "age",
        _age_clause,
        lambda value: f"Reported {AGE_BANDS_BY_KEY[value].label.lower()} ago" if value in AGE_BANDS_BY_KEY else value,
    ),
    registry.ListFilter("week", _week_clause, lambda value: f"Reported in the week from {value}"),
    registry.ListFilter(
        "channel",
        _channel_clause,
        lambda value: f"Reported by {getattr(_enum_value(Channel, value), 'label', value)}",
    ),
    registry.ListFilter("closed", _with_period(lambda p, now: closed_clause(p)), _period_words("Closed {}")),
    registry.ListFilter(
        "outcome",
        _outcome_clause,
        lambda value: f"Outcome: {getattr(_enum_value(Outcome, value), 'label', value)}",
    ),
    *(
        registry.ListFilter(
            f"order_{kind}",
            _with_period(lambda p, now, kind=kind: _case_in(order_event_rows(kind, p))),
            _period_words(f"A protective order {label.lower()} {{}}"),
        )
        for kind, (label, _) in ORDER_EVENTS.items()
    ),
    registry.ListFilter(
        "order_breached", _with_period(lambda p, now: _case_in(breach_rows(p))), _period_words("An order breached {}")
    ),
    registry.ListFilter(
        "order_expiring",
        _flag(lambda now: _case_in(expiring_rows(now))),
        lambda value: f"An order in force expires within {EXPIRY_HORIZON_DAYS} days",
    ),
    registry.ListFilter("reason", _reason_clause, _reason_words),
    registry.ListFilter("referral", _referral_clause, _referral_words),
    registry.ListFilter(
        "decisions_due",
        _with_period(lambda p, now: _cases_with(DecisionNotice.case_id, notices_due(p, now))),
        _period_words("A victim was due to be told of a key decision {}"),
    ),
    registry.ListFilter(
        "decisions_late",
        _with_period(_late_notices),
        _period_words("A victim was told of a key decision late, or not, {}"),
    ),
    registry.ListFilter(
        "referrals_due",
        _with_period(lambda p, now: _cases_with(Referral.case_id, referrals_due(p, now))),
        _period_words("A referral was due to be sent {}"),
    ),
    registry.ListFilter(
        "referrals_late", _with_period(_late_referrals), _period_words("A referral was sent late, or not, {}")
    ),
    registry.ListFilter("planned", _flag(_planned), lambda value: "Scheduled victim updates running"),
    registry.ListFilter(
        "no_safety_plan",
        _flag(lambda now: no_safety_plan_clause()),
        lambda value: "Open, high risk, no safety plan decision recorded",
    ),
    registry.ListFilter(
        "no_contact", _no_contact_filter, lambda value: f"Open, no contact with the victim in the last {value} days"
    ),
)
for _figure_filter in FIGURE_FILTERS:
    registry.list_filter(_figure_filter)

RISK_COLUMNS = (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.STANDARD)


# --- The officer's own figures on their home page ---------------------------------------------------------


def due_today_clause(now: datetime) -> sa.ColumnElement[bool]:
    """A victim update or a key-decision notice falls due between now and the end of today (London).

    What is already overdue is the registered overdue reasons' business, not this.
    """
    end = end_of_local_day(local_date(now))
    plan_case = aliased(Case)
    plans = (
        sa.select(ContactPlan.case_id)
        .join(plan_case, plan_case.id == ContactPlan.case_id)
        .where(plans_in_force(plan_case), ContactPlan.next_update_due_at >= now, ContactPlan.next_update_due_at <= end)
    )
    notices = sa.select(DecisionNotice.case_id).where(
        DecisionNotice.discharged_at.is_(None), DecisionNotice.due_at >= now, DecisionNotice.due_at <= end
    )
    return Case.id.in_(sa.union(plans, notices))


registry.list_filter(
    registry.ListFilter("due_today", _flag(due_today_clause), lambda value: "A victim contact is due today")
)


def figure_clause(key: str, value: str, now: datetime) -> sa.ColumnElement[bool]:
    """The condition a registered figure filter applies for ``value`` (the very one the case list applies)."""
    clause = registry.list_filters()[key].clause(value, now)
    if clause is None:
        raise ValueError(f"{value!r} is not a value of the {key!r} filter")
    return clause
