"""An officer records an interim SPO, its grant and a breach in a real browser; the pages pass axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from casework.orders.models import london_today
from tests.browser.conftest import accessibility_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _fill_date(page: Page, field: str) -> None:
    today = london_today()
    page.locator(f"#{field}-day").fill(str(today.day))
    page.locator(f"#{field}-month").fill(str(today.month))
    page.locator(f"#{field}-year").fill(str(today.year))


def test_officer_records_an_interim_spo_its_grant_and_a_breach(page: Page, live_server):
    base = live_server["base_url"]
    sign_in(page, live_server, "officer@casework.police.uk")
    page.goto(f"{base}/cases?search=aisha")
    page.locator("table tbody").get_by_role("link").first.click()
    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.locator("#no-orders-in-force")).to_be_visible()
    assert accessibility_violations(page) == []

    page.get_by_role("button", name="Record an order").click()
    page.get_by_role("button", name="Record the order").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the type of order")
    assert accessibility_violations(page) == []
    page.get_by_label("Interim Stalking Protection Order", exact=True).check()
    page.get_by_label("Unknown Account holder", exact=True).check()
    page.get_by_label("Aisha Khan", exact=True).check()
    page.get_by_label("Court", exact=True).fill("Exampletown Magistrates' Court")
    _fill_date(page, "considered_on")
    page.get_by_label("What it forbids").fill("Not to contact the victim by any means, including fake accounts.")
    page.get_by_role("button", name="Record the order").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been recorded as considered")

    page.get_by_role("link", name="Change status of the Interim Stalking Protection Order").click()
    assert accessibility_violations(page) == []
    page.get_by_label("Applied for", exact=True).check()
    _fill_date(page, "effective_on")
    page.get_by_role("button", name="Save the change").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is now ‘Applied for’")

    page.get_by_role("link", name="Change status of the Interim Stalking Protection Order").click()
    page.get_by_label("Granted", exact=True).check()
    _fill_date(page, "effective_on")
    page.get_by_label("Until further order (no expiry date)").check()
    _fill_date(page, "served_on")
    page.get_by_role("button", name="Save the change").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is now ‘Granted’")
    in_force = page.locator("table").first
    expect(in_force).to_contain_text("Interim Stalking Protection Order")
    expect(in_force).to_contain_text("Until further order")

    page.get_by_role("link", name="Record a breach of the Interim Stalking Protection Order").click()
    assert accessibility_violations(page) == []
    _fill_date(page, "occurred_on")
    page.get_by_label("What happened").fill("A new fake account messaged the victim after the order was served.")
    page.get_by_role("button", name="Record the breach").click()
    expect(page.locator(".casework-breach-banner")).to_contain_text("Interim Stalking Protection Order was breached")
    expect(page.locator("#breaches + table")).to_contain_text("A new fake account messaged the victim")
    expect(page.locator(".casework-case-header")).to_contain_text("Re-assessment due")
    assert accessibility_violations(page) == []

    page.goto(f"{base}/")
    expect(page.locator("#worklist")).to_contain_text("Interim Stalking Protection Order breached")
