"""Time requests through the app with signed-in test clients, counting and timing the SQL of each."""

from __future__ import annotations

import gc
import math
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import pyotp
import sqlalchemy as sa
from flask import Flask, before_render_template, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import event

from bench import seed
from casework.auth import totp
from casework.auth.models import User
from casework.cases.queries import COUNT_LIMIT
from casework.db import utcnow
from casework.extensions import db

TARGET_P95_MS = 50.0
DASHBOARD_TARGET_P95_MS = 150.0  # issue 12: the dashboard at 100,000 cases (300 ms at 1,000,000)
CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
RESULT_COUNT = re.compile(r'id="result-count">\s*(?:(\d+) cases?|(More than) [\d,]+ cases)')


@dataclass
class Statement:
    """One SQL statement run during a request."""

    sql: str
    parameters: Any
    ms: float
    began: float = 0.0  # perf_counter seconds, to tell statements that ran side by side


def waited_ms(statements: list[Statement]) -> float:
    """The time during which at least one statement was running: the request's wait on SQL.

    The dashboard's statements run side by side on a few connections (``casework.snapshot_reads``), so the
    sum of their durations would count the overlap twice.
    """
    total, reach = 0.0, float("-inf")
    for began, ended in sorted((s.began, s.began + s.ms / 1000) for s in statements):
        if ended > reach:
            total += ended - max(began, reach)
            reach = ended
    return total * 1000


class SqlRecorder:
    """Collects the statements (with their parameters and duration) the app runs.

    Statements may run on several connections at once, in other threads: each connection keeps its own
    start time, and appending to a list is atomic.
    """

    def __init__(self) -> None:
        self.statements: list[Statement] = []

    def reset(self) -> None:
        """Forget what was recorded."""
        self.statements = []

    def before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        """``before_cursor_execute`` listener."""
        conn.info["bench_began"] = time.perf_counter()

    def after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        """``after_cursor_execute`` listener."""
        ended = time.perf_counter()
        began = conn.info.pop("bench_began", ended)
        self.statements.append(Statement(statement, parameters, (ended - began) * 1000, began))

    @contextmanager
    def listening(self, engine: sa.Engine) -> Iterator[SqlRecorder]:
        """Record statements on ``engine`` for the duration of the block."""
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)
        try:
            yield self
        finally:
            event.remove(engine, "before_cursor_execute", self.before)
            event.remove(engine, "after_cursor_execute", self.after)


class RenderTimer:
    """Time spent rendering the page's template (nested ``render_template`` calls, as the GOV.UK form
    widgets make, count once, inside the outermost)."""

    def __init__(self) -> None:
        self.ms = 0.0
        self._depth = 0
        self._began = 0.0

    def reset(self) -> None:
        """Start a new request."""
        self.ms = 0.0
        self._depth = 0

    def before(self, sender: Any, **extra: Any) -> None:
        """``before_render_template`` signal."""
        if self._depth == 0:
            self._began = time.perf_counter()
        self._depth += 1

    def after(self, sender: Any, **extra: Any) -> None:
        """``template_rendered`` signal."""
        self._depth -= 1
        if self._depth == 0:
            self.ms += (time.perf_counter() - self._began) * 1000


@dataclass
class Sample:
    """One timed request."""

    path: str
    ms: float
    queries: int
    sql_ms: float
    render_ms: float
    results: int | None  # cases matched, as counted (COUNT_LIMIT + 1 for "More than 1,000 cases")
    statements: list[Statement]


