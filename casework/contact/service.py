"""Keeping victims updated: agreeing and changing contact plans, do-not-contact flags, logging
contacts, and recording the key decisions every victim of the case must be told about.

Deadlines after a key decision come from ``workdays.deadline`` (Victims' Code: 1 working day for
victims entitled to enhanced rights, 5 otherwise). Every change is audited on the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import Role, User
from casework.cases.models import Case
from casework.cases.queries import overdue_instant
from casework.contact.models import (
    ContactAttempt,
    ContactOutcome,
    ContactPlan,
    ContactPlanChange,
    DecisionKind,
    DecisionNotice,
    DoNotContact,
    KeyDecision,
    MessageChannel,
    Schedule,
)
from casework.db import utcnow
from casework.errors import DomainError, NotFound
from casework.extensions import db
from casework.people.models import CaseParty, ContactMethod, PartyRole, VictimContact
from casework.workdays import LONDON, deadline, end_of_local_day, local_date

OFFERED_FREQUENCIES = (7, 14, 28)
MIN_FREQUENCY_DAYS, MAX_FREQUENCY_DAYS = 1, 90
# The local enhanced standard (DOMAIN.md): within 24 hours of the report, at 10 days, then every 28 days.
ENHANCED_FIRST_UPDATE = timedelta(hours=24)
ENHANCED_SECOND_UPDATE_DAY = 10
ENHANCED_THEN_EVERY_DAYS = 28
# Victims' Code: tell the victim of a key decision within 1 working day (enhanced rights) or 5.
ENHANCED_DEADLINE_WORKING_DAYS = 1
STANDARD_DEADLINE_WORKING_DAYS = 5
# The owner is reminded of a hearing a week before it, in time to tell and prepare the victim.
COURT_REMINDER_DAYS_BEFORE = 7
# Reminders that fall on a day (a do-not-contact review, a hearing) are due at the start of the working day.
REMINDER_TIME = time(9, 0)
OWNER_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})
PLAN_AGREED = "Plan agreed with the victim"


@dataclass(frozen=True)
class PlanTerms:
    """What is agreed with a victim about their updates."""

    schedule: Schedule
    frequency_days: int | None = None
    owner_id: int | None = None
    message_channel: MessageChannel | None = None

    def as_record(self) -> dict[str, object]:
        """The terms as stored in a plan's history row."""
        return {
            "schedule": self.schedule.value,
            "frequency_days": self.frequency_days,
            "owner_id": self.owner_id,
            "message_channel": self.message_channel.value if self.message_channel else None,
        }


@dataclass(frozen=True)
class NewContact:
    """One attempt to contact a victim, as the officer records it."""

    contacted_at: datetime
    method: ContactMethod
    outcome: ContactOutcome
    discussed: str | None = None
    notice_ids: Sequence[int] = field(default_factory=tuple)


def at_reminder_time(day: date) -> datetime:
    """09:00 Europe/London on ``day``, as an aware instant."""
    return datetime.combine(day, REMINDER_TIME, tzinfo=LONDON)


def notice_deadline(decided_at: datetime, enhanced_rights: bool) -> datetime:
    """When a victim must have been told of a key decision (Victims' Code, via ``workdays.deadline``)."""
    days = ENHANCED_DEADLINE_WORKING_DAYS if enhanced_rights else STANDARD_DEADLINE_WORKING_DAYS
    return deadline(decided_at, days)


def next_update_due(
    terms: PlanTerms, *, reported_at: datetime, last_update_at: datetime | None, now: datetime
) -> datetime:
    """When the next scheduled update is due.

    Every N days counts from the last update (or from now, when the plan is agreed or changed
    before any update) and ends at the end of that local day. The enhanced standard is due
    24 hours after the report, then at the end of the 10th day after it, then every 28 days.
    """
    if terms.schedule == Schedule.ENHANCED_STANDARD:
        if last_update_at is None:
            return reported_at + ENHANCED_FIRST_UPDATE
        tenth_day = local_date(reported_at) + timedelta(days=ENHANCED_SECOND_UPDATE_DAY)
        if local_date(last_update_at) < tenth_day:
            return end_of_local_day(tenth_day)
        return end_of_local_day(local_date(last_update_at) + timedelta(days=ENHANCED_THEN_EVERY_DAYS))
    anchor = last_update_at or now
    return end_of_local_day(local_date(anchor) + timedelta(days=terms.frequency_days or 0))


# --- Reading --------------------------------------------------------------------------------


