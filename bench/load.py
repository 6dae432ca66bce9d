"""Load test and fault drills against the real gunicorn and PostgreSQL on loopback: ``make load``.

Run with the test services (a throwaway PostgreSQL cluster and Redis):

    scripts/with-test-services.sh .venv/bin/python -m bench.load [--scenario staff|mix|hello]
        [--cases 100000] [--users 50] [--clients 8,16,32] [--seconds 60] [--fault postgres|redis]
        [--profile 20] [--keep] [--reuse]

Seeds ``--cases`` cases with ``bench/seed.py`` (``--keep`` keeps the database, ``--reuse`` skips the seed
when it is there: run several commands inside one ``with-test-services.sh`` call to seed once), signs
the accounts in through the real two-factor sign-in form (in this process, before the clock starts),
starts ``gunicorn -c gunicorn.conf.py wsgi:app`` on loopback and runs locust headless for ``--seconds``:

- ``staff`` (scenario A): ``--users`` signed-in officers, supervisors and managers, each sending its next
  request as soon as the last one answered: case list 30%, case page 30%, a log entry 15% and a victim
  contact 15% (form, then save; managers may not write and read instead), the dashboard (officers: their
  home worklist) 10%.
- ``mix`` (scenario B): 40% case list, 40% case page, 20% people tab, at each of ``--clients``.
- ``hello`` (scenario C): a bare Flask route under the same gunicorn settings (``bench/hello.py``).

``--fault postgres`` stops PostgreSQL (``pg_ctl stop -m fast``) a quarter of the way in and starts it
``--outage`` seconds later, then checks that every note and contact acknowledged (302) is in the database;
``--fault redis`` does the same to Redis with the real Celery worker and beat running: meanwhile contact
plans fall due and one address tries the sign-in rate limit; afterwards it waits for their reminders to be
sent. Each run prints a Markdown report and leaves its raw data in ``--output`` (default: under /tmp).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import pyotp
import requests
import sqlalchemy as sa
from flask import Flask

from bench import seed
from bench.app import dispose, make_app, migrate
from casework.auth import totp
from casework.auth.models import User
from casework.db import utcnow
from casework.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password, not a secret"  # throwaway accounts on a throwaway cluster
SECRET_KEY = "bench-secret-key"  # the key of bench.app.make_app, which signs the accounts in
CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
SESSION_COOKIE = "casework_session"
USER_AGENT = "casework-load"  # sessions are bound to address and User-Agent: locust sends this one too
SIGN_IN_LIMIT = "30 per 15 minutes"  # low, so that the Redis drill's sign-ins from one address meet the limit


def log(message: str) -> None:
    """Progress on stderr, so stdout carries only the report."""
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=["staff", "mix", "hello"], default="staff")
    parser.add_argument("--cases", type=int, default=100_000, help="cases to seed (default 100,000)")
    parser.add_argument("--users", type=int, default=50, help="signed-in users of the staff scenario (default 50)")
    parser.add_argument("--clients", default="8", help="concurrent clients of mix and hello, e.g. 8,16,32")
    parser.add_argument("--seconds", type=int, default=60, help="length of each run (default 60)")
    parser.add_argument("--warmup", type=int, default=15, help="unrecorded seconds first, per gunicorn (default 15)")
    parser.add_argument("--think", type=float, default=0.0, help="seconds a user waits between requests")
    parser.add_argument("--fault", choices=["postgres", "redis"], help="stop that server mid-run, then start it")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the server stays down (default 10)")
    parser.add_argument("--profile", type=int, default=0, help="py-spy every gunicorn worker for this many seconds")
    parser.add_argument("--database", default="casework_load", help="database name (default casework_load)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse an already seeded database of that name")
    parser.add_argument("--output", default="", help="folder for raw results (default: a new one under /tmp)")
    return parser.parse_args(argv)


def _environment(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set: run with scripts/with-test-services.sh (it starts PostgreSQL and Redis).")
    return value


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- Accounts ------------------------------------------------------------------------------


@dataclass
class Account:
    """A seeded user the load test signs in as, and what it works on."""

    user_id: int
    role: str
    scope: str
    team: int | None
    cases: list[int] = field(default_factory=list)
    writable: list[tuple[int, int]] = field(default_factory=list)  # (case id, victim's party id)
    cookies: list[dict[str, str]] = field(default_factory=list)


def choose_accounts(count: int) -> list[Account]:
    """``count`` distinct seeded users: two managers (one below 25), a fifth supervisors, the rest officers."""
    managers = min(len(seed.MANAGER_IDS), 2 if count >= 25 else 1)
    supervisors = min(len(seed.TEAMS) * seed.SUPERVISORS_PER_TEAM, max(1, count // 5))
    officers = count - managers - supervisors
    if officers > len(seed.TEAMS) * seed.OFFICERS_PER_TEAM or officers < 1:
        sys.exit(f"--users/--clients {count}: the seed has 48 officers, 12 supervisors and 2 managers")
    accounts = [Account(user_id, "manager", "all", None) for user_id in seed.MANAGER_IDS[:managers]]
    teams = range(1, len(seed.TEAMS) + 1)
    supervisor_slots = [(team, n) for n in range(1, seed.SUPERVISORS_PER_TEAM + 1) for team in teams]
    accounts += [Account(seed.supervisor_id(t, n), "supervisor", "team", t) for t, n in supervisor_slots[:supervisors]]
    officer_slots = [(team, n) for n in range(1, seed.OFFICERS_PER_TEAM + 1) for team in teams]
    accounts += [Account(seed.officer_id(t, n), "officer", "mine", t) for t, n in officer_slots[:officers]]
    # Interleaved by role, so that the first n accounts (a run with fewer clients) have the same mix.
    share: Counter[str] = Counter(account.role for account in accounts)
    seen: Counter[str] = Counter()
    order = []
    for account in accounts:
        order.append(((seen[account.role] + 0.5) / share[account.role], account.role, account))
        seen[account.role] += 1
    return [account for _, _, account in sorted(order, key=lambda item: item[:2])]


def fill_cases(engine: sa.Engine, accounts: list[Account], sample: int = 300) -> None:
    """Cases each account may open, and open cases with a victim it may write to."""
    visible = {
        "officer": "c.officer_id = :user",
        "supervisor": "(c.team_id = :team OR c.supervisor_id = :user)",
        "manager": "TRUE",
    }
    with engine.connect() as connection:
        for account in accounts:
            where = f"{visible[account.role]} AND NOT c.restricted"
            params = {"user": account.user_id, "team": account.team, "n": sample}
            account.cases = list(
                connection.execute(
                    sa.text(f"SELECT c.id FROM cases c WHERE {where} ORDER BY random() LIMIT :n"), params
                )
                .scalars()
                .all()
            )
            if account.role == "manager":
                continue
            rows = connection.execute(
                sa.text(
                    f"SELECT DISTINCT ON (c.id) c.id, p.id FROM cases c JOIN case_parties p ON p.case_id = c.id"
                    f" AND p.role = 'victim' WHERE {where} AND c.status <> 'closed' ORDER BY c.id, p.id LIMIT :n"
                ),
                params,
            )
            account.writable = [(row[0], row[1]) for row in rows]


def sign_in_all(app: Flask, accounts: list[Account]) -> None:
    """Sign each account in through the real forms (password, then an authenticator code), in this process.

    The session cookie is signed with the key gunicorn is given too, and bound (Flask-Login's "strong"
    protection) to the address and User-Agent the load test uses, so locust carries it on from here.
    """
    for account in accounts:
        secret = totp.new_secret()
        with app.app_context():
            db.session.execute(
                sa.update(User)
                .where(User.id == account.user_id)
                .values(totp_secret=secret, totp_enrolled_at=utcnow(), totp_last_step=None)
            )
            db.session.commit()
        client = app.test_client()
        client.environ_base.update(HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR="127.0.0.1")
        for path, data in (
            ("/sign-in", {"email": seed.email_for(account.user_id), "password": PASSWORD}),
            ("/sign-in/code", {"code": pyotp.TOTP(secret).now()}),
        ):
            match = CSRF_TOKEN.search(client.get(path).get_data(as_text=True))
            if not match:
                raise RuntimeError(f"no CSRF token on {path}")
            response = client.post(path, data={**data, "csrf_token": match.group(1) or match.group(2)})
            if response.status_code != 302:
                raise RuntimeError(f"{path} as user {account.user_id}: {response.status_code}")
        cookie = client.get_cookie(SESSION_COOKIE)
        if cookie is None:
            raise RuntimeError(f"no session cookie for user {account.user_id}")
        account.cookies = [{"name": SESSION_COOKIE, "value": cookie.value, "domain": "127.0.0.1", "path": "/"}]


# --- Processes -----------------------------------------------------------------------------


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py <app>`` on a loopback port, logs in ``folder``."""

    def __init__(self, folder: Path, app: str, environment: dict[str, str]) -> None:
        self.port = free_port()
        self.folder = folder
        env = {**os.environ, **environment, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.stdout = (folder / "gunicorn-access.log").open("wb")
        self.stderr = (folder / "gunicorn-error.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app],
            cwd=ROOT,
            env=env,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 120) -> None:
        """Until ``path`` answers (the workers import the app first)."""
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(self.folder / 'gunicorn-error.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as response:
                    if response.status < 500:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer in time")

    def processes(self) -> list[psutil.Process]:
        """The master and its workers."""
        master = psutil.Process(self.process.pid)
        return [master, *master.children(recursive=True)]

    def stop(self) -> None:
        """SIGTERM, then wait for the graceful exit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.stdout.close()
        self.stderr.close()


def postgres_processes() -> list[psutil.Process]:
    """The postmaster of the test cluster and its backends."""
    pid_file = Path(os.environ.get("CASEWORK_TEST_SERVICES_DIR", "/nonexistent")) / "data" / "postmaster.pid"
    try:
        master = psutil.Process(int(pid_file.read_text().split()[0]))
        return [master, *master.children(recursive=True)]
    except (OSError, ValueError, psutil.Error):
        return []


class CpuMeter:
    """CPU used by gunicorn, PostgreSQL and locust over the run, sampled each second (processes come and go)."""

    def __init__(self, gunicorn: Gunicorn, locust: subprocess.Popen[bytes]) -> None:
        self.gunicorn = gunicorn
        self.locust = locust
        self.seen: dict[str, dict[int, float]] = defaultdict(dict)
        self.first: dict[str, dict[int, float]] = defaultdict(dict)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.began = time.monotonic()
        self.ended = self.began

    def _sample(self) -> None:
        groups = {
            "gunicorn": self.gunicorn.processes(),
            "postgresql": postgres_processes(),
            "locust": [psutil.Process(self.locust.pid)] if self.locust.poll() is None else [],
        }
        for name, processes in groups.items():
            for process in processes:
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                used = times.user + times.system
                self.first[name].setdefault(process.pid, used)
                self.seen[name][process.pid] = used

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self._sample()
            except psutil.Error:
                continue

    def start(self) -> None:
        """Begin sampling."""
        self.began = time.monotonic()
        self._sample()
        self._thread.start()

    def stop(self) -> dict[str, float]:
        """Cores used per group on average over the run."""
        self._stop.set()
        self._thread.join()
        self.ended = time.monotonic()
        seconds = max(self.ended - self.began, 1e-6)
        return {
            name: sum(self.seen[name][pid] - self.first[name][pid] for pid in self.seen[name]) / seconds
            for name in self.seen
        }


def as_postgres(command: list[str]) -> list[str]:
    """Run as the postgres user when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


def stop_postgres() -> None:
    """``pg_ctl stop -m fast``: a clean restart's first half (open connections are cut)."""
    data = str(Path(_environment("CASEWORK_TEST_SERVICES_DIR")) / "data")
    subprocess.run(
        as_postgres([_environment("CASEWORK_TEST_PG_CTL"), "-D", data, "-m", "fast", "-w", "stop"]), check=True
    )


def start_postgres() -> None:
    """``pg_ctl start`` with the options of ``scripts/with-test-services.sh``."""
    work = Path(_environment("CASEWORK_TEST_SERVICES_DIR"))
    command = [_environment("CASEWORK_TEST_PG_CTL"), "-D", str(work / "data"), "-l", str(work / "server.log")]
    command += ["-w", "-t", "60", "-o", _environment("CASEWORK_TEST_PG_OPTIONS"), "start"]
    subprocess.run(as_postgres(command), check=True, stdout=subprocess.DEVNULL)


def redis_port() -> int:
    """The port of the test services' Redis."""
    return int(sa.make_url(_environment("CASEWORK_TEST_REDIS_URL").replace("redis://", "redis+x://")).port or 6379)


def stop_redis() -> None:
    """Shut the test services' Redis down (nothing saved: it keeps nothing on disk)."""
    subprocess.run(["redis-cli", "-p", str(redis_port()), "shutdown", "nosave"], capture_output=True, check=False)


def start_redis() -> None:
    """Start it again as ``scripts/with-test-services.sh`` did."""
    work = _environment("CASEWORK_TEST_SERVICES_DIR")
    subprocess.run(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port()), "--daemonize", "yes", "--dir", work,
         "--pidfile", f"{work}/redis.pid", "--logfile", f"{work}/redis.log", "--save", "", "--appendonly", "no"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        if subprocess.run(["redis-cli", "-p", str(redis_port()), "ping"], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)


# --- Results -------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else float("nan")


@dataclass
class RunResult:
    """What one locust run measured."""

    label: str
    clients: int
    seconds: float
    records: list[dict[str, Any]]
    cpu: dict[str, float]
    acknowledged: dict[str, list[str]]
    load: tuple[tuple[float, float, float], tuple[float, float, float]]
    notes: list[str] = field(default_factory=list)

    def errors(self) -> Counter[str]:
        """Failed requests by status."""
        return Counter(f"{r['status']}{' friendly' if r['friendly'] else ''}" for r in self.records if not _ok(r))

    def table(self) -> str:
        """Per endpoint: requests, requests/s, p50, p95, max, errors."""
        by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in self.records:
            by_name[record["name"]].append(record)
        lines = [
            "| Endpoint | Requests | Requests/s | p50 ms | p95 ms | max ms | Errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name in sorted(by_name, key=lambda n: -len(by_name[n])):
            rows = by_name[name]
            times = [r["ms"] for r in rows]
            failed = sum(1 for r in rows if not _ok(r))
            lines.append(
                f"| {name} | {len(rows)} | {len(rows) / self.seconds:.1f} | {percentile(times, 0.5):.0f} | "
                f"{percentile(times, 0.95):.0f} | {max(times):.0f} | {failed} |"
            )
        times = [r["ms"] for r in self.records]
        failed = sum(1 for r in self.records if not _ok(r))
        lines.append(
            f"| **all** | {len(self.records)} | **{len(self.records) / self.seconds:.1f}** | "
            f"{percentile(times, 0.5):.0f} | **{percentile(times, 0.95):.0f}** | {max(times, default=0):.0f} | "
            f"{failed} |"
        )
        return "\n".join(lines)

    def cpu_per_request(self) -> str:
        """CPU milliseconds per request by group: comparable across machines busy with other work."""
        count = max(len(self.records), 1)
        return ", ".join(
            f"{name} {1000 * cores * self.seconds / count:.1f} ms" for name, cores in sorted(self.cpu.items())
        )

    def markdown(self) -> str:
        """The run's report."""
        cpu = ", ".join(f"{name} {cores:.2f}" for name, cores in sorted(self.cpu.items()))
        errors = ", ".join(f"{status}: {n}" for status, n in sorted(self.errors().items())) or "none"
        parts = [
            f"#### {self.label}, {self.clients} clients, {self.seconds:.0f} s",
            "",
            self.table(),
            "",
            f"- Errors: {errors}.",
            f"- CPU (cores, average over the run): {cpu}; per request: {self.cpu_per_request()}.",
            f"- Load average (1, 5, 15 min) before {', '.join(f'{v:.2f}' for v in self.load[0])}, "
            f"after {', '.join(f'{v:.2f}' for v in self.load[1])}.",
        ]
        return "\n".join(parts + [f"- {note}" for note in self.notes])


def _ok(record: dict[str, Any]) -> bool:
    return record["status"] in (200, 302) and not record.get("failed", False)


def timeline(records: list[dict[str, Any]], began: float, marks: dict[str, float]) -> str:
    """Per second around the fault: answers by status."""
    if not records:
        return ""
    first = min(marks.values()) - 3
    last = max(marks.values()) + 6
    lines = [
        "| From second | 200/302 | 503 friendly | other | Event |",
        "| ---: | ---: | ---: | ---: | --- |",
    ]
    step = max(1, math.ceil((last - first) / 20))
    for second in range(int(first), int(last) + 1, step):
        rows = [r for r in records if second <= r["t"] < second + step]
        ok = sum(1 for r in rows if r["status"] in (200, 302))
        friendly = sum(1 for r in rows if r["friendly"])
        other = len(rows) - ok - friendly
        events = [name for name, at in marks.items() if second <= at < second + step]
        lines.append(f"| {second - began:.0f} | {ok} | {friendly} | {other} | {', '.join(events)} |")
    return "\n".join(lines)


# --- One run -------------------------------------------------------------------------------


def run_locust(
    args: argparse.Namespace,
    *,
    label: str,
    user_class: str,
    clients: int,
    gunicorn: Gunicorn,
    plan: dict[str, Any],
    output: Path,
    during: Any = None,
) -> RunResult:
    """Run locust headless for ``args.seconds`` against ``gunicorn``; ``during(started)`` runs alongside."""
    output.mkdir(parents=True, exist_ok=True)
    plan_file = output / "plan.json"
    plan_file.write_text(json.dumps(plan))
    load_before = os.getloadavg()
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), user_class, "--headless",
        "-u", str(clients), "-r", str(clients), "-t", f"{args.seconds}s", "--host", gunicorn.url,
        "--only-summary", "--stop-timeout", "10", "--exit-code-on-error", "0", "--loglevel", "WARNING",
    ]  # fmt: skip
    env = {**os.environ, "LOAD_PLAN": str(plan_file), "LOAD_OUTPUT": str(output)}
    log(f"{label}: {clients} clients for {args.seconds} s against {gunicorn.url}")
    with (output / "locust.log").open("wb") as locust_log:
        locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=locust_log, stderr=subprocess.STDOUT)
        meter = CpuMeter(gunicorn, locust)
        started = time.time()
        meter.start()
        side = threading.Thread(target=during, args=(started,), daemon=True) if during else None
        if side:
            side.start()
        locust.wait(args.seconds + 120)
        cpu = meter.stop()
        if side:
            side.join(300)
    records = [json.loads(line) for line in (output / "requests.jsonl").read_text().splitlines()]
    acknowledged = json.loads((output / "acknowledged.json").read_text())
    window = [r for r in records if started <= r["t"]]
    seconds = max(r["t"] + r["ms"] / 1000 for r in window) - started if window else args.seconds
    result = RunResult(label, clients, seconds, window, cpu, acknowledged, (load_before, os.getloadavg()))
    (output / "report.md").write_text(result.markdown())
    return result


