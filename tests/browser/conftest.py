"""A real server on loopback with demo data in its own database, driven by Debian's Chromium.

Every page any browser test visits is checked as the browser leaves it (and at the end of the
test): axe-core with all its rules, zero violations of any impact, no duplicate ids, and no
asset the page asked for answered 404. The pages checked are listed at the end of the run and
written to ``axe-checked-pages.txt`` under pytest's base temporary directory.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, BrowserContext, Error, Page, Request, Response, Route
from werkzeug.serving import make_server

from casework import demo
from casework.auth import totp
from casework.auth.models import RecoveryCode
from casework.auth.service import find_user_by_email
from casework.extensions import db
from tests.conftest import create_database, make_test_app, unused_step

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Runs in every top-level document of ours once parsed and its scripts have run (DOMContentLoaded: a
# click before "load" stops the page loading, and "load" would never come): every axe rule (best practices such
# as "region" included) and duplicate ids; the result goes to Python through a binding.
CHECK_ON_LOAD = """
if (window.top === window && location.origin === '%(origin)s') {
  document.addEventListener('DOMContentLoaded', () => {
    window.__caseworkCheck = (async () => {
      const counts = {};
      for (const element of document.querySelectorAll('[id]')) counts[element.id] = (counts[element.id] || 0) + 1;
      const duplicates = Object.keys(counts).filter((id) => counts[id] > 1);
      const html = document.contentType === 'text/html';
      const result = html ? await axe.run(document, {resultTypes: ['violations']}) : {violations: []};
      const violations = result.violations.map((v) =>
        `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((node) => node.target.join(' ')).join(' | ')}`);
      await window.__caseworkReport({url: location.href, checked: html, duplicates, violations});
    })();
  });
}
"""
CHECKED_PATHS: set[str] = set()
UNCHECKED_PATHS: set[str] = set()


def accessibility_violations(page: Page) -> list[str]:
    """Every axe-core violation on the page as it is now, of any impact (every page is also checked on load)."""
    page.wait_for_load_state("domcontentloaded")
    page.wait_for_function("window.__caseworkCheck !== undefined")
    return page.evaluate(
        "async () => { await window.__caseworkCheck; return (await axe.run(document)).violations.map((v) => v.id); }"
    )


class PageChecks:
    """Checks each document our server sends to a watched browser context.

    Each page checks itself as soon as it is parsed and its scripts have run, and reports back.
    A test may leave a page before that (a quick click stops it loading): such pages are opened
    again at the end of the test, in the same browser context, and checked then.
    """

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []
        self.contexts: list[BrowserContext] = []
        self._unreported: dict[Page, bool] = {}
        self._left_unchecked: list[tuple[BrowserContext, str]] = []

    def watch(self, context: BrowserContext, *, javascript: bool = True) -> BrowserContext:
        """Check every page of ``context`` from now on (without JavaScript only the 404s can be checked)."""
        context.on("response", self._response)
        if javascript:
            context.expose_binding("__caseworkReport", self._report)
            context.add_init_script(AXE.read_text() + CHECK_ON_LOAD % {"origin": self.origin})
            context.route("**/*", self._route)
            self.contexts.append(context)
        return context

    def finish(self) -> None:
        """Check what every watched page shows at the end of the test, then the pages left too quickly."""
        for context in self.contexts:
            try:
                pages = list(context.pages)
            except Error:
                continue
            for page in pages:
                self.wait_for(page)
        revisits = list(dict.fromkeys(self._left_unchecked))
        self._left_unchecked.clear()
        for context, url in revisits:
            try:
                page = context.new_page()
            except Error:
                continue
            page.goto(url)
            self.wait_for(page)

    def wait_for(self, page: Page) -> None:
        """Let the current document of ``page`` finish its check (if it is one of ours)."""
        if page.is_closed() or not page.url.startswith(self.origin):
            return
        try:
            page.wait_for_load_state("domcontentloaded")
            page.wait_for_function("window.__caseworkCheck !== undefined")
            page.evaluate("async () => { await window.__caseworkCheck; }")
        except Error as error:
            self.problems.append(f"{page.url}: could not be checked ({str(error).splitlines()[0]})")

    def _report(self, source: dict[str, Any], result: dict[str, Any]) -> None:
        path = urlsplit(result["url"]).path
        (CHECKED_PATHS if result["checked"] else UNCHECKED_PATHS).add(path)
        self.problems += [f"{path}: axe {violation}" for violation in result["violations"]]
        self.problems += [f"{path}: duplicate id {name!r}" for name in result["duplicates"]]
        self._unreported[source["page"]] = False

    def _route(self, route: Route) -> None:
        request = route.request
        if request.is_navigation_request() and request.frame.parent_frame is None:
            page = request.frame.page
            if self._unreported.get(page) and page.url.startswith(self.origin):
                self._left_unchecked.append((page.context, page.url))
            self._unreported[page] = request.url.startswith(self.origin)
        route.continue_()

    def _response(self, response: Response) -> None:
        request: Request = response.request
        if response.status == 404 and request.resource_type != "document":
            self.problems.append(f"{request.frame.url}: {request.resource_type} not found: {response.url}")


@pytest.fixture(autouse=True)
def page_checks(monkeypatch: pytest.MonkeyPatch, live_server: dict[str, Any]) -> Iterator[PageChecks]:
    """Watch every browser context the test opens (the ``page`` fixture's, and any it makes itself)."""
    checks = PageChecks(live_server["base_url"])
    new_context: Callable[..., BrowserContext] = Browser.new_context
    close_page: Callable[..., None] = Page.close

    def watched_context(browser: Browser, *args: Any, **kwargs: Any) -> BrowserContext:
        context = new_context(browser, *args, **kwargs)
        return checks.watch(context, javascript=kwargs.get("java_script_enabled", True))

    def watched_page(browser: Browser, *args: Any, **kwargs: Any) -> Page:
        context = watched_context(browser, *args, **kwargs)
        page = context.new_page()
        page._owned_context = context  # type: ignore[attr-defined] # closing it closes its context, as new_page does
        return page

    def checked_close(page: Page, *args: Any, **kwargs: Any) -> None:
        checks.wait_for(page)
        close_page(page, *args, **kwargs)
        owned = getattr(page, "_owned_context", None)
        if owned is not None:
            owned.close()

    monkeypatch.setattr(Browser, "new_context", watched_context)
    monkeypatch.setattr(Browser, "new_page", watched_page)
    monkeypatch.setattr(Page, "close", checked_close)
    yield checks
    checks.finish()
    problems = list(dict.fromkeys(checks.problems))
    assert problems == [], "pages that fail the checks:\n" + "\n".join(problems)


@pytest.fixture
def page(page_checks: PageChecks, page: Page) -> Page:
    """pytest-playwright's page, its context watched by ``page_checks``."""
    return page


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """List the pages axe-core checked (ids as N), and keep the list under the base temporary directory."""
    if not CHECKED_PATHS:
        return
    paths = sorted({re.sub(r"/\d+(?=/|$)", "/N", path) for path in CHECKED_PATHS})
    terminalreporter.write_sep("-", f"axe-core and duplicate ids checked on {len(paths)} pages")
    for path in paths:
        terminalreporter.write_line(path)
    unchecked = sorted({re.sub(r"/\d+(?=/|$)", "/N", path) for path in UNCHECKED_PATHS} - set(paths))
    if unchecked:
        terminalreporter.write_line(f"not HTML, so not checked: {', '.join(unchecked)}")
    basetemp = terminalreporter.config._tmp_path_factory.getbasetemp()
    (Path(basetemp) / "axe-checked-pages.txt").write_text("\n".join(paths) + "\n")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:  # type: ignore[type-arg]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def second_factor_code(app: Flask, email: str) -> str:
    """What the user's authenticator app would show now: the code for a time step not used yet.

    Many tests sign the same demo user in within a minute, and a code is accepted only once;
    when the steps a code may come from are used up, a fresh recovery code stands in.
    """
    with app.app_context():
        user = find_user_by_email(email)
        assert user is not None and user.totp_secret is not None, email
        step = unused_step(user.totp_last_step)
        if step is not None:
            return pyotp.TOTP(user.totp_secret).at(step * totp.STEP_SECONDS)
        code = totp.new_recovery_codes()[0]
        db.session.add(RecoveryCode(user_id=user.id, code_hash=totp.hash_recovery_code(code)))
        db.session.commit()
        return code


def sign_in(page: Page, live_server: dict[str, Any], email: str, password: str | None = None) -> None:
    """Sign in through the pages as a person would: password, then the authenticator code."""
    page.goto(f"{live_server['base_url']}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password or live_server["password"])
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if page.url.endswith("/sign-in/code"):
        page.get_by_label("Enter the code from your authenticator app").fill(live_server["code"](email))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


@pytest.fixture(scope="module")
def live_server(worker_suffix: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Serve the app with demo data; yields the base URL, the demo password, ``code(email)`` and the app (to seed)."""
    url = create_database(f"casework_browser_{worker_suffix}")
    app = make_test_app(url)
    sign_ins = Path(tmp_path_factory.mktemp("instance")) / "demo-sign-ins.txt"
    with app.app_context():
        upgrade()
        result = demo.seed(sign_ins)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "base_url": f"http://127.0.0.1:{server.server_port}",
            "password": result.password or "",
            "code": lambda email: second_factor_code(app, email),
            "app": app,
        }
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
