"""The dashboard: known answers, every figure agrees with the case list it links to, fixed query count."""

from __future__ import annotations

import gc
import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import request

from casework.auth.models import Role
from casework.cases import queries
from casework.cases.filters import CaseFilterForm
from casework.cases.models import (
    Case,
    CaseAccess,
    CaseDecision,
    CaseStatus,
    DecisionKind,
    DecisionOutcome,
    Outcome,
    RiskLevel,
)
from casework.contact.models import ContactAttempt, ContactOutcome
from casework.dashboard import figures, service
from casework.dashboard.figures import default_period
from casework.db import utcnow
from casework.extensions import db
from casework.people.models import ContactMethod, PartyRole
from casework.workdays import end_of_local_day, local_date
from tests import factories
from tests.conftest import CaseworkClient, sign_in
from tests.dashboard.seed import plan, seed
from tests.querycount import count_queries

FIGURE = re.compile(
    r'<a class="govuk-link casework-figure" href="([^"]+)">(\d+)<span class="govuk-visually-hidden"> ([^<]*)</span>'
)
RESULT_COUNT = re.compile(r'id="result-count">\s*(\d+) cases?')


def signed_in(app, user):  # type: ignore[no-untyped-def]
    app.test_client_class = CaseworkClient
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def figures_on(page: str) -> list[tuple[str, int, str]]:
    return [(html.unescape(href), int(count), what) for href, count, what in FIGURE.findall(page)]


def list_count(client, href: str) -> int:  # type: ignore[no-untyped-def]
    page = client.get(href).get_data(as_text=True)
    match = RESULT_COUNT.search(page)
    assert match, f"no result count on {href}"
    return int(match.group(1))


@pytest.fixture
def seeded(app, db_session):  # type: ignore[no-untyped-def]
    return seed()


def test_manager_figures_have_the_known_answers_and_leave_out_the_restricted_case(app, seeded):
    scope = service.DashboardScope(seeded.manager, default_period(utcnow()))
    data = service.dashboard(scope)
    assert data.headline["urgent"] == 1
    assert [case.id for case in data.urgent] == [seeded.urgent.id]
    assert data.headline["referrals_overdue"] == 1  # the restricted case's late referral is not counted
    assert data.headline["spo_missed"] == 1
    olive = next(row for row in data.officers if row.name == "Olive Officer")
    assert (olive.by_risk, olive.unassessed, olive.open_cases) == ({"high": 1, "medium": 1, "standard": 1}, 0, 3)
    assert data.orders == {"applied": (1, 1), "granted": (1, 1), "breached": (1, 1), "expiring": (1, 1)}
    decisions, updates, referrals = data.compliance
    assert (decisions.on_time, decisions.due, decisions.cases_missed) == (1, 2, 1)
    assert (updates.on_time, updates.due, updates.cases_missed) == (1, 2, 1)
    assert (referrals.on_time, referrals.due, referrals.cases_missed) == (1, 3, 2)
    by_officer = {row.label: (row.on_time, row.due) for row in referrals.officers}
    assert by_officer == {"Olive Officer": (1, 2), "Colin Colleague": (0, 1)}
    assert data.outcomes == {seeded.closed.outcome: 1}
    assert sum(bands.get("0-7", 0) for bands in data.status_age.values()) == 2  # urgent (3 days) and the unallocated
    assert data.status_age[CaseStatus.INVESTIGATING] == {"0-7": 1, "8-28": 1, "29-90": 1}


def test_a_team_filter_narrows_every_figure(app, seeded):
    scope = service.DashboardScope(seeded.manager, default_period(utcnow()), team_id=seeded.south.id)
    data = service.dashboard(scope)
    assert data.headline["urgent"] == 0
    assert [row.name for row in data.officers] == ["Sue South"]
    assert data.headline["spo_missed"] == 1


def count_in_process(app, user, href: str) -> int:  # type: ignore[no-untyped-def]
    """The case list's total for ``href``, as its view works it out (without rendering the page)."""
    with app.test_request_context(href):
        form = CaseFilterForm(request.args, meta={"csrf": False})
        form.prepare(user)
        filters = form.to_filters()
        filters.extra = queries.extra_filters(request.args, utcnow())
        return queries.list_cases(user, filters).total


