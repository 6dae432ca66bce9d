"""Building orders in a given state, and reading back what the services wrote."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import User
from casework.cases.models import Case
from casework.extensions import db
from casework.orders.models import (
    IN_FORCE_STATUSES,
    OrderProtectedPerson,
    OrderStatus,
    OrderStatusChange,
    OrderType,
    ProtectiveOrder,
    london_today,
)
from casework.orders.service import refresh_deadlines
from casework.people.models import CaseParty

PAST_APPLICATION = {
    OrderStatus.APPLIED,
    OrderStatus.HEARING_LISTED,
    OrderStatus.INTERIM_GRANTED,
    OrderStatus.GRANTED,
    OrderStatus.REFUSED,
    OrderStatus.WITHDRAWN,
    OrderStatus.APPEALED,
    OrderStatus.VARIED,
    OrderStatus.RENEWED,
    OrderStatus.DISCHARGED,
    OrderStatus.EXPIRED,
}
MADE = {*IN_FORCE_STATUSES, OrderStatus.DISCHARGED, OrderStatus.EXPIRED}


def days(n: int) -> date:
    """``n`` days from today (England and Wales); negative for the past."""
    return london_today() + timedelta(days=n)


def make_order(
    officer: User,
    case: Case,
    victim: CaseParty,
    suspect: CaseParty,
    status: OrderStatus = OrderStatus.GRANTED,
    *,
    order_type: OrderType = OrderType.SPO,
    expires_on: date | None = None,
    served_on: date | None = None,
    notification_made_on: date | None = None,
) -> ProtectiveOrder:
    """An order already in ``status``, with dates that fit it (considered 100 days ago, applied 50, made 30)."""
    made = status in MADE
    order = ProtectiveOrder(
        case_id=case.id,
        order_type=order_type,
        other_name="Community protection notice" if order_type == OrderType.OTHER else None,
        subject_id=suspect.id,
        court="Exampletown Magistrates' Court",
        status=status,
        considered_on=days(-100),
        applied_on=days(-50) if status in PAST_APPLICATION else None,
        made_on=days(-30) if made else None,
        served_on=served_on,
        expires_on=expires_on if expires_on is not None else (days(700) if made else None),
        prohibitions="Not to contact the victim directly or indirectly. Not to enter Elm Road.",
        requirements=None,
        notification_made_on=notification_made_on,
        recorded_by_id=officer.id,
    )
    order.protected = [OrderProtectedPerson(party_id=victim.id)]
    refresh_deadlines(order)
    db.session.add(order)
    db.session.flush()
    db.session.add(
        OrderStatusChange(
            order_id=order.id, to_status=status, effective_on=days(-30 if made else -50), changed_by_id=officer.id
        )
    )
    db.session.commit()
    return order


def order_changes(case: Case) -> list[AuditEvent]:
    """The audit rows of order changes on the case, oldest first."""
    db.session.expire_all()
    events = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))
        .where(AuditEvent.action == AuditAction.UPDATE)
        .order_by(AuditEvent.id)
    ).scalars()
    return [event for event in events if any(key.startswith("order") for key in (event.detail or {}))]


def saved_rows() -> tuple[int, int, int]:
    """How many orders, history rows and change events exist: bad input must leave all alone."""
    return (
        db.session.execute(select(func.count(ProtectiveOrder.id))).scalar_one(),
        db.session.execute(select(func.count(OrderStatusChange.id))).scalar_one(),
        db.session.execute(
            select(func.count(AuditEvent.id)).where(AuditEvent.action.in_([AuditAction.CREATE, AuditAction.UPDATE]))
        ).scalar_one(),
    )
