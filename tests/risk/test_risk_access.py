"""Who may see the risk tab and who may record an assessment."""

from __future__ import annotations

from sqlalchemy import select

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases.models import CaseStatus
from casework.extensions import db
from tests import factories
from tests.risk.helpers import form_data, saved_changes

ASSESS_BUTTON = "Complete a risk assessment</a>"


def test_the_officer_in_case_sees_the_button_to_assess(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    response = client.get(f"/cases/{case.id}/risk")
    assert response.status_code == 200
    assert ASSESS_BUTTON in response.get_data(as_text=True)


def test_a_manager_can_read_the_risk_tab_but_not_record_an_assessment(make_client):
    client, _ = make_client(Role.MANAGER)
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer)
    assessment = factories.RiskAssessmentFactory(case=case, assessor=officer, rationale="Manager can read this.")
    page = client.get(f"/cases/{case.id}/risk")
    assert page.status_code == 200
    assert "Manager can read this." in page.get_data(as_text=True)
    assert ASSESS_BUTTON not in page.get_data(as_text=True)
    assert client.get(f"/cases/{case.id}/risk/{assessment.id}").status_code == 200
    assert client.get(f"/cases/{case.id}/risk/new").status_code == 403
    before = saved_changes()
    assert client.post_form(f"/cases/{case.id}/risk/new", form_data()).status_code == 403
    assert saved_changes() == before


def test_an_officer_of_another_team_is_refused(make_client):
    client, _ = make_client(Role.OFFICER)
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer)
    assessment = factories.RiskAssessmentFactory(case=case, assessor=officer)
    assert client.get(f"/cases/{case.id}/risk").status_code == 403
    assert client.get(f"/cases/{case.id}/risk/{assessment.id}").status_code == 403
    before = saved_changes()
    assert client.post_form(f"/cases/{case.id}/risk/new", form_data()).status_code == 403
    assert saved_changes() == before


def test_a_restricted_case_is_not_found_for_anyone_off_its_access_list(make_client):
    client, colleague = make_client(Role.OFFICER)
    officer = factories.UserFactory(role=Role.OFFICER, team=colleague.team)
    case = factories.allocated_case(officer, restricted=True)
    assessment = factories.RiskAssessmentFactory(case=case, assessor=officer)
    assert client.get(f"/cases/{case.id}/risk").status_code == 404
    assert client.get(f"/cases/{case.id}/risk/{assessment.id}").status_code == 404
    assert client.post_form(f"/cases/{case.id}/risk/new", form_data()).status_code == 404


def test_an_adviser_cannot_see_the_risk_tab(make_client):
    client, adviser = make_client(Role.ADVISER)
    case = factories.CaseFactory(team=adviser.team)
    assert client.get(f"/cases/{case.id}/risk").status_code == 403


def test_a_closed_case_cannot_be_assessed(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, status=CaseStatus.CLOSED)
    assert ASSESS_BUTTON not in client.get(f"/cases/{case.id}/risk").get_data(as_text=True)
    assert client.post_form(f"/cases/{case.id}/risk/new", form_data()).status_code == 403


def test_an_assessment_of_another_case_is_not_found_through_this_one(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    other = factories.RiskAssessmentFactory(case=factories.allocated_case(officer), assessor=officer)
    assert client.get(f"/cases/{case.id}/risk/{other.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/risk/999999999").status_code == 404
    assert client.get("/cases/999999999/risk").status_code == 404


def test_reading_the_risk_tab_is_logged(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    client.get(f"/cases/{case.id}/risk")
    views = db.session.execute(
        select(AuditEvent.detail).where(
            AuditEvent.action == AuditAction.VIEW,
            AuditEvent.object_type == "case",
            AuditEvent.object_id == str(case.id),
        )
    ).scalars()
    assert {"page": "risk"} in list(views)
