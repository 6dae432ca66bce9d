"""The demo data shows orders in several states, a breach, a missed notification and one expiring soon."""

from __future__ import annotations

from sqlalchemy import func, select

from casework import demo
from casework.extensions import db
from casework.orders.models import OrderBreach, OrderStatus, ProtectiveOrder, london_today
from casework.orders.service import EXPIRY_WARNING_DAYS


def test_demo_orders_cover_the_states_and_seed_once(app, db_session, tmp_path):
    demo.seed(tmp_path / "sign-ins.txt")
    db.session.flush()
    orders = db.session.execute(select(ProtectiveOrder)).scalars().all()
    shown = {order.shown_status for order in orders}
    assert {OrderStatus.GRANTED, OrderStatus.HEARING_LISTED, OrderStatus.NOT_PURSUED, OrderStatus.EXPIRED} <= shown
    assert db.session.execute(select(func.count(OrderBreach.id))).scalar_one() == 1
    assert any(order.notification_missed and order.notification_pending for order in orders)
    assert any(
        order.in_force and order.expires_on and (order.expires_on - london_today()).days <= EXPIRY_WARNING_DAYS
        for order in orders
    )
    demo.seed(tmp_path / "sign-ins.txt")
    assert db.session.execute(select(func.count(ProtectiveOrder.id))).scalar_one() == len(orders)
