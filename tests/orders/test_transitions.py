"""Every move in the transitions table, legal and illegal, is dated, kept as history and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.auth.models import Role
from casework.errors import ConflictError, DomainError
from casework.extensions import db
from casework.orders import service
from casework.orders.models import OrderStatus, OrderStatusChange
from tests import factories
from tests.orders.helpers import days, make_order, order_changes

ALL_PAIRS = [(before, after) for before in OrderStatus for after in OrderStatus]
LEGAL = [(before, after) for before, after in ALL_PAIRS if after in service.TRANSITIONS[before]]
ILLEGAL = [(before, after) for before, after in ALL_PAIRS if after not in service.TRANSITIONS[before]]


def full_change(to: OrderStatus) -> service.StatusChange:
    """Everything any move may need."""
    return service.StatusChange(
        to_status=to,
        effective_on=days(0),
        reason="Decided at court today.",
        hearing_on=days(14),
        court="Exampletown Magistrates' Court",
        expires_on=days(365 * 3),
        prohibitions="Not to contact the victim.",
    )


@pytest.fixture
def setting(db_session):  # type: ignore[no-untyped-def]
    officer = factories.UserFactory(role=Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    return officer, case, victim, suspect


@pytest.mark.parametrize(("before", "after"), LEGAL, ids=[f"{b.value}->{a.value}" for b, a in LEGAL])
def test_a_legal_move_is_made_dated_kept_and_audited(setting, before, after):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, before)
    service.change_status(officer, case, order, full_change(after), expected_version=order.version_id)
    db.session.commit()
    db.session.expire_all()
    assert order.status == after
    history = (
        db.session.execute(
            select(OrderStatusChange).where(OrderStatusChange.order_id == order.id).order_by(OrderStatusChange.id)
        )
        .scalars()
        .all()
    )
    assert (history[-1].from_status, history[-1].to_status) == (before, after)
    assert history[-1].effective_on == days(0)
    assert history[-1].changed_by_id == officer.id
    audited = order_changes(case)[-1]
    assert audited.user_id == officer.id
    assert audited.detail["order_status"] == order.id
    assert audited.detail["status"] == [before.value, after.value]


@pytest.mark.parametrize(("before", "after"), ILLEGAL, ids=[f"{b.value}->{a.value}" for b, a in ILLEGAL])
def test_an_illegal_move_is_refused_and_changes_nothing(setting, before, after):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, before)
    with pytest.raises(DomainError) as refused:
        service.change_status(officer, case, order, full_change(after), expected_version=order.version_id)
    assert refused.value.field == "to_status"
    db.session.rollback()
    db.session.expire_all()
    assert order.status == before
    assert order_changes(case) == []


def test_the_table_covers_every_status_and_breached_is_not_one():
    assert set(service.TRANSITIONS) == set(OrderStatus)
    assert "breached" not in {status.value for status in OrderStatus}


@pytest.mark.parametrize("to", sorted(service.REASON_REQUIRED, key=lambda status: status.value))
def test_moves_that_need_a_reason_refuse_without_one(setting, to):
    officer, case, victim, suspect = setting
    before = next(status for status in OrderStatus if to in service.TRANSITIONS[status])
    order = make_order(officer, case, victim, suspect, before)
    change = service.StatusChange(to_status=to, effective_on=days(0), expires_on=days(365 * 3))
    with pytest.raises(DomainError) as refused:
        service.change_status(officer, case, order, change, expected_version=order.version_id)
    assert refused.value.field == "reason"


def test_a_stale_version_is_refused(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, OrderStatus.CONSIDERED)
    with pytest.raises(ConflictError):
        service.change_status(
            officer, case, order, full_change(OrderStatus.APPLIED), expected_version=order.version_id - 1
        )


def test_a_lapsed_order_has_nowhere_to_go(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, OrderStatus.GRANTED, expires_on=days(-1))
    assert service.allowed_next_statuses(order) == []
    with pytest.raises(DomainError):
        service.change_status(officer, case, order, full_change(OrderStatus.RENEWED), expected_version=order.version_id)


def test_applying_records_the_application_date_and_listing_adds_a_hearing_row(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, OrderStatus.CONSIDERED)
    service.change_status(
        officer, case, order, service.StatusChange(OrderStatus.APPLIED, days(-5)), expected_version=order.version_id
    )
    assert order.applied_on == days(-5)
    service.change_status(
        officer,
        case,
        order,
        service.StatusChange(OrderStatus.HEARING_LISTED, days(-4), hearing_on=days(10), court="Crown Court"),
        expected_version=order.version_id,
    )
    db.session.commit()
    order = service.get_order(case, order.id)
    assert [hearing.hearing_on for hearing in order.hearings] == [days(10)]
    assert order.court == "Crown Court"


def test_granting_sets_made_date_expiry_and_terms(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, OrderStatus.HEARING_LISTED)
    service.change_status(
        officer,
        case,
        order,
        service.StatusChange(
            OrderStatus.GRANTED,
            days(-2),
            until_further_order=True,
            prohibitions="Not to go within 100 metres of 4 Elm Road.",
            requirements="Attend a perpetrator programme.",
            served_on=days(-1),
        ),
        expected_version=order.version_id,
    )
    assert (order.made_on, order.served_on, order.expires_on, order.until_further_order) == (
        days(-2),
        days(-1),
        None,
        True,
    )
    assert order.in_force
    assert order.requirements == "Attend a perpetrator programme."