@pytest.mark.parametrize("who", ["manager", "supervisor"])
def test_every_figure_equals_the_count_of_the_case_list_it_links_to(app, seeded, who):
    """Each figure's link is followed: through the list page itself, except the 26 x channels cells of
    the weekly table, whose lists are counted in process the way the list view counts them (to keep the test quick)."""
    user = getattr(seeded, who)
    client = signed_in(app, user)
    page = client.get("/dashboard").get_data(as_text=True)
    shown = figures_on(page)
    assert len(shown) > 60
    assert any(count > 0 for _, count, _ in shown)
    checked: dict[str, int] = {}
    for href, count, what in shown:
        if href not in checked:
            weekly_cell = "week=" in href and "channel=" in href
            checked[href] = count_in_process(app, user, href) if weekly_cell else list_count(client, href)
        assert checked[href] == count, f"{what}: dashboard {count}, list {checked[href]} ({href})"


def test_the_weekly_figures_agree_with_the_list_page_too(app, seeded):
    client = signed_in(app, seeded.manager)
    page = client.get("/dashboard").get_data(as_text=True)
    cells = [(href, count) for href, count, _ in figures_on(page) if "week=" in href and "channel=" in href]
    for href, count in [cell for cell in cells if cell[1]][:3] + [cell for cell in cells if not cell[1]][:2]:
        assert list_count(client, href) == count, href


def test_the_restricted_case_counts_for_a_manager_on_its_access_list(app, db_session, seeded):
    db_session.add(CaseAccess(case_id=seeded.restricted.id, user_id=seeded.manager.id, granted_by_id=seeded.officer.id))
    db_session.commit()
    data = service.dashboard(service.DashboardScope(seeded.manager, default_period(utcnow())))
    assert data.headline["urgent"] == 2
    assert data.headline["referrals_overdue"] == 2
    # Longest overdue first, as in the lists' red panel.
    assert {case.id for case in data.urgent} == {seeded.urgent.id, seeded.restricted.id}
    assert data.urgent == sorted(data.urgent, key=lambda case: (case.overdue_from, case.id))


def test_the_urgent_panel_links_each_case(app, seeded):
    page = signed_in(app, seeded.manager).get("/dashboard").get_data(as_text=True)
    panel = page.split('id="urgent"')[1].split("</div>")[0]
    assert f'/cases/{seeded.urgent.id}"' in panel
    assert seeded.restricted.reference not in page


def test_the_urgent_panel_is_red_only_when_there_is_something_to_act_on(app, seeded):
    urgent = signed_in(app, seeded.manager).get("/dashboard").get_data(as_text=True)
    assert 'class="casework-overdue-panel" id="urgent"' in urgent
    quiet_team = factories.TeamFactory(name="Quiet")
    page = signed_in(app, seeded.manager).get(f"/dashboard?team_id={quiet_team.id}").get_data(as_text=True)
    assert 'class="govuk-inset-text" id="urgent"' in page and "None." in page


def test_the_dashboard_runs_a_fixed_number_of_queries(app, db_session, seeded):
    client = signed_in(app, seeded.manager)
    with count_queries() as few:
        assert client.get("/dashboard").status_code == 200
    officer = factories.UserFactory(role=Role.OFFICER, team=seeded.north)
    for number in range(40):
        case = factories.CaseFactory(
            team=seeded.north if number % 2 else seeded.south,
            officer=officer,
            status=CaseStatus.INVESTIGATING,
            risk_level=RiskLevel.HIGH,
            reported_at=utcnow() - timedelta(days=number * 4),
        )
        factories.ReferralFactory(case=case, send_due_at=utcnow() - timedelta(days=1))
    with count_queries() as many:
        assert client.get("/dashboard").status_code == 200
    assert many.count == few.count, many.statements


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADVISER, Role.ADMIN])
def test_only_supervisors_and_managers_open_the_dashboard(make_client, role):
    client, _ = make_client(role)
    assert client.get("/dashboard").status_code == 403


def test_bad_filters_come_back_with_a_message_not_an_error(make_client):
    client, _ = make_client(Role.MANAGER)
    response = client.get("/dashboard?period_from=31&period_from=2&period_from=2026&team_id=x")
    assert response.status_code == 200
    assert "must be a real date" in response.get_data(as_text=True)
    reversed_period = "period_from=1&period_from=3&period_from=2026&period_to=1&period_to=1&period_to=2026"
    assert "must be the same as or after" in client.get(f"/dashboard?{reversed_period}").get_data(as_text=True)


PERIOD_FILTERS = ["closed", "decisions_due", "decisions_late", "referrals_due", "referrals_late", "order_breached"]


