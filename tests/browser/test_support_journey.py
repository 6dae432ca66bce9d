"""An officer refers a victim with their consent; the adviser takes it from their caseload, records a
needs assessment with a follow-up, and cannot reach the suspect's details or a police-only note."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from casework.db import utcnow
from casework.workdays import local_date
from tests.browser.conftest import accessibility_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

POLICE_ONLY_NOTE = "Browser police-only: informant names the suspect's associate"


def _fill_date(page: Page, legend: str, day) -> None:  # type: ignore[no-untyped-def]
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_officer_refers_with_consent_and_the_adviser_takes_it_and_records_aftercare(page: Page, live_server):
    base = live_server["base_url"]
    today = local_date(utcnow())

    sign_in(page, live_server, "officer@casework.police.uk")
    page.goto(f"{base}/cases?scope=mine")
    page.locator("table a.govuk-link[href^='/cases/']").first.click()
    case_url = page.url
    case_id = re.search(r"/cases/(\d+)", case_url).group(1)  # type: ignore[union-attr]
    reference = page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("link", name="People").click()
    suspect_heading = page.locator("h2.govuk-summary-card__title", has_text="Suspect:").first.inner_text()
    suspect_name = suspect_heading.split("Suspect:")[1].strip().split("\n")[0].strip()
    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Victim", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("First name").fill("Rosalind")
    page.get_by_label("Last name").fill("Browserfield")
    page.get_by_role("button", name="Add the victim").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How to contact Rosalind Browserfield safely")
    page.get_by_role("link", name="Back", exact=True).click()

    page.get_by_role("link", name="Investigation log").click()
    page.get_by_label("Log entry").fill(POLICE_ONLY_NOTE)
    page.get_by_label("Police only").check()
    page.get_by_role("button", name="Add to log").click()

    page.get_by_role("link", name="Support").click()
    page.get_by_role("link", name="Make a referral").click()
    page.get_by_label("Victim").select_option(label="Rosalind Browserfield")
    page.get_by_label("Support service").select_option(
        label="Northshire Victim Care (Victim Support (local victim service))"
    )
    page.get_by_label("Why refer them?").fill("Wants support and a safety plan.")
    page.get_by_role("button", name="Propose the referral").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Record consent to the referral of Rosalind Browserfield"
    )
    page.get_by_label("Consent given").check()
    page.get_by_label("What did they agree may be shared, and for what?").fill("Name and safe phone, for support")
    page.get_by_role("group", name="Which of their contact details did they agree go to the service?").get_by_label(
        "Safe phone number"
    ).check()
    _fill_date(page, "When did they answer?", today)
    page.get_by_label("By phone").check()
    page.get_by_role("button", name="Record the answer").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("answer has been recorded")
    assert accessibility_violations(page) == []
    page.locator("section.govuk-summary-card", has_text="Rosalind Browserfield").get_by_role(
        "button", name="Send the referral"
    ).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been sent to Northshire Victim Care")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "adviser@casework.police.uk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your referrals")
    row = page.locator("#to-take tr", has_text=reference).filter(has_text="Rosalind Browserfield")
    row.get_by_role("link", name="Take or decline").click()
    assert accessibility_violations(page) == []
    card = page.locator("section.govuk-summary-card", has_text="Rosalind Browserfield")
    card.get_by_role("button", name="Take this referral").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have taken the referral")

    card = page.locator("section.govuk-summary-card", has_text="Rosalind Browserfield")
    card.get_by_role("link", name="Needs assessment").click()
    _fill_date(page, "Date of the work", today)
    for area in (
        "Safety and security",
        "Health and wellbeing",
        "Housing",
        "Finance",
        "Children and family",
        "Justice process and court",
        "Communication needs",
    ):
        page.get_by_role("group", name=area, exact=True).get_by_label(
            "Medium" if area == "Safety and security" else "Low"
        ).check()
    page.get_by_label("Summary for the officer in case").fill("Assessed: wants a door alarm")
    page.get_by_label("Next steps").fill("Ask the council about an alarm")
    _fill_date(page, "Follow-up date", today + timedelta(days=3))
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Save the entry").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Needs assessment saved")
    expect(page.locator("#main-content")).to_contain_text("Assessed: wants a door alarm")

    main = page.locator("#main-content").inner_text()
    assert suspect_name not in main
    assert POLICE_ONLY_NOTE not in main
    page.goto(f"{base}/")
    expect(page.locator("#my-referrals")).to_contain_text("Rosalind Browserfield")

    for path in (f"/cases/{case_id}", f"/cases/{case_id}/people", f"/cases/{case_id}/log"):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status in {403, 404}, path
        body = page.locator("body").inner_text()
        assert suspect_name not in body and POLICE_ONLY_NOTE not in body, path