def app_environment(database_url: str, redis_url: str, folder: Path) -> dict[str, str]:
    """The portal's environment under gunicorn (the embedded mode's plain-HTTP cookies, real services)."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET_KEY,
        "OUTBOX_DIR": str(folder / "outbox"),
        "EVIDENCE_DIR": str(folder / "evidence"),
        "LOG_LEVEL": "WARNING",
        "SIGN_IN_RATE_LIMIT": SIGN_IN_LIMIT,
    }


def check_writes(database_url: str, acknowledged: dict[str, list[str]], run: str) -> list[str]:
    """Every acknowledged note and contact is in the database (and what is there that was not acknowledged)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = {
                "note": set(
                    connection.execute(
                        sa.text("SELECT substring(body from '(\\S+)$') FROM case_notes WHERE body LIKE :p"),
                        {"p": f"Load test entry {run}-note-%"},
                    ).scalars()
                ),
                "contact": set(
                    connection.execute(
                        sa.text(
                            "SELECT substring(discussed from '(\\S+)$') FROM contact_attempts WHERE discussed LIKE :p"
                        ),
                        {"p": f"Load test call {run}-contact-%"},
                    ).scalars()
                ),
            }
    finally:
        engine.dispose()
    notes = []
    for kind in ("note", "contact"):
        told = set(acknowledged.get(kind, []))
        lost = told - stored[kind]
        extra = stored[kind] - told
        notes.append(
            f"{kind.capitalize()}s acknowledged (302): {len(told)}; in the database: {len(stored[kind])}; "
            f"acknowledged but missing: **{len(lost)}**; saved but not acknowledged (answer lost): {len(extra)}."
        )
    return notes


