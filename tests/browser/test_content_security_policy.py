"""The main pages under the real Content Security Policy in Chromium: nothing is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Runs before any page script: keeps every violation the browser reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def test_sign_in_home_case_list_and_case_page_break_no_rule(page: Page, live_server):
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    missing: list[str] = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    page.add_init_script(RECORD_VIOLATIONS)
    base = live_server["base_url"]
    violations: dict[str, list[str]] = {}

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        expect(page.locator("body")).to_have_class("govuk-template__body js-enabled govuk-frontend-supported")
        violations[name] = page.evaluate("window.__cspViolations")

    page.goto(f"{base}/sign-in")
    check("sign-in")
    sign_in(page, live_server, "supervisor@casework.police.uk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your team")
    check("home")
    page.get_by_role("link", name="Cases", exact=True).click()
    check("case list")
    page.locator("a[href^='/cases/']").filter(has_text="SH-").first.click()
    expect(page.locator(".casework-case-header")).to_be_visible()
    check("case page")

    assert violations == {name: [] for name in violations}
    assert [line for line in console if "Content Security Policy" in line or "Permissions-Policy" in line] == []
    # The GDS Transport font is not served (licensed for GOV.UK only: docs/architecture.md), and not asked for.
    assert missing == []
    assert [line for line in console if line.startswith("error:")] == []
