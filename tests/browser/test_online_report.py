"""The public report form in real Chromium: a report end to end at 320 px (axe-clean on every page), Exit This
Page by pressing Shift three times, the form with JavaScript off, and a supervisor turning the report into a case."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import accessibility_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NARROW = {"width": 320, "height": 900}


class _SafePage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!DOCTYPE html><html lang='en'><title>Weather</title><h1>Weather forecast</h1></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def safe_site() -> Iterator[str]:
    """Another site on loopback (the network is closed) for Exit This Page to leave to."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SafePage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/weather"
    previous = os.environ.get("INTAKE_EXIT_URL")
    os.environ["INTAKE_EXIT_URL"] = url
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("INTAKE_EXIT_URL", None)
        else:
            os.environ["INTAKE_EXIT_URL"] = previous
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_server(safe_site, live_server):  # type: ignore[no-untyped-def]
    """The shared live server, started once the exit URL points at the local safe site."""
    return live_server


def _check_page(page: Page) -> None:
    assert accessibility_violations(page) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], f"sideways scroll on {page.url}"
    assert not re.search(r"stalk|harass", page.title(), re.I)


def _continue(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()


def _date(page: Page, day: str, month: str, year: str) -> None:
    page.get_by_label("Day").fill(day)
    page.get_by_label("Month").fill(month)
    page.get_by_label("Year").fill(year)


def _fill_victim_report(page: Page, check: bool) -> None:
    def step() -> None:
        if check:
            _check_page(page)

    step()
    page.get_by_label("No", exact=True).check()
    _continue(page)
    step()
    page.get_by_label("I am the person it is happening to").check()
    _continue(page)
    step()
    page.get_by_label("Following", exact=True).check()
    page.get_by_label("Unwanted gifts").check()
    _continue(page)
    step()
    page.get_by_label("6 to 20 times").check()
    _continue(page)
    step()
    _date(page, "1", "9", "2026")
    _continue(page)
    step()
    _date(page, "20", "11", "2026")
    _continue(page)
    step()
    page.get_by_label("Where did it last happen?").fill("Outside my office")
    _continue(page)
    step()
    page.get_by_label("Tell us what happened").fill("Browser report: he leaves flowers at my door every week.")
    _continue(page)
    step()
    page.get_by_label("Yes", exact=True).check()
    _continue(page)
    step()
    page.get_by_label("First name").fill("Kevin")
    page.get_by_label("Last name").fill("Doorstep")
    page.get_by_label("Ex-partner").check()
    _continue(page)
    step()
    page.get_by_label("First name").fill("Browser")
    page.get_by_label("Last name").fill("Reporter")
    _continue(page)
    step()
    page.get_by_label("Phone number").fill("07700 900555")
    page.get_by_label("Text message").check()
    _continue(page)
    step()
    page.get_by_label("Sending a text message").check()
    _continue(page)
    step()
    _continue(page)


def test_a_victim_reports_online_and_a_supervisor_turns_it_into_a_case(browser: Browser, live_server):
    base = live_server["base_url"]
    public = browser.new_context(viewport=NARROW)
    page = public.new_page()
    page.goto(f"{base}/report")
    _check_page(page)
    page.get_by_role("button", name="Start now").click()
    _fill_victim_report(page, check=True)

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your report")
    _check_page(page)
    page.get_by_role("link", name="Change what happened").click()
    page.get_by_label("Tell us what happened").fill("Browser report: he leaves flowers at my door every week, again.")
    _continue(page)
    expect(page.locator(".govuk-summary-list")).to_contain_text("every week, again.")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Report sent")
    _check_page(page)
    reference = re.search(r"R-[A-Z2-9]{4}-[A-Z2-9]{4}", page.locator(".govuk-panel").inner_text()).group(0)
    cookies = {cookie["name"] for cookie in public.cookies()}
    assert cookies == {"casework_session"}
    public.close()

    staff = browser.new_page()
    sign_in(staff, live_server, "supervisor@casework.police.uk")
    expect(staff.locator("#worklist")).to_contain_text("online reports waiting for triage")
    staff.get_by_role("link", name="Open the triage queue").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Online reports to triage")
    assert accessibility_violations(staff) == []
    staff.get_by_role("link", name=f"Create a case from {reference}").click()
    staff.get_by_label("Stalking", exact=True).check()
    staff.get_by_label("Offence (Protection from Harassment Act 1997)").select_option("s2a")
    staff.get_by_role("button", name="Create the case").click()
    expect(staff.locator(".govuk-notification-banner")).to_contain_text(f"from online report {reference}")
    staff.get_by_role("link", name="Timeline", exact=True).click()
    expect(staff.locator(".moj-timeline")).to_contain_text(f"Online report {reference} received")
    expect(staff.locator(".moj-timeline")).to_contain_text("he leaves flowers at my door every week, again.")
    assert accessibility_violations(staff) == []
    staff.get_by_role("link", name="People").click()
    expect(staff.locator("#main-content")).to_contain_text("Browser Reporter")
    expect(staff.locator("#main-content")).to_contain_text("Kevin Doorstep")
    staff.close()


def test_pressing_shift_three_times_leaves_the_site(browser: Browser, live_server, safe_site):
    page = browser.new_page(viewport=NARROW)
    page.goto(f"{live_server['base_url']}/report")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("No", exact=True).check()
    _continue(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is reporting?")
    expect(page.locator(".govuk-exit-this-page")).to_have_attribute("data-govuk-exit-this-page-init", "")
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(safe_site)
    expect(page.get_by_role("heading", level=1)).to_have_text("Weather forecast")
    page.close()


def test_the_exit_button_and_the_whole_form_work_without_javascript(browser: Browser, live_server, safe_site):
    context = browser.new_context(java_script_enabled=False, viewport=NARROW)
    page = context.new_page()
    page.goto(f"{live_server['base_url']}/report")
    page.get_by_role("button", name="Start now").click()
    _fill_victim_report(page, check=False)
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Report sent")
    page.goto(f"{live_server['base_url']}/report")
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url(safe_site)
    context.close()


def test_someone_in_danger_is_told_to_call_999(browser: Browser, live_server):
    page = browser.new_page(viewport=NARROW)
    page.goto(f"{live_server['base_url']}/report")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Yes, someone is in danger now").check()
    _continue(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Call 999 now")
    expect(page.locator("#main-content")).to_contain_text("18000")
    expect(page.locator("#main-content")).to_contain_text("999 BSL")
    _check_page(page)
    page.close()
