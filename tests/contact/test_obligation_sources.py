"""Each obligation source's SQL returns exactly the due rows: not the not-yet-due, discharged,
paused (do not contact) or closed ones; and ``still_open`` re-checks before sending."""

from __future__ import annotations

from datetime import date

import pytest

from casework.auth.models import Role
from casework.cases import registry
from casework.cases.models import CaseStatus
from casework.contact import obligations, service
from casework.contact.models import ContactOutcome, DecisionKind, MessageChannel, Schedule
from casework.extensions import db
from casework.people.models import ContactMethod
from tests import factories
from tests.contact.helpers import add_victim, london, rows_of

REPORTED = london(2026, 3, 2, 9, 0)
NOW = london(2026, 3, 3, 11, 0)
HORIZON = london(2026, 3, 20, 0, 0)
WEEKLY = service.PlanTerms(Schedule.EVERY_N_DAYS, 7)  # due 10 March
MONTHLY = service.PlanTerms(Schedule.EVERY_N_DAYS, 28)  # due 31 March


@pytest.fixture
def officer(db_session):
    return factories.UserFactory(role=Role.OFFICER)


def _case(officer, **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("reported_at", REPORTED)
    return factories.allocated_case(officer, **fields)


def _close(case) -> None:  # type: ignore[no-untyped-def]
    case.status = CaseStatus.CLOSED
    db.session.flush()


def test_every_kind_is_registered_with_its_audience():
    sources = {source.kind: source for source in registry.obligation_sources()}
    assert {kind: sources[kind].audience for kind in obligations.SOURCES_BY_KIND} == {
        "scheduled_update": registry.Audience.STAFF,
        "key_decision": registry.Audience.STAFF,
        "dnc_review": registry.Audience.STAFF,
        "court_date": registry.Audience.STAFF,
        "victim_update": registry.Audience.VICTIM,
    }
    assert all(sources[kind].still_open is not None for kind in obligations.SOURCES_BY_KIND)


def test_scheduled_updates(officer):
    due_case, later_case, paused_case, closed_case, updated_case = (_case(officer) for _ in range(5))
    due = service.agree_plan(officer, due_case, add_victim(due_case), WEEKLY, now=NOW)
    service.agree_plan(officer, later_case, add_victim(later_case), MONTHLY, now=NOW)
    paused_victim = add_victim(paused_case)
    service.agree_plan(officer, paused_case, paused_victim, WEEKLY, now=NOW)
    service.set_do_not_contact(
        officer, paused_case, paused_victim, reason="Unsafe", review_on=date(2026, 4, 1), now=NOW
    )
    service.agree_plan(officer, closed_case, add_victim(closed_case), WEEKLY, now=NOW)
    _close(closed_case)
    updated_victim = add_victim(updated_case)
    updated = service.agree_plan(officer, updated_case, updated_victim, WEEKLY, now=NOW)
    spoke_at = london(2026, 3, 15, 10)
    service.log_contact(
        officer,
        updated_case,
        updated_victim,
        service.NewContact(spoke_at, ContactMethod.PHONE, ContactOutcome.SPOKE),
        now=spoke_at,
    )
    assert rows_of(obligations.scheduled_updates(HORIZON)) == {
        (due_case.id, due.id, london(2026, 3, 10, 23, 59, 59), officer.id)
    }
    assert updated.next_update_due_at == london(2026, 3, 22, 23, 59, 59)


def test_key_decisions_remind_even_while_do_not_contact_is_set_and_after_closing(officer):
    case = _case(officer)
    told, waiting, flagged = add_victim(case), add_victim(case, enhanced=False), add_victim(case)
    service.set_do_not_contact(officer, case, flagged, reason="Unsafe", review_on=date(2026, 4, 1), now=NOW)
    service.record_key_decision(officer, case, DecisionKind.ARREST, decided_at=london(2026, 3, 3, 10), now=NOW)
    notices = {notice.party_id: notice for notice in service.open_notices(case)}
    service.log_contact(
        officer,
        case,
        told,
        service.NewContact(NOW, ContactMethod.PHONE, ContactOutcome.SPOKE, None, (notices[told.id].id,)),
        now=NOW,
    )
    # Enhanced: end of Wed 4 March; standard: end of Tue 10 March.
    early = london(2026, 3, 5, 0, 0)
    assert rows_of(obligations.key_decision_notices(early)) == {
        (case.id, notices[flagged.id].id, london(2026, 3, 4, 23, 59, 59), officer.id)
    }
    _close(case)
    assert {row[1] for row in rows_of(obligations.key_decision_notices(HORIZON))} == {
        notices[flagged.id].id,
        notices[waiting.id].id,
    }


def test_do_not_contact_reviews(officer):
    due_case, later_case, lifted_case, closed_case = (_case(officer) for _ in range(4))
    due = service.set_do_not_contact(
        officer, due_case, add_victim(due_case), reason="x", review_on=date(2026, 3, 16), now=NOW
    )
    service.set_do_not_contact(
        officer, later_case, add_victim(later_case), reason="x", review_on=date(2026, 3, 20), now=NOW
    )
    lifted = service.set_do_not_contact(
        officer, lifted_case, add_victim(lifted_case), reason="x", review_on=date(2026, 3, 16), now=NOW
    )
    service.lift_do_not_contact(officer, lifted_case, lifted.id, reason="Safe again", now=NOW)
    service.set_do_not_contact(
        officer, closed_case, add_victim(closed_case), reason="x", review_on=date(2026, 3, 16), now=NOW
    )
    _close(closed_case)
    assert rows_of(obligations.dnc_reviews(HORIZON)) == {(due_case.id, due.id, london(2026, 3, 16, 9, 0), officer.id)}


def test_court_dates_are_reminded_a_week_before(officer):
    due_case, later_case, closed_case = (_case(officer) for _ in range(3))
    decided = london(2026, 3, 3, 10)

    def court(case, hearing):  # type: ignore[no-untyped-def]
        return service.record_key_decision(
            officer, case, DecisionKind.COURT_DATE, decided_at=decided, hearing_at=hearing, now=NOW
        )

    due = court(due_case, london(2026, 3, 26, 10))
    court(later_case, london(2026, 3, 30, 10))
    court(closed_case, london(2026, 3, 26, 10))
    service.record_key_decision(officer, due_case, DecisionKind.CHARGED, decided_at=decided, now=NOW)
    _close(closed_case)
    assert rows_of(obligations.court_dates(HORIZON)) == {(due_case.id, due.id, london(2026, 3, 19, 9, 0), officer.id)}


def test_victim_messages_only_when_opted_in_on_a_safe_channel_and_not_flagged(officer):
    cases = [_case(officer) for _ in range(5)]
    sms = service.PlanTerms(Schedule.EVERY_N_DAYS, 7, message_channel=MessageChannel.SMS)
    opted = add_victim(cases[0], texts_safe=True)
    plan = service.agree_plan(officer, cases[0], opted, sms, now=NOW)
    service.agree_plan(officer, cases[1], add_victim(cases[1], texts_safe=True), WEEKLY, now=NOW)  # not opted in
    unsafe_now = add_victim(cases[2], texts_safe=True)
    service.agree_plan(officer, cases[2], unsafe_now, sms, now=NOW)
    unsafe_now.contact.texts_safe = False
    flagged = add_victim(cases[3], texts_safe=True)
    service.agree_plan(officer, cases[3], flagged, sms, now=NOW)
    service.set_do_not_contact(officer, cases[3], flagged, reason="x", review_on=date(2026, 4, 1), now=NOW)
    service.agree_plan(officer, cases[4], add_victim(cases[4], texts_safe=True), sms, now=NOW)
    _close(cases[4])
    assert rows_of(obligations.victim_updates(HORIZON)) == {
        (cases[0].id, plan.id, london(2026, 3, 10, 23, 59, 59), opted.id)
    }
    assert rows_of(obligations.victim_updates(london(2026, 3, 9))) == set()


def test_still_open_rechecks_just_before_sending(officer):
    case = _case(officer, reported_at=london(2025, 1, 6, 9))
    victim = add_victim(case, texts_safe=True)
    sms = service.PlanTerms(Schedule.EVERY_N_DAYS, 7, message_channel=MessageChannel.SMS)
    plan = service.agree_plan(officer, case, victim, sms, now=london(2025, 1, 7, 9))
    sources = {source.kind: source for source in registry.obligation_sources()}
    assert sources["victim_update"].still_open(plan.id)
    assert sources["scheduled_update"].still_open(plan.id)
    service.set_do_not_contact(officer, case, victim, reason="Suspect has the phone", review_on=date(2099, 1, 1))
    assert not sources["victim_update"].still_open(plan.id)
    assert not sources["scheduled_update"].still_open(plan.id)
    assert not sources["dnc_review"].still_open(service.open_flag(victim).id)  # review not due yet
