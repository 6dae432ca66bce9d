"""Protective orders: recording them, moving them through their statuses, hearings, service and the
SPO notification, breaches, and what protects the victim now.

The allowed moves are the ``TRANSITIONS`` table. Every change is a dated history row with who and
why, and an audit event against the case. Expiry is never a job: ``ProtectiveOrder.lapsed`` derives
it from the expiry date (see ``models``), and this module, the queries and the templates all use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload, selectinload

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import User
from casework.cases import registry
from casework.cases.models import Case, CaseStatus
from casework.cases.overdue import earliest_per_case
from casework.db import utcnow
from casework.errors import DomainError, NotFound
from casework.extensions import db
from casework.incidents import service as incidents
from casework.incidents.models import Incident
from casework.incidents.timing import START_OF_DAY, to_utc
from casework.orders.models import (
    AWAITING_DECISION_STATUSES,
    IN_FORCE_STATUSES,
    OrderBreach,
    OrderHearing,
    OrderProtectedPerson,
    OrderStatus,
    OrderStatusChange,
    OrderType,
    ProtectiveOrder,
    london_today,
)
from casework.people.models import CaseParty, PartyRole
from casework.request_memo import per_request
from casework.risk import service as risk
from casework.security import visible_cases_clause
from casework.workdays import end_of_local_day, local_date, local_midnight

S = OrderStatus

# DOMAIN.md: considered -> applied / not pursued; applied -> hearing listed -> interim granted ->
# granted / refused / withdrawn; granted -> varied / renewed / discharged / expired. An appeal is the
# subject's, against an order made: the order stays in force meanwhile (it is in IN_FORCE_STATUSES)
# and the appeal ends with the order upheld (granted), varied or quashed (discharged).
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.CONSIDERED: frozenset({S.APPLIED, S.NOT_PURSUED}),
    S.APPLIED: frozenset({S.HEARING_LISTED, S.INTERIM_GRANTED, S.GRANTED, S.REFUSED, S.WITHDRAWN}),
    S.HEARING_LISTED: frozenset({S.INTERIM_GRANTED, S.GRANTED, S.REFUSED, S.WITHDRAWN}),
    S.INTERIM_GRANTED: frozenset({S.GRANTED, S.REFUSED, S.WITHDRAWN}),
    S.GRANTED: frozenset({S.VARIED, S.RENEWED, S.DISCHARGED, S.EXPIRED, S.APPEALED}),
    S.VARIED: frozenset({S.VARIED, S.RENEWED, S.DISCHARGED, S.EXPIRED, S.APPEALED}),
    S.RENEWED: frozenset({S.VARIED, S.RENEWED, S.DISCHARGED, S.EXPIRED, S.APPEALED}),
    S.APPEALED: frozenset({S.GRANTED, S.VARIED, S.DISCHARGED}),
    S.NOT_PURSUED: frozenset(),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.DISCHARGED: frozenset(),
    S.EXPIRED: frozenset(),
}

# Moves that need a reason written down.
REASON_REQUIRED = frozenset({S.NOT_PURSUED, S.REFUSED, S.WITHDRAWN, S.DISCHARGED, S.VARIED, S.APPEALED})
# Moves that make the order (its made date, expiry and terms are set).
MAKING = frozenset({S.INTERIM_GRANTED, S.GRANTED})
# Moves that need an order already made.
AFTER_MADE = frozenset({S.VARIED, S.RENEWED, S.DISCHARGED, S.EXPIRED, S.APPEALED})

# Stalking Protection Act 2019 s.9(1): notify within 3 days of service.
SPO_NOTIFICATION_DAYS = 3
# Stalking Protection Act 2019 s.2(3): a full SPO has effect for a fixed period of at least 2 years,
# or until further order.
SPO_MINIMUM_YEARS = 2
# Orders in force expiring within this many days are flagged (reminder, worklist).
EXPIRY_WARNING_DAYS = 28
# A breach stays highlighted on the case and the officer's home page for this long after it happened.
BREACH_HIGHLIGHT_DAYS = 28

NAME_MAX, COURT_MAX = 200, 200
TEXT_MAX = 5000


# --- Reading ----------------------------------------------------------------------------------


def orders_for(case: Case) -> list[ProtectiveOrder]:
    """Every order of the case with its people, hearings, history and breaches (a fixed number of queries)."""
    query = (
        sa.select(ProtectiveOrder)
        .where(ProtectiveOrder.case_id == case.id)
        .options(
            joinedload(ProtectiveOrder.subject),
            selectinload(ProtectiveOrder.protected).joinedload(OrderProtectedPerson.party),
            selectinload(ProtectiveOrder.hearings),
            selectinload(ProtectiveOrder.status_changes).joinedload(OrderStatusChange.changed_by),
            selectinload(ProtectiveOrder.breaches).joinedload(OrderBreach.recorded_by),
        )
        .order_by(ProtectiveOrder.considered_on.desc(), ProtectiveOrder.id.desc())
    )
    return list(db.session.execute(query).unique().scalars())


def get_order(case: Case, order_id: int) -> ProtectiveOrder:
    """One order of ``case`` with its people and hearings, or ``NotFound``."""
    order = db.session.execute(
        sa.select(ProtectiveOrder)
        .where(ProtectiveOrder.id == order_id, ProtectiveOrder.case_id == case.id)
        .options(
            joinedload(ProtectiveOrder.subject),
            selectinload(ProtectiveOrder.protected).joinedload(OrderProtectedPerson.party),
            selectinload(ProtectiveOrder.hearings),
        )
    ).scalar_one_or_none()
    if order is None:
        raise NotFound("No such order on this case")
    return order


def parties_in(case: Case, role: PartyRole) -> list[CaseParty]:
    """The case's parties in ``role`` (suspects may be subjects; victims may be protected)."""
    query = sa.select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == role).order_by(CaseParty.id)
    return list(db.session.execute(query).scalars())


