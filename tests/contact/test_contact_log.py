"""The contact log: when, who, how, outcome and what was discussed; unsafe contact prompts a plan review."""

from __future__ import annotations

import pytest

from casework.auth.models import Role
from casework.cases import registry
from casework.contact import service
from casework.contact.models import ContactOutcome, Schedule
from casework.errors import DomainError
from casework.people.models import ContactMethod
from tests import factories
from tests.contact.helpers import add_victim, audit_rows, london, officer_of

REPORTED = london(2026, 3, 2, 9, 0)
NOW = london(2026, 3, 3, 11, 0)


@pytest.fixture
def case(db_session):
    return factories.allocated_case(factories.UserFactory(role=Role.OFFICER), reported_at=REPORTED)


def _contact(at, outcome=ContactOutcome.SPOKE):  # type: ignore[no-untyped-def]
    return service.NewContact(at, ContactMethod.PHONE, outcome, "Explained the next steps")


def test_a_contact_in_the_future_is_refused(case):
    with pytest.raises(DomainError) as refused:
        service.log_contact(officer_of(case), case, add_victim(case), _contact(london(2026, 3, 3, 11, 1)), now=NOW)
    assert refused.value.field == "contacted_on"


def test_a_contact_before_the_report_is_refused(case):
    with pytest.raises(DomainError) as refused:
        service.log_contact(officer_of(case), case, add_victim(case), _contact(london(2026, 3, 2, 8, 59)), now=NOW)
    assert refused.value.field == "contacted_on"
    assert "before the report" in refused.value.message


def test_a_contact_is_recorded_with_who_and_audited(case):
    victim = add_victim(case)
    attempt = service.log_contact(officer_of(case), case, victim, _contact(london(2026, 3, 3, 10)), now=NOW)
    assert (attempt.made_by_id, attempt.method, attempt.outcome, attempt.discussed) == (
        case.officer_id,
        ContactMethod.PHONE,
        ContactOutcome.SPOKE,
        "Explained the next steps",
    )
    [row] = audit_rows(case, "contact_logged")
    assert row.user_id == case.officer_id
    assert "Explained" not in str(row.detail)


def test_unsafe_to_contact_prompts_a_review_of_the_plan_until_it_is_changed(case):
    victim = add_victim(case)
    plan = service.agree_plan(officer_of(case), case, victim, service.PlanTerms(Schedule.EVERY_N_DAYS, 14), now=NOW)
    service.log_contact(
        officer_of(case), case, victim, _contact(london(2026, 3, 3, 10), ContactOutcome.UNSAFE), now=NOW
    )
    assert plan.review_prompted_at == NOW
    assert any("was unsafe: review their contact plan" in item for item in registry.open_items(case))
    service.change_plan(
        officer_of(case),
        case,
        plan,
        service.PlanTerms(Schedule.EVERY_N_DAYS, 28),
        reason="Calls only via the adviser",
        expected_version=plan.version_id,
        now=NOW,
    )
    assert plan.review_prompted_at is None
    assert not any("was unsafe" in item for item in registry.open_items(case))


def test_only_a_victim_of_the_case_can_be_logged(case):
    other_case = factories.allocated_case(officer_of(case), reported_at=REPORTED)
    stranger = add_victim(other_case)
    with pytest.raises(DomainError):
        service.log_contact(officer_of(case), case, stranger, _contact(london(2026, 3, 3, 10)), now=NOW)
