"""Contact plans: the agreed frequency or the enhanced standard, the owner, opting in, dated history."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.auth.models import Role, Team
from casework.cases import registry
from casework.cases.models import CaseStatus
from casework.contact import obligations, service
from casework.contact.models import ContactOutcome, ContactPlanChange, MessageChannel, Schedule
from casework.errors import ConflictError, DomainError
from casework.extensions import db
from casework.people.models import ContactMethod
from tests import factories
from tests.contact.helpers import add_victim, audit_rows, london, officer_of, rows_of, supervisor_of

REPORTED = london(2026, 3, 2, 9, 0)
NOW = london(2026, 3, 3, 11, 0)
EVERY_14 = service.PlanTerms(Schedule.EVERY_N_DAYS, 14)


@pytest.fixture
def case(db_session):
    return factories.allocated_case(factories.UserFactory(role=Role.OFFICER), reported_at=REPORTED)


def test_every_n_days_is_due_at_the_end_of_the_nth_local_day(case):
    victim = add_victim(case)
    plan = service.agree_plan(officer_of(case), case, victim, EVERY_14, now=NOW)
    assert plan.next_update_due_at == london(2026, 3, 17, 23, 59, 59)
    assert plan.owner_id is None


@pytest.mark.parametrize("days", [0, -1, 91, None])
def test_a_frequency_outside_1_to_90_days_is_refused(case, days):
    victim = add_victim(case)
    with pytest.raises(DomainError) as refused:
        service.agree_plan(officer_of(case), case, victim, service.PlanTerms(Schedule.EVERY_N_DAYS, days), now=NOW)
    assert refused.value.field == "frequency_days"


@pytest.mark.parametrize("days", [1, 21, 90])
def test_any_whole_number_from_1_to_90_is_accepted(case, days):
    plan = service.agree_plan(
        officer_of(case), case, add_victim(case), service.PlanTerms(Schedule.EVERY_N_DAYS, days), now=NOW
    )
    assert plan.frequency_days == days


def test_the_enhanced_standard_is_24_hours_then_day_10_then_every_28_days(case):
    victim = add_victim(case)
    plan = service.agree_plan(officer_of(case), case, victim, service.PlanTerms(Schedule.ENHANCED_STANDARD), now=NOW)
    assert plan.next_update_due_at == REPORTED + timedelta(hours=24)
    spoke = service.NewContact(london(2026, 3, 3, 10, 0), ContactMethod.PHONE, ContactOutcome.SPOKE)
    service.log_contact(officer_of(case), case, victim, spoke, now=NOW)
    assert plan.next_update_due_at == london(2026, 3, 12, 23, 59, 59)
    day_ten = service.NewContact(london(2026, 3, 12, 14, 0), ContactMethod.PHONE, ContactOutcome.SAFE_MESSAGE)
    service.log_contact(officer_of(case), case, victim, day_ten, now=london(2026, 3, 12, 15, 0))
    assert plan.next_update_due_at == london(2026, 4, 9, 23, 59, 59)


def test_a_successful_update_moves_the_next_due_date_and_no_answer_does_not(case):
    victim = add_victim(case)
    plan = service.agree_plan(officer_of(case), case, victim, EVERY_14, now=NOW)
    later = london(2026, 3, 10, 9, 30)
    service.log_contact(
        officer_of(case),
        case,
        victim,
        service.NewContact(later, ContactMethod.PHONE, ContactOutcome.NO_ANSWER),
        now=later,
    )
    assert plan.next_update_due_at == london(2026, 3, 17, 23, 59, 59)
    service.log_contact(
        officer_of(case), case, victim, service.NewContact(later, ContactMethod.PHONE, ContactOutcome.SPOKE), now=later
    )
    assert plan.next_update_due_at == london(2026, 3, 24, 23, 59, 59)
    assert plan.last_update_at == later


def test_agreeing_and_changing_are_dated_history_with_who_and_why_and_audited(case):
    victim = add_victim(case)
    plan = service.agree_plan(officer_of(case), case, victim, EVERY_14, now=NOW)
    supervisor = supervisor_of(case)
    with pytest.raises(DomainError) as no_reason:
        service.change_plan(supervisor, case, plan, EVERY_14, reason=" ", expected_version=plan.version_id, now=NOW)
    assert no_reason.value.field == "reason"
    service.change_plan(
        supervisor,
        case,
        plan,
        service.PlanTerms(Schedule.EVERY_N_DAYS, 7),
        reason="Victim asked for weekly calls",
        expected_version=plan.version_id,
        now=NOW,
    )
    history = (
        db.session.execute(
            sa.select(ContactPlanChange).where(ContactPlanChange.plan_id == plan.id).order_by(ContactPlanChange.id)
        )
        .scalars()
        .all()
    )
    assert [(row.changed_by_id, row.reason, row.terms["frequency_days"]) for row in history] == [
        (case.officer_id, service.PLAN_AGREED, 14),
        (supervisor.id, "Victim asked for weekly calls", 7),
    ]
    assert plan.next_update_due_at == london(2026, 3, 10, 23, 59, 59)
    [agreed] = audit_rows(case, "contact_plan_agreed")
    [changed] = audit_rows(case, "contact_plan_changed")
    assert (agreed.user_id, changed.user_id) == (case.officer_id, supervisor.id)
    assert changed.justification == "Victim asked for weekly calls"


def test_a_stale_form_is_refused_with_the_conflict_message(case):
    plan = service.agree_plan(officer_of(case), case, add_victim(case), EVERY_14, now=NOW)
    with pytest.raises(ConflictError):
        service.change_plan(officer_of(case), case, plan, EVERY_14, reason="x", expected_version=plan.version_id - 1)


def test_a_second_plan_for_the_same_victim_is_refused(case):
    victim = add_victim(case)
    service.agree_plan(officer_of(case), case, victim, EVERY_14, now=NOW)
    with pytest.raises(DomainError):
        service.agree_plan(officer_of(case), case, victim, EVERY_14, now=NOW)


def test_messages_are_offered_only_on_a_channel_marked_safe(case):
    victim = add_victim(case, texts_safe=True, email_safe=False)
    assert service.safe_channels(victim.contact) == [MessageChannel.SMS]
    email = service.PlanTerms(Schedule.EVERY_N_DAYS, 14, message_channel=MessageChannel.EMAIL)
    with pytest.raises(DomainError) as refused:
        service.agree_plan(officer_of(case), case, victim, email, now=NOW)
    assert refused.value.field == "message_channel"
    sms = service.PlanTerms(Schedule.EVERY_N_DAYS, 14, message_channel=MessageChannel.SMS)
    assert service.agree_plan(officer_of(case), case, victim, sms, now=NOW).message_channel == MessageChannel.SMS


def test_the_owner_must_be_an_active_officer_of_the_case_team(case):
    outsider = factories.UserFactory(role=Role.OFFICER)
    terms = service.PlanTerms(Schedule.EVERY_N_DAYS, 14, owner_id=outsider.id)
    with pytest.raises(DomainError) as refused:
        service.agree_plan(officer_of(case), case, add_victim(case), terms, now=NOW)
    assert refused.value.field == "owner_id"


def test_the_default_owner_follows_the_officer_in_case_through_a_reallocation(case):
    victim = add_victim(case)
    plan = service.agree_plan(officer_of(case), case, victim, EVERY_14, now=NOW)
    horizon = london(2026, 4, 1)
    assert rows_of(obligations.scheduled_updates(horizon)) >= {
        (case.id, plan.id, plan.next_update_due_at, case.officer_id)
    }
    newcomer = factories.UserFactory(role=Role.OFFICER, team=db.session.get(Team, case.team_id))
    case.officer_id = newcomer.id
    db.session.flush()
    assert (case.id, plan.id, plan.next_update_due_at, newcomer.id) in rows_of(obligations.scheduled_updates(horizon))


def test_an_explicit_owner_receives_the_reminders(case):
    colleague = factories.UserFactory(role=Role.OFFICER, team=db.session.get(Team, case.team_id))
    terms = service.PlanTerms(Schedule.EVERY_N_DAYS, 14, owner_id=colleague.id)
    plan = service.agree_plan(officer_of(case), case, add_victim(case), terms, now=NOW)
    assert (case.id, plan.id, plan.next_update_due_at, colleague.id) in rows_of(
        obligations.scheduled_updates(london(2026, 4, 1))
    )


def test_plans_may_still_be_kept_on_a_closed_case(case):
    case.status = CaseStatus.CLOSED
    plan = service.agree_plan(officer_of(case), case, add_victim(case), EVERY_14, now=NOW)
    assert plan.id is not None


def _plan_task(app, case):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        return next(task for task in registry.tasks(case) if task.name == "Contact plan agreed with the victim")


def test_the_task_list_row_is_done_once_every_victim_has_a_plan(app, case):
    assert _plan_task(app, case).state == registry.TaskState.CANNOT_START
    first, second = add_victim(case), add_victim(case)
    service.agree_plan(officer_of(case), case, first, EVERY_14, now=NOW)
    db.session.commit()  # leaving the request context rolls back what was not committed
    task = _plan_task(app, case)
    assert (task.state, task.href) == (registry.TaskState.TO_DO, f"/cases/{case.id}/contact")
    service.agree_plan(officer_of(case), case, second, EVERY_14, now=NOW)
    assert _plan_task(app, case).state == registry.TaskState.DONE
