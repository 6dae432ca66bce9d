"""Victim support: services (reference data), referrals with consent, the 2-working-day deadline,
advisers' caseloads, aftercare, and the victim-facing view of a case an adviser may see.

Transitions are the table ``TRANSITIONS``; every move is a dated ``ReferralStatusChange`` row
and an audit event. Deadlines come from ``casework.workdays.deadline``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import Role, User
from casework.cases import registry
from casework.cases import service as cases
from casework.cases.models import Case
from casework.cases.overdue import earliest_per_case
from casework.db import utcnow
from casework.errors import DomainError, NotFound
from casework.extensions import db
from casework.orders import service as orders
from casework.people.models import CaseParty, PartyRole, Person, VictimContact
from casework.security import Permission, adviser_cases_clause, can
from casework.support.models import (
    AftercareEntry,
    AftercareKind,
    ConsentDecision,
    ConsentMethod,
    NeedArea,
    NeedRating,
    Referral,
    ReferralOutcome,
    ReferralStatus,
    ReferralStatusChange,
    ServiceKind,
    SharedDetail,
    SupportService,
)
from casework.workdays import LONDON, deadline, end_of_local_day, local_date

# Victims' Code: details go to the support service within 2 working days of consent.
SEND_WITHIN_WORKING_DAYS = 2
# Local service standard (check): a service takes (or declines) a referral within 2 working days of receiving it.
TAKE_WITHIN_WORKING_DAYS = 2

# proposed -> consent declined | sent -> accepted (taken) | declined by the service; accepted -> closed.
# Withdrawing consent stops a referral wherever it is still live.
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.PROPOSED: frozenset(
        {ReferralStatus.CONSENT_DECLINED, ReferralStatus.SENT, ReferralStatus.WITHDRAWN}
    ),
    ReferralStatus.SENT: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.CLOSED, ReferralStatus.WITHDRAWN}),
    ReferralStatus.CONSENT_DECLINED: frozenset(),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.CLOSED: frozenset(),
    ReferralStatus.WITHDRAWN: frozenset(),
}
LIVE_STATUSES = frozenset({ReferralStatus.PROPOSED, ReferralStatus.SENT, ReferralStatus.ACCEPTED})


# --- Support services (reference data) -----------------------------------------------------


@dataclass(frozen=True)
class ServiceDetails:
    """The editable facts of a support service."""

    name: str
    kind: ServiceKind
    secure_email: str
    active: bool = True


def list_services(*, active_only: bool = False) -> list[SupportService]:
    """Support services by name."""
    query = sa.select(SupportService).order_by(SupportService.name)
    if active_only:
        query = query.where(SupportService.active)
    return list(db.session.execute(query).scalars())


def get_service(service_id: int) -> SupportService:
    """A support service, or ``NotFound``."""
    found = db.session.get(SupportService, service_id)
    if found is None:
        raise NotFound("No such support service")
    return found


def _check_service_details(details: ServiceDetails, *, except_service: SupportService | None = None) -> None:
    if not details.name.strip():
        raise DomainError("Enter the name of the service", field="name")
    if "@" not in details.secure_email or details.secure_email.strip() != details.secure_email:
        raise DomainError(
            "Enter the service's secure email address, like referrals@service.org.uk", field="secure_email"
        )
    existing = db.session.execute(
        sa.select(SupportService).where(sa.func.lower(SupportService.name) == details.name.lower())
    ).scalar_one_or_none()
    if existing is not None and existing is not except_service:
        raise DomainError("A service with this name already exists", field="name")


def create_service(actor: User | None, details: ServiceDetails) -> SupportService:
    """Add a support service (``actor`` is None for the demo seed, logged as the system)."""
    _check_service_details(details)
    created = SupportService(
        name=details.name, kind=details.kind, secure_email=details.secure_email.lower(), active=details.active
    )
    db.session.add(created)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DomainError("A service with this name already exists", field="name") from error
    audit.record(
        AuditAction.CREATE,
        "support_service",
        created.id,
        actor=actor,
        detail={"name": created.name, "kind": created.kind.value},
    )
    return created


def update_service(
    actor: User, support_service: SupportService, details: ServiceDetails, *, expected_version: int
) -> SupportService:
    """Change a service's name, kind, secure email or whether it takes referrals (optimistic locking)."""
    support_service.check_version(expected_version)
    _check_service_details(details, except_service=support_service)
    changes = {}
    for name, value in vars(details).items():
        value = value.lower() if name == "secure_email" else value
        before = getattr(support_service, name)
        if before != value:
            changes[name] = [str(before), str(value)]
            setattr(support_service, name, value)
    if changes:
        audit.record(
            AuditAction.UPDATE, "support_service", support_service.id, actor=actor, detail={"changes": changes}
        )
    db.session.flush()
    return support_service


def check_user_service(role: Role, support_service_id: int | None) -> int | None:
    """The service a user of ``role`` belongs to: required for advisers, none for everyone else."""
    if role != Role.ADVISER:
        return None
    if support_service_id is None:
        raise DomainError(
            "Select the support service: every victim support adviser belongs to one", field="support_service_id"
        )
    found = db.session.get(SupportService, support_service_id)
    if found is None or not found.active:
        raise DomainError("Select an active support service", field="support_service_id")
    return found.id


