"""Status transitions, allocation, closing and reopening: each kept as dated history with who and why."""

from __future__ import annotations

import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases.models import AssignmentRole, CaseAssignment, CaseStatus, CaseStatusChange, Outcome
from casework.db import CONFLICT_MESSAGE
from casework.extensions import db
from tests import factories


def history(case) -> list[tuple]:  # type: ignore[no-untyped-def]
    rows = db.session.execute(
        sa.select(CaseStatusChange).where(CaseStatusChange.case_id == case.id).order_by(CaseStatusChange.id)
    ).scalars()
    return [(row.from_status, row.to_status) for row in rows]


def test_officer_records_a_report_which_awaits_allocation(make_client):
    client, _ = make_client(Role.OFFICER)
    response = client.post_form("/cases/new", factories.new_case_form())
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Reported – awaiting allocation" in page
    assert "SH-2026-" in page


def test_supervisor_allocates_and_the_case_becomes_allocated_with_history(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    case = factories.CaseFactory(team=supervisor.team)
    response = client.post_form(
        f"/cases/{case.id}/allocate",
        {"officer_id": officer.id, "supervisor_id": supervisor.id, "reason": "New report", "version": case.version_id},
    )
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status == CaseStatus.ALLOCATED
    assert (case.officer_id, case.supervisor_id) == (officer.id, supervisor.id)
    assignments = db.session.execute(sa.select(CaseAssignment).where(CaseAssignment.case_id == case.id)).scalars().all()
    assert {(a.role, a.user_id, a.assigned_by_id) for a in assignments} == {
        (AssignmentRole.OFFICER, officer.id, supervisor.id),
        (AssignmentRole.SUPERVISOR, supervisor.id, supervisor.id),
    }
    assert history(case) == [(CaseStatus.REPORTED, CaseStatus.ALLOCATED)]


def test_reassignment_keeps_the_earlier_assignment(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    first = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    second = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    case = factories.CaseFactory(
        team=supervisor.team, officer=first, supervisor=supervisor, status=CaseStatus.INVESTIGATING
    )
    client.post_form(
        f"/cases/{case.id}/allocate",
        {"officer_id": second.id, "supervisor_id": supervisor.id, "reason": "Leave", "version": case.version_id},
    )
    officers = (
        db.session.execute(
            sa.select(CaseAssignment.user_id).where(
                CaseAssignment.case_id == case.id, CaseAssignment.role == AssignmentRole.OFFICER
            )
        )
        .scalars()
        .all()
    )
    assert officers == [second.id]
    db.session.refresh(case)
    assert case.officer_id == second.id
    assert case.status == CaseStatus.INVESTIGATING


def test_an_officer_from_another_team_cannot_be_allocated(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    outsider = factories.UserFactory(role=Role.OFFICER)
    case = factories.CaseFactory(team=supervisor.team)
    response = client.post_form(
        f"/cases/{case.id}/allocate",
        {"officer_id": outsider.id, "supervisor_id": supervisor.id, "version": case.version_id},
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.officer_id is None


def test_an_officer_cannot_allocate(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.CaseFactory(team=officer.team)
    assert client.get(f"/cases/{case.id}/allocate").status_code == 403


def test_status_moves_forward_one_step_at_a_time(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, status=CaseStatus.ALLOCATED)
    for to_status in ("investigating", "charged", "at_court"):
        db.session.refresh(case)
        response = client.post_form(f"/cases/{case.id}/status", {"status": to_status, "version": case.version_id})
        assert response.status_code == 302, response.get_data(as_text=True)
    assert [to for _, to in history(case)] == [CaseStatus.INVESTIGATING, CaseStatus.CHARGED, CaseStatus.AT_COURT]


def test_an_illegal_transition_is_refused_with_a_message(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, status=CaseStatus.ALLOCATED)
    response = client.post_form(f"/cases/{case.id}/status", {"status": "at_court", "version": case.version_id})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status == CaseStatus.ALLOCATED


def test_the_service_refuses_skipping_a_status(db_session):
    import pytest

    from casework.cases import service
    from casework.errors import DomainError

    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer, status=CaseStatus.ALLOCATED)
    with pytest.raises(DomainError, match="cannot go from ‘Allocated’ to ‘Charged’"):
        service.change_status(officer, case, CaseStatus.CHARGED, reason=None, expected_version=case.version_id)


def test_closing_needs_an_outcome(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    case = factories.CaseFactory(
        team=supervisor.team, officer=supervisor, supervisor=supervisor, status=CaseStatus.INVESTIGATING
    )
    response = client.post_form(f"/cases/{case.id}/close", {"version": case.version_id})
    assert "Select the outcome" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.is_open


def test_closing_shows_what_is_still_open_and_asks_for_confirmation(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    case = factories.CaseFactory(
        team=supervisor.team,
        officer=supervisor,
        supervisor=supervisor,
        status=CaseStatus.INVESTIGATING,
        risk_review_due=True,
    )
    page = client.get(f"/cases/{case.id}/close").get_data(as_text=True)
    assert "A risk assessment is due" in page and "re-assessment" not in page  # never assessed: a first one
    refused = client.post_form(f"/cases/{case.id}/close", {"outcome": "caution", "version": case.version_id})
    assert "Confirm that you want to close the case" in refused.get_data(as_text=True)
    db.session.refresh(case)
    assert case.is_open
    closed = client.post_form(
        f"/cases/{case.id}/close", {"outcome": "caution", "confirm": "y", "version": case.version_id}
    )
    assert closed.status_code == 302
    db.session.refresh(case)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.CAUTION)
    assert case.closed_at is not None


def test_officers_cannot_close_cases(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    assert client.get(f"/cases/{case.id}/close").status_code == 403


def test_supervisor_reopens_a_closed_case_with_a_reason(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    case = factories.CaseFactory(
        team=supervisor.team,
        officer=supervisor,
        supervisor=supervisor,
        status=CaseStatus.CLOSED,
        outcome=Outcome.NO_CRIME,
    )
    refused = client.post_form(f"/cases/{case.id}/reopen", {"reason": "  ", "version": case.version_id})
    assert "Enter the reason for reopening" in refused.get_data(as_text=True)
    response = client.post_form(f"/cases/{case.id}/reopen", {"reason": "New evidence", "version": case.version_id})
    assert response.status_code == 302
    db.session.refresh(case)
    assert (case.status, case.outcome) == (CaseStatus.INVESTIGATING, None)
    assert history(case)[-1] == (CaseStatus.CLOSED, CaseStatus.INVESTIGATING)


def test_a_closed_case_cannot_be_edited(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, status=CaseStatus.CLOSED)
    assert client.get(f"/cases/{case.id}/edit").status_code == 403


def test_concurrent_edit_gets_a_conflict_message_and_keeps_the_input(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    stale = case.version_id
    case.summary = "Changed by a colleague"
    db.session.commit()
    data = {"classification": "stalking", "offence": "s4a", "summary": "My careful rewrite", "version": stale}
    response = client.post_form(f"/cases/{case.id}/edit", data)
    page = response.get_data(as_text=True)
    assert CONFLICT_MESSAGE in page
    assert "My careful rewrite" in page
    db.session.refresh(case)
    assert case.summary == "Changed by a colleague"
    resubmitted = client.post_form(f"/cases/{case.id}/edit", {**data, "version": case.version_id})
    assert resubmitted.status_code == 302
    db.session.refresh(case)
    assert case.summary == "My careful rewrite"


def _events_since(before: int) -> list[AuditEvent]:
    return list(db.session.execute(sa.select(AuditEvent).where(AuditEvent.id > before)).scalars())


def _last_event_id() -> int:
    return db.session.execute(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0))).scalar_one()


CASE_PAGES = {
    "": "summary",
    "/people": "people",
    "/log": "log",
    "/audit": "audit",
    "/edit": "edit",
    "/status": "status",
    "/allocate": "allocate",
    "/close": "close",
    "/access": "access",
}


def test_every_case_view_and_change_is_audited(make_client):
    """Each case page logs its consultation, and each change through the pages logs its own row."""
    client, supervisor = make_client(Role.SUPERVISOR)
    officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    other_officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    outsider = factories.UserFactory(role=Role.OFFICER)
    case = factories.CaseFactory(
        team=supervisor.team,
        officer=officer,
        supervisor=supervisor,
        created_by=officer,
        status=CaseStatus.INVESTIGATING,
    )
    for path, page in CASE_PAGES.items():
        before = _last_event_id()
        assert client.get(f"/cases/{case.id}{path}").status_code == 200, path
        views = [(e.action, e.object_id, e.user_id, e.detail["page"]) for e in _events_since(before)]
        assert views == [(AuditAction.VIEW, str(case.id), supervisor.id, page)], path

    changes = [
        ("/edit", {"classification": "harassment", "offence": "s2", "summary": "Changed"}, "changes"),
        ("/status", {"status": "charged"}, "status"),
        ("/log", {"body": "Called the victim", "visibility": "police_only"}, "note_added"),
        ("/allocate", {"officer_id": other_officer.id, "supervisor_id": supervisor.id}, "assigned"),
        ("/access", {"restrict-reason": "Staff", "restrict-target": "1", "restrict-submit": "1"}, "restricted"),
        ("/access", {"grant-email": outsider.email, "grant-reason": "Needed", "grant-submit": "1"}, "access_granted"),
        ("/close", {"outcome": "caution", "confirm": "y"}, "status"),
        ("/reopen", {"reason": "New evidence"}, "status"),
    ]
    for path, data, key in changes:
        db.session.refresh(case)
        before = _last_event_id()
        response = client.post_form(f"/cases/{case.id}{path}", {**data, "version": case.version_id})
        assert response.status_code == 302, (path, response.get_data(as_text=True)[:2000])
        updates = [e for e in _events_since(before) if e.action == AuditAction.UPDATE]
        assert [(e.object_id, e.user_id) for e in updates if key in e.detail] == [(str(case.id), supervisor.id)], path


def test_police_only_notes_are_kept_from_advisers(db_session):
    from casework.cases import service
    from casework.cases.models import NoteVisibility

    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer)
    service.add_note(officer, case, body="Suspect intelligence", visibility=NoteVisibility.POLICE_ONLY)
    service.add_note(officer, case, body="Victim updated", visibility=NoteVisibility.SHAREABLE)
    assert [note.body for note in service.notes_for(case, include_police_only=False)] == ["Victim updated"]
    assert len(service.notes_for(case, include_police_only=True)) == 2


def test_restricting_a_case_puts_the_team_on_the_outside(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    colleague_client, _ = make_client(Role.OFFICER, team=supervisor.team)
    case = factories.CaseFactory(team=supervisor.team, officer=officer, supervisor=supervisor)
    response = client.post_form(
        f"/cases/{case.id}/access",
        {"restrict-reason": "Suspect is a serving officer", "restrict-target": "1", "restrict-submit": "1"},
    )
    assert response.status_code == 302
    assert colleague_client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/cases/{case.id}").status_code == 200
    page = client.get(f"/cases/{case.id}/access").get_data(as_text=True)
    assert officer.full_name in page


def test_a_double_submitted_restriction_stays_restricted(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    case = factories.CaseFactory(team=supervisor.team, officer=supervisor, supervisor=supervisor)
    data = {"restrict-reason": "Suspect is a serving officer", "restrict-target": "1", "restrict-submit": "1"}
    client.post_form(f"/cases/{case.id}/access", data)
    client.post_form(f"/cases/{case.id}/access", data)
    db.session.refresh(case)
    assert case.restricted


def test_a_case_restricted_when_recorded_stays_reachable_by_the_team_supervisors(make_client):
    client, officer = make_client(Role.OFFICER)
    supervisor_client, _ = make_client(Role.SUPERVISOR, team=officer.team)
    colleague_client, _ = make_client(Role.OFFICER, team=officer.team)
    response = client.post_form(
        "/cases/new", factories.new_case_form(summary="Suspect works for the force.", restricted="y")
    )
    case_path = response.headers["Location"]
    assert supervisor_client.get(f"{case_path}/allocate").status_code == 200
    assert colleague_client.get(case_path).status_code == 404


def test_allocated_is_reached_only_by_allocating(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.CaseFactory(team=officer.team)
    response = client.post_form(f"/cases/{case.id}/status", {"status": "allocated", "version": case.version_id})
    assert response.status_code == 200
    db.session.refresh(case)
    assert case.status == CaseStatus.REPORTED


def test_a_save_racing_another_is_a_conflict_message_not_an_error(make_client, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    from casework.cases import service

    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)

    def raced(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise StaleDataError("UPDATE statement on table 'cases' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(service, "update_details", raced)
    response = client.post_form(
        f"/cases/{case.id}/edit",
        {"classification": "stalking", "offence": "s2a", "summary": "Mine", "version": case.version_id},
    )
    assert response.status_code == 200
    assert CONFLICT_MESSAGE in response.get_data(as_text=True)