def victims_of(case: Case) -> list[CaseParty]:
    """The case's victims with their contact preferences (one query)."""
    query = (
        sa.select(CaseParty)
        .where(CaseParty.case_id == case.id, CaseParty.role == PartyRole.VICTIM)
        .options(selectinload(CaseParty.contact))
        .order_by(CaseParty.id)
    )
    return list(db.session.execute(query).scalars())


def get_victim(case: Case, party_id: int) -> CaseParty:
    """A victim of this case, or ``NotFound``."""
    party = db.session.execute(
        sa.select(CaseParty)
        .where(CaseParty.id == party_id, CaseParty.case_id == case.id, CaseParty.role == PartyRole.VICTIM)
        .options(selectinload(CaseParty.contact))
    ).scalar_one_or_none()
    if party is None:
        raise NotFound("No such victim on this case")
    return party


def plan_for(party: CaseParty) -> ContactPlan | None:
    """The victim's contact plan, if one was agreed."""
    return db.session.execute(sa.select(ContactPlan).where(ContactPlan.party_id == party.id)).scalar_one_or_none()


def open_flag(party: CaseParty) -> DoNotContact | None:
    """The victim's do-not-contact flag in force, if any."""
    query = sa.select(DoNotContact).where(DoNotContact.party_id == party.id, DoNotContact.lifted_at.is_(None))
    return db.session.execute(query).scalar_one_or_none()


def open_notices(case: Case, party_id: int | None = None) -> list[DecisionNotice]:
    """Key decisions not yet told to the case's victims (or to one of them), oldest deadline first."""
    query = (
        sa.select(DecisionNotice)
        .where(DecisionNotice.case_id == case.id, DecisionNotice.discharged_at.is_(None))
        .options(joinedload(DecisionNotice.decision))
        .order_by(DecisionNotice.due_at, DecisionNotice.id)
    )
    if party_id is not None:
        query = query.where(DecisionNotice.party_id == party_id)
    return list(db.session.execute(query).scalars())


def owners_for(case: Case) -> list[User]:
    """Who may own a victim's contact: active officers and supervisors of the case's team."""
    query = (
        sa.select(User)
        .where(User.team_id == case.team_id, User.active, User.role.in_(OWNER_ROLES))
        .order_by(User.full_name)
    )
    return list(db.session.execute(query).scalars())


def safe_channels(contact: VictimContact | None) -> list[MessageChannel]:
    """The message channels the victim's record marks safe (the only ones they may opt in to)."""
    if contact is None:
        return []
    safe = {MessageChannel.EMAIL: contact.email_safe, MessageChannel.SMS: contact.texts_safe}
    return [channel for channel, is_safe in safe.items() if is_safe]


@dataclass
class VictimOverview:
    """Everything the contact tab shows for one victim."""

    party: CaseParty
    plan: ContactPlan | None = None
    history: list[ContactPlanChange] = field(default_factory=list)
    flag: DoNotContact | None = None
    past_flags: list[DoNotContact] = field(default_factory=list)
    open_notices: list[DecisionNotice] = field(default_factory=list)
    update_overdue: bool = False


@dataclass
class ContactOverview:
    """The contact tab of a case: victims with their plans and flags, key decisions, the log.

    What is overdue is judged here, at the lists' instant (``queries.overdue_instant``) and by the overdue
    reasons' rules: a scheduled update only while the case is open and no do-not-contact is in force; a
    key decision's notice until the victim is told, open case or closed.
    """

    victims: list[VictimOverview]
    decisions: list[tuple[KeyDecision, list[DecisionNotice]]]
    attempts: list[ContactAttempt]
    updates_stopped: bool = False
    overdue_notice_ids: frozenset[int] = frozenset()

    def victim(self, party_id: int) -> VictimOverview | None:
        """One victim's overview, by ``case_parties.id``."""
        return next((victim for victim in self.victims if victim.party.id == party_id), None)


