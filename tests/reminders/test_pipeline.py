"""The reminder pipeline in-process: sweep, escalation, claim, re-check, send, retry, reap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import config
from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, User
from casework.cases.models import CaseStatus
from casework.db import utcnow
from casework.reminders import service
from casework.reminders.delivery import DeliveryError, read_outbox
from casework.reminders.models import Reminder, ReminderStatus, Stage
from casework.workdays import escalation_cutoff
from tests import factories
from tests.reminders import sources

pytestmark = pytest.mark.usefixtures("app_context")


def _reminders(session) -> list[Reminder]:
    return list(session.execute(sa.select(Reminder).order_by(Reminder.id)).scalars())


@pytest.fixture
def officer(db_session):
    return factories.UserFactory(role=Role.OFFICER, full_name="Dana Officer")


def _due_case(officer, due_at: datetime, **fields):
    return factories.allocated_case(officer, reported_at=due_at, **fields)


def test_a_due_obligation_becomes_one_reminder_and_a_second_sweep_adds_nothing(db_session, register_source, officer):
    register_source(sources.case_deadline())
    case = _due_case(officer, utcnow() - timedelta(hours=1))

    first = service.sweep()
    second = service.sweep()

    assert len(first) == 1
    assert second == []
    (reminder,) = _reminders(db_session)
    assert (reminder.case_id, reminder.recipient_id, reminder.stage) == (case.id, officer.id, Stage.DUE)
    assert reminder.status == ReminderStatus.PENDING


def test_staff_obligations_are_swept_a_day_ahead_and_victim_messages_only_when_due(
    db_session, register_source, officer
):
    register_source(sources.case_deadline())
    register_source(sources.victim_update())
    soon = _due_case(officer, utcnow() + timedelta(hours=20))
    factories.CasePartyFactory(case=soon)
    _due_case(officer, utcnow() + timedelta(hours=30))

    service.sweep()

    (reminder,) = _reminders(db_session)
    assert (reminder.case_id, reminder.kind) == (soon.id, "test_case_deadline")


def test_an_obligation_a_working_day_overdue_is_escalated_to_the_supervisor(db_session, register_source, officer):
    register_source(sources.case_deadline())
    # Due Thursday 24 December 2026; Christmas Day and the Boxing Day substitute (Monday 28th) do not count.
    case = _due_case(officer, datetime(2026, 12, 24, 12, 0, tzinfo=UTC))

    service.sweep(now=datetime(2026, 12, 29, 23, 0, tzinfo=UTC))  # still within Tuesday 29th, the working day after
    assert [r.stage for r in _reminders(db_session)] == [Stage.DUE]

    service.sweep(now=datetime(2026, 12, 30, 0, 0, tzinfo=UTC))
    escalation = _reminders(db_session)[-1]
    assert (escalation.stage, escalation.recipient_id) == (Stage.ESCALATION, case.supervisor_id)
    assert service.sweep(now=datetime(2026, 12, 31, tzinfo=UTC)) == []


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        # Wednesday 10:00 (GMT): due by end of Monday's date is escalated (Tuesday has ended).
        (datetime(2026, 11, 25, 10, 0, tzinfo=UTC), datetime(2026, 11, 24, 0, 0, tzinfo=UTC)),
        # Monday: Friday's obligations only escalate once Monday ends.
        (datetime(2026, 11, 30, 10, 0, tzinfo=UTC), datetime(2026, 11, 27, 0, 0, tzinfo=UTC)),
        # Summer time: local midnight is 23:00 UTC.
        (datetime(2026, 7, 8, 10, 0, tzinfo=UTC), datetime(2026, 7, 6, 23, 0, tzinfo=UTC)),
    ],
)
def test_escalation_cutoff_counts_working_days_in_london(now, cutoff):
    assert escalation_cutoff(now) == cutoff


def test_two_claims_of_one_reminder_one_wins(db_session, register_source, officer):
    register_source(sources.case_deadline())
    _due_case(officer, utcnow())
    (reminder_id,) = service.sweep()

    first = service.claim(reminder_id)
    second = service.claim(reminder_id)

    assert first is not None and first.attempts == 1
    assert second is None


def test_an_obligation_met_before_sending_is_cancelled_not_sent(db_session, register_source, officer, outbox_dir):
    register_source(sources.case_deadline(still_open=lambda object_id: False))
    _due_case(officer, utcnow())
    (reminder_id,) = service.sweep()

    assert service.send_reminder(reminder_id) == ReminderStatus.CANCELLED

    assert db_session.get(Reminder, reminder_id).cancel_reason
    assert read_outbox(outbox_dir) == []


def test_a_staff_reminder_names_the_case_reason_deadline_and_link_but_no_victim(
    db_session, register_source, officer, outbox_dir
):
    register_source(sources.case_deadline())
    case = _due_case(officer, datetime(2026, 7, 1, 16, 30, tzinfo=UTC))
    victim = factories.CasePartyFactory(case=case)
    (reminder_id,) = service.sweep(now=datetime(2026, 7, 1, 12, 0, tzinfo=UTC))

    assert service.send_reminder(reminder_id) == ReminderStatus.SENT

    (mail,) = read_outbox(outbox_dir)
    assert mail.to == officer.email
    assert case.reference in mail.subject
    assert "Test deadline to meet" in mail.body
    assert "Wednesday 1 July 2026 at 17:30" in mail.body  # British Summer Time
    assert f"/cases/{case.id}" in mail.body
    assert victim.person.first_name not in mail.body
    assert victim.person.last_name not in mail.body


def test_an_advisers_reminder_links_to_their_own_page_of_the_case(db_session, register_source, outbox_dir):
    register_source(sources.case_deadline())
    adviser = factories.UserFactory(role=Role.ADVISER)
    case = _due_case(factories.UserFactory(role=Role.OFFICER), utcnow())
    case.officer_id = adviser.id  # the test source owes each case's deadline to its officer_id
    (reminder_id,) = service.sweep()
    assert service.send_reminder(reminder_id) == ReminderStatus.SENT
    (mail,) = read_outbox(outbox_dir)
    # The police case page refuses an adviser (and logs the refusal); their own page of the case does not.
    assert f"/support/cases/{case.id}" in mail.body
    assert f"/cases/{case.id}" not in mail.body.replace(f"/support/cases/{case.id}", "")


def test_sending_is_recorded_and_audited_without_sealed_values(db_session, register_source, officer, outbox_dir):
    register_source(sources.case_deadline())
    case = _due_case(officer, utcnow())
    (reminder_id,) = service.sweep()

    service.send_reminder(reminder_id)

    reminder = db_session.get(Reminder, reminder_id)
    assert reminder.status == ReminderStatus.SENT and reminder.sent_at is not None and reminder.claim is None
    event = db_session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))
    ).scalar_one()
    assert (event.action, event.actor, event.recipient) == (AuditAction.DISCLOSE, service.WORKER_LABEL, officer.email)
    assert event.detail == {"reminder": reminder_id, "kind": "test_case_deadline", "stage": "due"}


def test_a_sent_reminder_is_not_sent_again(db_session, register_source, officer, outbox_dir):
    register_source(sources.case_deadline())
    _due_case(officer, utcnow())
    (reminder_id,) = service.sweep()

    service.send_reminder(reminder_id)

    assert service.send_reminder(reminder_id) is None
    assert len(read_outbox(outbox_dir)) == 1


def test_backoff_doubles_from_the_base_up_to_the_cap():
    assert [service.backoff_seconds(n) for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_failed_delivery_waits_for_its_backoff_then_fails_for_good(
    db_session, register_source, officer, outbox_dir, monkeypatch, app
):
    register_source(sources.case_deadline())
    _due_case(officer, utcnow())
    (reminder_id,) = service.sweep()

    def refuse(self, message):
        raise DeliveryError("451 try again later")

    monkeypatch.setattr("casework.reminders.delivery.OutboxBackend.send", refuse)
    monkeypatch.setitem(app.config, "REMINDER_MAX_ATTEMPTS", 2)

    with pytest.raises(service.RetryLater) as later:
        service.send_reminder(reminder_id)
    assert later.value.countdown == 30
    reminder = db_session.get(Reminder, reminder_id)
    db_session.refresh(reminder)
    assert (reminder.status, reminder.attempts, reminder.last_error) == (
        ReminderStatus.PENDING,
        1,
        "451 try again later",
    )
    assert reminder.not_before > utcnow() + timedelta(seconds=25)
    assert service.reap() == []  # not woken before its backoff ends

    assert service.send_reminder(reminder_id) == ReminderStatus.FAILED
    db_session.refresh(reminder)
    assert (reminder.status, reminder.attempts) == (ReminderStatus.FAILED, 2)


def test_the_reaper_hands_back_claims_of_dead_workers_and_wakes_lost_reminders(
    db_session, register_source, officer, app
):
    register_source(sources.case_deadline())
    _due_case(officer, utcnow())
    _due_case(officer, utcnow())
    claimed_id, lost_id = service.sweep()
    service.claim(claimed_id, now=utcnow() - timedelta(minutes=10))

    assert service.reap() == [claimed_id]  # the lost one was enqueued a moment ago: not yet
    assert db_session.get(Reminder, claimed_id).status == ReminderStatus.PENDING
    later = utcnow() + timedelta(seconds=app.config["REMINDER_REQUEUE_AFTER_SECONDS"] + 1)

    assert sorted(service.reap(now=later)) == sorted([claimed_id, lost_id])
    assert service.reap(now=later) == []


def test_closed_cases_obligations_are_not_swept(db_session, register_source, officer):
    register_source(sources.case_deadline())
    _due_case(officer, utcnow(), status=CaseStatus.CLOSED)

    assert service.sweep() == []


def test_the_sweep_task_sends_what_it_swept_once_committed(app, db_session, register_source, officer, outbox_dir):
    register_source(sources.case_deadline())
    _due_case(officer, utcnow())

    app.extensions["celery"].tasks["worker.tasks.sweep_reminders"].delay()

    assert [r.status for r in _reminders(db_session)] == [ReminderStatus.SENT]
    assert len(read_outbox(outbox_dir)) == 1


def test_the_beat_schedule_sweeps_and_reaps_every_minute(app):
    schedule = app.config["CELERY"]["beat_schedule"]
    for name, task in [
        ("sweep-reminders", "worker.tasks.sweep_reminders"),
        ("reap-reminders", "worker.tasks.reap_reminders"),
    ]:
        assert schedule[name] == {"task": task, "schedule": 60.0, "options": {"expires": 60.0}}


def test_the_redis_visibility_timeout_outlasts_the_longest_send_and_backoff(monkeypatch, tmp_path):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = config.load(tmp_path)
    visibility = settings["CELERY"]["broker_transport_options"]["visibility_timeout"]
    assert visibility > settings["REMINDER_BACKOFF_MAX_SECONDS"]
    assert visibility > settings["MAIL_TIMEOUT_SECONDS"]
    assert settings["REMINDER_CLAIM_TIMEOUT_SECONDS"] > settings["MAIL_TIMEOUT_SECONDS"]


def test_the_embedded_broker_gets_no_redis_options(monkeypatch, tmp_path):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert config.load(tmp_path)["CELERY"]["broker_transport_options"] == {}


def test_an_escalation_mail_goes_to_the_supervisor_and_names_the_officer(
    db_session, register_source, officer, outbox_dir
):
    register_source(sources.case_deadline())
    case = _due_case(officer, datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    new_ids = service.sweep(now=datetime(2026, 11, 5, 9, 0, tzinfo=UTC))
    escalation_id = next(i for i in new_ids if db_session.get(Reminder, i).stage == Stage.ESCALATION)

    assert service.send_reminder(escalation_id) == ReminderStatus.SENT

    (mail,) = read_outbox(outbox_dir)
    assert mail.to == db_session.get(User, case.supervisor_id).email
    assert mail.subject.startswith("Overdue:")
    assert "Officer in case: Dana Officer" in mail.body
    assert "Monday 2 November 2026 at 09:00" in mail.body


def test_a_worker_whose_claim_was_handed_on_does_not_send(
    db_session, register_source, officer, outbox_dir, monkeypatch
):
    register_source(sources.case_deadline())
    _due_case(officer, utcnow())
    (reminder_id,) = service.sweep()
    compose = service.compose

    def slow_compose(claimed, source):
        """While this worker dawdles, the reaper hands the reminder to another worker, which claims it."""
        message = compose(claimed, source)
        service.reap(now=utcnow() + timedelta(hours=1))
        assert service.claim(reminder_id) is not None
        return message

    monkeypatch.setattr(service, "compose", slow_compose)

    assert service.send_reminder(reminder_id) is None
    assert read_outbox(outbox_dir) == []