def allowed_next_statuses(order: ProtectiveOrder) -> list[OrderStatus]:
    """Where the order may go next, from the status it shows (a lapsed order has nowhere to go)."""
    allowed = TRANSITIONS[order.shown_status]
    return [status for status in OrderStatus if status in allowed]


def incident_choices(case: Case) -> list[Incident]:
    """The case's incidents, latest first, to link a breach to."""
    query = sa.select(Incident).where(Incident.case_id == case.id).order_by(Incident.occurred_from.desc())
    return list(db.session.execute(query).scalars())


def breach_is_recent(breach: OrderBreach, now: datetime | None = None) -> bool:
    """Whether a breach is still highlighted (it happened within ``BREACH_HIGHLIGHT_DAYS``)."""
    return breach.occurred_at >= (now or utcnow()) - timedelta(days=BREACH_HIGHLIGHT_DAYS)


# --- Checks shared by the operations ------------------------------------------------------------


def _not_future(day: date | None, field_name: str, label: str) -> None:
    if day is not None and day > london_today():
        raise DomainError(f"{label} must be today or in the past", field=field_name)


def _not_before(day: date | None, earlier: date | None, field_name: str, message: str) -> None:
    if day is not None and earlier is not None and day < earlier:
        raise DomainError(message, field=field_name)


def _text(value: str | None, max_length: int, field_name: str, label: str) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > max_length:
        raise DomainError(f"{label} must be {max_length} characters or fewer", field=field_name)
    return value


def _check_case_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise DomainError("This case is closed: its orders can no longer be changed")


def refresh_deadlines(order: ProtectiveOrder) -> None:
    """Keep the stored reminder instants in step with the dates they come from."""
    if order.is_spo and order.served_on is not None:
        # s.9: within 3 days of service. The day of service does not count (as for every deadline,
        # DOMAIN.md); the deadline ends at 23:59:59 Europe/London on the third calendar day after it.
        order.notification_due_at = end_of_local_day(order.served_on + timedelta(days=SPO_NOTIFICATION_DAYS))
    else:
        order.notification_due_at = None
    if order.expires_on is not None:
        warn_from = local_midnight(order.expires_on - timedelta(days=EXPIRY_WARNING_DAYS))
        order.expiry_reminder_at = warn_from.astimezone(UTC)
    else:
        order.expiry_reminder_at = None


def _check_service(order: ProtectiveOrder, served_on: date | None, notified_on: date | None) -> None:
    _not_future(served_on, "served_on", "The date it was served")
    if served_on is not None and order.made_on is None:
        raise DomainError("Record the order as made before recording its service", field="served_on")
    _not_before(
        served_on, order.made_on, "served_on", "The date it was served must be on or after the date it was made"
    )
    if notified_on is not None:
        if not order.is_spo:
            raise DomainError("Only the subject of an SPO must notify the police", field="notification_made_on")
        if served_on is None:
            raise DomainError("Record when the order was served first", field="notification_made_on")
        _not_future(notified_on, "notification_made_on", "The date they notified the police")
        _not_before(
            notified_on, served_on, "notification_made_on", "The notification must be on or after the date of service"
        )


