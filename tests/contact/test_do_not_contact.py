"""Do not contact: a reason and a review date, pausing messages and scheduled updates, lifted on the record."""

from __future__ import annotations

from datetime import date

import pytest

from casework.auth.models import Role
from casework.contact import service
from casework.errors import DomainError
from tests import factories
from tests.contact.helpers import add_victim, audit_rows, london, officer_of, supervisor_of

NOW = london(2026, 3, 3, 11, 0)


@pytest.fixture
def case(db_session):
    return factories.allocated_case(factories.UserFactory(role=Role.OFFICER), reported_at=london(2026, 3, 2, 9))


def test_a_review_date_in_the_past_is_refused_and_today_is_accepted(case):
    victim = add_victim(case)
    with pytest.raises(DomainError) as refused:
        service.set_do_not_contact(
            officer_of(case), case, victim, reason="Suspect has her phone", review_on=date(2026, 3, 2), now=NOW
        )
    assert refused.value.field == "review_on"
    flag = service.set_do_not_contact(
        officer_of(case), case, victim, reason="Suspect has her phone", review_on=date(2026, 3, 3), now=NOW
    )
    assert flag.review_due_at == london(2026, 3, 3, 9, 0)


def test_a_reason_is_needed_and_only_one_flag_at_a_time(case):
    victim = add_victim(case)
    with pytest.raises(DomainError) as no_reason:
        service.set_do_not_contact(officer_of(case), case, victim, reason=" ", review_on=date(2026, 4, 1), now=NOW)
    assert no_reason.value.field == "reason"
    service.set_do_not_contact(officer_of(case), case, victim, reason="Unsafe", review_on=date(2026, 4, 1), now=NOW)
    with pytest.raises(DomainError):
        service.set_do_not_contact(officer_of(case), case, victim, reason="Again", review_on=date(2026, 4, 1), now=NOW)


def test_setting_and_lifting_are_kept_and_audited(case):
    victim = add_victim(case)
    flag = service.set_do_not_contact(
        officer_of(case), case, victim, reason="Unsafe", review_on=date(2026, 4, 1), now=NOW
    )
    assert service.open_flag(victim) == flag
    with pytest.raises(DomainError) as no_reason:
        service.lift_do_not_contact(supervisor_of(case), case, flag.id, reason="")
    assert no_reason.value.field == "reason"
    service.lift_do_not_contact(supervisor_of(case), case, flag.id, reason="Victim has a new safe phone", now=NOW)
    assert service.open_flag(victim) is None
    assert (flag.lifted_by_id, flag.lift_reason, flag.lifted_at) == (
        case.supervisor_id,
        "Victim has a new safe phone",
        NOW,
    )
    [set_row] = audit_rows(case, "do_not_contact_set")
    [lift_row] = audit_rows(case, "do_not_contact_lifted")
    assert (set_row.user_id, set_row.justification) == (case.officer_id, "Unsafe")
    assert (lift_row.user_id, lift_row.justification) == (case.supervisor_id, "Victim has a new safe phone")
    service.set_do_not_contact(
        officer_of(case), case, victim, reason="Unsafe again", review_on=date(2026, 5, 1), now=NOW
    )