def overview(case: Case, *, now: datetime | None = None) -> ContactOverview:
    """The contact tab's data in seven queries, whatever the number of contacts and decisions."""
    at = overdue_instant(now or utcnow())
    victims = {party.id: VictimOverview(party) for party in victims_of(case)}
    plans = db.session.execute(
        sa.select(ContactPlan).where(ContactPlan.case_id == case.id).options(joinedload(ContactPlan.owner))
    ).scalars()
    plan_parties = {}
    for plan in plans:
        if plan.party_id in victims:
            victims[plan.party_id].plan = plan
            plan_parties[plan.id] = plan.party_id
    changes = db.session.execute(
        sa.select(ContactPlanChange)
        .join(ContactPlan, ContactPlan.id == ContactPlanChange.plan_id)
        .where(ContactPlan.case_id == case.id)
        .options(joinedload(ContactPlanChange.changed_by))
        .order_by(ContactPlanChange.created_at.desc(), ContactPlanChange.id.desc())
    ).scalars()
    for change in changes:
        victims[plan_parties[change.plan_id]].history.append(change)
    flags = db.session.execute(
        sa.select(DoNotContact)
        .where(DoNotContact.case_id == case.id)
        .options(joinedload(DoNotContact.set_by), joinedload(DoNotContact.lifted_by))
        .order_by(DoNotContact.created_at.desc(), DoNotContact.id.desc())
    ).scalars()
    for flag in flags:
        if flag.party_id in victims:
            if flag.lifted_at is None:
                victims[flag.party_id].flag = flag
            else:
                victims[flag.party_id].past_flags.append(flag)
    decisions = list(
        db.session.execute(
            sa.select(KeyDecision)
            .where(KeyDecision.case_id == case.id)
            .options(joinedload(KeyDecision.recorded_by))
            .order_by(KeyDecision.decided_at.desc(), KeyDecision.id.desc())
        ).scalars()
    )
    notices_by_decision: dict[int, list[DecisionNotice]] = {decision.id: [] for decision in decisions}
    notices = db.session.execute(
        sa.select(DecisionNotice)
        .where(DecisionNotice.case_id == case.id)
        .options(joinedload(DecisionNotice.decision))
        .order_by(DecisionNotice.id)
    ).scalars()
    for notice in notices:
        notices_by_decision.setdefault(notice.decision_id, []).append(notice)
        if notice.discharged_at is None and notice.party_id in victims:
            victims[notice.party_id].open_notices.append(notice)
    attempts = list(
        db.session.execute(
            sa.select(ContactAttempt)
            .where(ContactAttempt.case_id == case.id)
            .options(joinedload(ContactAttempt.made_by))
            .order_by(ContactAttempt.contacted_at.desc(), ContactAttempt.id.desc())
        ).scalars()
    )
    for victim in victims.values():
        victim.update_overdue = bool(
            case.is_open and victim.plan and victim.flag is None and victim.plan.next_update_due_at < at
        )
    return ContactOverview(
        victims=list(victims.values()),
        decisions=[(decision, notices_by_decision[decision.id]) for decision in decisions],
        attempts=attempts,
        updates_stopped=not case.is_open,
        overdue_notice_ids=frozenset(
            notice.id
            for notices in notices_by_decision.values()
            for notice in notices
            if notice.discharged_at is None and notice.due_at < at
        ),
    )


# --- Contact plans -----------------------------------------------------------------------------


def _check_terms(case: Case, party: CaseParty, terms: PlanTerms) -> None:
    if terms.schedule == Schedule.EVERY_N_DAYS:
        days = terms.frequency_days
        if days is None or not MIN_FREQUENCY_DAYS <= days <= MAX_FREQUENCY_DAYS:
            raise DomainError(
                f"Enter how often to update the victim: a whole number of days "
                f"from {MIN_FREQUENCY_DAYS} to {MAX_FREQUENCY_DAYS}",
                field="frequency_days",
            )
    elif terms.frequency_days is not None:
        raise DomainError(
            "The enhanced standard has its own frequency: leave the number of days empty", field="frequency_days"
        )
    if terms.owner_id is not None:
        owner = db.session.get(User, terms.owner_id)
        if owner is None or not owner.active or owner.role not in OWNER_ROLES or owner.team_id != case.team_id:
            raise DomainError("Choose an active officer or supervisor of the case's team", field="owner_id")
    if terms.message_channel is not None and terms.message_channel not in safe_channels(party.contact):
        raise DomainError(
            f"{terms.message_channel.label} is not marked safe for this victim: change their contact details first",
            field="message_channel",
        )


def _victim(case: Case, party: CaseParty) -> None:
    if party.case_id != case.id or party.role != PartyRole.VICTIM:
        raise NotFound("No such victim on this case")