def _check_expiry(
    order_type: OrderType, made_on: date, expires_on: date | None, until_further_order: bool, field_name: str
) -> None:
    if until_further_order and expires_on is not None:
        raise DomainError("Give an expiry date or choose 'until further order', not both", field=field_name)
    if not until_further_order and expires_on is None:
        raise DomainError("Enter the expiry date, or choose 'until further order'", field=field_name)
    if expires_on is not None and expires_on <= made_on:
        raise DomainError("The expiry date must be after the date the order was made", field=field_name)
    if order_type == OrderType.SPO and expires_on is not None:
        try:
            minimum = made_on.replace(year=made_on.year + SPO_MINIMUM_YEARS)
        except ValueError:  # made on 29 February
            minimum = date(made_on.year + SPO_MINIMUM_YEARS, 3, 1)
        if expires_on < minimum:
            raise DomainError(
                "A Stalking Protection Order lasts at least 2 years, or until further order", field=field_name
            )


# --- Recording an order -------------------------------------------------------------------------


@dataclass(frozen=True)
class NewOrder:
    """What is recorded when an order is first considered."""

    order_type: OrderType
    subject_id: int
    protected_ids: Sequence[int]
    considered_on: date
    other_name: str | None = None
    court: str | None = None
    prohibitions: str | None = None
    requirements: str | None = None


def _subject(case: Case, party_id: int) -> CaseParty:
    party = db.session.get(CaseParty, party_id)
    if party is None or party.case_id != case.id or party.role != PartyRole.SUSPECT:
        raise DomainError("Choose a suspect of this case as the subject of the order", field="subject_id")
    return party


def _protected(case: Case, party_ids: Sequence[int]) -> list[CaseParty]:
    if not party_ids:
        raise DomainError("Choose at least one victim the order protects", field="protected_ids")
    parties = db.session.execute(sa.select(CaseParty).where(CaseParty.id.in_(set(party_ids)))).scalars().all()
    if len(parties) != len(set(party_ids)) or any(
        party.case_id != case.id or party.role != PartyRole.VICTIM for party in parties
    ):
        raise DomainError("Choose only victims of this case as the people protected", field="protected_ids")
    return sorted(parties, key=lambda party: party.id)


def record_order(actor: User, case: Case, details: NewOrder) -> ProtectiveOrder:
    """Record an order being considered for the case."""
    _check_case_open(case)
    other_name = _text(details.other_name, NAME_MAX, "other_name", "The name of the order")
    if details.order_type == OrderType.OTHER and other_name is None:
        raise DomainError("Enter the name of the order", field="other_name")
    subject = _subject(case, details.subject_id)
    protected = _protected(case, details.protected_ids)
    _not_future(details.considered_on, "considered_on", "The date it was considered")
    order = ProtectiveOrder(
        case_id=case.id,
        order_type=details.order_type,
        other_name=other_name if details.order_type == OrderType.OTHER else None,
        subject_id=subject.id,
        court=_text(details.court, COURT_MAX, "court", "The court"),
        status=S.CONSIDERED,
        considered_on=details.considered_on,
        prohibitions=_text(details.prohibitions, TEXT_MAX, "prohibitions", "What it forbids"),
        requirements=_text(details.requirements, TEXT_MAX, "requirements", "What it requires"),
        recorded_by_id=actor.id,
    )
    order.protected = [OrderProtectedPerson(party_id=party.id) for party in protected]
    db.session.add(order)
    db.session.flush()
    db.session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=None,
            to_status=S.CONSIDERED,
            effective_on=details.considered_on,
            changed_by_id=actor.id,
        )
    )
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        detail={"order_recorded": order.id, "order_type": order.order_type.value},
    )
    db.session.flush()
    return order


# --- Changing status ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    """A move of an order to a new status, with what that move records."""

    to_status: OrderStatus
    effective_on: date
    reason: str | None = None
    hearing_on: date | None = None
    court: str | None = None
    expires_on: date | None = None
    until_further_order: bool = False
    prohibitions: str | None = None
    requirements: str | None = None
    served_on: date | None = None


def _latest_change_on(order: ProtectiveOrder) -> date | None:
    return db.session.execute(
        sa.select(sa.func.max(OrderStatusChange.effective_on)).where(OrderStatusChange.order_id == order.id)
    ).scalar()