def _with_advisers(service_ids: set[int]) -> set[int]:
    """Which of these services have active advisers in Casework (one query)."""
    if not service_ids:
        return set()
    query = sa.select(User.support_service_id).where(
        User.support_service_id.in_(service_ids), User.role == Role.ADVISER, User.active
    )
    return set(db.session.execute(query.distinct()).scalars())


def _has_advisers(service_id: int) -> bool:
    return bool(_with_advisers({service_id}))


# --- Referrals: reading ------------------------------------------------------------------


def _referral_query() -> sa.Select[tuple[Referral]]:
    # populate_existing: a page shown again after a refused change reloads what the rollback expired.
    return (
        sa.select(Referral)
        .execution_options(populate_existing=True)
        .options(
            joinedload(Referral.party).joinedload(CaseParty.person),
            joinedload(Referral.service),
            joinedload(Referral.adviser),
            joinedload(Referral.consent_by),
        )
    )


def referrals_for(case: Case) -> list[Referral]:
    """Every referral of the case, newest first."""
    query = (
        _referral_query().where(Referral.case_id == case.id).order_by(Referral.created_at.desc(), Referral.id.desc())
    )
    return list(db.session.execute(query).unique().scalars())


def get_referral(case: Case, referral_id: int) -> Referral:
    """A referral of ``case``, or ``NotFound`` (also when it belongs to another case)."""
    found = (
        db.session.execute(_referral_query().where(Referral.id == referral_id, Referral.case_id == case.id))
        .unique()
        .scalar_one_or_none()
    )
    if found is None:
        raise NotFound("No such referral on this case")
    return found


def find_referral(referral_id: int) -> Referral:
    """A referral with its case loaded (access is checked by the caller), or ``NotFound``."""
    found = (
        db.session.execute(_referral_query().options(joinedload(Referral.case)).where(Referral.id == referral_id))
        .unique()
        .scalar_one_or_none()
    )
    if found is None:
        raise NotFound("No such referral")
    return found


def histories(referral_ids: list[int]) -> dict[int, list[ReferralStatusChange]]:
    """Each referral's dated status changes, oldest first (one query)."""
    if not referral_ids:
        return {}
    rows = db.session.execute(
        sa.select(ReferralStatusChange)
        .where(ReferralStatusChange.referral_id.in_(referral_ids))
        .options(joinedload(ReferralStatusChange.changed_by))
        .order_by(ReferralStatusChange.created_at, ReferralStatusChange.id)
    ).scalars()
    found: dict[int, list[ReferralStatusChange]] = defaultdict(list)
    for row in rows:
        found[row.referral_id].append(row)
    return dict(found)


def victims_of(case: Case) -> list[CaseParty]:
    """The victims of the case, who may be referred."""
    query = (
        sa.select(CaseParty)
        .where(CaseParty.case_id == case.id, CaseParty.role == PartyRole.VICTIM)
        .order_by(CaseParty.id)
    )
    return list(db.session.execute(query).scalars())


def is_overdue(referral: Referral, now: datetime) -> bool:
    """Consent was given and the details have not gone to the service within 2 working days."""
    return (
        referral.status == ReferralStatus.PROPOSED and referral.send_due_at is not None and referral.send_due_at < now
    )


# --- Referrals: changing ------------------------------------------------------------------


def _move(actor: User, referral: Referral, to_status: ReferralStatus, *, reason: str | None = None) -> None:
    """Move a referral along the table, as a dated history row and an audit event."""
    if to_status not in TRANSITIONS[referral.status]:
        raise DomainError(f"A referral cannot go from ‘{referral.status.label}’ to ‘{to_status.label}’")
    db.session.add(
        ReferralStatusChange(
            referral_id=referral.id,
            from_status=referral.status,
            to_status=to_status,
            reason=reason,
            changed_by_id=actor.id,
        )
    )
    audit.record(
        AuditAction.UPDATE,
        "case",
        referral.case_id,
        actor=actor,
        detail={"referral": referral.id, "status": [referral.status.value, to_status.value]},
    )
    referral.status = to_status


def propose_referral(actor: User, case: Case, *, party_id: int, service_id: int, reason: str) -> Referral:
    """Propose referring a victim of the case to a service; consent is asked next."""
    if not case.is_open:
        raise DomainError("This case is closed: make referrals while it is open")
    party = db.session.get(CaseParty, party_id)
    if party is None or party.case_id != case.id or party.role != PartyRole.VICTIM:
        raise DomainError("Choose a victim of this case", field="party_id")
    target = db.session.get(SupportService, service_id)
    if target is None or not target.active:
        raise DomainError("Choose an active support service", field="service_id")
    if not reason.strip():
        raise DomainError("Give the reason for the referral", field="reason")
    live = db.session.execute(
        sa.select(Referral.id).where(
            Referral.party_id == party.id, Referral.service_id == target.id, Referral.status.in_(LIVE_STATUSES)
        )
    ).first()
    if live is not None:
        raise DomainError("This victim already has a live referral to this service", field="service_id")
    referral = Referral(
        case_id=case.id,
        party_id=party.id,
        service_id=target.id,
        reason=reason.strip(),
        status=ReferralStatus.PROPOSED,
        created_by_id=actor.id,
    )
    db.session.add(referral)
    db.session.flush()
    db.session.add(
        ReferralStatusChange(
            referral_id=referral.id, from_status=None, to_status=ReferralStatus.PROPOSED, changed_by_id=actor.id
        )
    )
    audit.record(
        AuditAction.CREATE,
        "case",
        case.id,
        actor=actor,
        detail={"referral": referral.id, "service_id": target.id, "party_id": party.id},
    )
    db.session.flush()
    return referral


