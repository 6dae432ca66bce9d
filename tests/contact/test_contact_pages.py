"""The contact tab and its forms: who sees them, every view audited, bad input per field, constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases import service as cases_service
from casework.cases.models import CaseStatus, Outcome
from casework.cases.queries import overdue_reasons_for
from casework.contact import service
from casework.contact.models import (
    ContactAttempt,
    ContactOutcome,
    ContactPlan,
    DecisionKind,
    DoNotContact,
    KeyDecision,
    Schedule,
)
from casework.db import utcnow
from casework.extensions import db
from casework.people.models import ContactMethod
from casework.workdays import LONDON, local_date
from tests import factories
from tests.contact.helpers import add_victim, officer_of
from tests.querycount import count_queries


@pytest.fixture
def officer(make_client):
    client, user = make_client(Role.OFFICER)
    case = factories.allocated_case(user, reported_at=utcnow() - timedelta(days=3))
    return client, case, add_victim(case, texts_safe=True)


def _date(name: str, day) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {name: [str(day.day), str(day.month), str(day.year)]}


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _error_on(page: str, field_id: str) -> bool:
    return "govuk-error-summary" in page and f'href="#{field_id}"' in page


def test_the_contact_tab_is_in_the_case_navigation_and_its_view_is_audited(officer):
    client, case, victim = officer
    page = client.get(f"/cases/{case.id}/contact").get_data(as_text=True)
    assert f'href="/cases/{case.id}/contact"' in page
    assert victim.person.full_name in page
    assert "Weekdays 10:00 to 15:00" in page  # safe times come from the people record
    views = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW, AuditEvent.object_id == str(case.id))
    ).scalars()
    assert any(event.detail.get("page") == "contact" for event in views)


def test_advisers_never_see_the_contact_tab_and_managers_cannot_change_it(make_client, db_session):
    officer = factories.UserFactory(role=Role.OFFICER)
    case = factories.allocated_case(officer)
    adviser, _ = make_client(Role.ADVISER, team=officer.team)
    assert adviser.get(f"/cases/{case.id}/contact").status_code in {403, 404}
    manager, _ = make_client(Role.MANAGER)
    page = manager.get(f"/cases/{case.id}/contact")
    assert page.status_code == 200
    assert "Log a contact" not in page.get_data(as_text=True)
    assert manager.get(f"/cases/{case.id}/contact/log").status_code == 403


def test_agreeing_a_plan_through_the_form(officer):
    client, case, victim = officer
    response = client.post_form(
        f"/cases/{case.id}/contact/victims/{victim.id}/plan",
        {"schedule": "other", "frequency_days": "21", "owner_id": "0", "message_channel": "sms", "reason": ""},
    )
    assert response.status_code == 302
    # The tab's top, where the success banner is: a fragment would scroll the page past it.
    assert response.headers["Location"] == f"/cases/{case.id}/contact"
    plan = db.session.execute(sa.select(ContactPlan).where(ContactPlan.party_id == victim.id)).scalar_one()
    assert (plan.frequency_days, plan.owner_id, plan.message_channel.value) == (21, None, "sms")


@pytest.mark.parametrize("days", ["0", "91", "", "two", "1.5"])
def test_a_bad_frequency_is_refused_on_its_field(officer, days):
    client, case, victim = officer
    response = client.post_form(
        f"/cases/{case.id}/contact/victims/{victim.id}/plan",
        {"schedule": "other", "frequency_days": days, "owner_id": "0", "message_channel": "none"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _error_on(page, "frequency_days")
    assert _count(ContactPlan) == 0


def test_an_unsafe_channel_is_not_offered_and_is_refused(officer):
    client, case, victim = officer
    page = client.get(f"/cases/{case.id}/contact/victims/{victim.id}/plan").get_data(as_text=True)
    assert 'value="sms"' in page and 'value="email"' not in page
    response = client.post_form(
        f"/cases/{case.id}/contact/victims/{victim.id}/plan",
        {"schedule": "7", "owner_id": "0", "message_channel": "email"},
    )
    assert _error_on(response.get_data(as_text=True), "message_channel")


def test_a_review_date_in_the_past_is_refused_on_its_field(officer):
    client, case, victim = officer
    yesterday = utcnow().astimezone(LONDON).date() - timedelta(days=1)
    response = client.post_form(
        f"/cases/{case.id}/contact/victims/{victim.id}/do-not-contact",
        {"reason": "Suspect reads her texts", **_date("review_on", yesterday)},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#review_on-day"' in page and "today or in the future" in page
    assert "Suspect reads her texts" in page
    assert _count(DoNotContact) == 0


def test_setting_and_lifting_do_not_contact_through_the_forms(officer):
    client, case, victim = officer
    later = utcnow().astimezone(LONDON).date() + timedelta(days=14)
    response = client.post_form(
        f"/cases/{case.id}/contact/victims/{victim.id}/do-not-contact",
        {"reason": "Suspect reads her texts", **_date("review_on", later)},
    )
    assert response.status_code == 302
    flag = db.session.execute(sa.select(DoNotContact)).scalar_one()
    assert "Do not contact" in client.get(f"/cases/{case.id}/contact").get_data(as_text=True)
    empty = client.post_form(f"/cases/{case.id}/contact/flags/{flag.id}/lift", {"reason": ""})
    assert _error_on(empty.get_data(as_text=True), "reason")
    lifted = client.post_form(f"/cases/{case.id}/contact/flags/{flag.id}/lift", {"reason": "New safe phone"})
    assert lifted.status_code == 302
    db.session.refresh(flag)
    assert flag.lift_reason == "New safe phone"


def _contact_data(victim, when, outcome="spoke", **extra):  # type: ignore[no-untyped-def]
    local = when.astimezone(LONDON)
    return {
        "party_id": str(victim.id),
        **_date("contacted_on", local.date()),
        "contacted_time": local.strftime("%H:%M"),
        "method": "phone",
        "outcome": outcome,
        "discussed": "Explained the arrest",
        **extra,
    }


def test_a_time_written_the_everyday_way_is_taken(officer):
    """'9.05am' is 09:05: nobody should have to retype a time in the 24-hour clock."""
    client, case, victim = officer
    yesterday = (utcnow() - timedelta(days=1)).astimezone(LONDON).replace(hour=9, minute=5, second=0, microsecond=0)
    data = {**_contact_data(victim, yesterday), "contacted_time": "9.05am"}
    assert client.post_form(f"/cases/{case.id}/contact/log", data).status_code == 302
    attempt = db.session.execute(sa.select(ContactAttempt)).scalar_one()
    assert attempt.contacted_at.astimezone(LONDON).strftime("%H:%M") == "09:05"
    refused = client.post_form(f"/cases/{case.id}/contact/log", {**data, "contacted_time": "9"})
    assert _error_on(refused.get_data(as_text=True), "contacted_time")  # morning or evening? not guessed


def test_a_contact_in_the_future_is_refused_on_its_field(officer):
    client, case, victim = officer
    response = client.post_form(f"/cases/{case.id}/contact/log", _contact_data(victim, utcnow() + timedelta(days=2)))
    page = response.get_data(as_text=True)
    assert _error_on(page, "contacted_on-day") and "cannot be in the future" in page
    assert "Explained the arrest" in page
    assert _count(ContactAttempt) == 0


def test_a_contact_before_the_report_is_refused_on_its_field(officer):
    client, case, victim = officer
    response = client.post_form(f"/cases/{case.id}/contact/log", _contact_data(victim, utcnow() - timedelta(days=5)))
    page = response.get_data(as_text=True)
    assert _error_on(page, "contacted_on-day") and "before the report" in page
    assert _count(ContactAttempt) == 0


def test_logging_a_contact_discharges_the_chosen_decision(officer):
    client, case, victim = officer
    service.record_key_decision(officer_of(case), case, DecisionKind.ARREST, decided_at=utcnow() - timedelta(hours=2))
    db.session.commit()
    [notice] = service.open_notices(case)
    form = client.get(f"/cases/{case.id}/contact/log?party={victim.id}").get_data(as_text=True)
    assert "Suspect arrested" in form
    response = client.post_form(
        f"/cases/{case.id}/contact/log",
        _contact_data(victim, utcnow() - timedelta(minutes=5), notices=str(notice.id)),
    )
    assert response.status_code == 302
    assert service.open_notices(case) == []


def test_a_key_decision_on_a_closed_case_is_refused_on_its_field(officer):
    client, case, _ = officer
    case.status, case.outcome, case.closed_at = CaseStatus.CLOSED, Outcome.NO_CRIME, utcnow()
    db.session.commit()
    when = utcnow().astimezone(LONDON) - timedelta(hours=1)
    response = client.post_form(
        f"/cases/{case.id}/contact/decisions/new",
        {"kind": "charged", **_date("decided_on", when.date()), "decided_time": when.strftime("%H:%M")},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _error_on(page, "kind") and "This case is closed" in page
    assert _count(KeyDecision) == 0


def test_recording_a_key_decision_shows_it_on_the_tab_and_the_timeline(officer):
    client, case, victim = officer
    when = utcnow().astimezone(LONDON) - timedelta(hours=1)
    response = client.post_form(
        f"/cases/{case.id}/contact/decisions/new",
        {"kind": "charged", **_date("decided_on", when.date()), "decided_time": when.strftime("%H:%M"), "notes": ""},
    )
    assert response.status_code == 302
    assert "Suspect charged" in client.get(f"/cases/{case.id}/contact").get_data(as_text=True)
    assert "Key decision: Suspect charged" in client.get(f"/cases/{case.id}/timeline").get_data(as_text=True)
    summary = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"Tell {victim.person.full_name} about: suspect charged" in summary


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "court_date", "decided_on": ["31", "2", "2026"]},
        {"kind": "nonsense", "decided_time": "25:99"},
        {"kind": "court_date", "decided_on": ["1", "1", "2026"], "decided_time": "10:00"},
    ],
)
def test_bad_key_decisions_never_fail(officer, data):
    client, case, _ = officer
    response = client.post_form(f"/cases/{case.id}/contact/decisions/new", data)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.get_data(as_text=True)


def _fill(case, victim, count: int) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    service.agree_plan(officer_of(case), case, victim, service.PlanTerms(Schedule.EVERY_N_DAYS, 14))
    for number in range(count):
        at = now - timedelta(hours=count - number)
        service.record_key_decision(officer_of(case), case, DecisionKind.ARREST, decided_at=at)
        service.log_contact(
            officer_of(case), case, victim, service.NewContact(at, ContactMethod.PHONE, ContactOutcome.SPOKE)
        )
    db.session.commit()


def test_the_contact_tab_runs_a_constant_number_of_queries(make_client, db_session):
    client, supervisor = make_client(Role.SUPERVISOR)
    officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    small = factories.allocated_case(officer, reported_at=utcnow() - timedelta(days=10))
    large = factories.allocated_case(officer, reported_at=utcnow() - timedelta(days=10))
    _fill(small, add_victim(small), 3)
    _fill(large, add_victim(large), 60)
    add_victim(large)
    with count_queries() as few:
        assert client.get(f"/cases/{small.id}/contact").status_code == 200
    with count_queries() as many:
        assert client.get(f"/cases/{large.id}/contact").status_code == 200
    assert many.count == few.count, many.statements


TEXT = st.one_of(
    st.sampled_from(["", "0", "1", "12", "2026", "14:30", "25:00", "spoke", "phone"]), st.text(max_size=12)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=TEXT, month=TEXT, year=TEXT, at=TEXT, method=TEXT, outcome=TEXT, party=TEXT, notices=TEXT, discussed=TEXT)
def test_the_contact_form_never_fails_and_never_half_saves(
    officer, day, month, year, at, method, outcome, party, notices, discussed
):
    client, case, _ = officer
    before = (_count(ContactAttempt), _count(AuditEvent))
    data = {
        "party_id": party,
        "contacted_on": [day, month, year],
        "contacted_time": at,
        "method": method,
        "outcome": outcome,
        "notices": notices,
        "discussed": discussed,
    }
    response = client.post_form(f"/cases/{case.id}/contact/log", data)
    if response.status_code == 302:
        assert _count(ContactAttempt) == before[0] + 1
    else:
        assert response.status_code == 200
        assert "govuk-error-summary" in response.get_data(as_text=True)
        assert _count(ContactAttempt) == before[0]


def test_contact_form_pages_are_form_pages_with_one_back_link_to_the_contact_tab(officer):
    client, case, victim = officer
    flag = service.set_do_not_contact(
        officer_of(case), case, victim, reason="Suspect has her phone", review_on=local_date(utcnow())
    )
    db.session.commit()
    tab, name, anchor = f"/cases/{case.id}/contact", victim.person.full_name, f"#victim-{victim.id}"
    pages = {
        f"{tab}/victims/{victim.id}/plan": (f"Agree a contact plan with {name}", anchor),
        f"{tab}/victims/{victim.id}/do-not-contact": (f"Set do not contact for {name}", anchor),
        f"{tab}/flags/{flag.id}/lift": ("Lift the do-not-contact flag", ""),
        f"{tab}/log": ("Log a contact", ""),
        f"{tab}/decisions/new": ("Record a key decision", ""),
    }
    for path, (heading, back_anchor) in pages.items():
        page = client.get(path).get_data(as_text=True)
        assert page.count("govuk-back-link") == 1, path
        assert f'<a href="{tab}{back_anchor}" class="govuk-back-link">' in page, path
        assert "moj-sub-navigation" not in page, path
        assert f'<span class="govuk-caption-l">{case.reference}</span>' in page, path
        assert page.count("<h1") == 1 and f'<h1 class="govuk-heading-l">{escape(heading)}</h1>' in page, path
        assert "Back to contact" not in page, path
    pages_viewed = {(event.detail or {}).get("page") for event in db.session.execute(sa.select(AuditEvent)).scalars()}
    assert {"contact plan", "do not contact", "lift do not contact", "log contact", "new key decision"} <= pages_viewed


UPDATE_LATE, NOTICE_LATE = "Victim update overdue", "Victim not told of a key decision in time"


def _reasons(case) -> list[str]:  # type: ignore[no-untyped-def]
    """The case's overdue reasons as the lists word them, without how long ago ("– 2 hours overdue")."""
    db.session.refresh(case)
    return [reason.split(" – ")[0] for reason in overdue_reasons_for([case], utcnow()).get(case.id, [])]


