"""What the contact feature's real obligations put in the messages the reminder worker sends:
the victim's channel is the one they opted in to on their plan, and a do-not-contact flag is
shown on every staff reminder about the case (legal deadlines still remind, with the flag)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from casework.auth.models import Role
from casework.contact import service
from casework.contact.models import DecisionKind, MessageChannel, Schedule
from casework.db import utcnow
from casework.extensions import db
from casework.people.models import ContactMethod
from casework.reminders import service as reminders
from casework.reminders.delivery import read_outbox
from casework.reminders.models import Channel, Reminder, ReminderStatus
from casework.workdays import local_date
from tests import factories
from tests.contact.helpers import add_victim

pytestmark = pytest.mark.usefixtures("app_context")

DNC_WARNING = "Do not contact the victim"


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def outbox_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(folder))
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "NOTIFY_API_KEY", None)
    return folder


@pytest.fixture
def case_with_victim(db_session):  # type: ignore[no-untyped-def]
    """A case reported five weeks ago whose victim prefers phone calls but said texts are safe."""
    officer = factories.UserFactory(role=Role.OFFICER, full_name="PC Ada Quayle")
    case = factories.allocated_case(officer, reported_at=utcnow() - timedelta(days=35))
    victim = add_victim(case, texts_safe=True, first_name="Rhiannon")
    victim.contact.preferred_method = ContactMethod.PHONE
    victim.contact.sealed_phone = "07700900456"
    db.session.commit()
    return officer, case, service.get_victim(case, victim.id)


def _send_all(kind: str) -> list[Reminder]:
    swept = [db.session.get(Reminder, reminder_id) for reminder_id in reminders.sweep()]
    chosen = [reminder for reminder in swept if reminder.kind == kind]
    for reminder in chosen:
        reminders.send_reminder(reminder.id)
    db.session.expire_all()
    return chosen


def test_the_message_goes_by_the_channel_agreed_on_the_plan_not_the_preferred_call_method(case_with_victim, outbox_dir):
    officer, case, victim = case_with_victim
    texts = service.PlanTerms(Schedule.EVERY_N_DAYS, 7, message_channel=MessageChannel.SMS)
    service.agree_plan(officer, case, victim, texts, now=utcnow() - timedelta(days=30))
    db.session.commit()

    (reminder,) = _send_all("victim_update")

    assert reminder.status == ReminderStatus.SENT
    assert reminder.channel == Channel.SMS
    (message,) = [entry for entry in read_outbox(outbox_dir) if entry.audience == "victim"]
    assert message.channel == Channel.SMS.value
    assert "Rhiannon" in message.body


def test_a_plan_without_messages_sends_the_victim_nothing(case_with_victim, outbox_dir):
    officer, case, victim = case_with_victim
    service.agree_plan(
        officer, case, victim, service.PlanTerms(Schedule.EVERY_N_DAYS, 7), now=utcnow() - timedelta(days=30)
    )
    db.session.commit()

    assert _send_all("victim_update") == []
    assert [entry for entry in read_outbox(outbox_dir) if entry.audience == "victim"] == []


def test_a_legal_deadline_still_reminds_the_officer_with_the_do_not_contact_flag_shown(case_with_victim, outbox_dir):
    officer, case, victim = case_with_victim
    service.set_do_not_contact(
        officer, case, victim, reason="Suspect reads her phone", review_on=local_date(utcnow()) + timedelta(days=60)
    )
    service.record_key_decision(
        officer, case, DecisionKind.CHARGED, decided_at=utcnow() - timedelta(days=20), now=utcnow() - timedelta(days=20)
    )
    db.session.commit()

    sent = _send_all("key_decision")

    assert sent and {reminder.status for reminder in sent} == {ReminderStatus.SENT}
    mails = [entry for entry in read_outbox(outbox_dir) if entry.subject.endswith(case.reference)]
    assert mails and all(DNC_WARNING in mail.body for mail in mails)
    assert all("Suspect reads her phone" not in mail.body for mail in mails)


def test_reminders_about_a_case_without_the_flag_carry_no_warning(case_with_victim, outbox_dir):
    officer, case, _ = case_with_victim
    service.record_key_decision(
        officer, case, DecisionKind.CHARGED, decided_at=utcnow() - timedelta(days=20), now=utcnow() - timedelta(days=20)
    )
    db.session.commit()

    sent = _send_all("key_decision")

    assert sent and {reminder.status for reminder in sent} == {ReminderStatus.SENT}
    mails = [entry for entry in read_outbox(outbox_dir) if entry.subject.endswith(case.reference)]
    assert mails and all(DNC_WARNING not in mail.body for mail in mails)