def consent_instant(day: date, *, now: datetime) -> datetime:
    """When consent given on ``day`` is taken to have been given: now if today (London), else noon that day."""
    if day == local_date(now):
        return now
    return datetime.combine(day, time(12), tzinfo=LONDON)


@dataclass(frozen=True)
class Consent:
    """The victim's answer to the referral, as recorded."""

    decision: ConsentDecision
    scope: str
    given_at: datetime
    method: ConsentMethod
    shares: frozenset[SharedDetail] = frozenset()  # the sealed contact details agreed to go to the service


def record_consent(actor: User, referral: Referral, consent: Consent, *, expected_version: int) -> Referral:
    """Record the victim's consent (or refusal). Consent starts the 2-working-day clock; a refusal ends the referral."""
    referral.check_version(expected_version)
    if referral.status != ReferralStatus.PROPOSED or referral.consent is not None:
        raise DomainError("Consent has already been recorded for this referral")
    if consent.given_at.tzinfo is None or consent.given_at > utcnow():
        raise DomainError("The date consent was given must be today or in the past", field="consent_on")
    reported_on = local_date(db.session.get_one(Case, referral.case_id).reported_at)
    if local_date(consent.given_at) < reported_on:
        raise DomainError(
            f"The date consent was given must be on or after the day the case was reported, {reported_on:%-d %B %Y}",
            field="consent_on",
        )
    if consent.decision == ConsentDecision.GIVEN and not consent.scope.strip():
        raise DomainError("Say what the victim agreed may be shared, and for what", field="scope")
    referral.consent = consent.decision
    referral.consent_scope = consent.scope.strip() or None
    referral.consent_at = consent.given_at
    referral.consent_method = consent.method
    referral.consent_by_id = actor.id
    given = consent.decision == ConsentDecision.GIVEN
    referral.consent_shares_address = given and SharedDetail.ADDRESS in consent.shares
    referral.consent_shares_phone = given and SharedDetail.PHONE in consent.shares
    referral.consent_shares_email = given and SharedDetail.EMAIL in consent.shares
    audit.record(
        AuditAction.UPDATE,
        "case",
        referral.case_id,
        actor=actor,
        detail={"referral": referral.id, "consent": consent.decision.value, "method": consent.method.value},
    )
    if consent.decision == ConsentDecision.DECLINED:
        _move(actor, referral, ReferralStatus.CONSENT_DECLINED, reason="The victim did not consent")
    else:
        referral.send_due_at = deadline(consent.given_at, SEND_WITHIN_WORKING_DAYS)
    db.session.flush()
    return referral


def send_referral(actor: User, referral: Referral, *, expected_version: int) -> Referral:
    """Send the referral to the service: only with the victim's consent given and not withdrawn.

    The service's advisers see it on their caseload at once. Passing the victim's details to the
    service is a disclosure (DPA 2018 s.62), logged with the recipient.
    """
    referral.check_version(expected_version)
    if referral.consent != ConsentDecision.GIVEN or referral.consent_withdrawn_at is not None:
        raise DomainError("Record the victim's consent before sending the referral")
    _move(actor, referral, ReferralStatus.SENT)
    now = utcnow()
    referral.sent_at = now
    referral.take_due_at = deadline(now, TAKE_WITHIN_WORKING_DAYS)
    service = db.session.get(SupportService, referral.service_id)
    audit.record(
        AuditAction.DISCLOSE,
        "case",
        referral.case_id,
        actor=actor,
        justification="Referral to a victim support service with the victim's consent (Victims' Code)",
        recipient=service.secure_email if service else None,
        detail={"referral": referral.id, "service_id": referral.service_id, "party_id": referral.party_id},
    )
    db.session.flush()
    return referral


def sent_in_words(referral: Referral) -> str:
    """What sending did: on the caseload of the service's advisers in Casework, or (a service without any) only
    recorded, the officer emailing the details to the service themselves."""
    name = referral.service.name
    if _has_advisers(referral.service_id):
        return f"The referral has been sent to {name}: it is on their advisers' caseload in Casework."
    return (
        f"The referral is recorded as sent. {name} does not use Casework: email the referral to "
        f"{referral.service.secure_email} now, with only the contact details the victim agreed to share."
    )


def withdraw_consent(actor: User, referral: Referral, *, reason: str, expected_version: int) -> Referral:
    """The victim withdrew consent: the referral stops wherever it is, and its follow-ups with it."""
    referral.check_version(expected_version)
    if referral.consent != ConsentDecision.GIVEN or referral.consent_withdrawn_at is not None:
        raise DomainError("There is no consent to withdraw on this referral")
    if not reason.strip():
        raise DomainError("Say how the victim withdrew consent", field="reason")
    _move(actor, referral, ReferralStatus.WITHDRAWN, reason=reason.strip())
    referral.consent_withdrawn_at = utcnow()
    referral.consent_withdrawn_by_id = actor.id
    _close_follow_ups(referral)
    db.session.flush()
    return referral


