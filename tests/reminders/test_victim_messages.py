"""Messages to victims: one template, no case detail, only on a channel they chose and marked safe;
and GOV.UK Notify, checked against a loopback server that inspects what the official client sends."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from casework.auth.models import Role
from casework.cases.models import Offence
from casework.db import utcnow
from casework.people.models import ContactMethod, PartyRole, VictimContact
from casework.reminders import service
from casework.reminders.delivery import read_outbox
from casework.reminders.models import Channel, Reminder, ReminderStatus
from tests import factories
from tests.reminders import sources

pytestmark = pytest.mark.usefixtures("app_context")

SUSPECT_FIRST, SUSPECT_LAST = "Mallory", "Grimshaw"
ADDRESS = "14 Larch Close, Bramford, BR4 7QT"
INCIDENT = "Waited outside the nursery gates and photographed the children"
SUMMARY = "Ex-partner sends forty messages a night and follows her to the gym."


@pytest.fixture
def victim_case(db_session):
    """A case full of detail that must never reach a victim's phone or inbox."""
    officer = factories.UserFactory(role=Role.OFFICER, full_name="PC Jordan Hale")
    case = factories.allocated_case(officer, reported_at=utcnow(), offence=Offence.S4A, summary=SUMMARY)
    factories.IncidentFactory(case=case, description=INCIDENT, location=ADDRESS)
    suspect = factories.PersonFactory(first_name=SUSPECT_FIRST, last_name=SUSPECT_LAST)
    factories.CasePartyFactory(case=case, person=suspect, role=PartyRole.SUSPECT)
    victim = factories.CasePartyFactory(case=case, person=factories.PersonFactory(first_name="Priya", last_name="Shah"))
    contact = VictimContact(
        party_id=victim.id,
        preferred_method=ContactMethod.EMAIL,
        email_safe=True,
        texts_safe=True,
        sealed_email="priya.safe@example.org",
        sealed_phone="07700900123",
        sealed_address=ADDRESS,
    )
    db_session.add(contact)
    db_session.commit()
    return case, victim, contact, officer


def _send_one(register_source, channel: str | None = "email") -> tuple[int, ReminderStatus | None]:
    register_source(sources.victim_update(channel=channel))
    (reminder_id,) = service.sweep()
    return reminder_id, service.send_reminder(reminder_id)


def test_the_victim_message_says_who_and_how_to_call_back_and_nothing_of_the_case(
    victim_case, register_source, outbox_dir
):
    case, _, _, officer = victim_case

    _, status = _send_one(register_source)

    assert status == ReminderStatus.SENT
    (message,) = read_outbox(outbox_dir)
    assert message.to == "The victim (contact details withheld)"  # what the admin's outbox page shows
    text = f"{message.subject}\n{message.body}"
    for must in ("Priya", officer.full_name, "101", case.reference):
        assert must in text
    for never in (
        SUSPECT_FIRST,
        SUSPECT_LAST,
        "Shah",
        ADDRESS,
        "Larch",
        INCIDENT,
        SUMMARY,
        "nursery",
        "stalking",
        "Stalking",
        "harassment",
        "s.4A",
        Offence.S4A.label,
        "Scheduled update",
    ):
        assert never not in text


def test_a_channel_not_marked_safe_is_refused(victim_case, register_source, outbox_dir, db_session):
    _, _, contact, _ = victim_case
    contact.email_safe = False
    db_session.commit()

    reminder_id, status = _send_one(register_source)

    assert status == ReminderStatus.CANCELLED
    assert "not marked safe" in db_session.get(Reminder, reminder_id).cancel_reason
    assert read_outbox(outbox_dir) == []


def test_a_victim_who_opted_in_to_no_messages_gets_none(victim_case, register_source, outbox_dir, db_session):
    reminder_id, status = _send_one(register_source, channel=None)

    assert status == ReminderStatus.CANCELLED
    assert "not opted in" in db_session.get(Reminder, reminder_id).cancel_reason
    assert read_outbox(outbox_dir) == []


def test_text_messages_need_notify_when_mail_goes_by_smtp(victim_case, register_source, db_session, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "NOTIFY_API_KEY", None)

    reminder_id, status = _send_one(register_source, channel="sms")

    assert status == ReminderStatus.FAILED
    assert "Notify" in db_session.get(Reminder, reminder_id).last_error


# --- GOV.UK Notify, on loopback ------------------------------------------------------------

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"casework_test-{SERVICE_ID}-{SECRET}"


class FakeNotify(BaseHTTPRequestHandler):
    """Answers like Notify's v2 API and keeps every request it received."""

    received: list[dict] = []
    status = 201

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        payload = {"id": str(uuid.uuid4())} if type(self).status < 400 else {"errors": [{"error": "BadRequestError"}]}
        self.wfile.write(json.dumps(payload).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def notify(app, monkeypatch) -> Iterator[type[FakeNotify]]:
    FakeNotify.received = []
    FakeNotify.status = 201
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "NOTIFY_API_KEY", API_KEY)
    monkeypatch.setitem(app.config, "NOTIFY_BASE_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setitem(app.config, "NOTIFY_EMAIL_TEMPLATE_ID", "email-template-0001")
    monkeypatch.setitem(app.config, "NOTIFY_SMS_TEMPLATE_ID", "sms-template-0002")
    yield FakeNotify
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("path", "template", "address_field", "address", "channel"),
    [
        (
            "/v2/notifications/email",
            "email-template-0001",
            "email_address",
            "priya.safe@example.org",
            Channel.EMAIL,
        ),
        ("/v2/notifications/sms", "sms-template-0002", "phone_number", "07700900123", Channel.SMS),
    ],
)
def test_notify_receives_a_signed_request_with_the_template_and_no_case_detail(
    victim_case, register_source, notify, db_session, path, template, address_field, address, channel
):
    case, _, _, officer = victim_case

    reminder_id, status = _send_one(register_source, channel=channel.value)

    assert status == ReminderStatus.SENT
    assert db_session.get(Reminder, reminder_id).channel == channel
    (request,) = notify.received
    assert request["path"] == path
    scheme, token = request["headers"]["Authorization"].split(" ", 1)
    assert scheme == "Bearer"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == SERVICE_ID
    body = request["body"]
    assert body["template_id"] == template
    assert body[address_field] == address
    assert body["reference"] == f"reminder-{reminder_id}"
    assert body["personalisation"] == {
        "first_name": "Priya",
        "officer_name": officer.full_name,
        "reference": case.reference,
    }
    sent = json.dumps(body)
    for never in (SUSPECT_LAST, ADDRESS, INCIDENT, SUMMARY, "Shah", Offence.S4A.label):
        assert never not in sent


def test_a_request_notify_refuses_fails_at_once_and_a_server_error_is_retried(
    victim_case, register_source, notify, db_session
):
    notify.status = 500
    register_source(sources.victim_update())
    (reminder_id,) = service.sweep()
    with pytest.raises(service.RetryLater):
        service.send_reminder(reminder_id)

    notify.status = 400
    assert service.send_reminder(reminder_id) == ReminderStatus.FAILED
    assert "refused" in db_session.get(Reminder, reminder_id).last_error
