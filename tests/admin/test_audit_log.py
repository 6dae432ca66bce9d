"""The audit viewer: filters, keyset paging, the CSV export (audited), access, and bad filter input."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from casework.admin import audit_log
from casework.audit import service as audit
from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.db import utcnow
from casework.extensions import db
from casework.people import service as people
from casework.people.models import CaseParty, PartyRole, VictimContact
from casework.workdays import local_date
from tests import factories

SEALED = ("Zqsealedaddress 1 Hidden Lane", "07700 Zqsealedphone", "zqsealed@example.org")


def _event(action: AuditAction, object_type: str = "probe", object_id: object = None, **fields: object) -> AuditEvent:
    event = audit.record(action, object_type, object_id, **fields)
    db.session.commit()
    return event


def _rows(client, **query) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/admin/audit", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADVISER])
def test_only_admins_see_the_audit_trail_and_refusals_are_audited(make_client, role):
    client, user = make_client(role)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit/export").status_code == 403
    assert client.post_form("/admin/audit/export", {"reason": "Curious"}).status_code == 403
    denied = db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == AuditAction.ACCESS_DENIED, AuditEvent.user_id == user.id
        )
    ).scalar_one()
    assert denied == 3
    assert db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.DISCLOSE)).first() is None


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/admin/audit").status_code == 302


def test_the_admin_sees_names_beside_emails_and_viewing_is_audited(admin_client):
    client, admin = admin_client
    officer = factories.UserFactory(role=Role.OFFICER, full_name="Olive Officer")
    _event(AuditAction.ACCESS_DENIED, "page", "/admin/users", actor=officer)
    page = _rows(client, category="refusals")
    assert "Olive Officer" in page and officer.email in page and "/admin/users" in page
    seen = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == "audit_log", AuditEvent.user_id == admin.id)
    ).scalar_one()
    assert seen.action == AuditAction.VIEW and seen.detail["filters"] == {"category": "refusals"}


def test_filters_by_category_action_person_object_and_case_reference(admin_client):
    client, _ = admin_client
    alice = factories.UserFactory(full_name="Alice Filterer")
    bob = factories.UserFactory(full_name="Bob Filterer")
    case = factories.CaseFactory()
    _event(AuditAction.SIGN_IN_FAILED, "user", actor=alice, detail={"reason": "throttled"})
    _event(AuditAction.DISCLOSE, "case", case.id, actor=bob, justification="Break glass for welfare")
    _event(AuditAction.UPDATE, "user", alice.id, actor=alice, detail={"changed": ["second factor enrolled"]})
    _event(AuditAction.VIEW, "case", case.id + 1, actor=bob)
    sign_ins = _rows(client, category="sign_in", user_id=alice.id)
    assert "throttled" in sign_ins and "second factor enrolled" in sign_ins and "Break glass" not in sign_ins
    disclosures = _rows(client, category="disclosures")
    assert "Break glass for welfare" in disclosures and "throttled" not in disclosures
    by_action = _rows(client, action="disclose", user_id=bob.id)
    assert "Break glass for welfare" in by_action
    assert "Break glass for welfare" not in _rows(client, action="disclose", user_id=alice.id)
    by_case = _rows(client, case_reference=case.reference.lower())
    assert "Break glass for welfare" in by_case and f"case {case.id + 1}" not in by_case
    by_object = _rows(client, object_type="user", object_id=str(alice.id))
    assert "second factor enrolled" in by_object and "throttled" not in by_object
    assert "No case has that reference" in _rows(client, case_reference="SH-1999-999999")


def test_date_range_is_in_london_days(admin_client, app):
    client, _ = admin_client
    old = _event(AuditAction.SIGN_IN, "user", actor_label="old@example.org")
    db.session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == old.id).values(created_at=utcnow() - timedelta(days=40))
    )
    db.session.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
    _event(AuditAction.SIGN_IN, "user", actor_label="new@example.org")
    today = local_date(utcnow())
    recent = _rows(client, date_from=[today.day, today.month, today.year], category="sign_in")
    assert "new@example.org" in recent and "old@example.org" not in recent
    long_ago = local_date(utcnow() - timedelta(days=40))  # its London day: 23:30 UTC in summer is tomorrow there
    window = {
        "date_from": [long_ago.day, long_ago.month, long_ago.year],
        "date_to": [long_ago.day, long_ago.month, long_ago.year],
    }
    older = client.get(
        "/admin/audit?" + "&".join(f"{key}={value}" for key, values in window.items() for value in values)
    )
    assert "old@example.org" in older.get_data(as_text=True) and "new@example.org" not in older.get_data(as_text=True)


def test_keyset_paging_walks_every_event_once(admin_client, db_session):
    client, _ = admin_client
    for number in range(audit_log.PAGE_SIZE + 7):
        audit.record(AuditAction.VIEW, "paging", number, actor_label="pager@example.org")
    db.session.commit()
    first = audit_log.events_page(audit_log.AuditFilters(object_type="paging"))
    assert len(first.rows) == audit_log.PAGE_SIZE and first.next_cursor is not None
    second = audit_log.events_page(audit_log.AuditFilters(object_type="paging"), after=first.next_cursor)
    assert len(second.rows) == 7 and second.next_cursor is None
    ids = [row.event.object_id for row in first.rows + second.rows]
    assert sorted(ids, key=int) == [str(number) for number in range(audit_log.PAGE_SIZE + 7)]
    page = _rows(client, object_type="paging")
    assert f"after={first.next_cursor}" in page and "Older events" in page
    assert "Newest events" in _rows(client, object_type="paging", after=first.next_cursor)


def test_export_asks_for_a_reason_then_downloads_the_filtered_csv_and_is_audited(admin_client):
    client, admin = admin_client
    officer = factories.UserFactory(full_name="Csv Officer")
    _event(AuditAction.ACCESS_DENIED, "page", "/admin/teams", actor=officer, detail={"path": "/admin/teams"})
    _event(AuditAction.ACCESS_DENIED, "page", "=HYPERLINK(1)", actor=officer)
    _event(AuditAction.SIGN_IN, "user", officer.id, actor=officer)
    path = f"/admin/audit/export?category=refusals&user_id={officer.id}"
    form = client.get(path).get_data(as_text=True)
    assert "Why are you exporting" in form and "refusals" in form
    refused = client.post_form(path, {"reason": ""})
    assert refused.status_code == 200 and "Enter the reason for the export" in refused.get_data(as_text=True)
    assert db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.DISCLOSE)).first() is None
    response = client.post_form(path, {"reason": "PSD enquiry 42"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == audit_log.CSV_COLUMNS
    assert [row[6] for row in rows[1:]] == ["'=HYPERLINK(1)", "/admin/teams"]
    assert all(row[3] == "Csv Officer" and row[4] == "access_denied" for row in rows[1:])
    export = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.DISCLOSE)).scalar_one()
    assert (export.object_type, export.user_id, export.justification) == ("audit_log", admin.id, "PSD enquiry 42")
    assert export.recipient == admin.email
    assert export.detail == {
        "export": "csv",
        "filters": {"category": "refusals", "user_id": officer.id},
        "rows": 2,
        "capped": False,
    }


def test_sealed_details_never_appear_in_the_viewer_or_the_export(admin_client):
    client, _ = admin_client
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer)
    party = people.add_party(
        officer, case, people.PartyDetails(role=PartyRole.VICTIM, first_name="Vic", last_name="Tim")
    )
    contact = db.session.execute(sa.select(VictimContact).where(VictimContact.party_id == party.id)).scalar_one()
    contact.sealed_address, contact.sealed_phone, contact.sealed_email = SEALED
    loaded = db.session.execute(
        sa.select(CaseParty).options(selectinload(CaseParty.contact)).where(CaseParty.id == party.id)
    ).scalar_one()
    people.break_glass(officer, case, loaded, reason="Welfare check tonight")
    db.session.commit()
    page = _rows(client)
    exported = client.post_form("/admin/audit/export", {"reason": "Checking the disclosures"}).get_data(as_text=True)
    assert "Welfare check tonight" in page and "Welfare check tonight" in exported
    for marker in ("Zqsealedaddress", "Zqsealedphone", "zqsealed@"):
        assert marker not in page and marker not in exported


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": ["31", "2", "2026"]}, "From must be a real date"),
        ({"date_from": ["x", "y", "z"]}, "From must be a real date"),
        ({"date_to": ["1", "1", "99999999999999999999"]}, "To must be a real date"),
        ({"date_from": ["2", "1", "2026"], "date_to": ["1", "1", "2026"]}, "must be on or after"),
        ({"user_id": str(2**80)}, "Not a valid choice"),
        ({"user_id": "abc"}, "Not a valid choice"),
        ({"after": str(2**80)}, "That page does not exist"),
        ({"after": "999999999"}, "That page no longer exists"),
        ({"category": "everything"}, "Not a valid choice"),
        ({"action": "delete"}, "Not a valid choice"),
        ({"object_id": "9" * 200}, "64 characters or fewer"),
    ],
)
def test_bad_filters_get_a_clear_message_never_a_500(admin_client, query, message):
    client, _ = admin_client
    response = client.get("/admin/audit", query_string=query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page


@pytest.mark.parametrize(
    "text",
    ["\u0000", "\u202e\u200b", "Zoë 🙂", "' OR 1=1 --", "\ud800".encode("utf-8", "surrogatepass").decode("latin-1")],
)
def test_odd_text_in_filters_never_breaks_the_viewer_or_the_export(admin_client, text):
    client, _ = admin_client
    for field in ("case_reference", "object_type", "object_id"):
        assert client.get("/admin/audit", query_string={field: text}).status_code == 200
        assert client.get("/admin/audit/export", query_string={field: text}).status_code == 200


def test_export_with_bad_filters_shows_a_message_and_exports_nothing(admin_client):
    client, _ = admin_client
    response = client.post_form("/admin/audit/export?date_from=31&date_from=2&date_from=2026", {"reason": "x"})
    assert response.status_code == 200 and "cannot be used" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.DISCLOSE)).first() is None


def test_the_admin_home_and_navigation_link_to_the_viewer_and_the_retention_review(admin_client):
    client, _ = admin_client
    page = client.get("/").get_data(as_text=True)
    assert 'href="/admin/audit"' in page and 'href="/admin/retention"' in page


def test_the_viewer_names_each_kind_of_event_in_words(admin_client):
    client, _ = admin_client
    _event(AuditAction.ACCESS_DENIED, "case", actor_label="probe@example.org")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert ">Refused<" in page and ">access_denied<" not in page
    assert all(action.label for action in AuditAction)  # each has words, or the viewer would fail on it
