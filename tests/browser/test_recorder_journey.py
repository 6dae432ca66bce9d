"""Issue 10, must show: the officer who takes a phone report finishes it before anyone allocates it —
the victim with sealed address and BSL need, two incidents and a risk assessment."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from casework.db import utcnow
from casework.risk import checklist
from casework.workdays import LONDON
from tests.browser.conftest import accessibility_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ADDRESS_LINES = ["Flat 3, 27 Ostler Lane", "Bramcote", "BR7 2QE"]


def _fill_today(page: Page, prefix: str) -> None:
    today = utcnow().astimezone(LONDON).date()
    page.locator(f"#{prefix}-day").fill(str(today.day))
    page.locator(f"#{prefix}-month").fill(str(today.month))
    page.locator(f"#{prefix}-year").fill(str(today.year))


def _expect_task(page: Page, name: str, status: str) -> None:
    """The summary's task list shows the row ``name`` with ``status``."""
    row = page.locator("#task-list .govuk-task-list__item").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row.locator(".govuk-task-list__status")).to_contain_text(status)


def _record_incident(page: Page, what: str) -> None:
    page.get_by_role("button", name="Record an incident").click()
    expect(page.locator(".govuk-back-link")).to_have_count(1)
    _fill_today(page, "occurred_on")
    page.get_by_label("What happened").fill(what)
    page.get_by_role("button", name="Save incident").click()
    expect(page.locator("#main-content")).to_contain_text(what)
    # The page's scripts run after its text is there and may move it: a click straight after once missed the
    # Risk tab (no request followed) and the journey waited 30 s for the risk page.
    page.wait_for_load_state()


def test_the_recording_officer_finishes_the_report_before_allocation(page: Page, live_server):
    sign_in(page, live_server, "officer@casework.police.uk")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="Record a report").click()
    page.get_by_label("101 non-emergency call", exact=True).check()
    page.get_by_label("The victim", exact=True).check()
    page.get_by_label("Stalking", exact=True).check()
    page.get_by_label("Offence (Protection from Harassment Act 1997)").select_option("s2a")
    _fill_today(page, "reported_on")
    page.get_by_label("Summary of the report").fill("Recorder journey: a former colleague follows her home.")
    page.get_by_role("button", name="Record the report").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been recorded")
    _expect_task(page, "Victim added", "To do")
    _expect_task(page, "Incidents recorded", "To do")
    _expect_task(page, "Risk assessed (S-DASH)", "To do")
    expect(page.locator("#identity-bar")).to_contain_text("No victim added yet")

    # The victim, then at once how to contact her safely: the recorder may, while the case awaits allocation.
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_role("button", name="Add a person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person")
    page.get_by_label("Victim", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a victim")
    expect(page.locator(".moj-sub-navigation")).to_have_count(0)
    page.get_by_label("First name").fill("Marisol")
    page.get_by_label("Last name").fill("Ferreira-Quint")
    page.get_by_role("button", name="Add the victim").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How to contact Marisol Ferreira-Quint safely")
    assert accessibility_violations(page) == []
    page.get_by_label("Text messages", exact=True).check()
    page.get_by_label("Uses British Sign Language (BSL)").check()
    page.get_by_label("Current address (optional)").fill("\n".join(ADDRESS_LINES))
    page.get_by_label("Safe phone number (optional)").fill("07700 900555")
    page.get_by_role("button", name="Save contact details").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Contact details saved")
    victim = page.locator(".govuk-summary-card").first
    expect(victim).to_contain_text("07700 900555")
    expect(victim).to_contain_text("British Sign Language (BSL)")
    expect(victim).not_to_contain_text("I need to see them")
    address = victim.locator(".casework-preserve-lines").first
    assert address.inner_text().splitlines() == ADDRESS_LINES

    expect(page.locator("#communication-needs")).to_contain_text("BSL interpreter")
    expect(page.locator("#identity-bar")).to_contain_text("Marisol Ferreira-Quint")

    page.get_by_role("link", name="Incidents", exact=True).click()
    _record_incident(page, "Followed her from the station to her front door.")
    _record_incident(page, "Waited outside her gym and took photographs.")

    page.get_by_role("link", name="Risk", exact=True).click()
    page.get_by_role("button", name="Complete a risk assessment").click()
    questions = checklist.CURRENT.questions
    for number, question in enumerate(questions):
        page.locator(f'input[name="{question.key}"][value="{"yes" if number < 3 else "no"}"]').check()
    counter = page.locator("[data-casework-yes-count-text]")
    expect(counter).to_have_text(f"You have answered Yes to 3 of {len(questions)} questions.")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0
    page.get_by_label("Medium", exact=True).check()
    assert page.evaluate("window.scrollY") >= scrolled - 400  # counting never reloads the page to the top
    page.get_by_label("Why did you choose this level?").fill(
        "Following to her home twice in a week; she is frightened."
    )
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"3 of {len(questions)} answered Yes")

    page.get_by_role("link", name="Summary", exact=True).click()
    for task in (
        "Victim added",
        "Contact needs and safe contact recorded",
        "Incidents recorded",
        "Risk assessed (S-DASH)",
    ):
        _expect_task(page, task, "Completed")
    _expect_task(page, "Officer in case allocated", "To do")
    expect(page.locator("#communication-needs")).to_contain_text("BSL interpreter")

    page.get_by_role("link", name="People", exact=True).click()
    assert accessibility_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "people-tab.png"), full_page=True)
