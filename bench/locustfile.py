"""Locust users for ``bench/load.py``; run by it (``locust -f bench/locustfile.py --headless ...``), not by hand.

``LOAD_PLAN`` names a JSON file written by ``bench/load.py``: the scenario, and one entry per signed-in
account (its role, its session cookies, the cases it may open and the open cases with a victim it may
write to). Each locust user takes the next account. ``LOAD_OUTPUT`` names a folder where each run
leaves ``requests.jsonl`` (every request: start, name, status, ms, whether it was a friendly 503) and
``acknowledged.json`` (the marker of every note and contact the server acknowledged with a redirect).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from locust import FastHttpUser, constant, events, task
from requests.cookies import create_cookie

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text()) if os.environ.get("LOAD_PLAN") else {}
OUTPUT = Path(os.environ.get("LOAD_OUTPUT", "."))
RUN = PLAN.get("run", "load")
USER_AGENT = PLAN.get("user_agent", "casework-load")  # the sign-in's (sessions are bound to address and agent)
CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
FRIENDLY_503 = "Sorry, the service is unavailable"
LONDON = ZoneInfo("Europe/London")
SORTS = ["", "", "", "&sort=reported_asc", "&sort=reference", "&sort=updated_desc"]

_accounts = itertools.count()
_records: list[dict[str, Any]] = []
_acknowledged: dict[str, list[str]] = {"note": [], "contact": []}


@events.request.add_listener
def _record(
    request_type: str, name: str, response_time: float, response: Any, start_time: float, **kwargs: Any
) -> None:
    status = getattr(response, "status_code", 0) or 0
    friendly = status == 503 and bool(response.headers.get("Retry-After")) and FRIENDLY_503 in (response.text or "")
    _records.append({"t": start_time, "name": name, "status": status, "ms": response_time, "friendly": friendly})


@events.test_stop.add_listener
def _write_out(**kwargs: Any) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with (OUTPUT / "requests.jsonl").open("w") as out:
        out.writelines(json.dumps(record) + "\n" for record in _records)
    (OUTPUT / "acknowledged.json").write_text(json.dumps(_acknowledged))


def _page() -> int:
    return random.choice([1, 1, 1, 1, 2, 2, 3, 4, 5, 8, 10, 20])


class Staff(FastHttpUser):
    """A signed-in member of staff; what they do depends on ``PLAN["scenario"]`` (see ``bench/load.py``)."""

    wait_time = constant(float(PLAN.get("think", 0)))
    connection_timeout = 30.0
    network_timeout = 60.0

    def on_start(self) -> None:
        """Take the next signed-in account and its cookies."""
        accounts = PLAN["accounts"]
        self.account = accounts[next(_accounts) % len(accounts)]
        for cookie in self.account["cookies"]:
            self.client.cookiejar.set_cookie(create_cookie(**cookie))
        self._headers = {"User-Agent": USER_AGENT}

    # --- Requests ----------------------------------------------------------------------------

    def _get(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, headers=self._headers, catch_response=True) as response:
            if response.status_code == 200:
                response.success()
                return response.text or ""
            response.failure(self._why(response))
        return ""

    def _post(self, path: str, fields: list[tuple[str, str]], name: str) -> bool:
        headers = {**self._headers, "Content-Type": "application/x-www-form-urlencoded"}
        with self.client.post(
            path, data=urlencode(fields), name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 302:
                response.success()
                return True
            response.failure(self._why(response))
        return False

    @staticmethod
    def _why(response: Any) -> str:
        if response.status_code == 503:
            friendly = response.headers.get("Retry-After") and FRIENDLY_503 in (response.text or "")
            return "503 friendly (Retry-After)" if friendly else "503 not friendly"
        if response.status_code == 200:
            return "200: the form came back (not saved)"
        return f"{response.status_code}"

    # --- What staff do -----------------------------------------------------------------------

    def case_list(self) -> None:
        scope = self.account["scope"]
        self._get(f"/cases?scope={scope}&page={_page()}{random.choice(SORTS)}", "case list")

    def case_page(self) -> None:
        self._get(f"/cases/{random.choice(self.account['cases'])}", "case page")

    def people_tab(self) -> None:
        self._get(f"/cases/{random.choice(self.account['cases'])}/people", "people tab")

    def dashboard(self) -> None:
        if self.account["role"] == "officer":
            self._get("/", "home (officer worklist)")
        else:
            self._get("/dashboard", "dashboard")

    def add_note(self) -> None:
        case_id, _ = random.choice(self.account["writable"])
        page = self._get(f"/cases/{case_id}/log", "note form")
        token = CSRF_TOKEN.search(page)
        if token is None:
            return
        marker = f"{RUN}-note-{uuid.uuid4().hex}"
        fields = [("csrf_token", token.group(1) or token.group(2)), ("body", f"Load test entry {marker}")]
        if self._post(f"/cases/{case_id}/log", [*fields, ("visibility", "police_only")], "note save"):
            _acknowledged["note"].append(marker)

    def log_contact(self) -> None:
        case_id, party_id = random.choice(self.account["writable"])
        page = self._get(f"/cases/{case_id}/contact/log", "contact form")
        token = CSRF_TOKEN.search(page)
        if token is None:
            return
        marker = f"{RUN}-contact-{uuid.uuid4().hex}"
        when = datetime.now(LONDON) - timedelta(minutes=5)
        fields = [
            ("csrf_token", token.group(1) or token.group(2)),
            ("party_id", str(party_id)),
            *(("contacted_on", str(part)) for part in (when.day, when.month, when.year)),
            ("contacted_time", when.strftime("%H:%M")),
            ("method", "phone"),
            ("outcome", "no_answer"),
            ("discussed", f"Load test call {marker}"),
        ]
        if self._post(f"/cases/{case_id}/contact/log", fields, "contact save"):
            _acknowledged["contact"].append(marker)

    @task
    def act(self) -> None:
        """One step of the scenario's mix."""
        roll = random.random()
        if PLAN["scenario"] == "mix":  # scenario B: 40% list, 40% case page, 20% people tab
            if roll < 0.4:
                self.case_list()
            elif roll < 0.8:
                self.case_page()
            else:
                self.people_tab()
            return
        writes = bool(self.account["writable"])  # scenario A: managers only read
        if roll < 0.30:
            self.case_list()
        elif roll < 0.60:
            self.case_page()
        elif roll < 0.75 and writes:
            self.add_note()
        elif roll < 0.90 and writes:
            self.log_contact()
        else:
            self.dashboard()


class Hello(FastHttpUser):
    """Scenario C: the bare Flask app's one route."""

    wait_time = constant(0)

    @task
    def hello(self) -> None:
        """GET /."""
        self.client.get("/", name="hello")