def test_the_tab_calls_overdue_what_the_lists_call_overdue(officer):
    """A late update is overdue on the tab while the lists say so: not under do-not-contact, not once closed."""
    client, case, victim = officer
    officer_user = officer_of(case)
    plan = service.agree_plan(officer_user, case, victim, service.PlanTerms(Schedule.EVERY_N_DAYS, 14))
    plan.next_update_due_at = utcnow() - timedelta(hours=2)
    service.record_key_decision(officer_user, case, DecisionKind.ARREST, decided_at=utcnow() - timedelta(days=2))
    (notice,) = service.open_notices(case)
    notice.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()

    shown = service.overview(case)
    assert shown.victims[0].update_overdue and not shown.updates_stopped
    assert len(shown.overdue_notice_ids) == 1
    assert {UPDATE_LATE, NOTICE_LATE} <= set(_reasons(case))
    page = client.get(f"/cases/{case.id}/contact").get_data(as_text=True)
    assert page.count("casework-tag--overdue") == 3  # the next update, and the notice in two places

    flag = service.set_do_not_contact(
        officer_user, case, victim, reason="Suspect at the address", review_on=local_date(utcnow()) + timedelta(days=7)
    )
    db.session.commit()
    assert not service.overview(case).victims[0].update_overdue
    assert UPDATE_LATE not in _reasons(case)
    service.lift_do_not_contact(officer_user, case, flag.id, reason="Safe again")
    db.session.commit()

    cases_service.close_case(
        officer_user, case, outcome=Outcome.CAUTION, reason=None, confirmed=True, expected_version=case.version_id
    )
    db.session.commit()
    shown = service.overview(case)
    assert shown.updates_stopped and not shown.victims[0].update_overdue
    assert len(shown.overdue_notice_ids) == 1  # a key decision must still be told after closing
    assert NOTICE_LATE in _reasons(case) and UPDATE_LATE not in _reasons(case)
    page = client.get(f"/cases/{case.id}/contact").get_data(as_text=True)
    assert "scheduled updates stopped when the case was closed" in page
    assert page.count("casework-tag--overdue") == 2


def test_long_text_is_counted_against_its_limit_as_it_is_typed(officer):
    client, case, _victim = officer
    page = client.get(f"/cases/{case.id}/contact/log").get_data(as_text=True)
    # The GOV.UK character count, its limit taken from the field's own length check (4,000 characters).
    assert 'data-module="govuk-character-count" data-maxlength="4000"' in page
    assert 'class="govuk-textarea govuk-js-character-count" id="discussed"' in page
    assert "You can enter up to 4000 characters" in page