@dataclass
class ScenarioResult:
    """The timings of one scenario."""

    name: str
    who: str
    description: str
    samples: list[Sample] = field(default_factory=list)
    target_ms: float = TARGET_P95_MS

    def _times(self) -> list[float]:
        return sorted(sample.ms for sample in self.samples)

    def percentile(self, fraction: float) -> float:
        """Nearest-rank percentile of the request times, in ms."""
        times = self._times()
        return times[max(0, math.ceil(fraction * len(times)) - 1)]

    @property
    def p50(self) -> float:
        """Median request time (ms)."""
        return self.percentile(0.50)

    @property
    def p95(self) -> float:
        """95th percentile request time (ms)."""
        return self.percentile(0.95)

    @property
    def max(self) -> float:
        """Slowest request (ms)."""
        return self._times()[-1]

    @property
    def sql_p50(self) -> float:
        """Median time spent in SQL per request (ms)."""
        return statistics.median(sample.sql_ms for sample in self.samples)

    @property
    def render_p50(self) -> float:
        """Median time spent rendering templates per request (ms; includes any SQL run while rendering)."""
        return statistics.median(sample.render_ms for sample in self.samples)

    @property
    def query_range(self) -> str:
        """Statements per request: ``n`` or ``min–max``."""
        counts = [sample.queries for sample in self.samples]
        return str(min(counts)) if min(counts) == max(counts) else f"{min(counts)}–{max(counts)}"

    @property
    def results_median(self) -> str:
        """Median number of cases matched, for list pages."""
        found = [sample.results for sample in self.samples if sample.results is not None]
        if not found:
            return "–"
        median = statistics.median_low(found)
        return f"> {COUNT_LIMIT:,}" if median > COUNT_LIMIT else str(median)

    @property
    def passed(self) -> bool:
        """Whether p95 is under the scenario's target."""
        return self.p95 < self.target_ms

    @property
    def at_p95(self) -> Sample:
        """The request whose time is the 95th percentile (a typical slow one, not an outlier)."""
        ordered = sorted(self.samples, key=lambda sample: sample.ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Scenario:
    """A named set of requests made by one kind of user."""

    name: str
    who: str
    description: str
    requests: list[tuple[str, str]]  # (client key, path)
    target_ms: float = TARGET_P95_MS


MILLION = 1_000_000
MILLION_TARGETS_P95_MS = {"dashboard:": 300.0, "case:": 25.0}  # issue 12, at 1,000,000 cases (lists stay at 50 ms)


def with_targets_for(cases: int, scenario: Scenario) -> Scenario:
    """``scenario`` with the issue's p95 target for a database of ``cases`` cases."""
    if cases < MILLION:
        return scenario
    target = next((ms for prefix, ms in MILLION_TARGETS_P95_MS.items() if scenario.name.startswith(prefix)), None)
    return replace(scenario, target_ms=target) if target is not None else scenario


class Bench:
    """Signed-in clients on the app, and the request loop."""

    def __init__(self, app: Flask, password: str) -> None:
        self.app = app
        self.password = password
        self.clients: dict[str, FlaskClient] = {}
        self.recorder = SqlRecorder()
        self.renders = RenderTimer()
        before_render_template.connect(self.renders.before, app)
        template_rendered.connect(self.renders.after, app)
        with app.app_context():
            self.engine = db.engine

    def sign_in(self, key: str, user_id: int) -> None:
        """Sign a new client in as seeded user ``user_id`` through the real sign-in form."""
        client = self.app.test_client()
        page = client.get("/sign-in")
        match = CSRF_TOKEN.search(page.get_data(as_text=True))
        if not match:
            raise RuntimeError("no CSRF token on /sign-in")
        response = client.post(
            "/sign-in",
            data={
                "email": seed.email_for(user_id),
                "password": self.password,
                "csrf_token": match.group(1) or match.group(2),
            },
        )
        if response.status_code != 302:
            raise RuntimeError(f"sign-in as user {user_id} failed: {response.status_code}")
        self._second_factor(client, user_id)
        self.clients[key] = client

    def _second_factor(self, client: FlaskClient, user_id: int) -> None:
        """Enrol the seeded user's authenticator afresh (straight in the database) and enter its code.

        The step last used goes too: a second run within a minute would otherwise be refused its code.
        """
        secret = totp.new_secret()
        with self.app.app_context():
            db.session.execute(
                sa.update(User)
                .where(User.id == user_id)
                .values(totp_secret=secret, totp_enrolled_at=utcnow(), totp_last_step=None)
            )
            db.session.commit()
        page = client.get("/sign-in/code")
        match = CSRF_TOKEN.search(page.get_data(as_text=True))
        if not match:
            raise RuntimeError("no CSRF token on /sign-in/code")
        response = client.post(
            "/sign-in/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": match.group(1) or match.group(2)}
        )
        if response.status_code != 302:
            raise RuntimeError(f"second factor for user {user_id} failed: {response.status_code}")

    def request(self, key: str, path: str) -> Sample:
        """GET ``path`` as client ``key`` and time it (server time, in process)."""
        client = self.clients[key]
        self.recorder.reset()
        self.renders.reset()
        began = time.perf_counter()
        response = client.get(path)
        body = response.get_data(as_text=True)
        elapsed = (time.perf_counter() - began) * 1000
        response.close()  # as the server does once the response is written (what a page leaves for then is untimed)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} as {key} answered {response.status_code}")
        statements = list(self.recorder.statements)
        found = RESULT_COUNT.search(body)
        return Sample(
            path=path,
            ms=elapsed,
            queries=len(statements),
            sql_ms=waited_ms(statements),
            render_ms=self.renders.ms,
            results=None if not found else COUNT_LIMIT + 1 if found.group(2) else int(found.group(1)),
            statements=statements,
        )

    def run(self, scenario: Scenario, *, warmup: int, log: Callable[[str], None] = print) -> ScenarioResult:
        """Warm up on the first requests, then time every request of the scenario."""
        result = ScenarioResult(scenario.name, scenario.who, scenario.description, target_ms=scenario.target_ms)
        gc.collect()  # start each scenario without the previous one's garbage
        with self.recorder.listening(self.engine):
            for key, path in scenario.requests[:warmup]:
                self.request(key, path)
            for key, path in scenario.requests:
                result.samples.append(self.request(key, path))
        kept = result.at_p95
        for sample in result.samples:
            if sample is not kept:
                sample.statements = []  # only the p95 request's statements are EXPLAINed
        log(
            f"  {scenario.name:<28} p50 {result.p50:6.1f} ms  p95 {result.p95:6.1f} ms  max {result.max:6.1f} ms"
            f"  queries {result.query_range}"
        )
        return result

    def explain(self, statement: Statement) -> str:
        """EXPLAIN (ANALYZE, BUFFERS) of a captured SELECT, run with its original parameters."""
        with self.engine.connect() as connection:
            rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.parameters)
            plan = "\n".join(row[0] for row in rows)
            connection.rollback()
        return plan