def _ensure_adviser_of(actor: User, referral: Referral) -> None:
    if actor.role != Role.ADVISER or actor.support_service_id != referral.service_id:
        raise DomainError("Only an adviser of the service can do this")


def take_referral(actor: User, referral: Referral, *, expected_version: int) -> Referral:
    """An adviser of the service takes a sent referral: it is accepted and theirs."""
    referral.check_version(expected_version)
    _ensure_adviser_of(actor, referral)
    _move(actor, referral, ReferralStatus.ACCEPTED)
    referral.adviser_id = actor.id
    referral.accepted_at = utcnow()
    db.session.flush()
    return referral


def decline_referral(actor: User, referral: Referral, *, reason: str, expected_version: int) -> Referral:
    """An adviser of the service declines a sent referral, with the reason."""
    referral.check_version(expected_version)
    _ensure_adviser_of(actor, referral)
    if not reason.strip():
        raise DomainError("Give the reason the service cannot take the referral", field="reason")
    _move(actor, referral, ReferralStatus.DECLINED, reason=reason.strip())
    referral.decline_reason = reason.strip()
    db.session.flush()
    return referral


def record_response(actor: User, referral: Referral, *, accepted: bool, reason: str, expected_version: int) -> Referral:
    """Record the answer of a service that does not use Casework (accepted, or declined with the reason)."""
    referral.check_version(expected_version)
    if referral.status != ReferralStatus.SENT:
        raise DomainError("Only a referral sent to the service can have its answer recorded")
    if _has_advisers(referral.service_id):
        raise DomainError("This service's advisers answer referrals themselves in Casework")
    if not accepted and not reason.strip():
        raise DomainError("Give the reason the service declined", field="reason")
    if accepted:
        _move(actor, referral, ReferralStatus.ACCEPTED, reason=reason.strip() or None)
        referral.accepted_at = utcnow()
    else:
        _move(actor, referral, ReferralStatus.DECLINED, reason=reason.strip())
        referral.decline_reason = reason.strip()
    db.session.flush()
    return referral


def close_referral(
    actor: User, referral: Referral, *, outcome: ReferralOutcome, notes: str, expected_version: int
) -> Referral:
    """The service has finished: close an accepted referral with its outcome."""
    referral.check_version(expected_version)
    _ensure_adviser_of(actor, referral)
    if outcome == ReferralOutcome.OTHER and not notes.strip():
        raise DomainError("Describe the outcome", field="notes")
    _move(actor, referral, ReferralStatus.CLOSED, reason=outcome.label)
    referral.outcome = outcome
    referral.outcome_notes = notes.strip() or None
    referral.closed_at = utcnow()
    _close_follow_ups(referral)
    db.session.flush()
    return referral


# --- Aftercare ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """One area of a needs assessment, rated, with notes."""

    rating: NeedRating
    notes: str = ""


@dataclass(frozen=True)
class AftercareDetails:
    """A piece of aftercare work, as the adviser records it."""

    kind: AftercareKind
    occurred_on: date
    summary: str
    next_steps: str
    follow_up_on: date
    notes: str = ""
    needs: dict[NeedArea, Need] = field(default_factory=dict)
    special_measures: str = ""
    pre_trial_visit_on: date | None = None
    witness_service: bool | None = None


def _today() -> date:
    return local_date(utcnow())


def add_aftercare(actor: User, referral: Referral, details: AftercareDetails) -> AftercareEntry:
    """Record aftercare on an accepted referral. The entry is the follow-up of the earlier ones."""
    _ensure_adviser_of(actor, referral)
    if referral.status != ReferralStatus.ACCEPTED:
        raise DomainError("Aftercare is recorded on accepted referrals only")
    today = _today()
    if details.occurred_on > today:
        raise DomainError("The date of this work must be today or in the past", field="occurred_on")
    if referral.sent_at is not None and details.occurred_on < (sent_on := local_date(referral.sent_at)):
        raise DomainError(
            f"The date of this work must be on or after the day the referral was sent, {sent_on:%-d %B %Y}",
            field="occurred_on",
        )
    if details.follow_up_on < today:
        raise DomainError("The follow-up date must be today or in the future", field="follow_up_on")
    if not details.summary.strip():
        raise DomainError("Write a summary for the officer in case", field="summary")
    if not details.next_steps.strip():
        raise DomainError("Write the next steps", field="next_steps")
    needs = None
    if details.kind == AftercareKind.NEEDS_ASSESSMENT:
        missing = [area for area in NeedArea if area not in details.needs]
        if missing:
            raise DomainError(f"Rate the need for {missing[0].label.lower()}", field=f"need_{missing[0].value}")
        needs = {area.value: {"rating": need.rating.value, "notes": need.notes} for area, need in details.needs.items()}
    court = details.kind == AftercareKind.COURT_SUPPORT
    _close_follow_ups(referral)
    entry = AftercareEntry(
        referral_id=referral.id,
        kind=details.kind,
        occurred_on=details.occurred_on,
        recorded_by_id=actor.id,
        summary=details.summary.strip(),
        notes=details.notes.strip() or None,
        next_steps=details.next_steps.strip(),
        follow_up_on=details.follow_up_on,
        follow_up_due_at=end_of_local_day(details.follow_up_on),
        needs=needs,
        special_measures=(details.special_measures.strip() or None) if court else None,
        pre_trial_visit_on=details.pre_trial_visit_on if court else None,
        witness_service=details.witness_service if court else None,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        AuditAction.UPDATE,
        "case",
        referral.case_id,
        actor=actor,
        detail={"referral": referral.id, "aftercare_added": entry.id, "kind": details.kind.value},
    )
    return entry


