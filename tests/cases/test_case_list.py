"""The case list: scope by role, filters, search by reference and by name, overdue first, constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.dialects import postgresql

from casework.auth.models import Role
from casework.cases import queries
from casework.cases.models import CaseStatus, Classification, RiskLevel
from casework.db import utcnow
from casework.extensions import db
from casework.people.models import PartyRole
from tests import factories
from tests.querycount import count_queries


def references(page: str, *cases) -> list[bool]:  # type: ignore[no-untyped-def]
    return [case.reference in page for case in cases]


def test_officer_starts_on_their_own_cases_and_can_see_the_team(make_client):
    client, officer = make_client(Role.OFFICER)
    mine = factories.allocated_case(officer)
    teams = factories.CaseFactory(team=officer.team)
    other_team = factories.CaseFactory()
    page = client.get("/cases").get_data(as_text=True)
    assert references(page, mine, teams, other_team) == [True, False, False]
    team_page = client.get("/cases?scope=team").get_data(as_text=True)
    assert references(team_page, mine, teams, other_team) == [True, True, False]
    assert other_team.reference not in client.get("/cases?scope=all").get_data(as_text=True)


def test_manager_sees_every_team(make_client):
    client, _ = make_client(Role.MANAGER)
    north, south = factories.CaseFactory(), factories.CaseFactory()
    page = client.get("/cases").get_data(as_text=True)
    assert references(page, north, south) == [True, True]


def test_every_choice_of_statuses_and_risks_is_one_compiled_statement(app, db_session):
    """What a user ticks travels as a parameter: hundreds of combinations each compiled on first sight were slow."""
    manager = factories.UserFactory(role=Role.MANAGER)
    now = utcnow()
    one = queries.CaseFilters(scope="all", status=[CaseStatus.CLOSED], risk=[RiskLevel.HIGH])
    two = queries.CaseFilters(
        scope="all",
        status=[CaseStatus.ALLOCATED, CaseStatus.CHARGED],
        risk=[RiskLevel.STANDARD, RiskLevel.MEDIUM],
        classification=[Classification.STALKING],
    )
    three = queries.CaseFilters(
        scope="all", status=[CaseStatus.REPORTED], risk=[RiskLevel.MEDIUM], classification=[Classification.HARASSMENT]
    )
    keys = [queries.filtered_query(manager, ticked, now)._generate_cache_key().key for ticked in (two, three)]
    assert keys[0] == keys[1]
    assert "'closed'" not in str(queries.filtered_query(manager, one, now).compile(dialect=postgresql.dialect()))


def test_filters_by_status_risk_and_date(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    team = supervisor.team
    high = factories.CaseFactory(team=team, status=CaseStatus.INVESTIGATING, risk_level=RiskLevel.HIGH)
    low = factories.CaseFactory(team=team, status=CaseStatus.INVESTIGATING, risk_level=RiskLevel.STANDARD)
    old = factories.CaseFactory(team=team, reported_at=utcnow() - timedelta(days=400))
    assert references(client.get("/cases?risk=high").get_data(as_text=True), high, low) == [True, False]
    table = client.get("/cases?status=investigating").get_data(as_text=True).split('id="result-count"')[1]
    assert references(table, high, low, old) == [True, True, False]
    year_ago = (utcnow() - timedelta(days=365)).date()
    since = f"reported_from={year_ago.day}&reported_from={year_ago.month}&reported_from={year_ago.year}"
    table = client.get(f"/cases?{since}").get_data(as_text=True).split('id="result-count"')[1]
    assert references(table, high, old) == [True, False]


def test_search_by_reference_and_by_part_of_a_name(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    case = factories.CaseFactory(team=supervisor.team)
    other = factories.CaseFactory(team=supervisor.team)
    factories.CasePartyFactory(case=case, person=factories.PersonFactory(first_name="Rowena", last_name="Fairweather"))
    assert references(client.get(f"/cases?search={case.reference.lower()}").get_data(as_text=True), case, other) == [
        True,
        False,
    ]
    assert references(client.get("/cases?search=fairwea").get_data(as_text=True), case, other) == [True, False]
    assert references(client.get("/cases?search=rowena fair").get_data(as_text=True), case, other) == [True, False]
    assert "No cases match" in client.get("/cases?search=100%25_").get_data(as_text=True)


def test_overdue_cases_are_shown_first_in_red(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    late = factories.CaseFactory(team=supervisor.team, reported_at=utcnow() - timedelta(hours=30))
    fresh = factories.CaseFactory(team=supervisor.team)
    page = client.get("/cases").get_data(as_text=True)
    overdue_panel = page.split('id="overdue-cases"')[1].split("</ul>")[0]
    assert late.reference in overdue_panel
    assert fresh.reference not in overdue_panel
    assert "overdue=y" not in page
    only_overdue = client.get("/cases?overdue=y").get_data(as_text=True)
    assert "casework-row--overdue" in only_overdue
    assert 'id="overdue-cases"' not in only_overdue  # the list is the overdue work already


def test_an_officers_red_panel_takes_the_longest_overdue_of_every_way_a_case_is_theirs(make_client):
    from casework.cases import queries

    client, officer = make_client(Role.OFFICER)
    colleague = factories.UserFactory(role=Role.OFFICER, team=officer.team)

    def hours_ago(hours: int) -> dict[str, object]:
        return {"reported_at": utcnow() - timedelta(hours=hours), "risk_review_due": True}

    in_case = [factories.allocated_case(officer, **hours_ago(100 + n)) for n in range(3)]
    supervised = [
        factories.CaseFactory(
            team=officer.team,
            officer=colleague,
            supervisor=officer,
            status=CaseStatus.INVESTIGATING,
            **hours_ago(50 + n),
        )
        for n in range(3)
    ]
    recorded = factories.CaseFactory(team=officer.team, created_by=officer, reported_at=utcnow() - timedelta(hours=200))
    factories.allocated_case(colleague, **hours_ago(300))  # the team's, not the officer's
    factories.allocated_case(officer, reported_at=utcnow() - timedelta(hours=400))  # theirs, not overdue
    expected = [recorded, *reversed(in_case), *reversed(supervised)]
    assert [case.id for case in queries.overdue_cases(officer, limit=10)] == [case.id for case in expected]
    assert [case.id for case in queries.overdue_cases(officer, limit=2)] == [case.id for case in expected[:2]]
    panel = client.get("/cases").get_data(as_text=True).split('id="overdue-cases"')[1].split("</div>")[0]
    assert [case.reference in panel for case in expected] == [True] * len(expected)


def test_a_search_answers_the_search_with_overdue_rows_marked_and_no_panel(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    late = factories.CaseFactory(team=supervisor.team, reported_at=utcnow() - timedelta(hours=30))
    factories.CaseFactory(team=supervisor.team, reported_at=utcnow() - timedelta(hours=40))
    assert 'id="overdue-cases"' in client.get("/cases").get_data(as_text=True)
    searched = client.get(f"/cases?search={late.reference}").get_data(as_text=True)
    assert 'id="overdue-cases"' not in searched
    assert searched.count("casework-row--overdue") == 1
    assert "Awaiting allocation for more than 24 hours" in searched


def test_bad_filter_values_are_ignored_with_a_message_not_an_error(make_client):
    client, _ = make_client(Role.SUPERVISOR)
    response = client.get(
        "/cases?status=bogus&risk=&officer_id=abc&page=-4&sort=evil&reported_from=99&reported_from=99"
    )
    assert response.status_code == 200
    assert "Some filters were ignored" in response.get_data(as_text=True)


def test_a_reported_range_that_ends_before_it_starts_says_so_instead_of_listing_nothing(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    factories.CaseFactory(team=supervisor.team, created_by=supervisor, reported_at=utcnow() - timedelta(days=3))
    reversed_range = "reported_from=1&reported_from=1&reported_from=2026&reported_to=1&reported_to=1&reported_to=2020"
    page = client.get(f"/cases?scope=team&{reversed_range}").get_data(as_text=True)
    assert "must be the same as or after" in page and "Some filters were ignored" in page
    bad_day = client.get("/cases?scope=team&reported_from=31&reported_from=2&reported_from=2026").get_data(as_text=True)
    assert "Reported from must be a real date" in bad_day and "Reported from: Reported from" not in bad_day
    assert "1 case" in page  # the end that made no sense is left out, the start still applies


def test_pages_of_twenty_five(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    for _ in range(30):
        factories.CaseFactory(team=supervisor.team, created_by=supervisor)
    first = client.get("/cases?scope=team").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get("/cases?scope=team&page=2").get_data(as_text=True)
    assert second.count("govuk-table__row") == 1 + 5
    assert "Page 2 of 2" in client.get("/cases?scope=team&page=99").get_data(as_text=True)


def test_overdue_only_is_counted_and_paged_like_any_list(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    assert "Page 1 of" not in client.get("/cases?scope=team&overdue=y&page=3").get_data(as_text=True)
    late = [
        factories.CaseFactory(team=supervisor.team, reported_at=utcnow() - timedelta(hours=30 + n)) for n in range(30)
    ]
    factories.CaseFactory(team=supervisor.team)
    first = client.get("/cases?scope=team&overdue=y&sort=reported_asc").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert 'id="result-count">30 cases</p>' in first
    assert references(first, late[-1], late[0]) == [True, False]
    second = client.get("/cases?scope=team&overdue=y&sort=reported_asc&page=2").get_data(as_text=True)
    assert second.count("govuk-table__row") == 1 + 5
    assert references(second, late[-1], late[0]) == [False, True]
    beyond = client.get("/cases?scope=team&overdue=y&sort=reported_asc&page=99").get_data(as_text=True)
    assert "Page 2 of 2" in beyond
    assert late[0].reference in beyond


@pytest.mark.parametrize("path", ["/cases?scope=team", "/cases?scope=team&search=Example"])
def test_case_list_runs_a_constant_number_of_queries(make_client, path):
    client, supervisor = make_client(Role.SUPERVISOR)

    def add_cases(count: int) -> None:
        for _ in range(count):
            case = factories.CaseFactory(
                team=supervisor.team,
                created_by=supervisor,
                officer=supervisor,
                reported_at=utcnow() - timedelta(days=3),
            )
            factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)

    add_cases(5)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    add_cases(195)
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert many.count == few.count, many.statements


def test_a_short_reference_finds_the_padded_one(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    case = factories.CaseFactory(team=supervisor.team, reference="SH-2026-000012")
    assert case.reference in client.get("/cases?search=sh-2026-12").get_data(as_text=True).split('id="result-count"')[1]


def test_a_name_search_needs_three_letters(make_client):
    client, _ = make_client(Role.SUPERVISOR)
    page = client.get("/cases?search=ab").get_data(as_text=True)
    assert "Enter at least 3 letters of a name" in page


def test_a_far_future_date_filter_is_a_message_not_an_error(make_client):
    client, _ = make_client(Role.SUPERVISOR)
    response = client.get("/cases?reported_to=31&reported_to=12&reported_to=9999")
    assert response.status_code == 200
    assert "Some filters were ignored" in response.get_data(as_text=True)


@pytest.mark.parametrize("search", ["ab%00", "%00ab", "a%00%00b", "ab%E2%80%8B", "a%01b%7F"])
def test_control_and_invisible_characters_do_not_get_round_the_three_letter_minimum(make_client, search):
    client, _ = make_client(Role.SUPERVISOR)
    response = client.get(f"/cases?search={search}")
    assert response.status_code == 200
    assert "Enter at least 3 letters of a name" in response.get_data(as_text=True)


def test_a_wildcard_in_a_name_search_is_a_plain_character(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    case = factories.CaseFactory(team=supervisor.team)
    other = factories.CaseFactory(team=supervisor.team)
    factories.CasePartyFactory(case=case, person=factories.PersonFactory(first_name="Abcott", last_name="Lee"))
    assert references(client.get("/cases?search=abc").get_data(as_text=True), case, other) == [True, False]
    assert "No cases match" in client.get("/cases?search=abc_tt").get_data(as_text=True)
    assert "No cases match" in client.get("/cases?search=a%25ott").get_data(as_text=True)


def test_opening_the_case_list_is_a_consultation_of_the_cases_shown(make_client):
    from sqlalchemy import select

    from casework.audit.models import AuditAction, AuditEvent

    client, supervisor = make_client(Role.SUPERVISOR)
    case = factories.CaseFactory(team=supervisor.team)
    client.get("/cases")
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_type == "case_list", AuditEvent.user_id == supervisor.id)
    ).scalar_one()
    assert event.action == AuditAction.VIEW
    assert case.id in event.detail["cases"]


@pytest.mark.parametrize("sort", ["reported_desc", "reported_asc", "reference", "updated_desc"])
def test_my_cases_page_through_all_three_ways_a_case_is_mine_in_order(make_client, sort):
    """ "My cases" is read per branch (officer, supervisor, recorder) and merged: the pages must be the plain order."""
    from casework.cases import queries

    _, officer = make_client(Role.SUPERVISOR)
    now = utcnow()
    mine = []
    for n in range(36):
        reported_at = now - timedelta(hours=3 * n + 1)
        if n % 4 != 3:  # most of them as officer in case: more than a page from one branch
            mine.append(factories.allocated_case(officer, reported_at=reported_at))
        elif n % 8 == 3:
            colleague = factories.UserFactory(role=Role.OFFICER, team=officer.team)
            mine.append(
                factories.CaseFactory(
                    team=officer.team,
                    officer=colleague,
                    supervisor=officer,
                    status=CaseStatus.INVESTIGATING,
                    reported_at=reported_at,
                )
            )
        else:
            mine.append(factories.CaseFactory(team=officer.team, created_by=officer, reported_at=reported_at))
    factories.CaseFactory(team=officer.team, reported_at=now)  # the team's, not mine
    keys = {
        "reported_desc": lambda case: (-case.reported_at.timestamp(), -case.id),
        "reported_asc": lambda case: (case.reported_at.timestamp(), -case.id),
        "reference": lambda case: (case.reference, -case.id),
        "updated_desc": lambda case: (-case.updated_at.timestamp(), -case.id),
    }
    expected = [case.id for case in sorted(mine, key=keys[sort])]
    pages = [
        queries.list_cases(officer, queries.CaseFilters(scope=queries.Scope.MINE, sort=sort, page=page), now=now)
        for page in (1, 2)
    ]
    assert pages[0].total == 36
    assert [case.id for page in pages for case in page.cases] == expected


def test_overdue_is_judged_at_the_start_of_the_minute_and_moves_on_with_the_clock(make_client):
    """Overdue statements are shared within a minute (``queries.overdue_instant``), never stale past it."""
    from casework.cases import queries

    _, supervisor = make_client(Role.SUPERVISOR)
    minute = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=5)
    due_at = minute + timedelta(seconds=30)
    case = factories.CaseFactory(team=supervisor.team, reported_at=due_at - queries.ALLOCATION_DUE)
    for now, overdue in [
        (minute + timedelta(seconds=10), False),
        (minute + timedelta(seconds=50), False),  # due 20 s ago: shown from the next minute
        (minute + timedelta(seconds=61), True),
    ]:
        assert bool(queries.overdue_reasons_for([case], now)) is overdue
        assert (case.id in {shown.id for shown in queries.overdue_cases(supervisor, now=now)}) is overdue


def test_a_row_shows_the_victims_in_the_order_added_the_team_and_the_officer(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team, full_name="Dana Okafor")
    allocated = factories.CaseFactory(team=supervisor.team, officer=officer, supervisor=supervisor)
    for first, last in (("Zoe", "Abbott"), ("Amy", "Zander")):
        person = factories.PersonFactory(first_name=first, last_name=last)
        factories.CasePartyFactory(case=allocated, person=person, role=PartyRole.VICTIM)
    factories.CasePartyFactory(
        case=allocated, person=factories.PersonFactory(first_name="Sid", last_name="Suspect"), role=PartyRole.SUSPECT
    )
    waiting = factories.CaseFactory(team=supervisor.team)
    table = client.get("/cases?scope=team").get_data(as_text=True).split('id="result-count"')[1]
    rows = {case.reference: table.split(case.reference, 1)[1].split("</tr>", 1)[0] for case in (allocated, waiting)}
    assert "Zoe Abbott, Amy Zander" in rows[allocated.reference]
    assert "Sid Suspect" not in rows[allocated.reference]
    assert supervisor.team.name in rows[allocated.reference] and "Dana Okafor" in rows[allocated.reference]
    assert "Not recorded" in rows[waiting.reference] and "Not allocated" in rows[waiting.reference]
