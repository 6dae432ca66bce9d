"""The triage queue: who may use it, each action, the home page count, and the original answers on the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases import registry
from casework.cases import service as cases_service
from casework.cases.models import Case, CaseStatus, Channel, ReporterType
from casework.db import utcnow
from casework.errors import DomainError
from casework.extensions import db
from casework.incidents.models import Incident
from casework.intake import service
from casework.intake.models import CloseReason, OnlineReport, ReportStatus
from casework.people.models import CaseParty, PartyRole, VictimContact
from tests import factories
from tests.intake.helpers import anonymous_answers, third_party_answers, victim_answers


def _audits(object_type: str, object_id: object) -> list[AuditEvent]:
    return list(
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.id)
        ).scalars()
    )


def _report(answers, hours_ago: int = 1) -> OnlineReport:  # type: ignore[no-untyped-def]
    report = service.record_report(answers, submitted_at=utcnow() - timedelta(hours=hours_ago))
    db.session.commit()
    return report


def _parties(case: Case) -> dict[PartyRole, list[CaseParty]]:
    found: dict[PartyRole, list[CaseParty]] = {}
    for party in db.session.execute(sa.select(CaseParty).where(CaseParty.case_id == case.id)).scalars():
        found.setdefault(party.role, []).append(party)
    return found


def test_the_queue_shows_danger_first_then_oldest_with_the_answers(triager):
    client, user = triager
    older = _report(victim_answers(), hours_ago=5)
    newer = _report(victim_answers(), hours_ago=2)
    urgent = _report(anonymous_answers(danger="fear"), hours_ago=1)
    page = client.get("/triage").get_data(as_text=True)
    positions = [page.index(report.reference) for report in (urgent, older, newer)]
    assert positions == sorted(positions)
    assert "casework-report--danger" in page and "casework-answer--danger" in page
    assert "He waits outside my work every evening" in page
    viewed = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == "online_report_list", AuditEvent.user_id == user.id)
    ).scalar_one()
    assert viewed.action == AuditAction.VIEW
    assert sorted(viewed.detail["reports"]) == sorted([older.id, newer.id, urgent.id])


def test_only_supervisors_of_the_receiving_team_may_triage(make_client, receiving_team):
    report = _report(victim_answers())
    officer, _ = make_client(Role.OFFICER, team=receiving_team)
    other_supervisor, _ = make_client(Role.SUPERVISOR)
    manager, _ = make_client(Role.MANAGER)
    for client in (officer, other_supervisor, manager):
        assert client.get("/triage").status_code == 403
        assert client.get(f"/triage/{report.id}").status_code == 403
        assert client.post_form(f"/triage/{report.id}/close", {"reason": "duplicate", "note": "x"}).status_code == 403
    assert db.session.get(OnlineReport, report.id).status == ReportStatus.NEW
    refusals = db.session.execute(
        sa.select(sa.func.count()).where(AuditEvent.action == AuditAction.ACCESS_DENIED)
    ).scalar_one()
    assert refusals >= 9


def test_nobody_triages_when_no_receiving_team_is_configured(app, make_client, monkeypatch):
    monkeypatch.setitem(app.config, "INTAKE_TEAM", "")
    client, _ = make_client(Role.SUPERVISOR)
    assert client.get("/triage").status_code == 403


def test_creating_a_case_carries_people_incident_and_contact_preferences_across(triager):
    client, user = triager
    report = _report(victim_answers(), hours_ago=3)
    form = client.get(f"/triage/{report.id}/case").get_data(as_text=True)
    assert "Create the case" in form
    response = client.post_form(f"/triage/{report.id}/case", {"classification": "stalking", "offence": "s2a"})
    assert response.status_code == 302
    case = db.session.execute(sa.select(Case)).scalar_one()
    assert response.headers["Location"] == f"/cases/{case.id}"
    assert case.channel == Channel.ONLINE and case.reporter_type == ReporterType.VICTIM
    assert case.team_id == user.team_id and case.reported_at == report.submitted_at
    assert report.reference in case.summary

    parties = _parties(case)
    assert set(parties) == {PartyRole.VICTIM, PartyRole.SUSPECT}
    victim, suspect = parties[PartyRole.VICTIM][0], parties[PartyRole.SUSPECT][0]
    assert victim.person.full_name == "Vera Victimson" and str(victim.person.date_of_birth) == "1991-04-03"
    assert suspect.person.full_name == "Gary Stalkerton" and suspect.person.other_names == "@gary_watching"
    assert suspect.relationship_to_victim.value == "ex_partner"
    contact = db.session.execute(sa.select(VictimContact).where(VictimContact.party_id == victim.id)).scalar_one()
    assert contact.preferred_method.value == "text" and contact.sealed_phone == "07700 900001"
    assert contact.texts_safe and contact.email_safe and not contact.voicemail_safe
    assert contact.safe_times == "Weekdays 9am to 12pm" and contact.language == "Polish"
    assert contact.interpreter_needed and contact.access_needs == "Step-free access"

    incident = db.session.execute(sa.select(Incident).where(Incident.case_id == case.id)).scalar_one()
    assert incident.behaviours == ["following", "contacting"]
    assert incident.how_reported == Channel.ONLINE and incident.location == "Outside the library"

    report = db.session.get(OnlineReport, report.id)
    assert report.status == ReportStatus.CASE_CREATED and report.case_id == case.id
    assert report.triaged_by_id == user.id
    triage = [row for row in _audits("online_report", report.id) if row.action == AuditAction.UPDATE]
    assert [(row.user_id, row.detail) for row in triage] == [(user.id, {"triage": "case_created", "case_id": case.id})]
    assert any(row.action == AuditAction.CREATE for row in _audits("case", case.id))


def test_a_third_partys_case_has_the_reporter_and_the_victim_as_different_people(triager):
    client, _ = triager
    report = _report(third_party_answers())
    client.post_form(f"/triage/{report.id}/case", {"classification": "harassment", "offence": "s2"})
    case = db.session.execute(sa.select(Case)).scalar_one()
    parties = _parties(case)
    reporter, victim = parties[PartyRole.REPORTER][0], parties[PartyRole.VICTIM][0]
    assert reporter.person.full_name == "Rita Reporterova"
    assert victim.person.full_name == "Vicky Targetson"
    assert reporter.person_id != victim.person_id
    assert "07700 900002" in reporter.notes and "Her sister" in reporter.notes
    assert "contact me first" in victim.notes


def test_an_anonymous_report_becomes_a_case_without_any_reporter(triager):
    client, _ = triager
    report = _report(anonymous_answers())
    client.post_form(f"/triage/{report.id}/case", {"classification": "stalking", "offence": "s2a"})
    case = db.session.execute(sa.select(Case)).scalar_one()
    assert case.reporter_type == ReporterType.ANONYMOUS
    assert set(_parties(case)) == {PartyRole.SUSPECT}


def test_the_case_shows_the_original_answers_unchanged_to_police_only(triager):
    client, user = triager
    answers = victim_answers()
    report = _report(answers)
    client.post_form(f"/triage/{report.id}/case", {"classification": "stalking", "offence": "s2a"})
    case = db.session.execute(sa.select(Case)).scalar_one()
    page = client.get(f"/cases/{case.id}/timeline").get_data(as_text=True)
    assert f"Online report {report.reference} received" in page
    assert "He waits outside my work every evening and sends messages all night." in page
    assert db.session.get(OnlineReport, report.id).answers == answers
    police = registry.timeline(case, registry.Viewer(user, police_only=True))
    others = registry.timeline(case, registry.Viewer(user, police_only=False))
    assert any(report.reference in entry.title for entry in police)
    assert not any(report.reference in entry.title for entry in others)


def test_a_victims_phone_and_email_in_her_report_are_sealed_once_it_is_a_case(triager, make_client, receiving_team):
    client, supervisor = triager
    report = _report(victim_answers())
    client.post_form(f"/triage/{report.id}/case", {"classification": "stalking", "offence": "s2a"})
    case = db.session.execute(sa.select(Case)).scalar_one()
    in_case, officer = make_client(Role.OFFICER, team=receiving_team)
    colleague, _ = make_client(Role.OFFICER, team=receiving_team)
    manager, _ = make_client(Role.MANAGER)
    cases_service.allocate(
        supervisor,
        case,
        officer_id=officer.id,
        supervisor_id=supervisor.id,
        reason=None,
        expected_version=case.version_id,
    )
    db.session.commit()
    for client_, sees in ((in_case, True), (client, True), (colleague, False), (manager, False)):
        page = client_.get(f"/cases/{case.id}/timeline").get_data(as_text=True)
        assert f"Online report {report.reference} received" in page
        assert ("07700 900001" in page, "vera@example.org" in page) == (sees, sees)
        assert ("Held in the victim&#39;s sealed details" in page) is not sees
        assert "Weekdays 9am to 12pm" in page  # her safe times are on the people tab for every officer too


def test_a_report_on_a_restricted_case_is_hidden_from_triagers_not_on_its_access_list(
    triager, make_client, receiving_team
):
    client, supervisor = triager
    report = _report(victim_answers())
    client.post_form(f"/triage/{report.id}/case", {"classification": "stalking", "offence": "s2a"})
    case = db.session.execute(sa.select(Case)).scalar_one()
    cases_service.set_restricted(supervisor, case, restricted=True, reason="A colleague knows the suspect")
    db.session.commit()
    other_triager, other = make_client(Role.SUPERVISOR, team=receiving_team)
    assert other_triager.get(f"/cases/{case.id}").status_code == 404
    assert other_triager.get(f"/triage/{report.id}").status_code == 404
    assert other_triager.get(f"/triage/{report.id}/case").headers["Location"] == f"/triage/{report.id}"
    late = other_triager.post_form(f"/triage/{report.id}/case", {"classification": "nonsense"})
    assert late.status_code in {302, 404} and "07700 900001" not in late.get_data(as_text=True)
    denied = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.ACCESS_DENIED, AuditEvent.user_id == other.id)
    ).scalars()
    assert any(event.object_id == str(case.id) for event in denied)
    assert "07700 900001" in client.get(f"/triage/{report.id}").get_data(as_text=True)  # on the access list


def test_adding_a_report_to_an_existing_case_adds_an_incident_and_is_audited(triager):
    client, user = triager
    case = factories.CaseFactory(team=user.team)
    report = _report(victim_answers())
    search = client.get(f"/triage/{report.id}/add?search={case.reference}").get_data(as_text=True)
    assert f"Add to {case.reference}" in search
    response = client.post_form(f"/triage/{report.id}/add", {"case_id": case.id})
    assert response.headers["Location"] == f"/cases/{case.id}"
    incident = db.session.execute(sa.select(Incident).where(Incident.case_id == case.id)).scalar_one()
    assert incident.description.startswith("He waits outside")
    report = db.session.get(OnlineReport, report.id)
    assert report.status == ReportStatus.ADDED_TO_CASE and report.case_id == case.id
    combined = [row for row in _audits("case", case.id) if row.action == AuditAction.COMBINE]
    assert [(row.user_id, row.detail) for row in combined] == [(user.id, {"online_report": report.id})]
    assert _audits("online_report", report.id)[-1].detail == {"triage": "added_to_case", "case_id": case.id}


def test_a_report_cannot_be_added_to_a_case_the_supervisor_cannot_see_or_a_closed_one(triager):
    client, user = triager
    hidden = factories.CaseFactory()
    report = _report(victim_answers())
    assert client.post_form(f"/triage/{report.id}/add", {"case_id": hidden.id}).status_code == 403
    closed = factories.CaseFactory(team=user.team, status=CaseStatus.CLOSED)
    refused = client.post_form(f"/triage/{report.id}/add", {"case_id": closed.id})
    assert refused.status_code == 200  # a stale page or a double click: told why, not refused as an intruder
    assert "That case is closed: reopen it first" in refused.get_data(as_text=True)
    offered = client.get(f"/triage/{report.id}/add", query_string={"search": closed.reference}).get_data(as_text=True)
    assert closed.reference in offered and f"Add to {closed.reference}" not in offered
    assert "Closed: reopen it to add this report" in offered
    with pytest.raises(DomainError, match="That case is closed"):
        service.add_report_to_case(user, report, closed)
    assert db.session.get(OnlineReport, report.id).status == ReportStatus.NEW


def test_closing_needs_a_reason_and_is_audited(triager):
    client, _ = triager
    report = _report(victim_answers())
    missing = client.post_form(f"/triage/{report.id}/close", {"reason": "another_force", "note": ""})
    assert "Explain why the report is closed" in missing.get_data(as_text=True)
    assert db.session.get(OnlineReport, report.id).status == ReportStatus.NEW
    done = client.post_form(f"/triage/{report.id}/close", {"reason": "another_force", "note": "Happened in Kent."})
    assert done.headers["Location"] == "/triage"
    report = db.session.get(OnlineReport, report.id)
    assert report.status == ReportStatus.CLOSED and report.close_reason == CloseReason.ANOTHER_FORCE
    assert report.close_note == "Happened in Kent."
    assert _audits("online_report", report.id)[-1].detail == {"triage": "closed", "reason": "another_force"}
    assert f"{report.reference} – " not in client.get("/triage").get_data(as_text=True)


def test_the_second_supervisor_is_told_plainly_that_the_report_was_dealt_with(make_client, receiving_team):
    first, first_user = make_client(Role.SUPERVISOR, team=receiving_team)
    second, _ = make_client(Role.SUPERVISOR, team=receiving_team)
    report = _report(victim_answers())
    second.get(f"/triage/{report.id}/case")  # the second supervisor opens the form...
    first.post_form(f"/triage/{report.id}/close", {"reason": "duplicate", "note": "Same as R-AAAA-BBBB."})
    late = second.post_form(f"/triage/{report.id}/case", {"classification": "stalking", "offence": "s2a"})
    assert late.headers["Location"] == f"/triage/{report.id}"
    page = second.get(f"/triage/{report.id}").get_data(as_text=True)
    assert f"{first_user.full_name} has already dealt with this report" in page
    assert db.session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one() == 0


def test_supervisors_home_page_shows_how_many_wait_and_the_oldests_age(triager, make_client):
    client, _ = triager
    _report(victim_answers(), hours_ago=3)
    _report(anonymous_answers(danger="fear"), hours_ago=1)
    home = client.get("/").get_data(as_text=True)
    assert "2 online reports waiting for triage; the oldest was sent 3 hours ago" in home
    assert "1 says someone may be in danger" in home
    assert 'href="/triage"' in home
    elsewhere, _ = make_client(Role.SUPERVISOR)
    assert "online reports waiting" not in elsewhere.get("/").get_data(as_text=True)


def test_age_in_words():
    assert service.age_in_words(timedelta(minutes=1)) == "1 minute"
    assert service.age_in_words(timedelta(minutes=59)) == "59 minutes"
    assert service.age_in_words(timedelta(hours=1, minutes=5)) == "1 hour"
    assert service.age_in_words(timedelta(days=3, hours=2)) == "3 days"