def _close_follow_ups(referral: Referral) -> None:
    db.session.execute(
        sa.update(AftercareEntry)
        .where(AftercareEntry.referral_id == referral.id, AftercareEntry.follow_up_closed_at.is_(None))
        .values(follow_up_closed_at=utcnow())
    )


def aftercare_for(referral_ids: list[int]) -> dict[int, list[AftercareEntry]]:
    """Each referral's aftercare entries, newest first (one query)."""
    if not referral_ids:
        return {}
    rows = db.session.execute(
        sa.select(AftercareEntry)
        .where(AftercareEntry.referral_id.in_(referral_ids))
        .options(joinedload(AftercareEntry.recorded_by))
        .order_by(AftercareEntry.occurred_on.desc(), AftercareEntry.id.desc())
    ).scalars()
    found: dict[int, list[AftercareEntry]] = defaultdict(list)
    for row in rows:
        found[row.referral_id].append(row)
    return dict(found)


@dataclass(frozen=True)
class AftercareSummary:
    """What the officer in case sees of an aftercare entry: never the service's own notes or needs."""

    kind: str
    occurred_on: date
    by: str
    summary: str
    follow_up_on: date


def aftercare_summaries(referral_ids: list[int]) -> dict[int, list[AftercareSummary]]:
    """Aftercare summaries per referral, for the officer in case (one query)."""
    return {
        referral_id: [
            AftercareSummary(
                entry.kind.label, entry.occurred_on, entry.recorded_by.full_name, entry.summary, entry.follow_up_on
            )
            for entry in entries
        ]
        for referral_id, entries in aftercare_for(referral_ids).items()
    }


# --- The officer's support tab ------------------------------------------------------------


@dataclass(frozen=True)
class SupportTab:
    """Everything the Support tab shows a police viewer."""

    referrals: list[Referral]
    histories: dict[int, list[ReferralStatusChange]]
    aftercare: dict[int, list[AftercareSummary]] | None
    respondable: set[int]
    overdue: list[Referral]
    victims: list[CaseParty]
    in_casework: set[int]  # the services whose advisers read referrals in Casework (the others are emailed by hand)


def support_tab(viewer: User, case: Case) -> SupportTab:
    """Referrals, consent and history; aftercare summaries only for the officer in case and supervisor."""
    referrals = referrals_for(case)
    ids = [referral.id for referral in referrals]
    sees_aftercare = can(viewer, Permission.AFTERCARE_SUMMARY_VIEW, case)
    sent = [referral for referral in referrals if referral.status == ReferralStatus.SENT]
    in_casework = _with_advisers({referral.service_id for referral in referrals})
    now = utcnow()
    return SupportTab(
        referrals=referrals,
        histories=histories(ids),
        aftercare=aftercare_summaries(ids) if sees_aftercare else None,
        respondable={referral.id for referral in sent if referral.service_id not in in_casework},
        overdue=[referral for referral in referrals if is_overdue(referral, now)],
        victims=victims_of(case),
        in_casework=in_casework,
    )


# --- The adviser's view of a case ---------------------------------------------------------


@dataclass(frozen=True)
class ContactPreferences:
    """How to reach the victim safely (not sealed)."""

    preferred_method: str | None
    safe_times: str | None
    voicemail_safe: bool
    texts_safe: bool
    letters_safe: bool
    email_safe: bool
    language: str | None
    interpreter_needed: bool
    uses_bsl: bool
    uses_textphone: bool
    access_needs: str | None


@dataclass(frozen=True)
class SealedContact:
    """The victim's sealed details that they consented to share with the service: the others are ``None``."""

    address: str | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class ReferredVictim:
    """One referral to the adviser's service, with the victim-facing facts an adviser may see."""

    referral_id: int
    version: int
    status: str
    status_value: str
    service: str
    reason: str
    consent_scope: str | None
    sent_at: datetime | None
    adviser: str | None
    mine: bool
    name: str
    contact: ContactPreferences | None
    sealed: SealedContact | None
    aftercare: list[AftercareEntry]


@dataclass(frozen=True)
class SharedNote:
    """A shareable investigation log entry."""

    at: datetime
    author: str
    body: str


@dataclass(frozen=True)
class OrderInForce:
    """A protective order protecting the victim now: what it is, against whom, until when, what it forbids."""

    order_type: str
    subject_name: str
    until: str
    prohibitions: str