def change_status(
    actor: User, case: Case, order: ProtectiveOrder, change: StatusChange, *, expected_version: int
) -> ProtectiveOrder:
    """Move an order on, as the ``TRANSITIONS`` table allows, recording what the move needs.

    Every move is dated (not in the future, not before the previous move) and kept as a history
    row with who and why; making an order needs its expiry (or "until further order") and its terms.
    """
    order.check_version(expected_version)
    _check_case_open(case)
    if order.case_id != case.id:
        raise NotFound("No such order on this case")
    to = change.to_status
    if to not in TRANSITIONS[order.shown_status]:
        raise DomainError(
            f"An order that is ‘{order.shown_status.label}’ cannot become ‘{to.label}’", field="to_status"
        )
    reason = _text(change.reason, TEXT_MAX, "reason", "The reason")
    if to in REASON_REQUIRED and reason is None:
        raise DomainError(f"Give the reason the order is ‘{to.label.lower()}’", field="reason")
    on = change.effective_on
    _not_future(on, "effective_on", "The date")
    _not_before(on, _latest_change_on(order), "effective_on", "The date must not be before the order's last change")
    _not_before(on, order.considered_on, "effective_on", "The date must not be before the order was considered")
    if to in {S.HEARING_LISTED, *MAKING, S.REFUSED, S.WITHDRAWN}:
        _not_before(on, order.applied_on, "effective_on", "The date must not be before the application")
    if to in AFTER_MADE:
        _not_before(on, order.made_on, "effective_on", "The date must not be before the order was made")

    changes: dict[str, object] = {"status": [order.status.value, to.value]}
    court = _text(change.court, COURT_MAX, "court", "The court")
    if to == S.APPLIED:
        order.applied_on = on
    if to == S.HEARING_LISTED:
        _add_hearing_row(actor, order, change.hearing_on, court, reason)
        changes["hearing_on"] = change.hearing_on.isoformat() if change.hearing_on else None
    if court is not None:
        order.court = court
    if to in MAKING or to in {S.VARIED, S.RENEWED}:
        _apply_terms(order, change, to)
        changes["expires_on"] = order.expires_on.isoformat() if order.expires_on else "until further order"
    if to in MAKING and change.served_on is not None and change.served_on != order.served_on:
        # A new order served is a new duty to notify (an interim SPO, then the full order).
        _check_service(order, change.served_on, None)
        order.served_on = change.served_on
        order.notification_made_on = None
    refresh_deadlines(order)
    db.session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=order.status,
            to_status=to,
            effective_on=on,
            reason=reason,
            changed_by_id=actor.id,
        )
    )
    order.status = to
    audit.record(AuditAction.UPDATE, "case", case.id, actor=actor, detail={"order_status": order.id, **changes})
    db.session.flush()
    return order


def _apply_terms(order: ProtectiveOrder, change: StatusChange, to: OrderStatus) -> None:
    """Making, varying or renewing an order: its made date, expiry and terms.

    An order upheld on appeal (appealed -> granted) keeps the date it was made; like a variation,
    it keeps its expiry unless a new one is given.
    """
    prohibitions = _text(change.prohibitions, TEXT_MAX, "prohibitions", "What it forbids")
    requirements = _text(change.requirements, TEXT_MAX, "requirements", "What it requires")
    upheld = to == S.GRANTED and order.status == S.APPEALED
    making = to in MAKING and not upheld
    if making:
        order.made_on = change.effective_on
    made_on = order.made_on or change.effective_on
    no_new_expiry = change.expires_on is None and not change.until_further_order
    if not ((to == S.VARIED or upheld) and no_new_expiry):
        start = change.effective_on if to == S.RENEWED else made_on
        _check_expiry(order.order_type, start, change.expires_on, change.until_further_order, "expires_on")
        order.expires_on = change.expires_on
        order.until_further_order = change.until_further_order
    if prohibitions is not None:
        order.prohibitions = prohibitions
    if requirements is not None:
        order.requirements = requirements
    if making and not (order.prohibitions or order.requirements):
        raise DomainError("Enter what the order forbids or requires", field="prohibitions")


# --- Hearings, details, service and notification -------------------------------------------------


def _add_hearing_row(
    actor: User, order: ProtectiveOrder, hearing_on: date | None, court: str | None, note: str | None
) -> OrderHearing:
    if hearing_on is None:
        raise DomainError("Enter the date of the hearing", field="hearing_on")
    if order.applied_on is None:
        raise DomainError("Record the application before its hearings", field="hearing_on")
    _not_before(hearing_on, order.applied_on, "hearing_on", "The hearing must not be before the application")
    hearing = OrderHearing(order_id=order.id, hearing_on=hearing_on, court=court, note=note, recorded_by_id=actor.id)
    db.session.add(hearing)
    return hearing