@pytest.mark.parametrize("value", ["2026-01-01..9999-12-31", "9999-12-31..9999-12-31", "0001-01-01..2026-01-01"])
@pytest.mark.parametrize("name", PERIOD_FILTERS)
def test_a_period_beyond_the_years_a_date_field_takes_is_no_filter_not_an_error(make_client, name, value):
    client, _ = make_client(Role.MANAGER)
    assert figures.Period.parse(value) is None
    assert client.get(f"/cases?scope=all&{name}={value}").status_code == 200
    assert client.get(f"/exports/cases?scope=all&{name}={value}").status_code == 200


def test_an_officers_home_figures_are_their_own_and_each_agrees_with_its_list(app, db_session, seeded):
    later_today = factories.allocated_case(seeded.officer, risk_level=RiskLevel.MEDIUM)
    plan(later_today, end_of_local_day(local_date(utcnow())) - timedelta(seconds=1) - utcnow())
    factories.allocated_case(factories.UserFactory(role=Role.OFFICER, team=seeded.north), risk_level=RiskLevel.HIGH)
    db_session.commit()
    client = signed_in(app, seeded.officer)
    page = client.get("/").get_data(as_text=True)
    shown = {what: (href, count) for href, count, what in figures_on(page.split('id="my-figures"')[1])}
    assert shown["high risk"][1] == 2  # their own high-risk case and the restricted one they are on the list of
    assert shown["medium risk"][1] == 2
    assert shown["cases with a victim contact overdue"][1] == 2
    assert shown["cases with a victim contact due today"][1] == 1
    for what, (href, count) in shown.items():
        assert list_count(client, href) == count, what


def _contact(case, officer, days_ago: float, outcome: ContactOutcome) -> None:  # type: ignore[no-untyped-def]
    victim = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    db.session.add(
        ContactAttempt(
            case_id=case.id,
            party_id=victim.id,
            contacted_at=utcnow() - timedelta(days=days_ago),
            made_by_id=officer.id,
            method=ContactMethod.PHONE,
            outcome=outcome,
        )
    )


def _decision(case, officer, kind: DecisionKind, outcome: DecisionOutcome) -> None:  # type: ignore[no-untyped-def]
    db.session.add(
        CaseDecision(case_id=case.id, kind=kind, outcome=outcome, decided_at=utcnow(), decided_by_id=officer.id)
    )


@pytest.fixture
def gaps(app, db_session, seeded):  # type: ignore[no-untyped-def]
    """Olive's cases with and without a safety plan decision and a recent victim contact, one of them restricted."""
    officer = seeded.officer
    old = {"reported_at": utcnow() - timedelta(days=40)}
    spoken_to = factories.allocated_case(officer, risk_level=RiskLevel.MEDIUM, **old)
    _contact(spoken_to, officer, 5, ContactOutcome.SPOKE)  # contact within 28 days: not counted
    unanswered = factories.allocated_case(officer, risk_level=RiskLevel.MEDIUM, **old)
    _contact(unanswered, officer, 2, ContactOutcome.NO_ANSWER)  # an unanswered call is not contact
    _contact(unanswered, officer, 35, ContactOutcome.SPOKE)  # and this one is too long ago
    planned = factories.allocated_case(officer, risk_level=RiskLevel.HIGH)
    _decision(planned, officer, DecisionKind.SAFETY_PLAN, DecisionOutcome.PLAN_DECLINED)  # a decision: not counted
    marac_only = factories.allocated_case(officer, risk_level=RiskLevel.HIGH)
    _decision(marac_only, officer, DecisionKind.MARAC, DecisionOutcome.MARAC_REFERRED)  # no safety plan decision
    hidden = factories.allocated_case(officer, risk_level=RiskLevel.HIGH, restricted=True, **old)  # both gaps
    db.session.add(CaseAccess(case_id=hidden.id, user_id=officer.id, granted_by_id=seeded.supervisor.id))
    closed = factories.allocated_case(officer, risk_level=RiskLevel.HIGH, status=CaseStatus.CLOSED, **old)
    closed.outcome, closed.closed_at = Outcome.CAUTION, utcnow()  # closed: neither
    db_session.commit()
    return hidden


def test_high_risk_without_a_safety_plan_and_no_victim_contact_have_known_answers(app, seeded, gaps):
    data = service.dashboard(service.DashboardScope(seeded.manager, default_period(utcnow())))
    olive = next(row for row in data.officers if row.name == "Olive Officer")
    # urgent (high, no decision) and marac_only; the restricted case is not counted for this manager
    assert (olive.no_safety_plan, data.headline["no_safety_plan"]) == (2, 3)  # + Sue South's ordered case
    # unanswered (40 days, last told contact 35 days ago); the 60-day-old case of Colin Colleague has none either
    assert (olive.no_contact, data.headline["no_contact"]) == (1, 2)
    longer = service.DashboardScope(seeded.manager, default_period(utcnow()), no_contact_days=45)
    assert service.dashboard(longer).headline["no_contact"] == 1  # only Colin's case is over 45 days old