def server_errors(folder: Path) -> list[str]:
    """What gunicorn logged at ERROR (tracebacks of 500s, worker deaths)."""
    text = (folder / "gunicorn-error.log").read_text(errors="replace")
    levels = Counter(re.findall(r'"level": "(\w+)"', text))
    warnings = Counter(re.findall(r'"message": "(database unavailable[^"]*)"', text))
    notes = [f"gunicorn log levels: {dict(levels) or 'nothing logged'}."]
    if warnings:
        notes.append(f"Logged: {dict(warnings)}.")
    return notes


def profile(gunicorn: Gunicorn, seconds: int, output: Path) -> Path:
    """``py-spy record`` every gunicorn worker for ``seconds`` (collapsed stacks)."""
    raw = output / "profile.txt"
    subprocess.run(
        [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(gunicorn.process.pid), "--subprocesses",
         "--duration", str(seconds), "--rate", "100", "--format", "raw", "--output", str(raw), "--nonblocking"],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return raw


def profiler(args: argparse.Namespace, gunicorn: Gunicorn, output: Path) -> Any:
    """Profile the workers from a quarter of the way in (after the warm-up)."""

    def during(started: float) -> None:
        time.sleep(args.seconds / 4)
        profile(gunicorn, args.profile, output)

    return during


PROFILE_CATEGORIES = (  # by the innermost frame of each sample, first match wins
    ("waiting on PostgreSQL (psycopg sending a query, waiting for its answer)",
     ("Connection.wait", "_send_query_prepared", "_exec_command", "_execute_send", "Cursor.fetch")),
    ("psycopg, other", ("psycopg/",)),
    ("SQLAlchemy (compiling, caching, ORM loading)", ("sqlalchemy/",)),
    ("Jinja2 templates", ("jinja2/", "markupsafe/", ".html")),
    ("gunicorn", ("gunicorn/",)),
    ("Flask, Werkzeug, Flask-Login, WTForms", ("flask", "werkzeug/", "wtforms/", "itsdangerous/")),
    ("casework code", ("casework/",)),
)  # fmt: skip


def summarise_profile(raw: Path, top: int = 25) -> str:
    """Where the samples went: by kind of work (innermost frame) and by casework function (inclusive)."""
    if not raw.exists():
        return "No profile (py-spy could not attach)."
    categories: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = [frame for frame in stack.split(";") if not frame.startswith("process ")]
        if not count_text.isdigit() or not frames:
            continue
        count = int(count_text)
        total += count
        leaf = frames[-1]
        kind = next((name for name, marks in PROFILE_CATEGORIES if any(m in leaf for m in marks)), "other")
        categories[kind] += count
        for name in {_function(frame) for frame in frames if "casework/" in frame or ".html" in frame}:
            inclusive[name] += count
    if not total:
        return "No samples."
    lines = [f"{total} samples (py-spy, 100 a second per busy worker).", "", "By kind of work:", ""]
    lines += [f"- {100 * n / total:.1f}% {name}" for name, n in categories.most_common()]
    lines += ["", "Inclusive, by casework function or template (it and everything it calls):", ""]
    lines += [f"- {100 * n / total:.1f}% {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(lines)


def _function(frame: str) -> str:
    # py-spy raw frames: "function (path/to/file.py:line)"
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    return f"{name} ({_short(path)})"


def _short(path: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


# --- Faults --------------------------------------------------------------------------------


def postgres_fault(args: argparse.Namespace, marks: dict[str, float]) -> Any:
    """Stop PostgreSQL a third of the way in, start it ``--outage`` seconds later."""

    def during(started: float) -> None:
        time.sleep(args.seconds / 4)
        marks["pg_ctl stop"] = time.time()
        log("stopping PostgreSQL")
        stop_postgres()
        marks["stopped"] = time.time()
        time.sleep(args.outage)
        marks["pg_ctl start"] = time.time()
        log("starting PostgreSQL")
        start_postgres()
        marks["started"] = time.time()

    return during


REMINDERS_OF_PLANS = (
    "SELECT status, count(*) FROM reminders WHERE kind = 'scheduled_update' AND object_id = ANY(:ids)"
    " AND created_at >= :since GROUP BY 1"
)
# Victims of open, allocated cases, newest first: a plan made for those without one, the plan of those with
# one made due again (on a reused database every such victim may have a plan already).
DUE_PLANS = """
INSERT INTO contact_plans (case_id, party_id, schedule, frequency_days, next_update_due_at, created_at, updated_at)
SELECT c.id, p.id, 'every_n_days', 14, now() - interval '1 minute', now(), now()
FROM case_parties p JOIN cases c ON c.id = p.case_id
WHERE p.role = 'victim' AND c.status <> 'closed' AND c.officer_id IS NOT NULL AND NOT c.restricted
  AND NOT EXISTS (SELECT 1 FROM do_not_contact_flags d WHERE d.party_id = p.id)
ORDER BY c.id DESC LIMIT :n
ON CONFLICT (party_id) DO UPDATE SET next_update_due_at = EXCLUDED.next_update_due_at, updated_at = now()
RETURNING id
"""


def start_reminder_processes(folder: Path, database_url: str, redis_url: str, smtp_port: int) -> list[Any]:
    """The real Celery worker and beat (``worker.app``), mail to the SMTP sink, sweeping every 10 s."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": SECRET_KEY,
        "C_FORCE_ROOT": "1", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
        "OUTBOX_DIR": str(folder / "outbox"), "REMINDER_SWEEP_SECONDS": "10", "REMINDER_REAPER_SECONDS": "5",
        "REMINDER_REQUEUE_AFTER_SECONDS": "5",
    }  # fmt: skip
    commands = {
        "worker": ["worker", "--pool", "threads", "--concurrency", "4", "--without-gossip", "--without-mingle"],
        "beat": ["beat", "--schedule", str(folder / "beat-schedule")],
    }
    processes = []
    for name, arguments in commands.items():
        with (folder / f"{name}.log").open("wb") as out:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "worker.app", *arguments, "--loglevel", "INFO"],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    return processes


def sign_in_probe(url: str, attempts: int) -> Counter[int]:
    """Wrong passwords from one address (a session of its own, with its CSRF token): the answers by status."""
    statuses: Counter[int] = Counter()
    probe = requests.Session()
    probe.headers["User-Agent"] = "sign-in probe"
    match = CSRF_TOKEN.search(probe.get(url + "/sign-in", timeout=30).text)
    token = (match.group(1) or match.group(2)) if match else ""
    for _ in range(attempts):
        fields = {"email": "nobody@bench.police.example", "password": "wrong", "csrf_token": token}
        statuses[probe.post(url + "/sign-in", data=fields, timeout=30).status_code] += 1
    return statuses


def redis_fault(args: argparse.Namespace, marks: dict[str, float], gunicorn: Gunicorn, drill: dict[str, Any]) -> Any:
    """Stop Redis; meanwhile obligations fall due and one address tries the sign-in limit; start it again."""
    engine = sa.create_engine(drill["database_url"])

    def during(started: float) -> None:
        time.sleep(args.seconds / 4)
        marks["redis stop"] = time.time()
        log("stopping Redis")
        stop_redis()
        drill["since"] = datetime.now(UTC)
        with engine.begin() as connection:
            drill["plans"] = list(connection.execute(sa.text(DUE_PLANS), {"n": drill["due"]}).scalars())
        marks["obligations due"] = time.time()
        threads = 40  # the probe waits in the same queue as the load: many at once, few each
        with ThreadPoolExecutor(threads) as pool:
            answers = pool.map(lambda _: sign_in_probe(gunicorn.url, drill["attempts"] // threads), range(threads))
            drill["sign_in_statuses"] = dict(sum(answers, Counter()))
        marks["sign-in probe done"] = time.time()
        with engine.connect() as connection:
            found = connection.execute(sa.text(REMINDERS_OF_PLANS), {"ids": drill["plans"], "since": drill["since"]})
            drill["in_outage"] = dict(found.all())
        time.sleep(max(0.0, args.outage - (time.time() - marks["redis stop"])))
        marks["redis start"] = time.time()
        log("starting Redis")
        start_redis()
        drill["redis_started"] = marks["redis start"]
        engine.dispose()

    return during


# --- Main ----------------------------------------------------------------------------------


def prepare_database(args: argparse.Namespace, pg_url: str, redis_url: str) -> str:
    """Seed (or reuse) the benchmark database; return its URL."""
    from casework.auth.passwords import hash_password

    database_url = sa.make_url(pg_url).set(database=args.database).render_as_string(hide_password=False)
    if args.reuse and seed.database_exists(pg_url, args.database):
        log(f"Reusing database {args.database}; applying any pending migrations")
        migrate(make_app(database_url, redis_url))
        return database_url
    log(f"Creating database {args.database} and applying the migrations")
    database_url = seed.recreate_database(pg_url, args.database)
    migrate(make_app(database_url, redis_url))
    log(f"Seeding {args.cases:,} cases")
    seeded = seed.seed(
        database_url, cases=args.cases, password_hash=hash_password(PASSWORD), now=datetime.now(UTC), log=log
    )
    log(f"Seeded in {seeded.seconds:.1f} s")
    return database_url


def main(argv: list[str] | None = None) -> int:
    """Seed, serve, load, break things, report."""
    args = parse_args(argv)
    pg_url = _environment("CASEWORK_TEST_PG_URL")
    redis_url = _environment("CASEWORK_TEST_REDIS_URL")
    output = Path(args.output or tempfile.mkdtemp(prefix=f"casework-load-{args.scenario}-"))
    output.mkdir(parents=True, exist_ok=True)
    log(f"Raw results in {output}")
    reports = [
        f"### Load: {args.scenario}" + (f", fault: {args.fault}" if args.fault else ""),
        "",
        f"- Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs "
        f"({psutil.virtual_memory().total / 2**30:.0f} GiB); gunicorn.conf.py as shipped "
        f"({os.environ.get('GUNICORN_WORKERS') or 2 * (os.cpu_count() or 1) + 1} sync workers); "
        f"locust (FastHttpUser) on the same machine.",
    ]

    if args.scenario == "hello":
        gunicorn = Gunicorn(output, "bench.hello:app", {"LOG_LEVEL": "WARNING"})
        try:
            gunicorn.wait_ready("/")
            if args.warmup:
                warm_args = argparse.Namespace(**{**vars(args), "seconds": args.warmup})
                run_locust(
                    warm_args, label="warm-up", user_class="Hello", clients=8, gunicorn=gunicorn, plan={},
                    output=output / "warm-up",
                )  # fmt: skip
            for clients in [int(c) for c in args.clients.split(",")]:
                result = run_locust(
                    args, label="Bare Flask hello", user_class="Hello", clients=clients, gunicorn=gunicorn,
                    plan={}, output=output / f"hello-{clients}",
                )  # fmt: skip
                reports += ["", result.markdown()]
        finally:
            gunicorn.stop()
        print("\n".join(reports))
        return 0

    database_url = prepare_database(args, pg_url, redis_url)
    folder = output / "app"
    folder.mkdir(exist_ok=True)
    run_id = f"r{int(time.time())}"
    drill: dict[str, Any] = {}
    smtp = None
    try:
        sign_in_app = make_app(database_url, redis_url)
        client_counts = [args.users] if args.scenario == "staff" else [int(c) for c in args.clients.split(",")]
        accounts = choose_accounts(max(client_counts))
        with sign_in_app.app_context():
            fill_cases(db.engine, accounts)
        log(f"Signing in {len(accounts)} accounts")
        sign_in_all(sign_in_app, accounts)
        dispose(sign_in_app)

        if args.fault == "redis":
            from tests.reminders.live import SmtpServer, SmtpSink

            sink = SmtpSink()
            smtp = SmtpServer(sink).__enter__()
            with sign_in_app.app_context():
                before = db.session.execute(sa.text("SELECT count(*) FROM reminders")).scalar_one()
            log("Starting the reminder worker and beat (worker.app)")
            workers = start_reminder_processes(output / "reminders", database_url, redis_url, smtp.port)
            drill.update(workers=workers, sink=sink, database_url=database_url, due=20, attempts=200, before=before)

        environment = app_environment(database_url, redis_url, folder)
        gunicorn = Gunicorn(folder, "wsgi:app", environment)
        try:
            gunicorn.wait_ready("/healthz")
            if args.warmup:  # each worker loads its templates and fills its caches, unrecorded
                warm = {"scenario": args.scenario, "run": f"{run_id}w", "think": 0, "user_agent": USER_AGENT}
                warm["accounts"] = [account.__dict__ for account in accounts[: client_counts[0]]]
                run_locust(
                    argparse.Namespace(**{**vars(args), "seconds": args.warmup}), label="warm-up", user_class="Staff",
                    clients=client_counts[0], gunicorn=gunicorn, plan=warm, output=output / "warm-up",
                )  # fmt: skip
            for clients in client_counts:
                marks: dict[str, float] = {}
                during = None
                if args.fault == "postgres":
                    during = postgres_fault(args, marks)
                elif args.fault == "redis":
                    during = redis_fault(args, marks, gunicorn, drill)
                elif args.profile:
                    during = profiler(args, gunicorn, output)
                plan = {
                    "scenario": args.scenario,
                    "run": run_id,
                    "think": args.think,
                    "user_agent": USER_AGENT,
                    "accounts": [account.__dict__ for account in accounts[:clients]],
                }
                label = {"staff": "Scenario A (staff mix)", "mix": "Scenario B (40/40/20 mix)"}[args.scenario]
                result = run_locust(
                    args, label=label, user_class="Staff", clients=clients, gunicorn=gunicorn, plan=plan,
                    output=output / f"{args.scenario}-{clients}", during=during,
                )  # fmt: skip
                if args.scenario == "staff":
                    result.notes += check_writes(database_url, result.acknowledged, run_id)
                result.notes += server_errors(folder)
                reports += ["", result.markdown()]
                if marks:
                    began = min(r["t"] for r in result.records) if result.records else time.time()
                    reports += [
                        "",
                        "Around the fault (seconds from the start):",
                        "",
                        timeline(result.records, began, marks),
                    ]
                    reports += ["", _recovery(result.records, marks)]
                if args.profile and not args.fault:
                    reports += ["", "Profile:", "", summarise_profile(output / "profile.txt")]
        finally:
            gunicorn.stop()

        if args.fault == "redis":
            reports += ["", *reminder_catch_up(drill)]
    finally:
        for process in drill.get("workers", []):
            process.terminate()
            process.wait(30)
        if smtp is not None:
            smtp.__exit__(None, None, None)
        if not (args.keep or args.reuse):
            seed.drop_database(pg_url, args.database)
            log(f"Dropped database {args.database}")
    print("\n".join(reports))
    (output / "report.md").write_text("\n".join(reports))
    return 0


def _recovery(records: list[dict[str, Any]], marks: dict[str, float]) -> str:
    """How the app came back: the first good answer after the server returned, and what failed meanwhile."""
    back = marks.get("started") or marks.get("redis start") or max(marks.values())
    down = marks.get("pg_ctl stop") or marks.get("redis stop") or min(marks.values())
    during = [r for r in records if down <= r["t"] < back]
    after = [r for r in records if r["t"] >= back]
    first_ok = next((r["t"] for r in sorted(after, key=lambda r: r["t"]) if r["status"] in (200, 302)), None)
    failed_after = sum(1 for r in after if not _ok(r))
    status = Counter(f"{r['status']}{' friendly' if r['friendly'] else ''}" for r in during)
    recovered = f"{first_ok - back:.2f} s" if first_ok is not None else "never"
    return (
        f"During the outage ({back - down:.1f} s): {dict(status)}. First good answer after the server was back: "
        f"{recovered}; failed requests after it was back: {failed_after}."
    )


def reminder_catch_up(drill: dict[str, Any], timeout: float = 180) -> list[str]:
    """Wait for the reminders of the obligations that fell due during the outage to be sent; say what happened."""
    plans = drill.get("plans", [])
    engine = sa.create_engine(drill["database_url"])
    timing = sa.text(
        "SELECT min(created_at), max(created_at), max(sent_at) FROM reminders"
        " WHERE kind = 'scheduled_update' AND object_id = ANY(:ids) AND created_at >= :since"
    )
    since = drill.get("since", datetime.now(UTC))

    def statuses() -> dict[str, int]:
        with engine.connect() as connection:
            return dict(connection.execute(sa.text(REMINDERS_OF_PLANS), {"ids": plans, "since": since}).all())

    deadline = time.monotonic() + timeout
    while not (plans and statuses().get("sent", 0) >= len(plans)) and time.monotonic() < deadline:
        time.sleep(1)
    final = statuses()
    with engine.connect() as connection:
        first, last, sent = connection.execute(timing, {"ids": plans, "since": since}).one()
    engine.dispose()
    back = datetime.fromtimestamp(drill.get("redis_started", 0), UTC)

    def after(moment: datetime | None) -> str:
        return f"{(moment - back).total_seconds():.0f} s" if moment else "–"

    return [
        "Redis drill:",
        "",
        f"- Sign-in attempts from one address while Redis was down (limit {SIGN_IN_LIMIT} per address, "
        f"{os.environ.get('GUNICORN_WORKERS') or 'five'} web workers): answers {drill.get('sign_in_statuses')}.",
        f"- Reminders in the database before the drill: {drill.get('before')} (whatever else the data has due is "
        "reminded of too, so the SMTP sink may receive more mails than the drill's). "
        f"Contact plans made due during the outage: {len(plans)}; their reminders while Redis was down: "
        f"{drill.get('in_outage') or 'none (beat cannot start a sweep without the broker)'}.",
        f"- After Redis returned: their reminders {final}; created {after(first)}–{after(last)} and the last one "
        f"sent {after(sent)} after Redis was back; mails accepted by the SMTP sink: {len(drill['sink'].accepted)}.",
    ]


if __name__ == "__main__":
    sys.exit(main())