@dataclass(frozen=True)
class AdviserCase:
    """The victim-facing part of a case: all an adviser's page receives."""

    case_id: int
    reference: str
    officer_name: str | None
    officer_email: str | None
    victims: list[ReferredVictim]
    orders: list[OrderInForce]
    notes: list[SharedNote]


def orders_in_force_for_adviser(case: Case) -> list[OrderInForce]:
    """The orders protecting the victim now, as an adviser may see them: the subject's name and nothing more."""
    return [
        OrderInForce(
            order_type=order.name,
            subject_name=order.subject_name,
            until=_until(order.expires_on, until_further_order=order.until_further_order),
            prohibitions=order.prohibitions or "",
        )
        for order in orders.orders_in_force(case)
    ]


def _until(expires_on: date | None, *, until_further_order: bool) -> str:
    if until_further_order:
        return "Until further order"
    return f"Until {expires_on:%-d %B %Y}" if expires_on else "No end date recorded"


def _contact_preferences(contact: VictimContact | None) -> ContactPreferences | None:
    if contact is None:
        return None
    return ContactPreferences(
        preferred_method=contact.preferred_method.label if contact.preferred_method else None,
        safe_times=contact.safe_times,
        voicemail_safe=contact.voicemail_safe,
        texts_safe=contact.texts_safe,
        letters_safe=contact.letters_safe,
        email_safe=contact.email_safe,
        language=contact.language,
        interpreter_needed=contact.interpreter_needed,
        uses_bsl=contact.uses_bsl,
        uses_textphone=contact.uses_textphone,
        access_needs=contact.access_needs,
    )


def adviser_case(actor: User, case: Case) -> AdviserCase:
    """The victim-facing part of ``case`` for an adviser whose service holds a sent or accepted referral on it.

    Only the referred victims, their contact preferences, their sealed details where they agreed
    to share them (each showing logged as a disclosure), the orders in force, shareable notes, the
    reference and the officer in case, and this service's own aftercare. The caller has checked
    ``Permission.SUPPORT_CASE_VIEW``.
    """
    rows = db.session.execute(
        sa.select(Referral, Person, VictimContact, SupportService.name)
        .join(CaseParty, CaseParty.id == Referral.party_id)
        .join(Person, Person.id == CaseParty.person_id)
        .join(SupportService, SupportService.id == Referral.service_id)
        .outerjoin(VictimContact, VictimContact.party_id == CaseParty.id)
        .where(
            Referral.case_id == case.id,
            Referral.service_id == actor.support_service_id,
            Referral.status.in_((ReferralStatus.SENT, ReferralStatus.ACCEPTED)),
        )
        .options(joinedload(Referral.adviser))
        .order_by(Referral.id)
    ).all()
    aftercare = aftercare_for([referral.id for referral, *_ in rows])
    victims = []
    for referral, person, contact, service_name in rows:
        sealed = None
        if contact is not None and can(actor, Permission.REFERRAL_CONTACT_DETAILS, referral):
            shared = referral.shared_details
            sealed = SealedContact(
                contact.sealed_address if SharedDetail.ADDRESS in shared else None,
                contact.sealed_phone if SharedDetail.PHONE in shared else None,
                contact.sealed_email if SharedDetail.EMAIL in shared else None,
            )
            audit.record(
                AuditAction.DISCLOSE,
                "case",
                case.id,
                actor=actor,
                justification="Victim support referral: the victim consented to share contact details with the service",
                recipient=actor.email,
                detail={
                    "sealed_details_of_party": referral.party_id,
                    "referral": referral.id,
                    "details": [detail.value for detail in shared],
                },
            )
        victims.append(
            ReferredVictim(
                referral_id=referral.id,
                version=referral.version_id,
                status=referral.status.label,
                status_value=referral.status.value,
                service=service_name,
                reason=referral.reason,
                consent_scope=referral.consent_scope,
                sent_at=referral.sent_at,
                adviser=referral.adviser.full_name if referral.adviser else None,
                mine=referral.adviser_id == actor.id,
                name=person.full_name,
                contact=_contact_preferences(contact),
                sealed=sealed,
                aftercare=aftercare.get(referral.id, []),
            )
        )
    notes = [
        SharedNote(note.created_at, note.author.full_name, note.body)
        for note in cases.notes_for(case, include_police_only=False)
    ]
    return AdviserCase(
        case_id=case.id,
        reference=case.reference,
        officer_name=case.officer.full_name if case.officer else None,
        officer_email=case.officer.email if case.officer else None,
        victims=victims,
        orders=orders_in_force_for_adviser(case),
        notes=notes,
    )


# --- The adviser's caseload ---------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadEntry:
    """One line of an adviser's caseload."""

    referral_id: int
    case_id: int
    reference: str
    victim: str
    since: datetime | None
    due_at: datetime | None
    overdue: bool
    what: str = ""


@dataclass(frozen=True)
class Caseload:
    """An adviser's home page: referrals to take, their own open referrals, aftercare due."""

    to_take: list[CaseloadEntry]
    mine: list[CaseloadEntry]
    due: list[CaseloadEntry]

    def case_ids(self) -> list[int]:
        """Every case shown (for the consultation log)."""
        return sorted({entry.case_id for entry in (*self.to_take, *self.mine, *self.due)})


