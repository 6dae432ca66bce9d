"""Recording and changing incidents: saved in UTC from UK local time, audited on the case, risk review asked for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases.models import CaseAccess, CaseStatus, Channel
from casework.db import CONFLICT_MESSAGE, utcnow
from casework.extensions import db
from casework.incidents.models import Incident
from casework.workdays import LONDON
from tests import factories


def date_boxes(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def london_today() -> date:
    return utcnow().astimezone(LONDON).date()


def incident_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "occurred_on": date_boxes(london_today() - timedelta(days=2)),
        "occurred_at": "",
        "ended_on": ["", "", ""],
        "ended_at": "",
        "location": "Outside the victim's workplace",
        "behaviours": ["loitering", "watching"],
        "description": "He waited by the car park exit for an hour.",
        "how_reported": "101",
    }
    data.update(overrides)
    return data


def incidents_of(case) -> list[Incident]:
    return list(db.session.execute(select(Incident).where(Incident.case_id == case.id).order_by(Incident.id)).scalars())


def case_events(case) -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))
            .order_by(AuditEvent.id)
        ).scalars()
    )


def test_officer_records_an_incident_and_it_is_audited_on_the_case(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    response = client.post_form(f"/cases/{case.id}/incidents/new", incident_data())
    [incident] = incidents_of(case)
    assert response.status_code == 302
    # The tab's top, where the success banner is: a fragment would scroll the page past it.
    assert response.headers["Location"].endswith(f"/cases/{case.id}/incidents")
    assert incident.recorded_by_id == officer.id
    assert incident.behaviours == ["loitering", "watching"]
    assert incident.how_reported == Channel.PHONE_101
    assert incident.occurred_to is None
    added = [event for event in case_events(case) if event.detail and "incident_added" in event.detail]
    assert [(event.action, event.user_id, event.detail) for event in added] == [
        (AuditAction.UPDATE, officer.id, {"incident_added": incident.id})
    ]


def test_times_are_typed_in_uk_time_and_stored_in_utc(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    client.post_form(
        f"/cases/{case.id}/incidents/new",
        incident_data(
            occurred_on=["1", "7", "2025"], occurred_at="14:30", ended_on=["2", "7", "2025"], ended_at="09:15"
        ),
    )
    client.post_form(
        f"/cases/{case.id}/incidents/new", incident_data(occurred_on=["10", "1", "2025"], occurred_at="8.05")
    )
    summer, winter = incidents_of(case)
    assert summer.occurred_from == datetime(2025, 7, 1, 13, 30, tzinfo=UTC)
    assert summer.occurred_to == datetime(2025, 7, 2, 8, 15, tzinfo=UTC)
    assert winter.occurred_from == datetime(2025, 1, 10, 8, 5, tzinfo=UTC)


def test_an_end_time_alone_ends_the_incident_on_the_day_it_started(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    client.post_form(
        f"/cases/{case.id}/incidents/new",
        incident_data(occurred_on=["1", "12", "2025"], occurred_at="14:00", ended_at="15:30"),
    )
    [incident] = incidents_of(case)
    assert incident.occurred_to == datetime(2025, 12, 1, 15, 30, tzinfo=UTC)
    page = client.get(f"/cases/{case.id}/incidents").get_data(as_text=True)
    assert "1 December 2025, 14:00 to 15:30" in page


def test_the_second_incident_asks_for_a_risk_assessment(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    client.post_form(f"/cases/{case.id}/incidents/new", incident_data())
    db.session.refresh(case)
    assert case.risk_review_due is False
    client.post_form(f"/cases/{case.id}/incidents/new", incident_data())
    db.session.refresh(case)
    assert case.risk_review_due is True


def test_an_incident_after_an_assessment_asks_for_a_re_assessment(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    factories.RiskAssessmentFactory(case=case, assessor=officer)
    client.post_form(f"/cases/{case.id}/incidents/new", incident_data())
    db.session.refresh(case)
    assert case.risk_review_due is True


def test_the_tab_lists_incidents_in_date_order_with_the_course_of_conduct(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    factories.IncidentFactory(
        case=case, recorded_by=officer, occurred_from=utcnow() - timedelta(days=3), description="Later one"
    )
    factories.IncidentFactory(
        case=case, recorded_by=officer, occurred_from=utcnow() - timedelta(days=300), description="Earlier one"
    )
    page = client.get(f"/cases/{case.id}/incidents").get_data(as_text=True)
    assert page.index("Earlier one") < page.index("Later one")
    assert "Course of conduct: established (2 incidents)" in page
    assert "Over 120 days" in page
    assert "Record an incident" in page


def test_a_case_without_incidents_has_no_course_of_conduct_yet(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    page = client.get(f"/cases/{case.id}/incidents").get_data(as_text=True)
    assert "Course of conduct: not yet established" in page
    assert "No incidents recorded yet" in page


def test_opening_the_tab_is_logged_as_a_consultation(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    client.get(f"/cases/{case.id}/incidents")
    assert [(event.action, event.detail) for event in case_events(case)] == [(AuditAction.VIEW, {"page": "incidents"})]


def test_a_manager_sees_incidents_but_cannot_record_one(make_client):
    client, _ = make_client(Role.MANAGER)
    case = factories.CaseFactory()
    factories.IncidentFactory(case=case, recorded_by=factories.UserFactory())
    page = client.get(f"/cases/{case.id}/incidents").get_data(as_text=True)
    assert "Course of conduct: not yet established" in page
    assert "Record an incident" not in page
    assert client.get(f"/cases/{case.id}/incidents/new").status_code == 403
    assert client.post_form(f"/cases/{case.id}/incidents/new", incident_data()).status_code == 403
    assert len(incidents_of(case)) == 1


def test_nobody_records_an_incident_on_a_closed_case(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, status=CaseStatus.CLOSED)
    assert client.post_form(f"/cases/{case.id}/incidents/new", incident_data()).status_code == 403
    assert incidents_of(case) == []
    assert "Record an incident" not in client.get(f"/cases/{case.id}/incidents").get_data(as_text=True)


def test_an_officer_of_another_team_is_refused(make_client):
    client, _ = make_client(Role.OFFICER)
    case = factories.CaseFactory()
    assert client.get(f"/cases/{case.id}/incidents").status_code == 403
    assert client.post_form(f"/cases/{case.id}/incidents/new", incident_data()).status_code == 403
    assert incidents_of(case) == []


def test_a_restricted_case_is_not_found_for_someone_not_on_its_access_list(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, restricted=True)
    assert client.get(f"/cases/{case.id}/incidents").status_code == 404
    db.session.add(CaseAccess(case_id=case.id, user_id=officer.id, granted_by_id=officer.id))
    db.session.commit()
    assert client.get(f"/cases/{case.id}/incidents").status_code == 200


def test_an_incident_of_another_case_is_not_found(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    elsewhere = factories.IncidentFactory(case=factories.allocated_case(officer), recorded_by=officer)
    assert client.get(f"/cases/{case.id}/incidents/{elsewhere.id}/edit").status_code == 404
    assert client.get(f"/cases/{case.id}/incidents/999999/edit").status_code == 404


def test_editing_an_incident_shows_it_as_typed_and_saves_the_change(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    client.post_form(
        f"/cases/{case.id}/incidents/new", incident_data(occurred_on=["1", "7", "2025"], occurred_at="14:30")
    )
    [incident] = incidents_of(case)
    form = client.get(f"/cases/{case.id}/incidents/{incident.id}/edit").get_data(as_text=True)
    assert 'value="14:30"' in form
    assert 'value="2025"' in form
    stamp = incident.version_id
    response = client.post_form(
        f"/cases/{case.id}/incidents/{incident.id}/edit",
        incident_data(occurred_on=["1", "7", "2025"], occurred_at="14:30", location="Bus stop", version=stamp),
    )
    assert response.status_code == 302
    db.session.refresh(incident)
    assert incident.location == "Bus stop"
    [updated] = [event for event in case_events(case) if event.detail and "incident_updated" in event.detail]
    assert updated.detail == {"incident_updated": incident.id, "changes": ["location"]}


def test_changing_an_incident_after_an_assessment_asks_for_a_re_assessment(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    incident = factories.IncidentFactory(case=case, recorded_by=officer, occurred_from=utcnow() - timedelta(days=2))
    factories.RiskAssessmentFactory(case=case, assessor=officer)
    db.session.refresh(case)
    assert case.risk_review_due is False
    response = client.post_form(
        f"/cases/{case.id}/incidents/{incident.id}/edit",
        incident_data(location="Outside her new workplace", version=incident.version_id),
    )
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.risk_review_due is True


def test_a_stale_edit_is_refused_with_the_input_kept(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    incident = factories.IncidentFactory(case=case, recorded_by=officer, location="Original place")
    stale = incident.version_id
    incident.location = "Changed elsewhere"
    db.session.commit()
    response = client.post_form(
        f"/cases/{case.id}/incidents/{incident.id}/edit", incident_data(location="My edit", version=stale)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert CONFLICT_MESSAGE in page
    assert 'value="My edit"' in page
    db.session.refresh(incident)
    assert incident.location == "Changed elsewhere"


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OFFICER])
def test_team_members_record_incidents_on_their_teams_cases(make_client, role):
    client, user = make_client(role)
    case = factories.CaseFactory(team=user.team)
    assert client.post_form(f"/cases/{case.id}/incidents/new", incident_data()).status_code == 302
    assert len(incidents_of(case)) == 1
