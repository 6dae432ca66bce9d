"""A case with a victim referred to a support service, walked through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, Team, User
from casework.cases.models import Case
from casework.db import utcnow
from casework.extensions import db
from casework.people.models import CaseParty, PartyRole, VictimContact
from casework.support import service
from casework.support.models import (
    AftercareKind,
    ConsentDecision,
    ConsentMethod,
    NeedArea,
    NeedRating,
    Referral,
    ReferralOutcome,
    SharedDetail,
    SupportService,
)
from casework.workdays import local_date
from tests import factories

ADDRESS = "Flat 3 Pellingmoor House, Vexbridge VX4 7QQ"
PHONE = "07700 918273"
EMAIL = "pellingmoor.safe@sealed-example.org"


@dataclass
class World:
    team: Team
    officer: User
    supervisor: User
    case: Case
    victim: CaseParty
    support: SupportService
    adviser: User


REPORTED_AT = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def make_world(*, officer: User | None = None, adviser: User | None = None) -> World:
    team = officer.team if officer else factories.TeamFactory()
    officer = officer or factories.UserFactory(role=Role.OFFICER, team=team)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, team=team)
    case = factories.allocated_case(officer)
    case.supervisor_id = supervisor.id
    case.reported_at = REPORTED_AT  # consent dates in the tests fall after it
    victim = factories.CasePartyFactory(
        case=case, role=PartyRole.VICTIM, person=factories.PersonFactory(first_name="Marisol", last_name="Quayle")
    )
    db.session.add(VictimContact(party_id=victim.id, sealed_address=ADDRESS, sealed_phone=PHONE, sealed_email=EMAIL))
    support = factories.SupportServiceFactory()
    if adviser is None:
        adviser = factories.UserFactory(role=Role.ADVISER, support_service_id=support.id)
    else:
        adviser.support_service_id = support.id
    db.session.commit()
    return World(team, officer, supervisor, case, victim, support, adviser)


def propose(world: World, *, support: SupportService | None = None, victim: CaseParty | None = None) -> Referral:
    return service.propose_referral(
        world.officer,
        world.case,
        party_id=(victim or world.victim).id,
        service_id=(support or world.support).id,
        reason="Victim is frightened and wants an advocate.",
    )


def consent(
    world: World,
    referral: Referral,
    *,
    decision: ConsentDecision = ConsentDecision.GIVEN,
    shares: frozenset[SharedDetail] = frozenset(SharedDetail),
    given_at=None,  # type: ignore[no-untyped-def]
) -> Referral:
    answer = service.Consent(
        decision=decision,
        scope="Name, safe contact details and a summary of the stalking, for advocacy and safety planning.",
        given_at=given_at or utcnow() - timedelta(minutes=5),
        method=ConsentMethod.PHONE,
        shares=shares,
    )
    return service.record_consent(world.officer, referral, answer, expected_version=referral.version_id)


def sent(world: World, **kwargs: object) -> Referral:
    referral = consent(world, propose(world, **kwargs))  # type: ignore[arg-type]
    return service.send_referral(world.officer, referral, expected_version=referral.version_id)


def accepted(world: World, **kwargs: object) -> Referral:
    referral = sent(world, **kwargs)
    return service.take_referral(world.adviser, referral, expected_version=referral.version_id)


def aftercare(world: World, referral: Referral, *, follow_up_on: date | None = None, **fields: object) -> object:
    today = local_date(utcnow())
    details = service.AftercareDetails(
        kind=fields.pop("kind", AftercareKind.NEEDS_ASSESSMENT),  # type: ignore[arg-type]
        occurred_on=fields.pop("occurred_on", today),  # type: ignore[arg-type]
        summary="Needs assessed; safety plan started.",
        next_steps="Call on Friday about the alarm fitting.",
        follow_up_on=follow_up_on or today + timedelta(days=7),
        notes="Victim mentioned panic attacks at night.",
        needs={area: service.Need(NeedRating.MEDIUM, f"{area.label} notes") for area in NeedArea},
        **fields,  # type: ignore[arg-type]
    )
    return service.add_aftercare(world.adviser, referral, details)


def close(world: World, referral: Referral) -> Referral:
    return service.close_referral(
        world.adviser,
        referral,
        outcome=ReferralOutcome.SUPPORT_COMPLETED,
        notes="",
        expected_version=referral.version_id,
    )


def audit_rows(case: Case, action: AuditAction | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.session.execute(query.order_by(AuditEvent.id)).scalars())
