"""Completing an S-DASH assessment: what is stored, what changes on the case, what it prompts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases.models import CaseStatus, RiskLevel
from casework.errors import DomainError
from casework.extensions import db
from casework.risk import queries, service
from casework.risk.checklist import CHECKLIST_VERSION, Checklist, Question
from casework.risk.forms import build_assessment_form
from tests import factories
from tests.risk.helpers import KEYS, answer_data, assessments_of, form_data


@pytest.fixture
def officer(make_client):
    client, user = make_client(Role.OFFICER)
    return client, user, factories.allocated_case(user)


def test_completing_an_assessment_stores_the_answers_version_and_yes_count(officer):
    client, user, case = officer
    data = {**answer_data(yes=KEYS[:3], comments={KEYS[0]: "Cries when she talks about him"})}
    response = client.post_form(
        f"/cases/{case.id}/risk/new", {**data, "level": "medium", "rationale": "Three yes answers, no threats."}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{case.id}/risk"
    [assessment] = assessments_of(case)
    assert assessment.checklist_version == CHECKLIST_VERSION
    assert assessment.yes_count == 3
    assert assessment.answers[KEYS[0]] == {"answer": True, "comment": "Cries when she talks about him"}
    assert assessment.answers[KEYS[10]] == {"answer": False, "comment": ""}
    assert set(assessment.answers) == set(KEYS)
    assert assessment.level == RiskLevel.MEDIUM
    assert assessment.rationale == "Three yes answers, no threats."
    assert assessment.assessor_id == user.id


def test_the_assessment_sets_the_case_level_and_clears_the_review_flag(officer):
    client, _, case = officer
    case.risk_review_due = True
    db.session.commit()
    client.post_form(f"/cases/{case.id}/risk/new", form_data(level="high"))
    db.session.refresh(case)
    assert case.risk_level == RiskLevel.HIGH
    assert case.risk_review_due is False


def test_the_assessment_is_audited_on_the_case(officer):
    client, user, case = officer
    client.post_form(f"/cases/{case.id}/risk/new", form_data(level="standard"))
    [assessment] = assessments_of(case)
    [event] = db.session.execute(
        select(AuditEvent).where(
            AuditEvent.object_type == "case",
            AuditEvent.object_id == str(case.id),
            AuditEvent.action == AuditAction.UPDATE,
        )
    ).scalars()
    assert event.user_id == user.id
    assert event.detail == {"risk_assessed": assessment.id, "level": "standard"}


def test_a_new_assessment_never_overwrites_the_earlier_ones(officer):
    client, _, case = officer
    client.post_form(f"/cases/{case.id}/risk/new", form_data(level="standard", rationale="First look."))
    client.post_form(f"/cases/{case.id}/risk/new", form_data(yes=KEYS, level="high", rationale="Now threatening."))
    first, second = assessments_of(case)
    assert (first.level, first.rationale, first.yes_count) == (RiskLevel.STANDARD, "First look.", 0)
    assert (second.level, second.yes_count) == (RiskLevel.HIGH, 11)
    assert case.risk_level == RiskLevel.HIGH
    page = client.get(f"/cases/{case.id}/risk").get_data(as_text=True)
    assert page.index("Now threatening.") < page.index("First look.")


def test_high_risk_prompts_a_marac_referral_and_a_safety_plan(officer):
    client, _, case = officer
    response = client.post_form(f"/cases/{case.id}/risk/new", form_data(level="high"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The risk assessment has been saved: high risk" in page
    assert "Consider a MARAC referral" in page
    assert "Agree a safety plan with the victim" in page


def test_the_prompts_stay_while_the_level_is_high_and_go_when_it_drops(officer):
    client, _, case = officer
    client.post_form(f"/cases/{case.id}/risk/new", form_data(level="high"))
    assert "Consider a MARAC referral" in client.get(f"/cases/{case.id}/risk").get_data(as_text=True)
    client.post_form(f"/cases/{case.id}/risk/new", form_data(level="medium"))
    assert "Consider a MARAC referral" not in client.get(f"/cases/{case.id}/risk").get_data(as_text=True)


def test_a_closed_high_risk_case_prompts_nothing(db_session):
    case = factories.CaseFactory(status=CaseStatus.CLOSED, risk_level=RiskLevel.HIGH)
    assert queries.prompts_for(case) == []
    assert queries.prompts_for(factories.CaseFactory(risk_level=RiskLevel.HIGH)) == [
        "Consider a MARAC referral",
        "Agree a safety plan with the victim",
    ]


def test_the_yes_answers_are_counted_without_a_reload_button(officer):
    """Counting never posts the form back (the page would jump to the top): our script counts as the officer
    answers, and the server counts when the assessment is saved."""
    client, _, case = officer
    page = client.get(f"/cases/{case.id}/risk/new").get_data(as_text=True)
    assert 'name="count"' not in page
    assert 'data-casework-yes-count="11"' in page
    assert "<script" not in page.split('id="main-content"')[1].split("</main>")[0]


def test_the_form_asks_every_question_of_the_checklist(officer):
    client, _, case = officer
    page = client.get(f"/cases/{case.id}/risk/new").get_data(as_text=True)
    assert "1. Is the victim very frightened?" in page
    assert "11. Is the suspect known to have been violent in the past?" in page
    for key in KEYS:
        assert f'id="{key}"' in page
        assert f'id="{key}_comment"' in page


def _answers(yes: bool = False) -> dict[str, service.Answer]:
    return {key: service.Answer(answer=yes) for key in KEYS}


def test_the_service_refuses_answers_that_miss_a_question(db_session):
    user = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(user)
    answers = _answers()
    del answers[KEYS[4]]
    with pytest.raises(DomainError) as refused:
        service.record_assessment(user, case, answers, RiskLevel.STANDARD, "Reasons")
    assert refused.value.field == KEYS[4]


def test_the_service_refuses_answers_to_questions_not_on_the_checklist(db_session):
    user = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(user)
    with pytest.raises(DomainError, match="not for the"):
        service.record_assessment(
            user, case, {**_answers(), "owns_a_dog": service.Answer(True)}, RiskLevel.STANDARD, "Reasons"
        )


def test_the_service_needs_a_rationale_and_an_open_case(db_session):
    user = factories.UserFactory(role=Role.OFFICER)
    with pytest.raises(DomainError) as refused:
        service.record_assessment(user, factories.allocated_case(user), _answers(), RiskLevel.HIGH, "  \n ")
    assert refused.value.field == "rationale"
    closed = factories.allocated_case(user, status=CaseStatus.CLOSED)
    with pytest.raises(DomainError, match="closed"):
        service.record_assessment(user, closed, _answers(), RiskLevel.HIGH, "Reasons")


def test_a_revised_checklist_is_a_new_version_of_data_not_new_form_code(app, db_session):
    revised = Checklist("S-DASH (revised)", (Question("new_first", "First?"), Question("new_second", "Second?")))
    with app.test_request_context(method="POST", data={"new_first": "yes", "new_second": "no", "level": "high"}):
        form = build_assessment_form(revised)(meta={"csrf": False})
        names = [field.name for field in form]
        assert names[:4] == ["new_first", "new_first_comment", "new_second", "new_second_comment"]
        assert names[4:6] == ["level", "rationale"]
        assert form.answers() == {"new_first": service.Answer(True), "new_second": service.Answer(False)}
