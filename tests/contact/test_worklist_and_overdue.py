"""Contacts due on the home page (overdue first, escalated to the supervisor a working day late),
and overdue contacts in the case lists, red panel and counts: one definition of overdue."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from casework.auth.models import Role
from casework.cases import queries
from casework.contact import service
from casework.contact.models import DecisionKind, Schedule
from casework.dashboard import service as dashboard
from casework.db import utcnow
from casework.extensions import db
from casework.workdays import escalation_cutoff
from tests import factories
from tests.contact.helpers import add_victim, london


def test_escalation_starts_once_the_next_working_day_has_ended():
    # Tuesday 26 May 2026 (after the Spring bank holiday): the last working day before is Friday 22 May.
    assert escalation_cutoff(london(2026, 5, 26, 10)) == london(2026, 5, 22, 0, 0)
    # Wednesday: due on Monday or earlier is a working day late; due Tuesday is not yet.
    assert escalation_cutoff(london(2026, 3, 4, 10)) == london(2026, 3, 3, 0, 0)


@pytest.fixture
def overdue_case(make_client):
    client, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer, reported_at=utcnow() - timedelta(days=30))
    victim = add_victim(case, first_name="Hannah", last_name="Morris")
    service.agree_plan(
        officer, case, victim, service.PlanTerms(Schedule.EVERY_N_DAYS, 7), now=utcnow() - timedelta(days=20)
    )
    db.session.commit()
    return client, officer, case, victim


def test_the_officer_home_page_lists_overdue_contacts_in_red_with_one_click_to_log(overdue_case):
    client, officer, case, victim = overdue_case
    later_case = factories.allocated_case(officer, reported_at=utcnow() - timedelta(days=3))
    add_victim(later_case, first_name="Aisha", last_name="Khan")
    service.record_key_decision(officer, later_case, DecisionKind.ARREST, decided_at=utcnow() - timedelta(minutes=30))
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Hannah Morris" in page and "Contact due: scheduled update" in page
    assert "Aisha Khan" not in page  # told within 1 working day: not due today
    assert f"/cases/{case.id}/contact/log?party={victim.id}" in page
    assert "casework-worklist__row--overdue" in page


def test_a_supervisor_sees_their_teams_obligations_a_working_day_overdue(overdue_case, make_client):
    _, officer, _, _ = overdue_case
    supervisor_client, _ = make_client(Role.SUPERVISOR, team=officer.team)
    page = supervisor_client.get("/").get_data(as_text=True)
    assert "Escalated: Contact due: scheduled update" in page and officer.full_name in page


def test_overdue_contacts_join_the_one_overdue_definition_with_the_reason(overdue_case):
    client, officer, case, _ = overdue_case
    now = utcnow()
    [reason] = queries.overdue_reasons_for([case], now)[case.id]
    assert re.fullmatch(r"Victim update overdue – \d+ days? overdue", reason)  # why, and for how long
    assert dashboard.caseload(officer, queries.Scope.MINE).overdue == 1
    listed = client.get("/cases?overdue=y").get_data(as_text=True)
    assert case.reference in listed and "Victim update overdue" in listed
    summary = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "This case is overdue: Victim update overdue" in summary


def test_do_not_contact_pauses_the_overdue_update_but_not_a_missed_legal_deadline(overdue_case):
    _, officer, case, victim = overdue_case
    service.set_do_not_contact(officer, case, victim, reason="Unsafe", review_on=date(2099, 1, 1))
    assert queries.overdue_reasons_for([case], utcnow()) == {}
    service.record_key_decision(officer, case, DecisionKind.ARREST, decided_at=utcnow() - timedelta(days=12))
    [reason] = queries.overdue_reasons_for([case], utcnow())[case.id]
    assert re.fullmatch(r"Victim not told of a key decision in time – \d+ days? overdue", reason)