def _open_follow_up() -> sa.Subquery:
    return (
        sa.select(
            AftercareEntry.referral_id,
            sa.func.min(AftercareEntry.follow_up_due_at).label("due_at"),
        )
        .where(AftercareEntry.follow_up_closed_at.is_(None))
        .group_by(AftercareEntry.referral_id)
        .subquery()
    )


def caseload(adviser: User) -> Caseload:
    """The adviser's caseload in three queries, whatever its size."""
    if adviser.role != Role.ADVISER or adviser.support_service_id is None:
        return Caseload([], [], [])
    now = utcnow()
    base = (
        sa.select(Referral.id, Referral.case_id, Case.reference, Person.first_name, Person.last_name)
        .join(Case, Case.id == Referral.case_id)
        .join(CaseParty, CaseParty.id == Referral.party_id)
        .join(Person, Person.id == CaseParty.person_id)
    )
    on_access_list = adviser_cases_clause(adviser)  # the same rule as the case page, so a list never shows more
    to_take = db.session.execute(
        base.add_columns(Referral.sent_at, Referral.take_due_at)
        .where(
            Referral.service_id == adviser.support_service_id,
            Referral.status == ReferralStatus.SENT,
            on_access_list,
        )
        .order_by(Referral.sent_at, Referral.id)
    ).all()
    follow_up = _open_follow_up()
    mine = db.session.execute(
        base.add_columns(Referral.accepted_at, follow_up.c.due_at)
        .outerjoin(follow_up, follow_up.c.referral_id == Referral.id)
        .where(
            Referral.adviser_id == adviser.id,
            Referral.service_id == adviser.support_service_id,
            Referral.status == ReferralStatus.ACCEPTED,
            on_access_list,
        )
        .order_by(follow_up.c.due_at.is_(None), follow_up.c.due_at, Referral.id)
    ).all()
    end_of_today = end_of_local_day(local_date(now))
    due = db.session.execute(
        base.add_columns(AftercareEntry.kind, AftercareEntry.follow_up_due_at)
        .join(AftercareEntry, AftercareEntry.referral_id == Referral.id)
        .where(
            Referral.adviser_id == adviser.id,
            Referral.service_id == adviser.support_service_id,
            Referral.status == ReferralStatus.ACCEPTED,
            AftercareEntry.follow_up_closed_at.is_(None),
            AftercareEntry.follow_up_due_at <= end_of_today,
            on_access_list,
        )
        .order_by(AftercareEntry.follow_up_due_at, AftercareEntry.id)
    ).all()
    return Caseload(
        to_take=[
            CaseloadEntry(rid, cid, ref, f"{first} {last}", sent_at, take_due, take_due is not None and take_due < now)
            for rid, cid, ref, first, last, sent_at, take_due in to_take
        ],
        mine=[
            CaseloadEntry(rid, cid, ref, f"{first} {last}", accepted, due_at, due_at is not None and due_at < now)
            for rid, cid, ref, first, last, accepted, due_at in mine
        ],
        due=[
            CaseloadEntry(
                rid, cid, ref, f"{first} {last}", None, due_at, due_at < now, f"Follow up: {kind.label.lower()}"
            )
            for rid, cid, ref, first, last, kind, due_at in due
        ],
    )


# --- Registered into the case hub ---------------------------------------------------------


# A case page's statements, built once (``statements`` explains why), the case as a bound parameter.
_LIVE_REFERRALS = (
    sa.select(Referral, SupportService.name)
    .join(SupportService, SupportService.id == Referral.service_id)
    .where(
        Referral.case_id == sa.bindparam("case_id"),
        Referral.status.in_((ReferralStatus.PROPOSED, ReferralStatus.SENT)),
    )
    .order_by(Referral.id)
)
_REFERRALS_BY_STATUS = (
    sa.select(
        Referral.status,
        sa.func.count(),
        sa.func.count().filter(Referral.status == ReferralStatus.PROPOSED, Referral.send_due_at < sa.bindparam("now")),
    )
    .where(Referral.case_id == sa.bindparam("case_id"))
    .group_by(Referral.status)
)


def _live_referrals(case: Case) -> list[tuple[Referral, str]]:
    rows = db.session.execute(_LIVE_REFERRALS, {"case_id": case.id}).all()
    return [(referral, name) for referral, name in rows]


def _open_item(referral: Referral, service_name: str, now: datetime) -> str:
    if referral.status == ReferralStatus.SENT:
        return f"Referral to {service_name} is waiting for the service's answer"
    if referral.consent is None:
        return f"Referral to {service_name} is waiting for the victim's consent"
    overdue = " – overdue" if is_overdue(referral, now) else ""
    return f"Referral to {service_name} has not been sent{overdue}"


@registry.open_items_provider
def _referrals_open(case: Case) -> list[str]:
    now = utcnow()
    return [_open_item(referral, name, now) for referral, name in _live_referrals(case)]


