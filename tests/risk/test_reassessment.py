"""When a re-assessment is due, and the reasons given for it."""

from __future__ import annotations

from datetime import timedelta

from casework.auth.models import Role, User
from casework.cases.models import Case, CaseStatus
from casework.db import utcnow
from casework.extensions import db
from casework.risk import queries, service
from tests import factories
from tests.risk.helpers import form_data


def _author(case: Case) -> User | None:
    return db.session.get(User, case.created_by_id)


def _record_incident(case: Case) -> None:
    factories.IncidentFactory(case=case, recorded_by=_author(case))
    service.on_incident_recorded(case)
    db.session.commit()


def test_a_first_incident_asks_for_no_assessment(db_session):
    case = factories.CaseFactory()
    _record_incident(case)
    assert case.risk_review_due is False
    assert queries.reassessment_reasons(case) == []


def test_a_second_incident_without_an_assessment_asks_for_one(db_session):
    case = factories.CaseFactory()
    _record_incident(case)
    _record_incident(case)
    assert case.risk_review_due is True
    assert queries.reassessment_reasons(case) == [
        "2 incidents have been recorded and the risk has not been assessed yet"
    ]


def test_an_incident_after_the_latest_assessment_asks_for_a_new_one(db_session):
    case = factories.CaseFactory()
    factories.IncidentFactory(case=case, recorded_by=_author(case), created_at=utcnow() - timedelta(days=10))
    factories.RiskAssessmentFactory(case=case, assessor=_author(case), assessed_at=utcnow() - timedelta(days=5))
    _record_incident(case)
    assert case.risk_review_due is True
    assert queries.reassessment_reasons(case) == ["1 incident has been recorded since the latest assessment"]


def test_incidents_before_the_latest_assessment_are_not_counted_again(db_session):
    case = factories.CaseFactory()
    factories.RiskAssessmentFactory(case=case, assessor=_author(case), assessed_at=utcnow() - timedelta(days=20))
    factories.IncidentFactory(case=case, recorded_by=_author(case), created_at=utcnow() - timedelta(days=10))
    factories.RiskAssessmentFactory(case=case, assessor=_author(case), assessed_at=utcnow() - timedelta(days=5))
    _record_incident(case)
    _record_incident(case)
    assert queries.reassessment_reasons(case) == ["2 incidents have been recorded since the latest assessment"]


def test_a_case_marked_for_re_assessment_without_a_new_incident_gives_the_general_reason(db_session):
    case = factories.CaseFactory()
    factories.RiskAssessmentFactory(case=case, assessor=_author(case))
    case.risk_review_due = True
    assert queries.reassessment_reasons(case) == [queries.MARKED_FOR_REASSESSMENT]


def test_a_closed_case_needs_no_re_assessment(db_session):
    case = factories.CaseFactory(status=CaseStatus.CLOSED, risk_review_due=True)
    assert queries.reassessment_reasons(case) == []


def test_the_risk_tab_warns_with_the_reasons_and_the_assessment_clears_it(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    factories.RiskAssessmentFactory(case=case, assessor=_author(case), assessed_at=utcnow() - timedelta(days=5))
    _record_incident(case)
    page = client.get(f"/cases/{case.id}/risk").get_data(as_text=True)
    assert "Re-assessment due" in page
    assert "1 incident has been recorded since the latest assessment" in page
    assert f'href="/cases/{case.id}/risk/new"' in page

    client.post_form(f"/cases/{case.id}/risk/new", form_data())
    page = client.get(f"/cases/{case.id}/risk").get_data(as_text=True)
    assert "Re-assessment due" not in page
    db.session.refresh(case)
    assert case.risk_review_due is False
