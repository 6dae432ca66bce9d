"""Erasure: nothing of an erased person remains in any table (scanned in PostgreSQL), and only admins erase."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases.models import CaseNote, CaseStatus, NoteVisibility, Outcome
from casework.contact.models import ContactAttempt, ContactOutcome, DoNotContact
from casework.db import utcnow
from casework.errors import DomainError
from casework.extensions import db
from casework.incidents import storage
from casework.intake.models import OnlineReport
from casework.people import service as people
from casework.people.models import CaseParty, ContactMethod, PartyRole, Person, VictimContact
from casework.retention import queries, service
from casework.retention.models import Decision, RetentionDecision
from tests import factories

MARKERS = {
    "first": "Zqfirstmark",
    "last": "Zqlastmark",
    "alias": "Zqaliasmark",
    "street": "Zqstreetmark",
    "phone": "07700 Zqphonemark",
    "email": "zqmailmark@example.org",
    "times": "Zqtimesmark",
    "needs": "Zqneedsmark",
    "language": "Zqlangmark",
    "notes": "Zqnotesmark",
    "rights": "Zqrightsmark",
    "discussed": "Zqdiscussmark",
    "dnc": "Zqdncmark",
    "referral": "Zqreferralmark",
}
TEXT_TYPES = ("text", "character varying", "json", "jsonb")


def _tables_holding(marker: str) -> list[str]:
    """Every (table.column) of the database whose text holds ``marker``, case-insensitively."""
    columns = db.session.execute(
        sa.text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = ANY(:types)"
        ),
        {"types": list(TEXT_TYPES)},
    ).all()
    assert len(columns) > 50, "the scan must see the whole schema"
    found = []
    for table, column in columns:
        hit = db.session.execute(
            sa.text(f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE :pattern LIMIT 1'),  # noqa: S608
            {"pattern": f"%{marker}%"},
        ).first()
        if hit:
            found.append(f"{table}.{column}")
    return found


@pytest.fixture
def seeded(db_session):  # type: ignore[no-untyped-def]
    """A victim with a marker in every field, mentioned throughout a case, through the real services."""
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer, summary=f"{MARKERS['first']} {MARKERS['last']} is followed home daily.")
    party = people.add_party(
        officer,
        case,
        people.PartyDetails(
            role=PartyRole.VICTIM,
            first_name=MARKERS["first"],
            last_name=MARKERS["last"],
            other_names=MARKERS["alias"],
            date_of_birth=date(1983, 4, 5),
            enhanced_rights_reason=MARKERS["rights"],
            notes=MARKERS["notes"],
        ),
    )
    contact = db.session.execute(sa.select(VictimContact).where(VictimContact.party_id == party.id)).scalar_one()
    contact.sealed_address = f"12 {MARKERS['street']} Road\nExampletown"
    contact.sealed_phone = MARKERS["phone"]
    contact.sealed_email = MARKERS["email"]
    contact.safe_times = MARKERS["times"]
    contact.access_needs = MARKERS["needs"]
    contact.language = MARKERS["language"]
    suspect = factories.CasePartyFactory(case=case, role=PartyRole.SUSPECT)
    # The officer's break-glass reason stays in the audit trail as written (append-only): no marker in it.
    loaded = db.session.execute(
        sa.select(CaseParty).options(selectinload(CaseParty.contact)).where(CaseParty.id == party.id)
    ).scalar_one()
    people.break_glass(officer, case, loaded, reason="Urgent welfare check")
    db.session.add(
        CaseNote(
            case_id=case.id,
            author_id=officer.id,
            visibility=NoteVisibility.POLICE_ONLY,
            body=f"Phoned {MARKERS['first']} on {MARKERS['phone']}; born 05/04/1983.",
        )
    )
    db.session.add(
        ContactAttempt(
            case_id=case.id,
            party_id=party.id,
            contacted_at=utcnow(),
            made_by_id=officer.id,
            method=ContactMethod.PHONE,
            outcome=ContactOutcome.SPOKE,
            discussed=MARKERS["discussed"],
        )
    )
    db.session.add(
        DoNotContact(
            case_id=case.id,
            party_id=party.id,
            reason=MARKERS["dnc"],
            review_on=utcnow().date(),
            review_due_at=utcnow(),
            set_by_id=officer.id,
        )
    )
    incident = factories.IncidentFactory(
        case=case, recorded_by_id=officer.id, description=f"Suspect shouted at {MARKERS['last'].upper()} in the street."
    )
    db.session.add(
        OnlineReport(
            reference="RZQ1",
            reporter_type=case.reporter_type,
            urgent=False,
            answers={"victim_details": {"first_name": MARKERS["first"], "last_name": MARKERS["last"]}},
            case_id=case.id,
        )
    )
    factories.ReferralFactory(case=case, party=party, reason=MARKERS["referral"])
    case.status, case.outcome, case.closed_at = CaseStatus.CLOSED, Outcome.CONVICTED, utcnow()
    db.session.commit()
    return {"case": case, "party": party, "person": party.person, "suspect": suspect, "incident": incident}


def test_the_scan_finds_every_marker_before_erasure(seeded):
    for marker in MARKERS.values():
        assert _tables_holding(marker), f"{marker} was not seeded"
    assert "cases.party_names" in _tables_holding(MARKERS["last"])


def test_erasing_a_person_leaves_nothing_of_them_in_any_table(seeded):
    admin = factories.UserFactory(role=Role.ADMIN)
    person = seeded["person"]
    count = service.erase_person(
        admin, person, reason=f"Erasure request ER-7 from {MARKERS['first']} {MARKERS['last']}"
    )
    db.session.commit()
    db.session.expire_all()
    left = {marker: _tables_holding(marker) for marker in MARKERS.values()}
    assert not any(left.values()), left
    assert "1983-04-05" not in str(db.session.execute(sa.select(AuditEvent.detail)).scalars().all())
    erased = db.session.get(Person, person.id)
    assert (erased.full_name, erased.date_of_birth, erased.other_names) == (f"Erased person {person.id}", None, None)
    assert seeded["case"].party_names.startswith(f"erased person {person.id}")
    assert count.people == {person.id} and count.cases == {seeded["case"].id}
    # The audit stub: who, when, why (names taken out), which records; no personal data.
    stub = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.ERASE)).scalar_one()
    assert (stub.object_type, stub.object_id, stub.user_id) == ("person", str(person.id), admin.id)
    assert stub.justification == "Erasure request ER-7 from [erased]"
    assert stub.detail["people"] == [person.id] and stub.detail["values_erased"] > 10
    # The suspect (another person) and the case's other text are untouched apart from the victim's name.
    assert db.session.get(Person, seeded["suspect"].person_id).first_name.startswith("Alex")
    assert seeded["case"].summary == "[erased] is followed home daily."


def test_the_audit_trail_never_held_the_personal_data(seeded):
    """Checked before erasure: what the services audited (adding a person, break-glass) holds ids only."""
    details = " ".join(
        str(row)
        for row in db.session.execute(
            sa.select(AuditEvent.actor, AuditEvent.object_id, AuditEvent.justification, AuditEvent.detail)
        ).all()
    )
    for key in ("first", "last", "alias", "street", "phone", "email", "times", "needs", "notes", "rights"):
        assert MARKERS[key] not in details


def test_erasing_a_whole_case_blanks_its_free_text_and_deletes_evidence_files(seeded, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path))
    admin = factories.UserFactory(role=Role.ADMIN)
    case = seeded["case"]
    stored = storage.new_stored_name()
    with app.test_request_context():
        path = storage.path_of(stored)
    path.write_bytes(b"%PDF-1.4 exhibit")
    factories.EvidenceItemFactory(incident=seeded["incident"], stored_name=stored, file_name="zqfile.pdf")
    with app.test_request_context():
        count = service.erase_case(admin, case, reason="Review: past retention, nothing to keep")
        assert path.exists(), "files go only when the erasure is committed"
        db.session.commit()
    assert not path.exists()
    db.session.expire_all()
    for marker in [*MARKERS.values(), "zqfile", "followed home", "shouted at"]:
        assert not _tables_holding(marker), marker
    assert count.files == 1 and len(count.people) == 2
    decision = db.session.execute(sa.select(RetentionDecision)).scalar_one()
    assert decision.decision == Decision.ERASE and decision.decided_by_id == admin.id
    assert queries.review_on(case) is None
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.ERASE, AuditEvent.object_type == "case")
    ).scalar_one()
    assert event.object_id == str(case.id) and event.justification == "Review: past retention, nothing to keep"


def test_a_person_in_another_case_keeps_their_record_when_one_case_is_erased(seeded, app):
    admin = factories.UserFactory(role=Role.ADMIN)
    suspect_person = seeded["suspect"].person
    factories.CasePartyFactory(case=factories.CaseFactory(), person=suspect_person, role=PartyRole.SUSPECT)
    with app.test_request_context():
        service.erase_case(admin, seeded["case"], reason="Past retention")
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Person, suspect_person.id).first_name == suspect_person.first_name
    assert db.session.get(Person, seeded["person"].id).first_name == "Erased"


def test_erasure_needs_a_reason_and_a_closed_case(seeded):
    admin = factories.UserFactory(role=Role.ADMIN)
    with pytest.raises(DomainError, match="reason"):
        service.erase_person(admin, seeded["person"], reason="  ")
    with pytest.raises(DomainError, match="reason"):
        service.erase_case(admin, seeded["case"], reason="")
    seeded["case"].status = CaseStatus.INVESTIGATING
    db.session.flush()
    with pytest.raises(DomainError, match="open cases"):
        service.erase_person(admin, seeded["person"], reason="Request ER-8")
    with pytest.raises(DomainError, match="closed"):
        service.erase_case(admin, seeded["case"], reason="Request ER-8")


def test_a_person_is_erased_only_once(seeded):
    admin = factories.UserFactory(role=Role.ADMIN)
    service.erase_person(admin, seeded["person"], reason="Request ER-9")
    with pytest.raises(DomainError, match="already"):
        service.erase_person(admin, seeded["person"], reason="Request ER-9 again")


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADVISER])
def test_only_admins_may_erase_and_refusals_are_audited(make_client, seeded, role):
    client, user = make_client(role)
    case, party = seeded["case"], seeded["party"]
    paths = [
        f"/admin/retention/cases/{case.id}/parties/{party.id}/erase",
        f"/admin/retention/cases/{case.id}/erase",
    ]
    for path in paths:
        assert client.post_form(path, {"reason": "Because"}).status_code == 403
    assert client.get(paths[0]).status_code == 403
    db.session.expire_all()
    assert db.session.get(Person, seeded["person"].id).first_name == MARKERS["first"]
    denied = db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == AuditAction.ACCESS_DENIED, AuditEvent.user_id == user.id
        )
    ).scalar_one()
    assert denied == 3


def test_an_admin_erases_a_person_through_the_page_with_a_reason(admin_client, seeded):
    client, _ = admin_client
    case, party = seeded["case"], seeded["party"]
    path = f"/admin/retention/cases/{case.id}/parties/{party.id}/erase"
    page = client.get(path).get_data(as_text=True)
    assert case.reference in page and MARKERS["first"] in page
    refused = client.post_form(path, {"reason": "", "confirm": "y"})
    assert refused.status_code == 200 and "Enter the reason for the erasure" in refused.get_data(as_text=True)
    unconfirmed = client.post_form(path, {"reason": "Erasure request ER-10"})
    assert "Confirm that you understand the erasure cannot be undone" in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, party.person_id).first_name == MARKERS["first"]
    done = client.post_form(path, {"reason": "Erasure request ER-10", "confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, party.person_id).first_name == "Erased"
    assert not _tables_holding(MARKERS["street"])


def test_a_party_of_another_case_is_not_found_through_this_case(admin_client, seeded):
    client, _ = admin_client
    other = factories.CaseFactory()
    response = client.get(f"/admin/retention/cases/{other.id}/parties/{seeded['party'].id}/erase")
    assert response.status_code == 404


def test_erased_case_pages_still_render_for_its_officer(make_client, seeded, app):
    admin = factories.UserFactory(role=Role.ADMIN)
    with app.test_request_context():
        service.erase_case(admin, seeded["case"], reason="Past retention")
        db.session.commit()
    case = seeded["case"]
    client, _ = make_client(Role.MANAGER)
    for path in (f"/cases/{case.id}", f"/cases/{case.id}/people", f"/cases/{case.id}/log"):
        assert client.get(path).status_code == 200, path