def add_hearing(
    actor: User, case: Case, order: ProtectiveOrder, *, hearing_on: date | None, court: str | None, note: str | None
) -> OrderHearing:
    """Add a hearing (a first listing or an adjournment) to an order awaiting the court."""
    _check_case_open(case)
    if order.shown_status not in {*AWAITING_DECISION_STATUSES, S.INTERIM_GRANTED}:
        raise DomainError("Only an order awaiting the court's decision can have a hearing added")
    hearing = _add_hearing_row(
        actor,
        order,
        hearing_on,
        _text(court, COURT_MAX, "court", "The court"),
        _text(note, TEXT_MAX, "note", "The note"),
    )
    db.session.flush()
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        detail={"order_hearing_added": hearing.id, "order": order.id, "hearing_on": hearing.hearing_on.isoformat()},
    )
    db.session.flush()
    return hearing


@dataclass(frozen=True)
class OrderDetails:
    """The editable facts of an order (the status moves go through ``change_status``)."""

    protected_ids: Sequence[int]
    court: str | None
    prohibitions: str | None
    requirements: str | None
    other_name: str | None = None
    served_on: date | None = None
    notification_made_on: date | None = None


def update_details(
    actor: User, case: Case, order: ProtectiveOrder, details: OrderDetails, *, expected_version: int
) -> ProtectiveOrder:
    """Correct an order's details, and record its service and the SPO notification (optimistic locking)."""
    order.check_version(expected_version)
    _check_case_open(case)
    if order.case_id != case.id:
        raise NotFound("No such order on this case")
    other_name = _text(details.other_name, NAME_MAX, "other_name", "The name of the order")
    if order.order_type == OrderType.OTHER and other_name is None:
        raise DomainError("Enter the name of the order", field="other_name")
    protected = _protected(case, details.protected_ids)
    _check_service(order, details.served_on, details.notification_made_on)
    db.session.refresh(order, ["protected"])
    values = {
        "other_name": other_name if order.order_type == OrderType.OTHER else None,
        "court": _text(details.court, COURT_MAX, "court", "The court"),
        "prohibitions": _text(details.prohibitions, TEXT_MAX, "prohibitions", "What it forbids"),
        "requirements": _text(details.requirements, TEXT_MAX, "requirements", "What it requires"),
        "served_on": details.served_on,
        "notification_made_on": details.notification_made_on,
    }
    if order.made_on is not None and not (values["prohibitions"] or values["requirements"]):
        raise DomainError("Enter what the order forbids or requires", field="prohibitions")
    changed = [name for name, value in values.items() if getattr(order, name) != value]
    for name in changed:
        setattr(order, name, values[name])
    wanted = {party.id for party in protected}
    current = {link.party_id for link in order.protected}
    if wanted != current:
        order.protected = [link for link in order.protected if link.party_id in wanted] + [
            OrderProtectedPerson(party_id=party_id) for party_id in sorted(wanted - current)
        ]
        changed.append("protected")
    if changed:
        refresh_deadlines(order)
        order.updated_at = utcnow()  # bumps the version even when only the protected people changed
        detail: dict[str, object] = {"order_updated": order.id, "changes": changed}
        if "protected" in changed:
            detail["protected"] = [sorted(current), sorted(wanted)]
        audit.record(AuditAction.UPDATE, "case", case.id, actor=actor, detail=detail)
    db.session.flush()
    return order


# --- Breaches -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewBreach:
    """A breach as reported: when, what happened, and the incident it is (an existing one, or a new one)."""

    occurred_on: date
    description: str
    occurred_time: time | None = None
    incident_id: int | None = None
    location: str | None = None


