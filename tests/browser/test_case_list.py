"""The case list in real Chromium: MOJ filter and sortable table by keyboard alone, no sideways scroll at
320 px (with and without JavaScript), and the page checks of conftest proved to catch what they look for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import CHECKED_PATHS, PageChecks, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NARROW = {"width": 320, "height": 900}


def tab_to(page: Page, target: Locator, key: str = "Tab", limit: int = 120) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{target} never took the focus")


def scroll_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_filter_remove_the_tag_and_sort_by_keyboard_alone(page: Page, live_server: dict[str, Any], tmp_path: Path):
    sign_in(page, live_server, "supervisor@casework.police.uk")
    page.goto(f"{live_server['base_url']}/cases")
    expect(page.get_by_role("button", name="Hide filter")).to_be_visible()  # the MOJ toggle, open on a wide screen

    tab_to(page, page.get_by_label("Investigating", exact=True))
    page.keyboard.press("Space")
    expect(page.get_by_label("Investigating", exact=True)).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Apply filters"), key="Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "status=investigating" in page.url
    tag = page.get_by_role("link", name="Remove this filter Investigating")
    expect(tag).to_be_visible()
    for status in page.locator(".casework-case-table tbody tr").all():
        expect(status).to_contain_text("Investigating")

    page.keyboard.press("Tab")
    tab_to(page, tag)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".moj-filter__tag")).to_have_count(0)
    assert "status=" not in page.url

    reference = page.get_by_role("link", name="Reference", exact=True)
    tab_to(page, reference)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("th", has=page.get_by_role("link", name="Reference", exact=True))).to_have_attribute(
        "aria-sort", "ascending"
    )
    references = page.locator(".casework-case-table tbody tr td:first-child a").all_inner_texts()
    assert references == sorted(references)

    hide = page.get_by_role("button", name="Hide filter")
    tab_to(page, hide, key="Shift+Tab", limit=200)
    page.keyboard.press("Enter")
    expect(page.locator(".moj-filter-layout__filter")).to_be_hidden()
    expect(page.get_by_role("button", name="Show filter")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 1000})
    page.screenshot(path=tmp_path / "case-list-1280.png", full_page=True)


def test_no_sideways_scroll_at_320_px_with_javascript(browser: Browser, live_server: dict[str, Any], tmp_path: Path):
    page = browser.new_page(viewport=NARROW)
    sign_in(page, live_server, "supervisor@casework.police.uk")
    page.goto(f"{live_server['base_url']}/cases?scope=team")
    expect(page.locator(".casework-case-table")).to_be_visible()
    assert scroll_width(page) <= 320
    page.get_by_role("button", name="Show filter").click()
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()
    assert scroll_width(page) <= 320
    page.get_by_role("button", name="Close").click()
    page.screenshot(path=tmp_path / "case-list-320.png", full_page=True)
    page.close()


def test_filters_and_sorting_work_without_javascript_at_320_px(browser: Browser, live_server: dict[str, Any]):
    context = browser.new_context(java_script_enabled=False, viewport=NARROW)
    page = context.new_page()
    sign_in(page, live_server, "supervisor@casework.police.uk")
    page.goto(f"{live_server['base_url']}/cases?scope=team")
    assert scroll_width(page) <= 320
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Apply filters").click()
    assert "overdue=y" in page.url
    expect(page.get_by_role("link", name="Remove this filter Overdue only")).to_be_visible()
    assert scroll_width(page) <= 320
    page.get_by_role("link", name="Remove this filter Overdue only").click()
    assert "overdue" not in page.url
    page.get_by_label("Sort by").select_option(label="Oldest first")
    page.get_by_role("button", name="Apply filters").click()
    assert "sort=reported_asc" in page.url
    context.close()


def test_the_page_checks_catch_duplicate_ids_and_axe_violations(
    page: Page, live_server: dict[str, Any], page_checks: PageChecks
):
    broken = f"{live_server['base_url']}/harness-check"
    page.route(
        broken, lambda route: route.fulfill(body='<p id="twice">a</p><p id="twice">b</p>', content_type="text/html")
    )
    page.goto(broken)
    page_checks.wait_for(page)
    found = list(page_checks.problems)
    page_checks.problems.clear()  # expected here; any other page with problems fails its test
    CHECKED_PATHS.discard("/harness-check")
    assert "/harness-check: duplicate id 'twice'" in found
    assert any(problem.startswith("/harness-check: axe html-has-lang") for problem in found)
    assert any(problem.startswith("/harness-check: axe region (moderate)") for problem in found)
