"""Sign in as each demo user in a real browser, under the real Content Security Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from casework.demo import DEMO_USERS
from tests.browser.conftest import accessibility_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

HEADINGS = {
    "officer": "Your work today",
    "supervisor": "Your team",
    "manager": "Caseload across the unit",
    "adviser": "Your referrals",
    "admin": "System administration",
}


def _collect_console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.mark.parametrize(("email", "role"), [(email, role.value) for email, _, role, _ in DEMO_USERS])
def test_each_demo_user_signs_in_and_sees_their_home_page(page: Page, live_server, email, role):
    errors = _collect_console_errors(page)
    sign_in(page, live_server, email)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[role])
    expect(page.locator("body")).to_have_class("govuk-template__body js-enabled govuk-frontend-supported")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Casework")
    unexpected = [error for error in errors if "404" not in error]
    assert unexpected == [], f"console errors as {role}: {unexpected}"


def test_wrong_password_shows_an_error_summary_that_takes_focus(page: Page, live_server):
    sign_in(page, live_server, "officer@casework.police.uk", "wrong password")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()


def test_sign_in_and_admin_pages_have_noaccessibility_violations(page: Page, live_server):
    page.goto(f"{live_server['base_url']}/sign-in")
    assert accessibility_violations(page) == []
    sign_in(page, live_server, "admin@casework.police.uk")
    for path in ("/", "/admin/users", "/admin/users/new", "/admin/teams"):
        page.goto(f"{live_server['base_url']}{path}")
        assert accessibility_violations(page) == [], path


def test_keyboard_user_can_skip_to_main_content(page: Page, live_server):
    page.goto(f"{live_server['base_url']}/sign-in")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
