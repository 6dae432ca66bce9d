"""Key decisions: each victim must be told within 1 working day (enhanced rights) or 5 (Victims' Code)."""

from __future__ import annotations

import pytest

from casework.auth.models import Role
from casework.cases.models import CaseStatus
from casework.contact import service
from casework.contact.models import ContactOutcome, DecisionKind
from casework.errors import DomainError
from casework.people.models import ContactMethod
from casework.workdays import LONDON
from tests import factories
from tests.contact.helpers import add_victim, audit_rows, london, officer_of

# Friday 22 May 2026, 15:00: the Spring bank holiday is Monday 25 May (DOMAIN.md's example).
DECIDED = london(2026, 5, 22, 15, 0)
NOW = london(2026, 5, 22, 16, 0)


@pytest.fixture
def case(db_session):
    officer = factories.UserFactory(role=Role.OFFICER)
    return factories.allocated_case(officer, reported_at=london(2026, 5, 1, 9, 0))


def test_enhanced_victims_must_be_told_by_the_next_working_day_after_a_bank_holiday(case):
    enhanced = add_victim(case, enhanced=True)
    standard = add_victim(case, enhanced=False)
    decision = service.record_key_decision(officer_of(case), case, DecisionKind.CHARGED, decided_at=DECIDED, now=NOW)
    due = {notice.party_id: notice.due_at.astimezone(LONDON) for notice in service.open_notices(case)}
    assert due[enhanced.id] == london(2026, 5, 26, 23, 59, 59)  # Tuesday: Monday is a bank holiday
    assert due[standard.id] == london(2026, 6, 1, 23, 59, 59)  # Tue, Wed, Thu, Fri, Mon
    assert decision.kind == DecisionKind.CHARGED


def test_deadline_helper_uses_one_or_five_working_days():
    assert service.notice_deadline(DECIDED, True) == london(2026, 5, 26, 23, 59, 59)
    assert service.notice_deadline(DECIDED, False) == london(2026, 6, 1, 23, 59, 59)


def test_recording_a_decision_is_audited_and_creates_one_notice_per_victim(case):
    add_victim(case)
    add_victim(case, enhanced=False)
    decision = service.record_key_decision(officer_of(case), case, DecisionKind.ARREST, decided_at=DECIDED, now=NOW)
    assert len(service.open_notices(case)) == 2
    [row] = audit_rows(case, "key_decision")
    assert row.user_id == case.officer_id
    assert row.detail == {"key_decision": decision.id, "kind": "arrest"}


def test_a_decision_on_a_closed_case_is_refused(case):
    add_victim(case)
    case.status = CaseStatus.CLOSED
    with pytest.raises(DomainError) as refused:
        service.record_key_decision(officer_of(case), case, DecisionKind.CHARGED, decided_at=DECIDED, now=NOW)
    assert refused.value.field == "kind"


def test_a_decision_in_the_future_or_before_the_report_is_refused(case):
    with pytest.raises(DomainError) as future:
        service.record_key_decision(
            officer_of(case), case, DecisionKind.CHARGED, decided_at=london(2026, 5, 23, 9), now=NOW
        )
    assert future.value.field == "decided_on"
    with pytest.raises(DomainError) as early:
        service.record_key_decision(
            officer_of(case), case, DecisionKind.CHARGED, decided_at=london(2026, 4, 1, 9), now=NOW
        )
    assert early.value.field == "decided_on"


def test_a_court_date_needs_a_hearing_after_the_decision_and_is_reminded_a_week_before(case):
    with pytest.raises(DomainError) as missing:
        service.record_key_decision(officer_of(case), case, DecisionKind.COURT_DATE, decided_at=DECIDED, now=NOW)
    assert missing.value.field == "hearing_on"
    decision = service.record_key_decision(
        officer_of(case), case, DecisionKind.COURT_DATE, decided_at=DECIDED, hearing_at=london(2026, 7, 14, 10), now=NOW
    )
    assert decision.court_reminder_at == london(2026, 7, 7, 9, 0)


def test_telling_the_victim_discharges_the_notice(case):
    victim = add_victim(case)
    service.record_key_decision(officer_of(case), case, DecisionKind.CHARGED, decided_at=DECIDED, now=NOW)
    [notice] = service.open_notices(case)
    service.log_contact(
        officer_of(case),
        case,
        victim,
        service.NewContact(NOW, ContactMethod.PHONE, ContactOutcome.SPOKE, "Told of the charge", (notice.id,)),
        now=NOW,
    )
    assert service.open_notices(case) == []
    assert notice.discharged_at == NOW


@pytest.mark.parametrize("outcome", [ContactOutcome.NO_ANSWER, ContactOutcome.UNSAFE])
def test_a_contact_where_the_victim_was_not_told_cannot_discharge(case, outcome):
    victim = add_victim(case)
    service.record_key_decision(officer_of(case), case, DecisionKind.CHARGED, decided_at=DECIDED, now=NOW)
    [notice] = service.open_notices(case)
    with pytest.raises(DomainError) as refused:
        service.log_contact(
            officer_of(case),
            case,
            victim,
            service.NewContact(NOW, ContactMethod.PHONE, outcome, None, (notice.id,)),
            now=NOW,
        )
    assert refused.value.field == "notices"


def test_another_victims_notice_cannot_be_discharged(case):
    victim = add_victim(case)
    other = add_victim(case)
    service.record_key_decision(officer_of(case), case, DecisionKind.CHARGED, decided_at=DECIDED, now=NOW)
    theirs = next(notice for notice in service.open_notices(case) if notice.party_id == other.id)
    with pytest.raises(DomainError) as refused:
        service.log_contact(
            officer_of(case),
            case,
            victim,
            service.NewContact(NOW, ContactMethod.PHONE, ContactOutcome.SPOKE, None, (theirs.id,)),
            now=NOW,
        )
    assert refused.value.field == "notices"
