"""Missed SPO notifications and late referrals count as overdue in the case lists, as on the worklist."""

from __future__ import annotations

from datetime import timedelta

from casework.auth.models import Role
from casework.cases import queries
from casework.db import utcnow
from casework.extensions import db
from casework.orders.models import OrderStatus, OrderType
from casework.orders.service import refresh_deadlines
from tests import factories
from tests.orders.helpers import days, make_order
from tests.support.helpers import consent, make_world, propose


def test_a_missed_spo_notification_makes_the_case_overdue_with_its_reason(make_client):
    _, officer = make_client(Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    order = make_order(
        officer, case, victim, suspect, OrderStatus.GRANTED, order_type=OrderType.SPO, served_on=days(-10)
    )
    refresh_deadlines(order)
    db.session.flush()
    reasons = queries.overdue_reasons_for([case], utcnow())
    assert "SPO notification of name and address missed" in reasons[case.id]
    order.notification_made_on = days(-9)
    refresh_deadlines(order)
    db.session.flush()
    assert "SPO notification of name and address missed" not in queries.overdue_reasons_for([case], utcnow()).get(
        case.id, []
    )


def test_a_referral_not_sent_in_time_makes_the_case_overdue(db_session):
    world = make_world()
    referral = consent(world, propose(world))
    referral.send_due_at = utcnow() - timedelta(minutes=5)
    db.session.flush()
    assert (
        "Referral not sent within 2 working days" in queries.overdue_reasons_for([world.case], utcnow())[world.case.id]
    )
