"""The case list as MOJ caseworking patterns: filter tags, server-side sortable headers, tags that cannot be
confused, overdue reasons with how long, unique ids; and the smaller page fixes around it (fonts, sign-in)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from html import unescape
from pathlib import Path

from casework.auth.models import Role
from casework.cases.models import CaseStatus, RiskLevel
from casework.db import utcnow
from tests import factories


def duplicate_ids(page: str) -> list[str]:
    return [name for name, count in Counter(re.findall(r'\sid="([^"]+)"', page)).items() if count > 1]


def table(page: str) -> str:
    return page.split('id="result-count"')[1]


def tags(page: str) -> list[tuple[str, str]]:
    """(remove link, text) of each selected-filter tag."""
    found = re.findall(
        r'<a class="moj-filter__tag" href="([^"]*)"><span[^>]*>Remove this filter</span> ([^<]*)</a>', page
    )
    return [(unescape(href), text.strip()) for href, text in found]


def test_each_selected_filter_is_a_tag_whose_link_drops_just_that_filter(make_client):
    client, _ = make_client(Role.SUPERVISOR)
    page = client.get("/cases?status=investigating&status=charged&risk=high&overdue=y&page=2").get_data(as_text=True)
    assert tags(page) == [
        ("/cases?status=charged&risk=high&overdue=y", "Investigating"),
        ("/cases?status=investigating&risk=high&overdue=y", "Charged"),
        ("/cases?status=investigating&status=charged&overdue=y", "High"),
        ("/cases?status=investigating&status=charged&risk=high", "Overdue only"),
    ]
    assert "Selected filters" in page and 'href="/cases">Clear filters' in page
    assert "Selected filters" not in client.get("/cases").get_data(as_text=True)


def test_search_officer_and_dates_show_as_tags_and_ignored_values_do_not(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    page = client.get(
        f"/cases?search=smith&officer_id={supervisor.id}&reported_from=1&reported_from=2&reported_from=2026&status=bogus"
    ).get_data(as_text=True)
    texts = [text for _, text in tags(page)]
    assert texts == ["‘smith’", supervisor.full_name, "From 1 February 2026"]
    assert "Some filters were ignored" in page


def test_apply_filters_comes_first_in_the_panel(make_client):
    client, _ = make_client(Role.SUPERVISOR)
    page = client.get("/cases").get_data(as_text=True)
    options = page.split('class="moj-filter__options"')[1]
    assert options.index("Apply filters") < options.index('name="scope"')


SORT_HEADER = re.compile(r'aria-sort="(\w+)"><a [^>]*href="([^"]*)">(\w+)</a>')


def sort_headers(page: str) -> list[tuple[str, str, str]]:
    return [(aria, unescape(href), name) for aria, href, name in SORT_HEADER.findall(page)]


def test_column_headers_sort_on_the_server_and_say_how(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    days_ago = lambda days: utcnow() - timedelta(days=days)  # noqa: E731
    older = factories.CaseFactory(team=supervisor.team, reference="SH-2026-000001", reported_at=days_ago(9))
    newer = factories.CaseFactory(team=supervisor.team, reference="SH-2026-000002", reported_at=days_ago(1))
    assert sort_headers(client.get("/cases?scope=team&page=2").get_data(as_text=True)) == [
        ("none", "/cases?scope=team&sort=reference", "Reference"),
        ("descending", "/cases?scope=team&sort=reported_asc", "Reported"),
    ]
    by_reference = client.get("/cases?scope=team&sort=reference").get_data(as_text=True)
    assert sort_headers(by_reference)[0] == ("ascending", "/cases?scope=team&sort=reference_desc", "Reference")
    assert table(by_reference).index(older.reference) < table(by_reference).index(newer.reference)
    descending = client.get("/cases?scope=team&sort=reference_desc").get_data(as_text=True)
    assert sort_headers(descending)[0] == ("descending", "/cases?scope=team&sort=reference", "Reference")
    assert table(descending).index(newer.reference) < table(descending).index(older.reference)
    oldest_first = table(client.get("/cases?scope=team&sort=reported_asc").get_data(as_text=True))
    assert oldest_first.index(older.reference) < oldest_first.index(newer.reference)
    recently_updated = client.get("/cases?scope=team&sort=updated_desc").get_data(as_text=True)  # old option kept
    assert [aria for aria, _, _ in sort_headers(recently_updated)] == ["none", "none"]
    assert '<option value="updated_desc" selected>Recently updated</option>' in recently_updated


def test_overdue_panel_says_why_and_for_how_long_and_the_checkbox_label_works(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    late = factories.CaseFactory(team=supervisor.team, reported_at=utcnow() - timedelta(hours=24 + 72))
    page = client.get("/cases").get_data(as_text=True)
    panel = page.split('id="overdue-cases"')[1].split("</div>")[0]
    assert late.reference in panel
    assert "Awaiting allocation for more than 24 hours – 3 days overdue" in panel
    assert page.count('id="overdue"') == 1
    assert '<label class="govuk-label govuk-checkboxes__label" for="overdue">Overdue only</label>' in page
    assert duplicate_ids(page) == []


def test_overdue_by_hours_when_less_than_a_day(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    factories.CaseFactory(team=supervisor.team, reported_at=utcnow() - timedelta(hours=24 + 5, minutes=10))
    page = client.get("/cases").get_data(as_text=True)
    assert re.search(r"Awaiting allocation for more than 24 hours – (5 hours|1 day) overdue", page)


def test_high_risk_reassessment_and_overdue_tags_have_distinct_colours(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    factories.CaseFactory(
        team=supervisor.team,
        status=CaseStatus.REPORTED,
        risk_level=RiskLevel.HIGH,
        risk_review_due=True,
        reported_at=utcnow() - timedelta(days=3),
    )
    page = table(client.get("/cases?overdue=y").get_data(as_text=True))
    assert '<strong class="govuk-tag casework-tag--high-risk">High risk</strong>' in page
    assert '<strong class="govuk-tag casework-tag--reassess">Re-assessment due</strong>' in page
    assert '<strong class="govuk-tag casework-tag--overdue">Overdue</strong>' in page


def test_an_unassessed_case_due_an_assessment_has_one_tag_not_two_that_disagree(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    factories.CaseFactory(team=supervisor.team, status=CaseStatus.INVESTIGATING, risk_level=None, risk_review_due=True)
    page = table(client.get("/cases?scope=team").get_data(as_text=True))
    assert "Risk assessment due" in page
    assert "Risk not assessed" not in page
    assert "Re-assess" not in page


def test_the_filter_controls_are_not_drawn_by_one_widget_template_each(make_client, app):
    from flask import template_rendered

    client, _ = make_client(Role.SUPERVISOR)
    rendered: list[str] = []

    def record(sender, template, context, **extra):  # type: ignore[no-untyped-def]
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        client.get("/cases")
    assert rendered == ["cases/list.html"]


def test_govuk_stylesheet_is_served_without_font_faces(client):
    response = client.get("/assets/govuk/govuk-frontend.min.css")
    css = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "@font-face" not in css and "/assets/fonts/" not in css
    assert ".govuk-template" in css
    again = client.get("/assets/govuk/govuk-frontend.min.css", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_wrong_password_is_one_message_on_the_password_field(client):
    user = factories.UserFactory()
    page = client.post_form("/sign-in", {"email": user.email, "password": "wrong"}).get_data(as_text=True)
    assert page.count("The email address or password is not right") == 2  # the summary, and at the field
    assert page.count('href="#password"') == 1
    assert 'id="password-error"' in page
    assert "<title>Error: Sign in" in page
    assert duplicate_ids(page) == []


def test_admin_edit_user_page_has_no_duplicate_ids(admin_client):
    client, _ = admin_client
    user = factories.UserFactory(role=Role.OFFICER)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Account actions" in page
    assert duplicate_ids(page) == []


def test_one_new_report_is_singular_on_the_supervisor_home_page(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    factories.CaseFactory(team=supervisor.team, status=CaseStatus.REPORTED)
    page = client.get("/").get_data(as_text=True)
    assert "1 new report needs an officer in case." in page


def test_our_stylesheet_closes_every_rule():
    """One missing brace silently swallows every rule after it (it did: the risk tags showed blue)."""
    css = re.sub(
        r"/\*.*?\*/", "", (Path(__file__).parents[2] / "casework/static/css/casework.css").read_text(), flags=re.S
    )
    open_blocks: list[str] = []
    selector = ""
    for char in css:
        if char == "{":
            assert all(block.startswith("@") for block in open_blocks), f"{selector.strip()!r} opens inside a rule"
            open_blocks.append(selector.strip())
            selector = ""
        elif char == "}":
            assert open_blocks, "a closing brace too many"
            open_blocks.pop()
            selector = ""
        elif char == ";":
            selector = ""
        else:
            selector += char
    assert open_blocks == []
