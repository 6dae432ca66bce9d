"""A manager opens the dashboard, follows the overdue-contacts figure to its cases and exports them, in Chromium."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import accessibility_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_manager_follows_the_overdue_contacts_figure_and_exports_the_list(page: Page, live_server):
    base = live_server["base_url"]
    sign_in(page, live_server, "manager@casework.police.uk")
    page.get_by_role("link", name="Dashboard", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload dashboard")
    expect(page.locator("#weekly-chart svg")).to_be_visible()
    assert accessibility_violations(page) == []

    figure = page.locator("#urgent h2 a.casework-figure")
    count = int(figure.inner_text().split()[0])
    figure.click()
    assert page.url.startswith(f"{base}/cases?")
    expect(page.locator("#result-count")).to_have_text(f"{count} {'case' if count == 1 else 'cases'}")
    expect(page.locator("#extra-filters")).to_contain_text("Overdue: victim update overdue")
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="Export these cases as CSV or Excel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Export these cases")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Export").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you need this export")
    page.get_by_label("Why do you need this export?").fill("Weekly review of high-risk cases with the DCI")
    page.get_by_label("CSV (comma-separated values)").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    content = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][0] == "Reference"
    assert len(rows) - 1 == count
