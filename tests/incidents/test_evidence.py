"""Evidence: files checked by content, stored outside the web root, downloaded only by those who may see the case."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

import config
from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases.models import CaseAccess
from casework.errors import DomainError
from casework.extensions import db
from casework.incidents import storage
from casework.incidents.models import EvidenceItem, EvidenceType
from tests import factories
from tests.factories import EvidenceItemFactory


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(512)


@pytest.fixture
def incident_on_case(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    incident = factories.IncidentFactory(case=case, recorded_by=officer)
    return client, officer, case, incident


def upload(client, case, incident, content: bytes, name: str, content_type: str = "application/octet-stream"):
    """Post a file, then close the request's temporary file (Werkzeug's client leaves it open without redirects)."""
    response = client.post_form(
        f"/cases/{case.id}/incidents/{incident.id}/evidence/new",
        {
            "evidence_type": "screenshot",
            "description": "Messages sent overnight",
            "reference": "EXH-7",
            "file": (io.BytesIO(content), name, content_type),
        },
    )
    response.get_data()
    response.close()
    response.request.input_stream.close()
    return response


def status_of(client, url: str) -> int:
    response = client.get(url)
    response.close()
    return response.status_code


def only_item() -> EvidenceItem:
    return db.session.execute(select(EvidenceItem)).scalar_one()


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [(png_bytes(), "screenshot.png", "image/png"), (PDF, "letter.pdf", "application/pdf")],
)
def test_a_real_png_or_pdf_is_stored_with_its_digest(incident_on_case, evidence_dir, content, name, content_type):
    client, officer, case, incident = incident_on_case
    response = upload(client, case, incident, content, name, "application/x-anything")
    assert response.status_code == 302
    item = only_item()
    assert (item.file_name, item.content_type, item.size_bytes) == (name, content_type, len(content))
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.added_by_id == officer.id
    assert (evidence_dir / item.stored_name).read_bytes() == content
    assert name not in item.stored_name


def test_adding_evidence_is_audited_on_the_case(incident_on_case):
    client, officer, case, incident = incident_on_case
    upload(client, case, incident, PDF, "letter.pdf")
    item = only_item()
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_type == "case", AuditEvent.action == AuditAction.UPDATE)
    ).scalar_one()
    assert (event.object_id, event.user_id) == (str(case.id), officer.id)
    assert event.detail == {"evidence_added": item.id, "incident_id": incident.id, "sha256": item.sha256}


def test_evidence_without_a_file_is_recorded(incident_on_case):
    client, _, case, incident = incident_on_case
    response = client.post_form(
        f"/cases/{case.id}/incidents/{incident.id}/evidence/new",
        {"evidence_type": "physical", "description": "Flowers left on the doorstep", "reference": ""},
    )
    assert response.status_code == 302
    item = only_item()
    assert (item.evidence_type, item.reference, item.stored_name, item.file_name) == (
        EvidenceType.PHYSICAL,
        None,
        None,
        None,
    )


def test_a_program_renamed_as_a_png_is_refused(incident_on_case, evidence_dir):
    client, _, case, incident = incident_on_case
    response = upload(client, case, incident, EXE, "holiday.png", "image/png")
    assert "The selected file must be a PDF, PNG, JPEG, GIF, MP4, MP3 or plain text file" in response.get_data(
        as_text=True
    )
    assert db.session.execute(select(EvidenceItem)).first() is None
    assert not evidence_dir.exists() or not any(evidence_dir.iterdir())


def test_a_file_over_the_limit_is_refused(incident_on_case, evidence_dir):
    client, _, case, incident = incident_on_case
    content = b"%PDF-1.4\n" + bytes(storage.MAX_EVIDENCE_BYTES)
    response = upload(client, case, incident, content, "big.pdf")
    assert response.status_code == 200
    assert "The selected file must be 10 MB or smaller" in response.get_data(as_text=True)
    assert db.session.execute(select(EvidenceItem)).first() is None
    assert not evidence_dir.exists() or not any(evidence_dir.iterdir())


def test_a_file_exactly_at_the_limit_is_accepted(incident_on_case):
    client, _, case, incident = incident_on_case
    content = b"%PDF-1.4\n" + bytes(storage.MAX_EVIDENCE_BYTES - 9)
    assert upload(client, case, incident, content, "exact.pdf").status_code == 302
    assert only_item().size_bytes == storage.MAX_EVIDENCE_BYTES


def test_a_request_over_the_server_limit_is_refused_politely(incident_on_case, app):
    client, _, case, incident = incident_on_case
    content = b"%PDF-1.4\n" + bytes(app.config["MAX_CONTENT_LENGTH"])
    builder = EnvironBuilder(
        path=f"/cases/{case.id}/incidents/{incident.id}/evidence/new",
        method="POST",
        data={
            "csrf_token": client.csrf_token(),
            "evidence_type": "document",
            "description": "Huge",
            "file": (io.BytesIO(content), "huge.pdf"),
        },
    )
    environ = builder.get_environ()
    try:
        response = client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_utf8_text_is_accepted_as_plain_text(incident_on_case):
    client, _, case, incident = incident_on_case
    upload(client, case, incident, "Message log\r\n22:14 ‘you can’t hide’ 😀\n".encode(), "log.txt")
    assert only_item().content_type == "text/plain"


def test_the_file_name_is_cleaned_and_its_extension_follows_the_content(incident_on_case):
    client, _, case, incident = incident_on_case
    upload(client, case, incident, png_bytes(), "../../etc/evil\u202egnp.exe")
    item = only_item()
    assert item.file_name == "evilgnp.exe.png"
    assert item.content_type == "image/png"


def test_files_are_stored_outside_the_web_root(app, evidence_dir):
    default = Path(config.load(Path(app.instance_path))["EVIDENCE_DIR"])
    assert default == Path(app.instance_path) / "evidence"
    for folder in (default, evidence_dir):
        assert not folder.resolve().is_relative_to(Path(app.static_folder).resolve())
        assert not folder.resolve().is_relative_to(Path(app.root_path).resolve())


def test_a_team_member_downloads_the_file_and_it_is_audited(incident_on_case, make_client):
    client, officer, case, incident = incident_on_case
    upload(client, case, incident, png_bytes(), "screenshot.png")
    item = only_item()
    colleague_client, colleague = make_client(Role.OFFICER, team=officer.team)
    response = colleague_client.get(f"/cases/{case.id}/incidents/{incident.id}/evidence/{item.id}/file")
    assert response.status_code == 200
    assert response.data == png_bytes()
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == "attachment; filename=screenshot.png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    response.close()
    downloads = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW, AuditEvent.user_id == colleague.id)
    ).scalars()
    assert [event.detail for event in downloads] == [{"evidence_downloaded": item.id}]


def test_an_officer_of_another_team_cannot_download(incident_on_case, make_client):
    client, _, case, incident = incident_on_case
    upload(client, case, incident, PDF, "letter.pdf")
    item = only_item()
    outsider, _ = make_client(Role.OFFICER)
    assert status_of(outsider, f"/cases/{case.id}/incidents/{incident.id}/evidence/{item.id}/file") == 403


def test_a_restricted_case_file_is_not_found_for_someone_not_on_its_access_list(make_client):
    owner_client, owner = make_client(Role.OFFICER)
    case = factories.allocated_case(owner, restricted=True)
    db.session.add(CaseAccess(case_id=case.id, user_id=owner.id, granted_by_id=owner.id))
    db.session.commit()
    incident = factories.IncidentFactory(case=case, recorded_by=owner)
    upload(owner_client, case, incident, PDF, "letter.pdf")
    item = only_item()
    team_mate, _ = make_client(Role.OFFICER, team=owner.team)
    url = f"/cases/{case.id}/incidents/{incident.id}/evidence/{item.id}/file"
    assert status_of(team_mate, url) == 404
    assert status_of(owner_client, url) == 200


def test_evidence_is_only_found_through_its_own_case_and_incident(incident_on_case):
    client, officer, case, incident = incident_on_case
    upload(client, case, incident, PDF, "letter.pdf")
    item = only_item()
    other_incident = factories.IncidentFactory(case=case, recorded_by=officer)
    other_case = factories.allocated_case(officer)
    assert status_of(client, f"/cases/{case.id}/incidents/{other_incident.id}/evidence/{item.id}/file") == 404
    assert status_of(client, f"/cases/{other_case.id}/incidents/{incident.id}/evidence/{item.id}/file") == 404


def test_evidence_without_a_file_has_nothing_to_download(incident_on_case):
    client, _, case, incident = incident_on_case
    item = EvidenceItemFactory(incident=incident)
    assert status_of(client, f"/cases/{case.id}/incidents/{incident.id}/evidence/{item.id}/file") == 404


def test_an_adviser_cannot_add_evidence(incident_on_case, make_client):
    _, _, case, incident = incident_on_case
    adviser, _ = make_client(Role.ADVISER)
    assert upload(adviser, case, incident, PDF, "letter.pdf").status_code == 403
    assert db.session.execute(select(EvidenceItem)).first() is None


def test_a_written_file_is_removed_when_the_transaction_rolls_back(app, db_session, evidence_dir):
    with app.test_request_context():
        checked = storage.check(storage.Upload("letter.pdf", io.BytesIO(PDF)))
        kept = storage.save(checked, storage.new_stored_name())
        db.session.commit()
        checked = storage.check(storage.Upload("letter.pdf", io.BytesIO(PDF)))
        discarded = storage.save(checked, storage.new_stored_name())
        db.session.rollback()
    assert kept.read_bytes() == PDF
    assert not discarded.exists()
    assert [path.name for path in evidence_dir.iterdir()] == [kept.name]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"GIF89a" + bytes(20), "image/gif"),
        (b"\xff\xd8\xff\xe0" + bytes(20), "image/jpeg"),
        (b"\x00\x00\x00\x18ftypmp42" + bytes(20), "video/mp4"),
        (b"\x00\x00\x00\x1cftypisom\x00\x00\x02\x00isomiso2mp41" + bytes(20), "video/mp4"),
        (b"ID3\x04\x00" + bytes(20), "audio/mpeg"),
        (b"\xff\xfb\x90\x00" + bytes(20), "audio/mpeg"),
    ],
)
def test_each_accepted_type_is_recognised_by_its_first_bytes(content, content_type):
    checked = storage.check(storage.Upload("whatever.bin", io.BytesIO(content)))
    assert checked.kind.content_type == content_type


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04" + bytes(30),
        b"\x7fELF\x02\x01\x01" + bytes(30),
        b"<svg onload=alert(1)>\x00</svg>",
        # ISO media that is not MP4: an iPhone HEIC photo and a QuickTime MOV share the "ftyp" box.
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(20),
        b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + bytes(20),
    ],
    ids=["zip", "elf", "svg", "heic", "mov"],
)
def test_other_files_are_refused(content):
    with pytest.raises(DomainError) as refused:
        storage.check(storage.Upload("photo.jpg", io.BytesIO(content)))
    assert refused.value.field == "file"
