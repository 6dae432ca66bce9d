"""Breaches: only of an order in force, always linked to an incident of the case, and the risk is re-assessed."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from casework.auth.models import Role
from casework.cases import registry
from casework.errors import DomainError
from casework.extensions import db
from casework.incidents.models import Incident
from casework.orders import service
from casework.orders.models import OrderBreach, OrderStatus
from tests import factories
from tests.orders.helpers import days, make_order, order_changes


@pytest.fixture
def setting(db_session):  # type: ignore[no-untyped-def]
    officer = factories.UserFactory(role=Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    return officer, case, victim, suspect


def incidents_of(case) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(select(func.count(Incident.id)).where(Incident.case_id == case.id)).scalar_one()


def test_a_breach_with_a_new_incident_records_both_and_asks_for_a_risk_review(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect)
    assert not case.risk_review_due and incidents_of(case) == 0
    breach = service.record_breach(
        officer,
        case,
        order,
        service.NewBreach(
            occurred_on=days(-1), occurred_time=time(21, 15), description="Came to the door.", location="Elm Road"
        ),
    )
    db.session.commit()
    incident = db.session.get(Incident, breach.incident_id)
    assert incident.case_id == case.id
    assert "Came to the door." in incident.description
    assert incident.location == "Elm Road"
    assert breach.occurred_at == incident.occurred_from
    assert case.risk_review_due
    audited = order_changes(case)[-1]
    assert audited.detail == {"order_breached": order.id, "breach": breach.id, "incident_id": incident.id}
    assert audited.user_id == officer.id


def test_a_breach_can_be_linked_to_an_existing_incident(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect)
    incident = factories.IncidentFactory(case=case, recorded_by=officer)
    breach = service.record_breach(
        officer, case, order, service.NewBreach(occurred_on=days(-3), description="Texts.", incident_id=incident.id)
    )
    assert breach.incident_id == incident.id
    assert incidents_of(case) == 1
    assert case.risk_review_due


def test_an_incident_of_another_case_is_refused(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect)
    other = factories.IncidentFactory(case=factories.allocated_case(officer), recorded_by=officer)
    with pytest.raises(DomainError) as refused:
        service.record_breach(
            officer, case, order, service.NewBreach(occurred_on=days(-3), description="Texts.", incident_id=other.id)
        )
    assert refused.value.field == "incident_id"


@pytest.mark.parametrize(
    "status",
    [
        OrderStatus.CONSIDERED,
        OrderStatus.APPLIED,
        OrderStatus.HEARING_LISTED,
        OrderStatus.REFUSED,
        OrderStatus.WITHDRAWN,
        OrderStatus.DISCHARGED,
        OrderStatus.EXPIRED,
        OrderStatus.NOT_PURSUED,
    ],
)
def test_only_an_order_in_force_can_be_breached(setting, status):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, status)
    with pytest.raises(DomainError, match="in force"):
        service.record_breach(officer, case, order, service.NewBreach(occurred_on=days(-1), description="Texts."))
    db.session.rollback()
    assert db.session.execute(select(func.count(OrderBreach.id))).scalar_one() == 0
    assert incidents_of(case) == 0


def test_an_order_past_its_expiry_date_cannot_be_breached(setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect, expires_on=days(-2))
    with pytest.raises(DomainError, match="in force"):
        service.record_breach(officer, case, order, service.NewBreach(occurred_on=days(-1), description="Texts."))


@pytest.mark.parametrize(
    ("occurred_on", "at", "field"),
    [(days(1), None, "occurred_on"), (days(-40), None, "occurred_on")],
    ids=["future", "before-the-order-was-made"],
)
def test_bad_breach_dates_are_refused_by_field(setting, occurred_on, at, field):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect)
    with pytest.raises(DomainError) as refused:
        service.record_breach(
            officer, case, order, service.NewBreach(occurred_on=occurred_on, occurred_time=at, description="Texts.")
        )
    assert refused.value.field == field


def test_a_breach_is_on_the_timeline_and_the_officers_worklist(app, setting):
    officer, case, victim, suspect = setting
    order = make_order(officer, case, victim, suspect)
    service.record_breach(officer, case, order, service.NewBreach(occurred_on=days(-1), description="Texts."))
    db.session.commit()
    titles = [entry.title for entry in registry.timeline(case, registry.Viewer(officer, police_only=True))]
    assert "Stalking Protection Order breached" in titles
    with app.test_request_context():
        items = registry.worklist(officer)
        others = registry.worklist(factories.UserFactory(role=Role.OFFICER, team=officer.team))
    assert any(item.case_id == case.id and "breached" in item.reason for item in items)
    assert others == []
