"""The case's task list: each row's state (done, to do, overdue, cannot start), its link for this viewer,
the NCRS 24-hour crime number rule, and the high-risk MARAC and safety plan decisions recorded with who."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases import service, tasks
from casework.cases.models import CaseDecision, CaseStatus, DecisionKind, DecisionOutcome, RiskLevel
from casework.cases.registry import TaskState
from casework.db import utcnow
from casework.errors import DomainError
from casework.extensions import db
from casework.orders.models import london_today
from casework.people.models import PartyRole, VictimContact
from tests import factories


@pytest.fixture
def ctx(app, db_session) -> Iterator[None]:
    with app.test_request_context():
        yield


def task_list(viewer, case) -> tasks.TaskList:  # type: ignore[no-untyped-def]
    """The task list as the summary page builds it, from the case as pages load it."""
    return tasks.task_list(viewer, service.get_case(case.id))


def rows(viewer, case) -> dict[str, tuple[TaskState, str | None]]:  # type: ignore[no-untyped-def]
    return {task.name: (task.state, task.href) for task in task_list(viewer, case).tasks}


def state(viewer, case, name: str) -> TaskState:  # type: ignore[no-untyped-def]
    return rows(viewer, case)[name][0]


def test_a_new_report_lists_what_to_do_in_order(ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.CaseFactory(team=officer.team, created_by=officer)
    names = [task.name for task in task_list(officer, case).tasks]
    assert names[:6] == [
        "Victim added",
        "Contact needs and safe contact recorded",
        "Incidents recorded",
        "Crime number recorded",
        "Risk assessed (S-DASH)",
        "Officer in case allocated",
    ]
    found = rows(officer, case)
    assert found["Victim added"] == (TaskState.TO_DO, f"/cases/{case.id}/people/new/victim")
    assert found["Contact needs and safe contact recorded"] == (TaskState.CANNOT_START, None)
    assert found["Incidents recorded"] == (TaskState.TO_DO, f"/cases/{case.id}/incidents/new")
    assert found["Risk assessed (S-DASH)"] == (TaskState.TO_DO, f"/cases/{case.id}/risk/new")
    assert "MARAC referral considered" not in found
    assert "Safety plan agreed with the victim" not in found


def test_victim_and_contact_needs_rows_follow_what_is_recorded(ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer)
    victim = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    assert state(officer, case, "Victim added") == TaskState.DONE
    contact_row = rows(officer, case)["Contact needs and safe contact recorded"]
    assert contact_row == (TaskState.TO_DO, f"/cases/{case.id}/people/{victim.id}/contact")
    db.session.add(VictimContact(party_id=victim.id, uses_bsl=True))
    db.session.flush()
    assert state(officer, case, "Contact needs and safe contact recorded") == TaskState.DONE


def test_incidents_row_is_done_once_one_is_recorded(ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer)
    factories.IncidentFactory(case=case)
    assert state(officer, case, "Incidents recorded") == TaskState.DONE


@pytest.mark.parametrize(("hours", "expected"), [(23, TaskState.TO_DO), (25, TaskState.OVERDUE)])
def test_crime_number_is_due_within_24_hours_of_the_report(ctx, hours, expected):
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer, reported_at=utcnow() - timedelta(hours=hours), crime_number=None)
    assert rows(officer, case)["Crime number recorded"] == (expected, f"/cases/{case.id}/edit")
    case.crime_number = "CR/2026/0001"
    assert state(officer, case, "Crime number recorded") == TaskState.DONE


def test_risk_row_is_overdue_while_a_reassessment_is_due(ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer, risk_level=RiskLevel.MEDIUM)
    assert state(officer, case, "Risk assessed (S-DASH)") == TaskState.DONE
    case.risk_review_due = True
    assert state(officer, case, "Risk assessed (S-DASH)") == TaskState.OVERDUE


def test_allocation_row_is_overdue_after_24_hours_and_links_only_for_supervisors(ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, team=officer.team)
    case = factories.CaseFactory(team=officer.team, created_by=officer, reported_at=utcnow() - timedelta(hours=30))
    assert rows(officer, case)["Officer in case allocated"] == (TaskState.OVERDUE, None)
    assert rows(supervisor, case)["Officer in case allocated"] == (TaskState.OVERDUE, f"/cases/{case.id}/allocate")
    fresh = factories.CaseFactory(team=officer.team, created_by=officer)
    assert state(officer, fresh, "Officer in case allocated") == TaskState.TO_DO
    assert state(officer, factories.allocated_case(officer), "Officer in case allocated") == TaskState.DONE


def test_a_manager_sees_the_rows_without_links_to_pages_they_cannot_use(ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    manager = factories.UserFactory(role=Role.MANAGER)
    case = factories.allocated_case(officer, risk_level=RiskLevel.HIGH)
    found = rows(manager, case)
    for name in ("Victim added", "Incidents recorded", "Crime number recorded", "MARAC referral considered"):
        assert found[name][1] is None, name


def test_high_risk_asks_for_marac_and_safety_plan_decisions_recorded_with_who(ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer, risk_level=RiskLevel.HIGH)
    found = rows(officer, case)
    assert found["MARAC referral considered"] == (TaskState.TO_DO, f"/cases/{case.id}/decisions/marac")
    assert found["Safety plan agreed with the victim"] == (TaskState.TO_DO, f"/cases/{case.id}/decisions/safety_plan")
    before = db.session.execute(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0))).scalar_one()
    decision = service.record_decision(
        officer, case, DecisionKind.MARAC, outcome=DecisionOutcome.MARAC_REFERRED, decided_on=london_today(), note=None
    )
    assert decision.decided_by_id == officer.id and decision.decided_at is not None
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.id > before)).scalar_one()
    assert (event.action, event.object_type, event.object_id, event.user_id) == (
        AuditAction.UPDATE,
        "case",
        str(case.id),
        officer.id,
    )
    assert event.detail["kind"] == "marac" and event.detail["outcome"] == "marac_referred"
    marac = next(task for task in task_list(officer, case).tasks if task.name == "MARAC referral considered")
    assert marac.state == TaskState.DONE
    assert "Referred to MARAC" in (marac.hint or "") and officer.full_name in (marac.hint or "")
    assert state(officer, case, "Safety plan agreed with the victim") == TaskState.TO_DO


def test_decisions_keep_their_history(ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer, risk_level=RiskLevel.HIGH)
    for outcome, note in (
        (DecisionOutcome.PLAN_DECLINED, "Victim wants to think about it"),
        (DecisionOutcome.PLAN_AGREED, None),
    ):
        service.record_decision(
            officer, case, DecisionKind.SAFETY_PLAN, outcome=outcome, decided_on=london_today(), note=note
        )
    history = service.decision_history(case, DecisionKind.SAFETY_PLAN)
    assert [decision.outcome for decision in history] == [DecisionOutcome.PLAN_AGREED, DecisionOutcome.PLAN_DECLINED]
    assert service.latest_decisions(case)[DecisionKind.SAFETY_PLAN].outcome == DecisionOutcome.PLAN_AGREED


def test_decision_rules_are_checked_in_the_service(ctx):
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer, risk_level=RiskLevel.HIGH)
    record = service.record_decision
    with pytest.raises(DomainError, match="Give the reason"):
        record(
            officer,
            case,
            DecisionKind.MARAC,
            outcome=DecisionOutcome.MARAC_NOT_REFERRED,
            decided_on=london_today(),
            note=" ",
        )
    with pytest.raises(DomainError, match="Select what was decided"):
        record(
            officer, case, DecisionKind.MARAC, outcome=DecisionOutcome.PLAN_AGREED, decided_on=london_today(), note=None
        )
    with pytest.raises(DomainError, match="today or in the past"):
        record(
            officer,
            case,
            DecisionKind.MARAC,
            outcome=DecisionOutcome.MARAC_REFERRED,
            decided_on=london_today() + timedelta(days=2),
            note=None,
        )
    case.status = CaseStatus.CLOSED
    with pytest.raises(DomainError, match="closed"):
        record(
            officer,
            case,
            DecisionKind.MARAC,
            outcome=DecisionOutcome.MARAC_REFERRED,
            decided_on=london_today(),
            note=None,
        )
    assert db.session.execute(sa.select(sa.func.count(CaseDecision.id))).scalar_one() == 0


def test_the_decision_page_records_a_decision_and_shows_the_history(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, risk_level=RiskLevel.HIGH)
    today = london_today()
    refused = client.post_form(f"/cases/{case.id}/decisions/marac", {"outcome": "marac_not_referred"})
    page = refused.get_data(as_text=True)
    assert "Enter the date it was decided" in page
    form = {"outcome": "marac_not_referred", "decided_on": [str(today.day), str(today.month), str(today.year)]}
    page = client.post_form(f"/cases/{case.id}/decisions/marac", form).get_data(as_text=True)
    assert "Give the reason" in page
    done = client.post_form(f"/cases/{case.id}/decisions/marac", {**form, "note": "Below the MARAC threshold"})
    assert done.status_code == 302
    page = client.get(f"/cases/{case.id}/decisions/marac").get_data(as_text=True)
    assert "Considered, not referred to MARAC" in page and officer.full_name in page
    summary = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "MARAC referral considered" in summary
    assert client.get(f"/cases/{case.id}/decisions/unknown").status_code == 404


def test_only_those_who_may_work_the_case_record_decisions(make_client):
    client, _ = make_client(Role.MANAGER)
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer, risk_level=RiskLevel.HIGH)
    assert client.get(f"/cases/{case.id}/decisions/marac").status_code == 403
    other_team, _ = make_client(Role.OFFICER)
    assert other_team.get(f"/cases/{case.id}/decisions/safety_plan").status_code == 403


def test_the_summary_shows_the_task_list_with_states(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, reported_at=utcnow() - timedelta(hours=30), crime_number=None)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'class="govuk-task-list casework-task-list"' in page
    assert "Overdue" in page and "To do" in page and "Cannot start yet" in page and "Completed" in page
