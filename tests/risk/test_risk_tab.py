"""The risk tab and the full view of one assessment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from casework.auth.models import Role
from casework.cases.models import RiskLevel
from casework.db import utcnow
from casework.extensions import db
from tests import factories
from tests.querycount import count_queries
from tests.risk.helpers import KEYS, full_answers


def test_the_current_level_shows_prominently_and_high_is_red(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, risk_level=RiskLevel.HIGH)
    factories.RiskAssessmentFactory(case=case, assessor=officer, level=RiskLevel.HIGH, answers=full_answers())
    page = client.get(f"/cases/{case.id}/risk").get_data(as_text=True)
    assert '<p class="govuk-body-l" id="current-risk-level"><strong class="govuk-tag govuk-tag--red">High risk' in page


def test_an_unassessed_case_says_so(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    page = client.get(f"/cases/{case.id}/risk").get_data(as_text=True)
    assert "The risk has not been assessed yet." in page
    assert "No risk assessment has been completed for this case." in page


def test_the_history_shows_every_assessment_newest_first_in_london_time(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, risk_level=RiskLevel.MEDIUM)
    assessor = factories.UserFactory(role=Role.OFFICER, team=officer.team, full_name="Sam Assessor")
    factories.RiskAssessmentFactory(
        case=case,
        assessor=assessor,
        assessed_at=datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
        level=RiskLevel.STANDARD,
        rationale="Winter: no threats yet.",
    )
    factories.RiskAssessmentFactory(
        case=case,
        assessor=officer,
        assessed_at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC),
        answers=full_answers(yes=KEYS[:5]),
        yes_count=5,
        level=RiskLevel.MEDIUM,
        rationale="Summer: loitering every night.",
    )
    page = client.get(f"/cases/{case.id}/risk").get_data(as_text=True)
    assert page.index("2 July 2026 at 00:30 (latest)") < page.index("10 January 2026 at 09:00")
    assert page.index("Summer: loitering every night.") < page.index("Winter: no threats yet.")
    assert "Sam Assessor" in page
    assert "5 of 11" in page
    assert (
        '<summary class="govuk-details__summary"><span class="govuk-details__summary-text">Answers and comments' in page
    )
    assert "Is the victim very frightened?" in page
    assert f"Comment on {KEYS[0]}" in page


def test_one_assessment_can_be_read_in_full(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    assessment = factories.RiskAssessmentFactory(
        case=case, assessor=officer, answers=full_answers(yes=[KEYS[5]]), yes_count=1, rationale="Threat by text."
    )
    response = client.get(f"/cases/{case.id}/risk/{assessment.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Threat by text." in page
    assert "Has the suspect threatened physical or sexual violence in this harassment?" in page
    assert "1 of 11" in page


def test_answers_to_an_unknown_checklist_version_are_still_shown(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    assessment = factories.RiskAssessmentFactory(
        case=case,
        assessor=officer,
        checklist_version="S-DASH (draft 2030)",
        answers={"new_question": {"answer": True, "comment": "Asked in a later version"}},
    )
    page = client.get(f"/cases/{case.id}/risk/{assessment.id}").get_data(as_text=True)
    assert "new_question" in page
    assert "Asked in a later version" in page


def _risk_tab_statements(client: FlaskClient, case_id: int) -> int:
    with count_queries() as counter:
        assert client.get(f"/cases/{case_id}/risk").status_code == 200
    return counter.count


def test_the_risk_tab_runs_the_same_number_of_queries_for_2_or_30_assessments(make_client):
    client, officer = make_client(Role.OFFICER)
    few, many = factories.allocated_case(officer), factories.allocated_case(officer)
    for case, count in ((few, 2), (many, 30)):
        case.risk_review_due = True
        for days in range(count):
            assessor = factories.UserFactory(role=Role.OFFICER, team=officer.team)
            factories.RiskAssessmentFactory(
                case=case, assessor=assessor, assessed_at=utcnow() - timedelta(days=days + 1), answers=full_answers()
            )
    db.session.commit()
    _risk_tab_statements(client, few.id)
    assert _risk_tab_statements(client, few.id) == _risk_tab_statements(client, many.id)