def agree_plan(
    actor: User, case: Case, party: CaseParty, terms: PlanTerms, *, reason: str = "", now: datetime | None = None
) -> ContactPlan:
    """Record the contact plan agreed with a victim; its first history row is the agreement."""
    now = now or utcnow()
    _victim(case, party)
    if plan_for(party) is not None:
        raise DomainError("A plan is already agreed with this victim: change it instead", field="schedule")
    _check_terms(case, party, terms)
    plan = ContactPlan(
        case_id=case.id,
        party_id=party.id,
        schedule=terms.schedule,
        frequency_days=terms.frequency_days,
        owner_id=terms.owner_id,
        message_channel=terms.message_channel,
        next_update_due_at=next_update_due(terms, reported_at=case.reported_at, last_update_at=None, now=now),
    )
    db.session.add(plan)
    db.session.flush()
    db.session.add(
        ContactPlanChange(
            plan_id=plan.id, changed_by_id=actor.id, reason=reason.strip() or PLAN_AGREED, terms=terms.as_record()
        )
    )
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        detail={"contact_plan_agreed": plan.id, "party_id": party.id, **terms.as_record()},
    )
    db.session.flush()
    return plan


def change_plan(
    actor: User,
    case: Case,
    plan: ContactPlan,
    terms: PlanTerms,
    *,
    reason: str,
    expected_version: int,
    now: datetime | None = None,
) -> ContactPlan:
    """Change a victim's plan, with the reason; the old terms stay in the plan's dated history."""
    now = now or utcnow()
    plan.check_version(expected_version)
    if plan.case_id != case.id:
        raise NotFound("No such contact plan on this case")
    if not reason.strip():
        raise DomainError("Give the reason for changing the plan", field="reason")
    party = db.session.execute(
        sa.select(CaseParty).where(CaseParty.id == plan.party_id).options(selectinload(CaseParty.contact))
    ).scalar_one()
    _check_terms(case, party, terms)
    plan.schedule, plan.frequency_days = terms.schedule, terms.frequency_days
    plan.owner_id, plan.message_channel = terms.owner_id, terms.message_channel
    plan.next_update_due_at = next_update_due(
        terms, reported_at=case.reported_at, last_update_at=plan.last_update_at, now=now
    )
    plan.review_prompted_at = None
    db.session.add(
        ContactPlanChange(plan_id=plan.id, changed_by_id=actor.id, reason=reason.strip(), terms=terms.as_record())
    )
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        justification=reason.strip(),
        detail={"contact_plan_changed": plan.id, **terms.as_record()},
    )
    db.session.flush()
    return plan


def plan_terms(plan: ContactPlan) -> PlanTerms:
    """A plan's current terms."""
    return PlanTerms(plan.schedule, plan.frequency_days, plan.owner_id, plan.message_channel)


# --- Do not contact ----------------------------------------------------------------------------


def set_do_not_contact(
    actor: User, case: Case, party: CaseParty, *, reason: str, review_on: date | None, now: datetime | None = None
) -> DoNotContact:
    """Flag a victim "do not contact": messages and scheduled updates pause until it is lifted.

    Legal deadlines (key decisions) still remind the owner, with the flag shown; the owner is
    reminded to review the flag on its review date.
    """
    now = now or utcnow()
    _victim(case, party)
    if not reason.strip():
        raise DomainError("Give the reason the victim must not be contacted", field="reason")
    if review_on is None:
        raise DomainError("Enter the date to review this flag", field="review_on")
    if review_on < local_date(now):
        raise DomainError("The review date must be today or in the future", field="review_on")
    if open_flag(party) is not None:
        raise DomainError("This victim is already flagged do not contact", field="reason")
    flag = DoNotContact(
        case_id=case.id,
        party_id=party.id,
        reason=reason.strip(),
        review_on=review_on,
        review_due_at=at_reminder_time(review_on),
        set_by_id=actor.id,
    )
    db.session.add(flag)
    db.session.flush()
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        justification=reason.strip(),
        detail={"do_not_contact_set": flag.id, "party_id": party.id, "review_on": review_on.isoformat()},
    )
    db.session.flush()
    return flag


def flag_on(case: Case, flag_id: int) -> DoNotContact:
    """A do-not-contact flag of ``case``, lifted or not (``NotFound`` for another case's or none)."""
    flag = db.session.execute(
        sa.select(DoNotContact).where(DoNotContact.id == flag_id, DoNotContact.case_id == case.id)
    ).scalar_one_or_none()
    if flag is None:
        raise NotFound("No such do-not-contact flag on this case")
    return flag


def lift_do_not_contact(
    actor: User, case: Case, flag_id: int, *, reason: str, now: datetime | None = None
) -> DoNotContact:
    """Lift a do-not-contact flag, with the reason; the flag stays in the victim's history."""
    flag = flag_on(case, flag_id)
    if flag.lifted_at is not None:
        raise DomainError("This flag has already been lifted", field="reason")
    if not reason.strip():
        raise DomainError("Give the reason for lifting the flag", field="reason")
    flag.lifted_at, flag.lifted_by_id, flag.lift_reason = now or utcnow(), actor.id, reason.strip()
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        justification=reason.strip(),
        detail={"do_not_contact_lifted": flag.id, "party_id": flag.party_id},
    )
    db.session.flush()
    return flag