def record_breach(actor: User, case: Case, order: ProtectiveOrder, details: NewBreach) -> OrderBreach:
    """Record a breach of an order in force, linked to an incident of the case (created here if new).

    A breach asks for the risk to be re-assessed (``risk.on_order_breached``) whether or not a new
    incident was recorded: the incidents service only asks once the case has enough incidents.
    """
    _check_case_open(case)
    if order.case_id != case.id:
        raise NotFound("No such order on this case")
    if not order.in_force:
        raise DomainError("A breach can only be recorded against an order in force")
    description = _text(details.description, TEXT_MAX, "description", "What happened")
    if description is None:
        raise DomainError("Enter what happened", field="description")
    _not_future(details.occurred_on, "occurred_on", "The date of the breach")
    _not_before(details.occurred_on, order.made_on, "occurred_on", "The breach must not be before the order was made")
    if details.incident_id is not None:
        incident = db.session.get(Incident, details.incident_id)
        if incident is None or incident.case_id != case.id:
            raise DomainError("Choose an incident of this case", field="incident_id")
        occurred_at = to_utc(details.occurred_on, details.occurred_time or START_OF_DAY)
        if occurred_at > utcnow():
            raise DomainError("The time of the breach must not be in the future", field="occurred_at")
    else:
        incident = incidents.record_incident(
            actor,
            case,
            incidents.IncidentDetails(
                when=incidents.When(start_day=details.occurred_on, start_time=details.occurred_time),
                description=f"Breach of the {order.name}: {description}",
                location=details.location or None,
            ),
        )
        occurred_at = incident.occurred_from
    breach = OrderBreach(
        order_id=order.id,
        case_id=case.id,
        incident_id=incident.id,
        occurred_at=occurred_at,
        description=description,
        recorded_by_id=actor.id,
    )
    db.session.add(breach)
    db.session.flush()
    risk.on_order_breached(case)
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        detail={"order_breached": order.id, "breach": breach.id, "incident_id": incident.id},
    )
    db.session.flush()
    return breach


# --- What protects the victim now -----------------------------------------------------------------


@dataclass(frozen=True)
class OrderInForce:
    """An order protecting a victim today: what it is, whom it protects, until when, what it forbids.

    Safe to show to a victim's support adviser: of the subject it carries the name only.
    """

    order_id: int
    name: str
    subject_name: str
    protected_names: tuple[str, ...]
    expires_on: date | None
    until_further_order: bool
    prohibitions: str | None
    requirements: str | None
    made_on: date | None


def orders_in_force(case: Case) -> list[OrderInForce]:
    """The orders in force on the case, soonest to expire first (two queries whatever their number)."""
    query = (
        sa.select(ProtectiveOrder)
        .where(ProtectiveOrder.case_id == case.id, ProtectiveOrder.in_force)
        .options(
            joinedload(ProtectiveOrder.subject),
            selectinload(ProtectiveOrder.protected).joinedload(OrderProtectedPerson.party),
        )
        .order_by(ProtectiveOrder.expires_on.is_(None), ProtectiveOrder.expires_on, ProtectiveOrder.id)
    )
    return [
        OrderInForce(
            order_id=order.id,
            name=order.name,
            subject_name=order.subject.person.full_name,
            protected_names=tuple(link.party.person.full_name for link in order.protected),
            expires_on=order.expires_on,
            until_further_order=order.until_further_order,
            prohibitions=order.prohibitions,
            requirements=order.requirements,
            made_on=order.made_on,
        )
        for order in db.session.execute(query).unique().scalars()
    ]


# --- Registered into the case ---------------------------------------------------------------------


# Built once (``statements`` explains why); the case and today as bound parameters. ``in_force`` is written
# out here because ``ProtectiveOrder.in_force`` puts the date it is built on into the SQL.
_NEEDING_ATTENTION = (
    sa.select(
        ProtectiveOrder,
        sa.select(sa.func.min(OrderHearing.hearing_on))
        .where(OrderHearing.order_id == ProtectiveOrder.id, OrderHearing.hearing_on >= sa.bindparam("today"))
        .scalar_subquery(),
    )
    .where(
        ProtectiveOrder.case_id == sa.bindparam("case_id"),
        sa.or_(
            ProtectiveOrder.status.in_([*AWAITING_DECISION_STATUSES, S.INTERIM_GRANTED]),
            sa.and_(
                ProtectiveOrder.notification_due_at.is_not(None),
                ProtectiveOrder.notification_made_on.is_(None),
                ProtectiveOrder.status.in_(IN_FORCE_STATUSES),
                sa.or_(ProtectiveOrder.expires_on.is_(None), ProtectiveOrder.expires_on >= sa.bindparam("today")),
            ),
        ),
    )
    .options(joinedload(ProtectiveOrder.subject))
    .order_by(ProtectiveOrder.id)
)


@per_request
def _orders_needing_attention(case: Case) -> list[tuple[ProtectiveOrder, date | None]]:
    """Orders awaiting the court (with the next hearing date) and SPOs whose notification is outstanding."""
    rows = db.session.execute(_NEEDING_ATTENTION, {"case_id": case.id, "today": london_today()}).all()
    return [(order, hearing_on) for order, hearing_on in rows]


def _awaiting_court(order: ProtectiveOrder) -> bool:
    return order.shown_status in {*AWAITING_DECISION_STATUSES, S.INTERIM_GRANTED}