# --- Request plans ------------------------------------------------------------------------


@dataclass
class Population:
    """What the request generators draw from: ids, references and names that exist."""

    officer_case_ids: dict[int, list[int]]
    team_case_ids: list[int]
    all_case_ids: list[int]
    references: dict[int, str]
    surnames: list[tuple[str, int]]
    full_names: list[str]


OFFICERS = {"officer-a": seed.officer_id(1, 1), "officer-b": seed.officer_id(2, 3), "officer-c": seed.officer_id(4, 6)}
SUPERVISOR = ("supervisor", seed.supervisor_id(1, 1))
MANAGER = ("manager", seed.MANAGER_IDS[0])


def load_population(engine: sa.Engine, *, sample: int = 4000) -> Population:
    """Read the ids, references and names the requests will use."""
    team_id = 1
    with engine.connect() as connection:

        def ids(sql: str, **params: object) -> list[int]:
            return [row[0] for row in connection.execute(sa.text(sql), params)]

        officer_case_ids = {
            user_id: ids(
                "SELECT id FROM cases WHERE (officer_id = :u OR supervisor_id = :u) AND NOT restricted"
                " ORDER BY random() LIMIT :n",
                u=user_id,
                n=sample,
            )
            for user_id in OFFICERS.values()
        }
        team_case_ids = ids(
            "SELECT id FROM cases WHERE team_id = :t AND NOT restricted ORDER BY random() LIMIT :n", t=team_id, n=sample
        )
        all_case_ids = ids("SELECT id FROM cases WHERE NOT restricted ORDER BY random() LIMIT :n", n=sample)
        wanted = {*team_case_ids, *all_case_ids, *(i for ids_ in officer_case_ids.values() for i in ids_)}
        references = {
            row[0]: row[1]
            for row in connection.execute(
                sa.text("SELECT id, reference FROM cases WHERE id = ANY(:ids)"), {"ids": sorted(wanted)}
            )
        }
        surnames = [
            (row[0], row[1])
            for row in connection.execute(sa.text("SELECT last_name, count(*) FROM people GROUP BY 1 ORDER BY 2 DESC"))
        ]
        full_names = [
            row[0]
            for row in connection.execute(
                sa.text("SELECT first_name || ' ' || last_name FROM people ORDER BY random() LIMIT :n"), {"n": sample}
            )
        ]
    return Population(officer_case_ids, team_case_ids, all_case_ids, references, surnames, full_names)