# --- Contact log -------------------------------------------------------------------------------


def log_contact(
    actor: User, case: Case, party: CaseParty, contact: NewContact, *, now: datetime | None = None
) -> ContactAttempt:
    """Record an attempt to contact a victim.

    A contact where the victim was told (spoke, or a safe message) discharges the key decisions
    chosen and moves the plan's next update; "unsafe to contact" prompts a review of the plan.
    """
    now = now or utcnow()
    _victim(case, party)
    if contact.contacted_at > now:
        raise DomainError("The contact cannot be in the future", field="contacted_on")
    if contact.contacted_at < case.reported_at:
        reported = case.reported_at.astimezone(LONDON).strftime("%-d %B %Y at %H:%M")
        raise DomainError(f"The contact cannot be before the report ({reported})", field="contacted_on")
    wanted = set(contact.notice_ids)
    notices = [notice for notice in open_notices(case, party.id) if notice.id in wanted]
    if len(notices) != len(wanted):
        raise DomainError("Choose only key decisions this victim has still to be told about", field="notices")
    if notices and not contact.outcome.told:
        raise DomainError(
            "A key decision is told only when you spoke to the victim or left a safe message", field="notices"
        )
    attempt = ContactAttempt(
        case_id=case.id,
        party_id=party.id,
        contacted_at=contact.contacted_at,
        made_by_id=actor.id,
        method=contact.method,
        outcome=contact.outcome,
        discussed=(contact.discussed or "").strip() or None,
    )
    db.session.add(attempt)
    db.session.flush()
    for notice in notices:
        notice.discharged_at, notice.discharged_by_id = contact.contacted_at, attempt.id
    plan = plan_for(party)
    if plan is not None:
        if contact.outcome.told and (plan.last_update_at is None or contact.contacted_at > plan.last_update_at):
            plan.last_update_at = contact.contacted_at
            plan.next_update_due_at = next_update_due(
                plan_terms(plan), reported_at=case.reported_at, last_update_at=plan.last_update_at, now=now
            )
        if contact.outcome == ContactOutcome.UNSAFE:
            plan.review_prompted_at = now
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        detail={
            "contact_logged": attempt.id,
            "party_id": party.id,
            "outcome": contact.outcome.value,
            "notices_discharged": sorted(notice.id for notice in notices),
        },
    )
    db.session.flush()
    return attempt


# --- Key decisions -----------------------------------------------------------------------------


def record_key_decision(
    actor: User,
    case: Case,
    kind: DecisionKind,
    *,
    decided_at: datetime,
    hearing_at: datetime | None = None,
    notes: str | None = None,
    now: datetime | None = None,
) -> KeyDecision:
    """Record a key decision; each victim of the case must be told by their Victims' Code deadline."""
    now = now or utcnow()
    if not case.is_open:
        raise DomainError("This case is closed: reopen it before recording a key decision", field="kind")
    if decided_at > now:
        raise DomainError("The decision cannot be in the future", field="decided_on")
    if decided_at < case.reported_at:
        raise DomainError("The decision cannot be before the report", field="decided_on")
    if kind == DecisionKind.COURT_DATE:
        if hearing_at is None:
            raise DomainError("Enter the date of the hearing", field="hearing_on")
        if hearing_at <= decided_at:
            raise DomainError("The hearing must be after the decision that set it", field="hearing_on")
    else:
        hearing_at = None
    reminder = None
    if hearing_at is not None:
        reminder = at_reminder_time(local_date(hearing_at) - timedelta(days=COURT_REMINDER_DAYS_BEFORE))
    decision = KeyDecision(
        case_id=case.id,
        kind=kind,
        decided_at=decided_at,
        hearing_at=hearing_at,
        court_reminder_at=reminder,
        notes=(notes or "").strip() or None,
        recorded_by_id=actor.id,
    )
    db.session.add(decision)
    db.session.flush()
    for victim in victims_of(case):
        enhanced = bool(victim.enhanced_rights)
        db.session.add(
            DecisionNotice(
                decision_id=decision.id,
                case_id=case.id,
                party_id=victim.id,
                enhanced_rights=enhanced,
                due_at=notice_deadline(decided_at, enhanced),
            )
        )
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        detail={"key_decision": decision.id, "kind": kind.value},
    )
    db.session.flush()
    return decision
