"""Every response that shows case data writes a consultation; every refusal, a denial (DPA 2018 s.62)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.extensions import db
from tests import factories


def views_of(case) -> list[dict]:  # type: ignore[no-untyped-def]
    query = select(AuditEvent.detail).where(
        AuditEvent.action == AuditAction.VIEW, AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id)
    )
    return list(db.session.execute(query).scalars())


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("page", ["new", "edit", "evidence"])
def test_incident_form_pages_and_failed_saves_are_consultations(make_client, method, page):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    incident = factories.IncidentFactory(case=case)
    path = {
        "new": f"/cases/{case.id}/incidents/new",
        "edit": f"/cases/{case.id}/incidents/{incident.id}/edit",
        "evidence": f"/cases/{case.id}/incidents/{incident.id}/evidence/new",
    }[page]
    response = client.get(path) if method == "GET" else client.post_form(path, {"description": ""})
    assert response.status_code == 200
    assert len(views_of(case)) == 1


@pytest.mark.parametrize("kind", ["incident", "evidence", "assessment"])
def test_probing_another_cases_object_id_is_refused_and_audited(make_client, kind):
    client, officer = make_client(Role.OFFICER)
    own = factories.allocated_case(officer)
    secret = factories.CaseFactory(restricted=True)
    incident = factories.IncidentFactory(case=secret)
    path = {
        "incident": f"/cases/{own.id}/incidents/{incident.id}/edit",
        "evidence": f"/cases/{own.id}/incidents/{incident.id}/evidence/"
        f"{factories.EvidenceItemFactory(incident=incident).id}/file",
        "assessment": f"/cases/{own.id}/risk/{factories.RiskAssessmentFactory(case=secret).id}",
    }[kind]
    assert client.get(path).status_code == 404
    denial = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == AuditAction.ACCESS_DENIED, AuditEvent.user_id == officer.id)
    ).scalar_one()
    assert denial.detail["path"] == path