def _date_param(name: str, day: date) -> str:
    return f"{name}={day.day}&{name}={day.month}&{name}={day.year}"


def _name_fragment(rng: random.Random, population: Population) -> str:
    """What someone types to find a person: mostly part of a surname, sometimes a whole name."""
    surnames = [name for name, _ in population.surnames]
    weights = [count for _, count in population.surnames]
    roll = rng.random()
    if roll < 0.1:
        return rng.choice(population.full_names)
    surname = rng.choices(surnames, weights)[0]
    letters = surname.replace("'", "").replace("’", "")
    if roll < 0.25 or len(letters) <= 4:
        fragment = letters
    elif roll < 0.75:
        fragment = letters[: rng.randint(3, min(6, len(letters)))]
    else:
        start = rng.randint(1, max(1, len(letters) - 3))
        fragment = letters[start : start + rng.randint(3, 4)]
    return fragment.lower() if rng.random() < 0.7 else fragment


def build_scenarios(population: Population, *, requests: int, today: date, seed_value: int = 7) -> list[Scenario]:
    """The scenarios, each with ``requests`` varied requests (the first few double as warm-up)."""
    rng = random.Random(seed_value)
    officer_keys = list(OFFICERS)
    sorts = ["reported_desc", "reported_desc", "reported_desc", "reported_asc", "reference", "updated_desc"]

    def page() -> int:
        return rng.choice([1, 1, 1, 1, 2, 2, 3, 4, 5, 8, 10, 20])

    def list_path(scope: str) -> str:
        sort = rng.choice(sorts)
        return f"/cases?scope={scope}&page={page()}" + ("" if sort == "reported_desc" else f"&sort={sort}")

    def filtered_path(scope: str) -> str:
        statuses = rng.sample(["allocated", "investigating", "charged", "at_court", "closed"], rng.randint(1, 3))
        risks = rng.sample(["standard", "medium", "high"], rng.randint(1, 2))
        first = today - timedelta(days=rng.randint(30, 1000))
        last = min(today, first + timedelta(days=rng.choice([30, 90, 180, 365])))
        query = "&".join(
            [
                f"scope={scope}",
                *(f"status={s}" for s in statuses),
                *(f"risk={r}" for r in risks),
                _date_param("reported_from", first),
                _date_param("reported_to", last),
            ]
        )
        return f"/cases?{query}&page={rng.choice([1, 1, 1, 2])}"

    def search_path(scope: str) -> str:
        return f"/cases?scope={scope}&search={_name_fragment(rng, population)}"

    def who_and_scope() -> tuple[str, str]:
        roll = rng.random()
        if roll < 1 / 3:
            return rng.choice(officer_keys), "mine"
        if roll < 2 / 3:
            return SUPERVISOR[0], "team"
        return MANAGER[0], "all"

    def visible_case() -> tuple[str, str, int]:
        """A user, their default scope, and a case they may see."""
        roll = rng.random()
        if roll < 1 / 3:
            key = rng.choice(officer_keys)
            return key, "mine", rng.choice(population.officer_case_ids[OFFICERS[key]])
        if roll < 2 / 3:
            return SUPERVISOR[0], "team", rng.choice(population.team_case_ids)
        return MANAGER[0], "all", rng.choice(population.all_case_ids)

    def case_request(tab: str) -> tuple[str, str]:
        key, _, case_id = visible_case()
        return key, f"/cases/{case_id}{tab}"

    def reference_request() -> tuple[str, str]:
        key, scope, case_id = visible_case()
        return key, f"/cases?scope={scope}&search={population.references[case_id]}"

    def dashboard_path() -> str:
        first = today - timedelta(days=rng.choice([27, 27, 90, 365]))
        return "/dashboard?" + "&".join([_date_param("period_from", first), _date_param("period_to", today)])

    def mixed(make: Callable[[str], str]) -> tuple[str, str]:
        key, scope = who_and_scope()
        return key, make(scope)

    n = requests
    return [
        Scenario(
            "list: mine (officer)",
            "3 officers",
            "Default list of an officer: their own cases, 25 a page, varied page and sort",
            [(rng.choice(officer_keys), list_path("mine")) for _ in range(n)],
        ),
        Scenario(
            "list: team (supervisor)",
            "supervisor",
            "A supervisor's team list (about 16,700 cases), varied page and sort",
            [(SUPERVISOR[0], list_path("team")) for _ in range(n)],
        ),
        Scenario(
            "list: all (manager)",
            "manager",
            "A manager's list of every unrestricted case (95,000), varied page and sort",
            [(MANAGER[0], list_path("all")) for _ in range(n)],
        ),
        Scenario(
            "filter: status+risk+dates",
            "all three roles",
            "1–3 statuses, 1–2 risk levels and a 1–12 month reporting window, in each role's default scope",
            [mixed(filtered_path) for _ in range(n)],
        ),
        Scenario(
            "filter: overdue",
            "all three roles",
            "Overdue only (risk review due, or unallocated after 24 hours)",
            [mixed(lambda scope: f"/cases?scope={scope}&overdue=y") for _ in range(n)],
        ),
        Scenario(
            "search: person name",
            "all three roles",
            "Part of a surname (3+ letters, prefix or middle), a whole surname, or a full name",
            [mixed(search_path) for _ in range(n)],
        ),
        Scenario(
            "search: reference",
            "all three roles",
            "The exact reference of a case the user may see, such as SH-2025-004321",
            [reference_request() for _ in range(n)],
        ),
        Scenario(
            "case: summary page",
            "all three roles",
            "The case summary: details, task list and open items (also writes the view to the audit trail)",
            [case_request("") for _ in range(n)],
        ),
        Scenario(
            "case: people page",
            "all three roles",
            "The people tab: parties, contact preferences and repeat-suspect links",
            [case_request("/people") for _ in range(n)],
        ),
        Scenario(
            "dashboard: all teams (manager)",
            "manager",
            "Every figure of the caseload dashboard for every team, over a 28-day to 1-year period",
            [(MANAGER[0], dashboard_path()) for _ in range(n)],
            target_ms=DASHBOARD_TARGET_P95_MS,
        ),
        Scenario(
            "dashboard: team (supervisor)",
            "supervisor",
            "The supervisor's team dashboard, over a 28-day to 1-year period",
            [(SUPERVISOR[0], dashboard_path()) for _ in range(n)],
            target_ms=DASHBOARD_TARGET_P95_MS,
        ),
    ]
