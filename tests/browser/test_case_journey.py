"""Record a report and allocate it in a real browser, as the demo users would."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import accessibility_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_officer_records_a_report_and_supervisor_allocates_it(page: Page, live_server):
    base = live_server["base_url"]
    sign_in(page, live_server, "officer@casework.police.uk")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="Record a report").click()
    page.get_by_label("101 non-emergency call", exact=True).check()
    page.get_by_label("The victim", exact=True).check()
    page.get_by_label("Stalking", exact=True).check()
    page.get_by_label("Offence (Protection from Harassment Act 1997)").select_option("s2a")
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Summary of the report").fill("Browser journey: repeated messages from an ex-partner.")
    page.get_by_role("button", name="Record the report").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been recorded")
    reference = page.get_by_role("heading", level=1).inner_text()
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="People").click()
    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Victim", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("First name").fill("Browser")
    page.get_by_label("Last name").fill("Victim")
    page.get_by_role("button", name="Add the victim").click()
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.locator("#main-content")).to_contain_text("Victim: Browser Victim")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "supervisor@casework.police.uk")
    page.goto(f"{base}/cases?search={reference}")
    page.get_by_role("link", name=reference, exact=True).click()
    page.get_by_role("link", name="Allocate", exact=True).click()
    page.get_by_label("Officer in case").select_option(label="Olivia Officer (Investigating officer)")
    page.get_by_role("button", name="Allocate").click()
    expect(page.locator(".casework-case-header")).to_contain_text("Allocated")
    page.get_by_role("link", name="Timeline", exact=True).click()
    expect(page.locator(".moj-timeline")).to_contain_text("Officer in case: Olivia Officer")
