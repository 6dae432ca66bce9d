"""The admin's outbox page: admins only, messages shown (victims' addresses withheld), a sweep on request."""

from __future__ import annotations

import pytest

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases.registry import Audience
from casework.reminders import service
from casework.reminders.delivery import Message, OutboxBackend
from casework.reminders.models import Channel


def _write(outbox_dir, **fields) -> None:
    message = {
        "reminder_id": 7,
        "audience": Audience.STAFF,
        "channel": Channel.EMAIL,
        "to": "officer@casework.police.uk",
        "subject": "Due: Test deadline – SH-2026-000001",
        "body": "Test deadline on case SH-2026-000001 is due.",
    }
    message.update(fields)
    OutboxBackend(outbox_dir, "casework@localhost").send(Message(**message))


def test_admins_see_the_outbox_with_victims_addresses_withheld(make_client, outbox_dir, db_session):
    _write(outbox_dir)
    _write(
        outbox_dir,
        reminder_id=8,
        audience=Audience.VICTIM,
        channel=Channel.SMS,
        to="07700900123",
        subject="Please call us back",
        body="Hello Priya",
    )
    client, admin = make_client(Role.ADMIN)

    page = client.get("/admin/outbox").get_data(as_text=True)

    assert "Due: Test deadline – SH-2026-000001" in page
    assert "officer@casework.police.uk" in page
    assert "07700900123" not in page
    assert "The victim (contact details withheld)" in page
    assert "Waiting to be sent" in page
    event = db_session.query(AuditEvent).filter_by(object_type="outbox").one()
    assert (event.action, event.user_id) == (AuditAction.VIEW, admin.id)


def test_the_admin_home_links_to_the_outbox(make_client, outbox_dir):
    client, _ = make_client(Role.ADMIN)
    assert "/admin/outbox" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADVISER])
def test_only_admins_see_the_outbox(make_client, role, outbox_dir):
    client, _ = make_client(role)
    assert client.get("/admin/outbox").status_code == 403
    assert client.post_form("/admin/outbox/sweep").status_code == 403


def test_asking_for_a_sweep_when_the_broker_is_down_still_answers(make_client, outbox_dir, monkeypatch, app):
    task = app.extensions["celery"].tasks[service.SWEEP_TASK]

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(task, "apply_async", broker_down)
    client, _ = make_client(Role.ADMIN)

    response = client.post_form("/admin/outbox/sweep", follow_redirects=True)

    assert response.status_code == 200
    assert "cannot be reached just now" in response.get_data(as_text=True)


def test_asking_for_a_sweep_wakes_a_worker(make_client, outbox_dir, register_source):
    client, _ = make_client(Role.ADMIN)
    response = client.post_form("/admin/outbox/sweep", follow_redirects=True)
    assert "A worker will check for due reminders" in response.get_data(as_text=True)
