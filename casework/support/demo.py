"""Demo data for victim support: the services, the demo adviser's service, and referrals at every
status with aftercare, on the demo cases. Written through the services, so histories and audit rows
are real. Idempotent: services are added when missing; referrals only when there are none."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from casework.auth.models import Role, User
from casework.cases.models import Case, CaseStatus
from casework.db import utcnow
from casework.extensions import db
from casework.people.models import CaseParty, PartyRole
from casework.support import service
from casework.support.models import (
    AftercareKind,
    ConsentDecision,
    ConsentMethod,
    NeedArea,
    NeedRating,
    Referral,
    ReferralOutcome,
    ServiceKind,
    SharedDetail,
    SupportService,
)
from casework.workdays import deadline, end_of_local_day, local_date

SERVICES = (
    ("Northshire Victim Care", ServiceKind.VICTIM_SUPPORT, "referrals@northshire-victimcare.org.uk"),
    ("Paladin National Stalking Advocacy Service", ServiceKind.ISAC_ADVOCACY, "referrals@paladin.org.uk"),
    ("National Stalking Helpline", ServiceKind.NATIONAL_STALKING_HELPLINE, "advice@stalkinghelpline.org"),
    ("Northshire IDVA service", ServiceKind.IDVA, "idva@northshire.gov.uk"),
    ("Witness Service (Northshire)", ServiceKind.WITNESS_SERVICE, "northshire@witness-service.org.uk"),
    ("Safe Homes sanctuary scheme", ServiceKind.HOUSING, "sanctuary@northshire.gov.uk"),
    ("Talking Space counselling", ServiceKind.COUNSELLING, "referrals@talkingspace.org.uk"),
    ("Northshire interpreting", ServiceKind.INTERPRETER, "bookings@northshire-interpreting.org.uk"),
)
ADVISER_SERVICES = {"adviser@casework.police.uk": "Northshire Victim Care"}


def _services() -> dict[str, SupportService]:
    existing = {found.name: found for found in db.session.execute(sa.select(SupportService)).scalars()}
    for name, kind, email in SERVICES:
        if name not in existing:
            existing[name] = service.create_service(None, service.ServiceDetails(name, kind, email))
    return existing


def adviser_service_id(email: str) -> int | None:
    """The service a demo user belongs to (advisers only), creating the demo services first."""
    name = ADVISER_SERVICES.get(email)
    return _services()[name].id if name else None


def seed() -> None:
    """Referrals at every status, with aftercare, for the demo adviser's caseload (once)."""
    services = _services()
    if db.session.execute(sa.select(Referral.id).limit(1)).first() is not None:
        return
    ours = services[ADVISER_SERVICES["adviser@casework.police.uk"]]
    adviser = (
        db.session.execute(
            sa.select(User).where(User.role == Role.ADVISER, User.support_service_id == ours.id).order_by(User.id)
        )
        .scalars()
        .first()
    )
    rows = db.session.execute(
        sa.select(Case, CaseParty)
        .join(CaseParty, sa.and_(CaseParty.case_id == Case.id, CaseParty.role == PartyRole.VICTIM))
        .where(Case.status != CaseStatus.CLOSED, Case.officer_id.is_not(None))
        .order_by(Case.reported_at, Case.id)
    ).all()
    if adviser is None or len(rows) < 4:
        return
    plan = [
        (ours, "accepted"),
        (services["Paladin National Stalking Advocacy Service"], "awaiting consent"),
        (ours, "sent"),
        (services["National Stalking Helpline"], "consent declined"),
        (ours, "overdue"),
        (services["Witness Service (Northshire)"], "declined"),
        (ours, "closed"),
        (services["Talking Space counselling"], "withdrawn"),
    ]
    for index, (target, stage) in enumerate(plan):
        case, victim = rows[index % len(rows)]
        officer = db.session.get(User, case.officer_id)
        if officer is None:
            continue
        _referral(officer, adviser, case, victim, target, stage)


def _referral(officer: User, adviser: User, case: Case, victim: CaseParty, target: SupportService, stage: str) -> None:
    """Walk one referral to ``stage`` through the services."""
    referral = service.propose_referral(
        officer,
        case,
        party_id=victim.id,
        service_id=target.id,
        reason="Frightened by the repeated visits; would like advice and someone to speak to.",
    )
    if stage == "awaiting consent":
        return
    decision = ConsentDecision.DECLINED if stage == "consent declined" else ConsentDecision.GIVEN
    days_ago = {"overdue": 6, "sent": 8}.get(stage, 3)
    service.record_consent(
        officer,
        referral,
        service.Consent(
            decision=decision,
            scope="Name, safe phone number and a summary of what has happened, for support and safety planning.",
            given_at=max(utcnow() - timedelta(days=days_ago), case.reported_at),
            method=ConsentMethod.PHONE,
            shares=frozenset({SharedDetail.PHONE}),  # as the scope says: name and safe phone number
        ),
        expected_version=referral.version_id,
    )
    if stage in {"consent declined", "overdue"}:
        return
    service.send_referral(officer, referral, expected_version=referral.version_id)
    # As if sent when consent was given (before the aftercare below): one sent days ago and not taken yet is
    # overdue on the adviser's home page.
    referral.sent_at = referral.consent_at
    referral.take_due_at = deadline(referral.sent_at, service.TAKE_WITHIN_WORKING_DAYS)
    if stage == "sent":
        return
    if stage == "declined":  # a service whose advisers do not use Casework: the officer records its answer
        service.record_response(
            officer,
            referral,
            accepted=False,
            reason="Not yet listed for trial: refer again when a trial date is set.",
            expected_version=referral.version_id,
        )
        return
    if stage == "withdrawn":
        service.withdraw_consent(
            officer,
            referral,
            reason="The victim phoned to say she no longer wants counselling.",
            expected_version=referral.version_id,
        )
        return
    service.take_referral(adviser, referral, expected_version=referral.version_id)
    _aftercare(adviser, referral)
    if stage == "closed":
        service.close_referral(
            adviser,
            referral,
            outcome=ReferralOutcome.SUPPORT_COMPLETED,
            notes="Safety plan in place; the victim feels able to manage.",
            expected_version=referral.version_id,
        )


def _aftercare(adviser: User, referral: Referral) -> None:
    today = local_date(utcnow())
    service.add_aftercare(
        adviser,
        referral,
        service.AftercareDetails(
            kind=AftercareKind.NEEDS_ASSESSMENT,
            occurred_on=max(today - timedelta(days=2), local_date(referral.sent_at)),
            summary="Needs assessed: safety and court the main worries; safety plan to follow.",
            next_steps="Agree a safety plan; ask the council about a door alarm.",
            follow_up_on=today,
            notes="Sleeping badly since the visits began; GP aware.",
            needs={
                area: service.Need(NeedRating.HIGH if area in {NeedArea.SAFETY, NeedArea.JUSTICE} else NeedRating.LOW)
                for area in NeedArea
            },
        ),
    )
    entry = service.add_aftercare(
        adviser,
        referral,
        service.AftercareDetails(
            kind=AftercareKind.SAFETY_PLANNING,
            occurred_on=today,
            summary="Safety plan agreed; door alarm requested.",
            next_steps="Check the alarm has been fitted.",
            follow_up_on=today,
        ),
    )
    # As if the plan had been made a week ago: its follow-up is now overdue on the adviser's home page.
    entry.follow_up_on = today - timedelta(days=1)
    entry.follow_up_due_at = end_of_local_day(entry.follow_up_on)
    db.session.flush()
