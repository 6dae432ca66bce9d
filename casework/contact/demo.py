"""Demo contact data on the demo cases: plans at every state, contacts due today and overdue, a
do-not-contact flag, a key decision awaiting the victim's update, an opted-in victim and a hearing.

Written through the services with back-dated ``now`` so histories, deadlines and audit rows are
real. Runs once: if any contact plan exists, nothing is added.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from casework.auth.models import User
from casework.cases.models import Case
from casework.contact import service
from casework.contact.models import ContactOutcome, ContactPlan, DecisionKind, MessageChannel, Schedule
from casework.db import utcnow
from casework.extensions import db
from casework.people.models import CaseParty, ContactMethod, PartyRole, Person
from casework.workdays import local_date


def _victim(first_name: str, last_name: str) -> tuple[Case, CaseParty] | None:
    row = db.session.execute(
        sa.select(Case, CaseParty.id)
        .join(CaseParty, CaseParty.case_id == Case.id)
        .join(Person, Person.id == CaseParty.person_id)
        .where(Person.first_name == first_name, Person.last_name == last_name, CaseParty.role == PartyRole.VICTIM)
        .order_by(Case.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    case, party_id = row
    return case, service.get_victim(case, party_id)


def _spoke(officer: User, case: Case, party: CaseParty, at: datetime, said: str, notices: tuple[int, ...] = ()) -> None:
    service.log_contact(
        officer,
        case,
        party,
        service.NewContact(at, ContactMethod.PHONE, ContactOutcome.SPOKE, said, notices),
        now=at + timedelta(minutes=5),
    )


def seed() -> None:
    """Add the demo contact data unless some exists (or the demo cases are missing)."""
    if db.session.execute(sa.select(sa.exists().where(ContactPlan.id.isnot(None)))).scalar():
        return
    now = utcnow()
    found = {
        name: _victim(*name)
        for name in [
            ("Hannah", "Morris"),
            ("Aisha", "Khan"),
            ("Sophie", "Turner"),
            ("Grace", "Adeyemi"),
            ("Emma", "Clarke"),
            ("Jade", "Wilson"),
        ]
    }
    if any(value is None for value in found.values()):
        return
    officers = {case.id: db.session.get(User, case.officer_id) for case, _ in found.values() if case.officer_id}

    # Enhanced standard, updated within 24 hours, now overdue for the day-10 update.
    case, party = found[("Hannah", "Morris")]
    officer = officers[case.id]
    agreed = case.reported_at + timedelta(hours=2)
    terms = service.PlanTerms(Schedule.ENHANCED_STANDARD)
    service.agree_plan(officer, case, party, terms, reason="Agreed at the first visit", now=agreed)
    _spoke(officer, case, party, agreed + timedelta(hours=1), "Explained the investigation and the safety plan.")

    # Opted in to text messages, updated every 3 days (one due now); told nothing yet of an arrest an hour ago.
    case, party = found[("Aisha", "Khan")]
    officer = officers[case.id]
    agreed = case.reported_at + timedelta(hours=4)
    sms = service.PlanTerms(Schedule.EVERY_N_DAYS, 3, message_channel=MessageChannel.SMS)
    service.agree_plan(officer, case, party, sms, reason="Prefers texts to arrange calls", now=agreed)
    service.record_key_decision(officer, case, DecisionKind.ARREST, decided_at=now - timedelta(hours=1), now=now)

    # Every 14 days, last told 14 days ago: an update due today. Charged, and told of it.
    case, party = found[("Sophie", "Turner")]
    officer = officers[case.id]
    charged_at = now - timedelta(days=14, hours=2)
    service.agree_plan(officer, case, party, service.PlanTerms(Schedule.EVERY_N_DAYS, 14), now=case.reported_at)
    decision = service.record_key_decision(officer, case, DecisionKind.CHARGED, decided_at=charged_at, now=charged_at)
    notices = tuple(notice.id for notice in service.open_notices(case) if notice.decision_id == decision.id)
    _spoke(officer, case, party, now - timedelta(days=14), "Told her of the charge and the bail conditions.", notices)

    # At court: a hearing next week (its reminder is due), told of it, then flagged do not contact.
    case, party = found[("Grace", "Adeyemi")]
    officer = officers[case.id]
    set_at = now - timedelta(days=20)
    service.agree_plan(officer, case, party, service.PlanTerms(Schedule.EVERY_N_DAYS, 28), now=case.reported_at)
    decision = service.record_key_decision(
        officer, case, DecisionKind.COURT_DATE, decided_at=set_at, hearing_at=now + timedelta(days=5), now=set_at
    )
    notices = tuple(notice.id for notice in service.open_notices(case) if notice.decision_id == decision.id)
    _spoke(
        officer,
        case,
        party,
        set_at + timedelta(hours=3),
        "Told her the hearing date; Witness Service referral.",
        notices,
    )
    service.set_do_not_contact(
        officer,
        case,
        party,
        reason="Suspect's family have her phone: contact through her ISAC only",
        review_on=local_date(now) + timedelta(days=7),
        now=now,
    )

    # A closed case: the plan stays on record.
    case, party = found[("Emma", "Clarke")]
    officer = officers[case.id]
    service.agree_plan(officer, case, party, service.PlanTerms(Schedule.EVERY_N_DAYS, 28), now=case.reported_at)

    # Weekly, last told ten days ago and an unsafe attempt since: overdue, escalated, plan to review.
    case, party = found[("Jade", "Wilson")]
    officer = officers[case.id]
    service.agree_plan(officer, case, party, service.PlanTerms(Schedule.EVERY_N_DAYS, 7), now=case.reported_at)
    _spoke(officer, case, party, now - timedelta(days=10), "Update on the tracking device examination.")
    unsafe_at = now - timedelta(days=2)
    service.log_contact(
        officer,
        case,
        party,
        service.NewContact(unsafe_at, ContactMethod.PHONE, ContactOutcome.UNSAFE, "A man answered; ended the call."),
        now=unsafe_at,
    )
    db.session.flush()