def _hearing_text(hearing_on: date | None) -> str:
    return f"hearing on {hearing_on:%-d %B %Y}" if hearing_on else "no hearing date yet"


@registry.open_items_provider
def _open_orders(case: Case) -> list[str]:
    items = []
    for order, hearing_on in _orders_needing_attention(case):
        if _awaiting_court(order):
            items.append(f"{order.name} awaiting the court's decision ({_hearing_text(hearing_on)})")
        if order.notification_pending and order.notification_missed:
            items.append(f"{order.name}: the subject has not notified the police of their name and address")
    return items


@registry.task_provider
def _order_tasks(case: Case) -> list[registry.Task]:
    href = url_for("orders.case_orders", case_id=case.id)
    tasks = []
    for order, hearing_on in _orders_needing_attention(case):
        if _awaiting_court(order):
            tasks.append(
                registry.Task(
                    f"{order.name}: record the court's decision",
                    registry.TaskState.TO_DO,
                    href,
                    hint=_hearing_text(hearing_on).capitalize(),
                    order=60,
                )
            )
        if order.notification_pending:
            missed = order.notification_missed
            tasks.append(
                registry.Task(
                    f"{order.name}: check the subject notified the police",
                    registry.TaskState.OVERDUE if missed else registry.TaskState.TO_DO,
                    href,
                    hint=f"Due by {order.notification_due_at:%-d %B %Y}" if order.notification_due_at else None,
                    order=61,
                )
            )
    return tasks


@registry.timeline_provider
def _order_timeline(case: Case, viewer: registry.Viewer) -> list[registry.TimelineEntry]:
    changes = db.session.execute(
        sa.select(OrderStatusChange, ProtectiveOrder)
        .join(ProtectiveOrder, ProtectiveOrder.id == OrderStatusChange.order_id)
        .where(ProtectiveOrder.case_id == case.id)
        .options(joinedload(OrderStatusChange.changed_by))
    ).all()
    breaches = db.session.execute(
        sa.select(OrderBreach, ProtectiveOrder)
        .join(ProtectiveOrder, ProtectiveOrder.id == OrderBreach.order_id)
        .where(OrderBreach.case_id == case.id)
        .options(joinedload(OrderBreach.recorded_by))
    ).all()
    entries = [
        registry.TimelineEntry(
            change.created_at,
            f"{order.name}: {change.to_status.label.lower()} ({change.effective_on:%-d %B %Y})",
            change.changed_by.full_name,
            change.reason if viewer.police_only else None,
        )
        for change, order in changes
    ]
    entries += [
        registry.TimelineEntry(breach.created_at, f"{order.name} breached", breach.recorded_by.full_name)
        for breach, order in breaches
    ]
    return entries


def _mine(user: User) -> sa.ColumnElement[bool]:
    """Cases whose orders are ``user``'s to watch: theirs as officer in case, or as supervisor when none."""
    return sa.and_(
        Case.status != CaseStatus.CLOSED,
        visible_cases_clause(user),
        sa.or_(Case.officer_id == user.id, sa.and_(Case.officer_id.is_(None), Case.supervisor_id == user.id)),
    )


@registry.worklist_provider
def _order_worklist(user: User) -> list[registry.WorkItem]:
    now = utcnow()
    items = []
    breaches = db.session.execute(
        sa.select(OrderBreach, ProtectiveOrder, Case)
        .join(ProtectiveOrder, ProtectiveOrder.id == OrderBreach.order_id)
        .join(Case, Case.id == OrderBreach.case_id)
        .where(_mine(user), OrderBreach.occurred_at >= now - timedelta(days=BREACH_HIGHLIGHT_DAYS))
        .order_by(OrderBreach.occurred_at.desc())
    ).all()
    for breach, order, case in breaches:
        # A breach asks for the risk to be re-assessed: until that is done, the item is overdue.
        reassess = case.risk_review_due
        items.append(
            registry.WorkItem(
                case.id,
                case.reference,
                f"{order.name} breached on {local_date(breach.occurred_at):%-d %B %Y}"
                + (": re-assess the risk" if reassess else ""),
                breach.occurred_at,
                reassess,
                url_for("risk.case_risk", case_id=case.id)
                if reassess
                else url_for("orders.case_orders", case_id=case.id, _anchor="breaches"),
                action="Re-assess the risk" if reassess else "See the breach",
            )
        )
    watched = db.session.execute(
        sa.select(ProtectiveOrder, Case)
        .join(Case, Case.id == ProtectiveOrder.case_id)
        .where(
            _mine(user),
            ProtectiveOrder.in_force,
            sa.or_(
                ProtectiveOrder.expiry_reminder_at <= now,
                sa.and_(
                    ProtectiveOrder.notification_due_at.is_not(None), ProtectiveOrder.notification_made_on.is_(None)
                ),
            ),
        )
    ).all()
    for order, case in watched:
        href = url_for("orders.case_orders", case_id=case.id, _anchor=f"order-{order.id}")
        if order.notification_pending:
            items.append(
                registry.WorkItem(
                    case.id,
                    case.reference,
                    f"{order.name}: subject to notify the police of name and address",
                    order.notification_due_at,
                    order.notification_missed,
                    href,
                    action="Check the notification",
                )
            )
        if order.expiry_reminder_at is not None and order.expiry_reminder_at <= now and order.expires_on:
            items.append(
                registry.WorkItem(
                    case.id,
                    case.reference,
                    f"{order.name} expires on {order.expires_on:%-d %B %Y}",
                    end_of_local_day(order.expires_on),
                    False,
                    href,
                    action="Consider renewing it",
                )
            )
    return items