@registry.task_provider
def _referral_task(case: Case) -> list[registry.Task]:
    counted = db.session.execute(_REFERRALS_BY_STATUS, {"case_id": case.id, "now": utcnow()}).all()
    statuses = {status: count for status, count, _ in counted}
    overdue = any(late_count for _, _, late_count in counted)
    if overdue:
        state = registry.TaskState.OVERDUE
    elif any(statuses.get(status) for status in (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.CLOSED)):
        state = registry.TaskState.DONE
    else:
        state = registry.TaskState.TO_DO
    return [
        registry.Task(
            "Referred to support",
            state,
            href=f"/cases/{case.id}/support",
            hint="Details go to the service within 2 working days of the victim's consent",
            order=40,
        )
    ]


@registry.timeline_provider
def _referral_timeline(case: Case, viewer: registry.Viewer) -> list[registry.TimelineEntry]:
    rows = db.session.execute(
        sa.select(ReferralStatusChange, SupportService.name)
        .join(Referral, Referral.id == ReferralStatusChange.referral_id)
        .join(SupportService, SupportService.id == Referral.service_id)
        .where(Referral.case_id == case.id)
        .options(joinedload(ReferralStatusChange.changed_by))
    ).all()
    return [
        registry.TimelineEntry(
            change.created_at,
            f"Referral to {name}: {change.to_status.label.lower()}",
            change.changed_by.full_name,
            change.reason,
        )
        for change, name in rows
    ]


@registry.worklist_provider
def _referrals_to_send(user: User) -> list[registry.WorkItem]:
    """For the officer in case: referrals with consent given, not yet sent; overdue ones in red."""
    if user.role not in {Role.OFFICER, Role.SUPERVISOR}:
        return []
    now = utcnow()
    rows = db.session.execute(
        sa.select(Referral.case_id, Case.reference, Referral.send_due_at, SupportService.name)
        .join(Case, Case.id == Referral.case_id)
        .join(SupportService, SupportService.id == Referral.service_id)
        .where(
            Case.officer_id == user.id,
            Referral.status == ReferralStatus.PROPOSED,
            Referral.send_due_at.is_not(None),
        )
        .order_by(Referral.send_due_at)
    ).all()
    return [
        registry.WorkItem(
            case_id=case_id,
            reference=reference,
            reason=f"Send the referral to {name} (2 working days from consent)",
            due_at=due_at,
            overdue=due_at < now,
            href=f"/cases/{case_id}/support",
            action="Send the referral",
        )
        for case_id, reference, due_at, name in rows
    ]


def _referral_to_send_query(horizon: datetime) -> sa.Select[tuple[int, int, datetime, int]]:
    return (
        sa.select(
            Referral.case_id.label("case_id"),
            Referral.id.label("object_id"),
            Referral.send_due_at.label("due_at"),
            Case.officer_id.label("recipient_id"),
        )
        .join(Case, Case.id == Referral.case_id)
        .where(
            Referral.status == ReferralStatus.PROPOSED,
            Referral.send_due_at.is_not(None),
            Referral.send_due_at <= horizon,
            Case.officer_id.is_not(None),
        )
    )


def _referral_still_to_send(referral_id: int) -> bool:
    referral = db.session.get(Referral, referral_id)
    return referral is not None and referral.status == ReferralStatus.PROPOSED and referral.send_due_at is not None


def _follow_up_query(horizon: datetime) -> sa.Select[tuple[int, int, datetime, int]]:
    return (
        sa.select(
            Referral.case_id.label("case_id"),
            AftercareEntry.id.label("object_id"),
            AftercareEntry.follow_up_due_at.label("due_at"),
            Referral.adviser_id.label("recipient_id"),
        )
        .join(Referral, Referral.id == AftercareEntry.referral_id)
        .where(
            AftercareEntry.follow_up_closed_at.is_(None),
            AftercareEntry.follow_up_due_at <= horizon,
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.adviser_id.is_not(None),
        )
    )


def _follow_up_still_open(entry_id: int) -> bool:
    row = db.session.execute(
        sa.select(AftercareEntry.follow_up_closed_at, Referral.status)
        .join(Referral, Referral.id == AftercareEntry.referral_id)
        .where(AftercareEntry.id == entry_id)
    ).first()
    return row is not None and row[0] is None and row[1] == ReferralStatus.ACCEPTED


REFERRAL_TO_SEND = registry.obligation_source(
    registry.ObligationSource(
        kind="referral_to_send",
        label="Referral to send to the support service",
        query=_referral_to_send_query,
        still_open=_referral_still_to_send,
    )
)
AFTERCARE_FOLLOW_UP = registry.obligation_source(
    registry.ObligationSource(
        kind="aftercare_follow_up",
        label="Aftercare follow-up due",
        query=_follow_up_query,
        still_open=_follow_up_still_open,
    )
)


# --- Overdue in the case lists: the same SQL as the reminder source, due before now -----------------


def _referral_send_overdue(now: datetime) -> sa.Select[tuple[int]]:
    return sa.select(_referral_to_send_query(now).subquery().c.case_id)


def _send_due_since() -> sa.ColumnElement[Any]:
    return earliest_per_case(Referral.send_due_at, Referral.case_id, Referral.status == ReferralStatus.PROPOSED)


registry.overdue_reason(
    registry.OverdueReason(
        "referral_to_send",
        "Referral not sent within 2 working days",
        _referral_send_overdue,
        70,
        since=_send_due_since,
        watches=(Referral,),
    )
)
