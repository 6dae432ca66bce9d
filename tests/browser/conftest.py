"""A real server on loopback with demo data in its own database, driven by Debian's Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Page
from werkzeug.serving import make_server

from casework import demo
from casework.auth import totp
from casework.auth.models import RecoveryCode
from casework.auth.service import find_user_by_email
from casework.db import utcnow
from casework.extensions import db
from tests.conftest import create_database, make_test_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
        current = int(utcnow().timestamp()) // totp.STEP_SECONDS
        step = max(current - totp.DRIFT_STEPS, (user.totp_last_step or 0) + 1)
        if step <= current + totp.DRIFT_STEPS:
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