def test_the_restricted_case_counts_in_both_gaps_for_a_manager_on_its_access_list(app, db_session, seeded, gaps):
    db_session.add(CaseAccess(case_id=gaps.id, user_id=seeded.manager.id, granted_by_id=seeded.officer.id))
    db_session.commit()
    data = service.dashboard(service.DashboardScope(seeded.manager, default_period(utcnow())))
    olive = next(row for row in data.officers if row.name == "Olive Officer")
    assert (olive.no_safety_plan, olive.no_contact) == (3, 2)
    assert (data.headline["no_safety_plan"], data.headline["no_contact"]) == (4, 3)


@pytest.mark.parametrize("who", ["manager", "supervisor", "manager_on_the_list"])
def test_the_gap_figures_equal_their_lists_restricted_case_included(app, db_session, seeded, gaps, who):
    user = seeded.supervisor if who == "supervisor" else seeded.manager
    if who == "manager_on_the_list":
        db_session.add(CaseAccess(case_id=gaps.id, user_id=seeded.manager.id, granted_by_id=seeded.officer.id))
        db_session.commit()
    client = signed_in(app, user)
    page = client.get("/dashboard").get_data(as_text=True)
    shown = [(href, count) for href, count, _ in figures_on(page) if "no_contact=" in href or "no_safety_plan=" in href]
    assert len(shown) >= 4 and any(count for _, count in shown)
    for href, count in shown:
        assert list_count(client, href) == count, href
    assert "No victim contact in 28 days" in page


def test_the_gap_filters_say_what_they_are_and_ignore_bad_values(app, seeded, gaps):
    client = signed_in(app, seeded.manager)
    page = client.get("/cases?scope=all&no_contact=28").get_data(as_text=True)
    assert "no contact with the victim in the last 28 days" in page
    assert "no safety plan decision recorded" in client.get("/cases?scope=all&no_safety_plan=1").get_data(as_text=True)
    assert client.get("/cases?scope=all&no_contact=abc").status_code == 200
    assert client.get("/cases?scope=all&no_contact=0").status_code == 200


def test_a_closed_case_still_owing_a_referral_counts_in_its_officers_overdue_column_and_list(app, db_session, seeded):
    """The caseload reads open cases only, plus the few closed cases whose ``overdue_from`` has passed."""

    def olive_overdue() -> int:
        data = service.dashboard(service.DashboardScope(seeded.manager, default_period(utcnow())))
        return next(row.overdue for row in data.officers if row.name == "Olive Officer")

    before = olive_overdue()
    closed = factories.allocated_case(seeded.officer, status=CaseStatus.CLOSED)
    closed.outcome, closed.closed_at = Outcome.CAUTION, utcnow()
    factories.ReferralFactory(case=closed, send_due_at=utcnow() - timedelta(days=1))
    # A candidate that owes nothing: overdue_from may be earlier than the truth (never later), so a closed case
    # whose overdue_from has passed is tested against the reasons before it counts.
    owes_nothing = factories.allocated_case(seeded.officer, status=CaseStatus.CLOSED)
    owes_nothing.outcome, owes_nothing.closed_at = Outcome.CAUTION, utcnow()
    db_session.commit()
    db_session.execute(
        sa.update(Case).where(Case.id == owes_nothing.id).values(overdue_from=utcnow() - timedelta(days=3))
    )
    db_session.commit()
    assert olive_overdue() == before + 1
    client = signed_in(app, seeded.manager)
    page = client.get("/dashboard").get_data(as_text=True)
    (href, count), *_ = [(href, n) for href, n, what in figures_on(page) if what == "overdue cases of Olive Officer"]
    assert count == before + 1 == list_count(client, href)


def test_the_dashboard_frees_its_garbage_once_the_response_is_sent(app, seeded, monkeypatch):
    client = signed_in(app, seeded.manager)
    collections: list[tuple[object, ...]] = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args) or 0)
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert collections == []  # not while the page is being made
    response.close()
    assert collections == [()]
    listed = client.get("/cases")
    listed.close()
    assert collections == [()]  # other pages leave it to the collector
