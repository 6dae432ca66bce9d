"""Expiry is derived from the date, never a job; the SPO notification is due 3 calendar days after service."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from casework.auth.models import Role
from casework.cases import registry
from casework.errors import DomainError
from casework.extensions import db
from casework.orders import service
from casework.orders.models import OrderStatus, OrderType, ProtectiveOrder
from tests import factories
from tests.orders.helpers import days, make_order, order_changes


def clock(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    """Set the instant the orders' derivations take as now."""
    monkeypatch.setattr("casework.orders.models.utcnow", lambda: instant)


@pytest.fixture
def setting(db_session):  # type: ignore[no-untyped-def]
    officer = factories.UserFactory(role=Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    return officer, case, victim, suspect


def test_an_order_whose_expiry_date_has_passed_shows_as_expired_untouched(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, OrderStatus.GRANTED, expires_on=days(-1))
    assert order.status == OrderStatus.GRANTED
    assert order.lapsed
    assert not order.in_force
    assert order.shown_status == OrderStatus.EXPIRED
    in_force_ids = db.session.execute(select(ProtectiveOrder.id).where(ProtectiveOrder.in_force)).scalars().all()
    lapsed_ids = db.session.execute(select(ProtectiveOrder.id).where(ProtectiveOrder.lapsed)).scalars().all()
    assert order.id not in in_force_ids
    assert order.id in lapsed_ids
    assert service.orders_in_force(case) == []


def test_an_order_is_in_force_through_its_expiry_day(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, OrderStatus.GRANTED, expires_on=days(0))
    assert order.in_force and not order.lapsed
    assert db.session.execute(select(ProtectiveOrder.id).where(ProtectiveOrder.in_force)).scalars().all() == [order.id]


def test_expiry_follows_the_london_date_not_utc(setting, monkeypatch):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, OrderStatus.GRANTED, expires_on=date(2026, 6, 30))
    # 23:30 UTC on 30 June is already 1 July in London (BST): the order has expired.
    clock(monkeypatch, datetime(2026, 6, 30, 22, 59, tzinfo=UTC))
    assert order.in_force
    clock(monkeypatch, datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    assert order.lapsed and order.shown_status == OrderStatus.EXPIRED


def test_an_order_until_further_order_never_lapses(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, OrderStatus.GRANTED)
    order.expires_on, order.until_further_order = None, True
    db.session.commit()
    assert order.in_force and not order.lapsed


def test_the_expiry_reminder_is_28_days_before_expiry_at_the_start_of_the_london_day(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, OrderStatus.GRANTED, expires_on=date(2027, 7, 29))
    # 1 July 2027 00:00 BST is 30 June 23:00 UTC.
    assert order.expiry_reminder_at == datetime(2027, 6, 30, 23, 0, tzinfo=UTC)


def test_the_spo_notification_is_due_at_the_end_of_the_third_calendar_day_after_service(setting, monkeypatch):
    officer, case, victim, suspect = setting
    # Served on Friday 22 May 2026: calendar days count, weekend and bank holiday included, so the
    # deadline ends at 23:59:59 London on Monday 25 May (the Spring bank holiday), 22:59:59 UTC.
    order = make_order(officer, case, victim, suspect, OrderStatus.GRANTED)
    order.made_on = date(2026, 5, 21)
    service.update_details(
        officer,
        case,
        order,
        service.OrderDetails(
            protected_ids=[victim.id],
            court=order.court,
            prohibitions=order.prohibitions,
            requirements=None,
            served_on=date(2026, 5, 22),
        ),
        expected_version=order.version_id,
    )
    assert order.notification_due_at == datetime(2026, 5, 25, 22, 59, 59, tzinfo=UTC)
    clock(monkeypatch, datetime(2026, 5, 25, 22, 0, tzinfo=UTC))
    assert order.notification_pending and not order.notification_missed
    clock(monkeypatch, datetime(2026, 5, 25, 23, 0, tzinfo=UTC))
    assert order.notification_pending and order.notification_missed


def test_a_notification_made_in_time_is_not_missed_and_a_late_one_is(setting):
    officer, case, victim, suspect = setting
    on_time = make_order(
        officer, case, victim, suspect, served_on=days(-10), notification_made_on=days(-7), order_type=OrderType.SPO
    )
    late = make_order(
        officer, case, victim, suspect, served_on=days(-10), notification_made_on=days(-6), order_type=OrderType.SPO
    )
    assert not on_time.notification_missed and not on_time.notification_pending
    assert late.notification_missed and not late.notification_pending


def test_only_spos_carry_a_notification_deadline(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, order_type=OrderType.NON_MOLESTATION, served_on=days(-10))
    assert order.notification_due_at is None and not order.notification_missed
    with pytest.raises(DomainError) as refused:
        service.update_details(
            officer,
            case,
            order,
            service.OrderDetails(
                protected_ids=[victim.id],
                court=None,
                prohibitions=order.prohibitions,
                requirements=None,
                served_on=days(-10),
                notification_made_on=days(-9),
            ),
            expected_version=order.version_id,
        )
    assert refused.value.field == "notification_made_on"


def test_recording_the_notification_is_audited_and_clears_the_flag(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, order_type=OrderType.INTERIM_SPO, served_on=days(-5))
    assert order.notification_missed
    assert any("has not notified" in item for item in registry.open_items(case))
    service.update_details(
        officer,
        case,
        order,
        service.OrderDetails(
            protected_ids=[victim.id],
            court=order.court,
            prohibitions=order.prohibitions,
            requirements=None,
            served_on=days(-5),
            notification_made_on=days(-4),
        ),
        expected_version=order.version_id,
    )
    db.session.commit()
    assert not order.notification_pending
    assert order_changes(case)[-1].detail == {"order_updated": order.id, "changes": ["notification_made_on"]}
    assert not any("has not notified" in item for item in registry.open_items(case))


def test_orders_awaiting_a_hearing_and_missed_notifications_are_open_items_and_tasks(app, setting):
    officer, case, victim, suspect = setting
    listed = make_order(officer, case, victim, suspect, OrderStatus.APPLIED)
    service.add_hearing(officer, case, listed, hearing_on=days(5), court=None, note=None)
    make_order(officer, case, victim, suspect, served_on=days(-10))
    items = registry.open_items(case)
    assert f"Stalking Protection Order awaiting the court's decision (hearing on {days(5):%-d %B %Y})" in items
    assert any("has not notified the police" in item for item in items)
    with app.test_request_context():
        tasks = registry.tasks(case)
    states = {task.name: task.state for task in tasks}
    assert states["Stalking Protection Order: record the court's decision"] == registry.TaskState.TO_DO
    assert states["Stalking Protection Order: check the subject notified the police"] == registry.TaskState.OVERDUE
