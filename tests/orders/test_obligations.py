"""The reminder sweep's sources: orders expiring within 28 days and SPO notifications due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.auth.models import Role
from casework.cases import registry
from casework.db import utcnow
from casework.extensions import db
from casework.orders import service
from casework.orders.models import OrderStatus, OrderType
from casework.workdays import end_of_local_day, local_midnight
from tests import factories
from tests.orders.helpers import days, make_order


@pytest.fixture
def setting(db_session):  # type: ignore[no-untyped-def]
    officer = factories.UserFactory(role=Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    return officer, case, victim, suspect


def rows(kind: str, horizon=None):  # type: ignore[no-untyped-def]
    source = {source.kind: source for source in registry.obligation_sources()}[kind]
    return [row._asdict() for row in db.session.execute(source.query(horizon or utcnow())).all()], source


def test_both_kinds_are_registered():
    kinds = {source.kind for source in registry.obligation_sources()}
    assert {"order_expiring", "spo_notification_due"} <= kinds


def test_an_order_expiring_within_28_days_is_due_28_days_before_expiry_to_the_officer(setting):
    officer, case, victim, suspect = setting
    soon = make_order(officer, case, victim, suspect, expires_on=days(20))
    make_order(officer, case, victim, suspect, expires_on=days(60))
    make_order(officer, case, victim, suspect, expires_on=days(-1))  # lapsed: nothing to remind
    found, source = rows("order_expiring")
    assert found == [
        {
            "case_id": case.id,
            "object_id": soon.id,
            "due_at": local_midnight(days(20) - timedelta(days=28)),
            "recipient_id": officer.id,
        }
    ]
    assert source.still_open(soon.id)
    service.change_status(
        officer,
        case,
        soon,
        service.StatusChange(OrderStatus.DISCHARGED, days(0), reason="Discharged on application."),
        expected_version=soon.version_id,
    )
    assert not source.still_open(soon.id)
    assert rows("order_expiring")[0] == []


def test_without_an_officer_in_case_the_expiry_goes_to_the_supervisor(setting):
    officer, case, victim, suspect = setting
    make_order(officer, case, victim, suspect, expires_on=days(10))
    case.officer_id = None
    db.session.commit()
    assert [row["recipient_id"] for row in rows("order_expiring")[0]] == [case.supervisor_id]


def test_an_spo_notification_is_due_at_its_deadline_until_made(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, served_on=days(-1), order_type=OrderType.INTERIM_SPO)
    make_order(officer, case, victim, suspect, served_on=days(-1), order_type=OrderType.NON_MOLESTATION)
    assert rows("spo_notification_due")[0] == []  # not due yet
    found, source = rows("spo_notification_due", utcnow() + timedelta(days=5))
    assert found == [
        {
            "case_id": case.id,
            "object_id": order.id,
            "due_at": end_of_local_day(days(2)),
            "recipient_id": officer.id,
        }
    ]
    assert source.still_open(order.id)
    service.update_details(
        officer,
        case,
        order,
        service.OrderDetails(
            protected_ids=[victim.id],
            court=None,
            prohibitions=order.prohibitions,
            requirements=None,
            served_on=days(-1),
            notification_made_on=days(0),
        ),
        expected_version=order.version_id,
    )
    assert not source.still_open(order.id)


def test_expiring_orders_and_missed_notifications_reach_the_officers_worklist(app, setting):
    officer, case, victim, suspect = setting
    make_order(officer, case, victim, suspect, expires_on=days(20), order_type=OrderType.NON_MOLESTATION)
    make_order(officer, case, victim, suspect, served_on=days(-10))
    with app.test_request_context():
        items = registry.worklist(officer)
    reasons = {item.reason: item.overdue for item in items}
    assert reasons[f"Non-molestation order expires on {days(20):%-d %B %Y}"] is False
    assert reasons["Stalking Protection Order: subject to notify the police of name and address"] is True
