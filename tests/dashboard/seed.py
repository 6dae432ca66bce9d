"""A small dataset with known answers for the dashboard: two teams, a restricted case, and one of everything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from casework.auth.models import Role, Team, User
from casework.cases.models import Case, CaseAccess, CaseStatus, Channel, Outcome, RiskLevel
from casework.contact.models import ContactPlan, DecisionKind, DecisionNotice, KeyDecision, Schedule
from casework.db import utcnow
from casework.extensions import db
from casework.incidents.models import Incident
from casework.orders.models import OrderBreach, OrderStatus, OrderStatusChange
from casework.people.models import PartyRole
from casework.support.models import Referral, ReferralStatus
from tests import factories
from tests.orders.helpers import days, make_order


@dataclass
class Seeded:
    """What was made, to assert against."""

    north: Team
    south: Team
    manager: User
    supervisor: User
    officer: User
    urgent: Case
    restricted: Case
    closed: Case
    ordered: Case
    late_referral: Case


def plan(case: Case, due_in: timedelta) -> None:
    victim = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    db.session.add(
        ContactPlan(
            case_id=case.id,
            party_id=victim.id,
            schedule=Schedule.EVERY_N_DAYS,
            frequency_days=14,
            next_update_due_at=utcnow() + due_in,
        )
    )


def _notice(case: Case, officer: User, *, told_late: bool) -> None:
    now = utcnow()
    victim = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    decision = KeyDecision(
        case_id=case.id, kind=DecisionKind.ARREST, decided_at=now - timedelta(days=6), recorded_by_id=officer.id
    )
    db.session.add(decision)
    db.session.flush()
    due = now - timedelta(days=5)
    db.session.add(
        DecisionNotice(
            decision_id=decision.id,
            case_id=case.id,
            party_id=victim.id,
            enhanced_rights=True,
            due_at=due,
            discharged_at=due + timedelta(days=1) if told_late else due - timedelta(hours=2),
        )
    )


def _referral(case: Case, *, sent_on_time: bool | None) -> Referral:
    now = utcnow()
    due = now - timedelta(days=3)
    referral = factories.ReferralFactory(
        case=case,
        status=ReferralStatus.PROPOSED if sent_on_time is None else ReferralStatus.SENT,
        send_due_at=due,
        sent_at=None if sent_on_time is None else due - timedelta(hours=1 if sent_on_time else -5),
    )
    return referral


def seed() -> Seeded:
    """The dataset (committed into the test's rolled-back transaction)."""
    now = utcnow()
    north, south = factories.TeamFactory(name="North"), factories.TeamFactory(name="South")
    manager = factories.UserFactory(role=Role.MANAGER)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, team=north, full_name="Sam Sergeant")
    officer = factories.UserFactory(role=Role.OFFICER, team=north, full_name="Olive Officer")
    colleague = factories.UserFactory(role=Role.OFFICER, team=north, full_name="Colin Colleague")
    southerner = factories.UserFactory(role=Role.OFFICER, team=south, full_name="Sue South")

    def case(team: Team, officer_in_case: User | None, **fields: object) -> Case:
        status = fields.pop("status", CaseStatus.INVESTIGATING if officer_in_case else CaseStatus.REPORTED)
        return factories.CaseFactory(
            team=team,
            officer=officer_in_case,
            supervisor=supervisor if team is north else None,
            created_by=officer_in_case or officer,
            status=status,
            **fields,
        )

    urgent = case(north, officer, risk_level=RiskLevel.HIGH, reported_at=now - timedelta(days=3))
    plan(urgent, -timedelta(days=2))
    medium = case(
        north,
        officer,
        risk_level=RiskLevel.MEDIUM,
        status=CaseStatus.ALLOCATED,
        channel=Channel.ONLINE,
        reported_at=now - timedelta(days=20),
    )
    plan(medium, timedelta(days=5))
    unassessed = case(north, colleague, channel=Channel.PHONE_999, reported_at=now - timedelta(days=60))
    _notice(unassessed, colleague, told_late=True)
    _notice(medium, officer, told_late=False)
    closed = case(
        north,
        colleague,
        status=CaseStatus.CLOSED,
        outcome=Outcome.CAUTION,
        closed_at=now - timedelta(days=5),
        reported_at=now - timedelta(days=100),
    )
    ordered, victim, suspect = factories.order_case(
        southerner, risk_level=RiskLevel.HIGH, status=CaseStatus.CHARGED, reported_at=now - timedelta(days=10)
    )
    ordered.supervisor = None
    order = make_order(
        southerner, ordered, victim, suspect, OrderStatus.GRANTED, expires_on=days(20), served_on=days(-10)
    )
    db.session.add(
        OrderStatusChange(
            order_id=order.id, to_status=OrderStatus.APPLIED, effective_on=days(-12), changed_by_id=southerner.id
        )
    )
    db.session.add(
        OrderStatusChange(
            order_id=order.id, to_status=OrderStatus.GRANTED, effective_on=days(-3), changed_by_id=southerner.id
        )
    )
    incident = Incident(
        case_id=ordered.id,
        occurred_from=now - timedelta(days=1),
        location="Elm Road",
        behaviours=["loitering"],
        description="At the door.",
        recorded_by_id=southerner.id,
    )
    db.session.add(incident)
    db.session.flush()
    db.session.add(
        OrderBreach(
            order_id=order.id,
            case_id=ordered.id,
            incident_id=incident.id,
            occurred_at=now - timedelta(days=1),
            description="Came to the door.",
            recorded_by_id=southerner.id,
        )
    )
    case(south, None, reported_at=now - timedelta(hours=30))  # awaiting allocation for over 24 hours
    late_referral = case(
        north, officer, risk_level=RiskLevel.STANDARD, channel=Channel.THIRD_PARTY, reported_at=now - timedelta(days=8)
    )
    _referral(late_referral, sent_on_time=None)
    _referral(medium, sent_on_time=True)
    _referral(unassessed, sent_on_time=False)

    restricted = case(north, officer, risk_level=RiskLevel.HIGH, restricted=True, reported_at=now - timedelta(days=2))
    plan(restricted, -timedelta(days=1))
    _notice(restricted, officer, told_late=True)
    _referral(restricted, sent_on_time=None)
    db.session.add(CaseAccess(case_id=restricted.id, user_id=officer.id, granted_by_id=supervisor.id))
    db.session.commit()
    return Seeded(north, south, manager, supervisor, officer, urgent, restricted, closed, ordered, late_referral)