# --- Obligation sources for the reminder sweep ----------------------------------------------------


def _expiring_query(horizon: datetime) -> sa.Select[tuple[int, int, datetime, int]]:
    return (
        sa.select(
            ProtectiveOrder.case_id.label("case_id"),
            ProtectiveOrder.id.label("object_id"),
            ProtectiveOrder.expiry_reminder_at.label("due_at"),
            sa.func.coalesce(Case.officer_id, Case.supervisor_id).label("recipient_id"),
        )
        .join(Case, Case.id == ProtectiveOrder.case_id)
        .where(
            ProtectiveOrder.in_force,
            ProtectiveOrder.expiry_reminder_at.is_not(None),
            ProtectiveOrder.expiry_reminder_at <= horizon,
            Case.status != CaseStatus.CLOSED,
            sa.or_(Case.officer_id.is_not(None), Case.supervisor_id.is_not(None)),
        )
    )


def _still_expiring(order_id: int) -> bool:
    order = db.session.get(ProtectiveOrder, order_id)
    return order is not None and order.in_force and order.expiry_reminder_at is not None


def _notification_query(horizon: datetime) -> sa.Select[tuple[int, int, datetime, int]]:
    return (
        sa.select(
            ProtectiveOrder.case_id.label("case_id"),
            ProtectiveOrder.id.label("object_id"),
            ProtectiveOrder.notification_due_at.label("due_at"),
            Case.officer_id.label("recipient_id"),
        )
        .join(Case, Case.id == ProtectiveOrder.case_id)
        .where(
            ProtectiveOrder.in_force,
            ProtectiveOrder.notification_due_at.is_not(None),
            ProtectiveOrder.notification_made_on.is_(None),
            ProtectiveOrder.notification_due_at <= horizon,
            Case.status != CaseStatus.CLOSED,
            Case.officer_id.is_not(None),
        )
    )


def _notification_still_due(order_id: int) -> bool:
    order = db.session.get(ProtectiveOrder, order_id)
    return order is not None and order.notification_pending


ORDER_EXPIRING = registry.obligation_source(
    registry.ObligationSource(
        kind="order_expiring",
        label="Protective order expires within 28 days: consider renewal",
        query=_expiring_query,
        still_open=_still_expiring,
    )
)
SPO_NOTIFICATION_DUE = registry.obligation_source(
    registry.ObligationSource(
        kind="spo_notification_due",
        label="SPO subject to notify the police of name and address",
        query=_notification_query,
        still_open=_notification_still_due,
    )
)


# --- Overdue in the case lists: the same SQL as the reminder source, due before now -----------------


def _notification_missed(now: datetime) -> sa.Select[tuple[int]]:
    return sa.select(_notification_query(now).subquery().c.case_id)


def _notification_due_since() -> sa.ColumnElement[Any]:
    """The earliest notification still to be made on an open case, whether or not its order is still in force
    (earlier is allowed)."""
    earliest = earliest_per_case(
        ProtectiveOrder.notification_due_at, ProtectiveOrder.case_id, ProtectiveOrder.notification_made_on.is_(None)
    )
    return sa.case((Case.status != CaseStatus.CLOSED, earliest))


registry.overdue_reason(
    registry.OverdueReason(
        "spo_notification",
        "SPO notification of name and address missed",
        _notification_missed,
        60,
        since=_notification_due_since,
        watches=(ProtectiveOrder,),
    )
)
