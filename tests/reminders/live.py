# ruff: noqa: S603, S607, S311 - a test rig starting local programs (redis-server, celery) with fixed arguments
"""A live reminder rig: a real SMTP server (aiosmtpd), real Celery worker and beat processes on real
Redis and PostgreSQL, driven through ``tests.reminders.live_worker``. Used by the integration tests
and by ``bench/reminders_kill.py``."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiosmtpd.controller import Controller

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENTRY = "tests.reminders.live_worker"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpSink:
    """Receives real SMTP; refuses the first ``refuse_first`` messages with a 451; can be slow."""

    refuse_first: int = 0
    delay: float = 0.0
    accepted: list[tuple[int, float]] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        if self.refused < self.refuse_first:
            self.refused += 1
            return "451 4.3.0 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content)
        self.accepted.append((int(message["X-Casework-Reminder"]), time.time()))
        return "250 OK"

    def counts(self) -> Counter[int]:
        return Counter(reminder_id for reminder_id, _ in self.accepted)


class SmtpServer:
    def __init__(self, sink: SmtpSink) -> None:
        self.port = free_port()
        self.controller = Controller(sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class RedisServer:
    """A Redis of our own on loopback, to stop and start again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--daemonize", "yes",
             "--dir", str(self.folder), "--pidfile", str(self.folder / "redis.pid"),
             "--logfile", str(self.folder / "redis.log"), "--save", "", "--appendonly", "no"],
            check=True,
        )  # fmt: skip
        wait_for(lambda: self.ping(), 10, "redis to start")

    def ping(self) -> bool:
        return subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).returncode == 0

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        wait_for(lambda: not self.ping(), 10, "redis to stop")


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Rig:
    """Starts worker, beat and sweep processes with one environment, logs under ``folder``."""

    def __init__(self, folder: Path, database_url: str, redis_url: str, smtp_port: int, **settings: object) -> None:
        self.folder = folder
        self.database_url = database_url
        self.environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "live-reminders",
            "C_FORCE_ROOT": "1",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "MAIL_TIMEOUT_SECONDS": "30",
            "REMINDER_BACKOFF_SECONDS": "1",
            "REMINDER_CLAIM_TIMEOUT_SECONDS": "3",
            "REMINDER_REQUEUE_AFTER_SECONDS": "2",
            "REMINDER_SWEEP_SECONDS": "1",
            "REMINDER_REAPER_SECONDS": "1",
            **{key: str(value) for key, value in settings.items()},
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.count = 0

    def _start(self, arguments: list[str], name: str) -> tuple[subprocess.Popen[bytes], Path]:
        self.count += 1
        log = self.folder / f"{self.count:03d}-{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, *arguments],
                cwd=PROJECT_ROOT,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process, log

    def worker(self, concurrency: int = 4, wait: bool = True) -> subprocess.Popen[bytes]:
        process, log = self._start(
            ["-m", "celery", "-A", ENTRY, "worker", "--pool", "threads", "--concurrency", str(concurrency),
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
             "--hostname", f"live{self.count}@%h"],
            "worker",
        )  # fmt: skip
        if wait:
            wait_for(lambda: b" ready." in log.read_bytes() or process.poll() is not None, 180, "the worker")
            assert process.poll() is None, log.read_text()
        return process

    def beat(self) -> subprocess.Popen[bytes]:
        process, _ = self._start(
            ["-m", "celery", "-A", ENTRY, "beat", "--schedule", str(self.folder / "beat-schedule"),
             "--loglevel", "INFO"],
            "beat",
        )  # fmt: skip
        return process

    def sweep(self) -> subprocess.Popen[bytes]:
        process, _ = self._start(["-m", ENTRY, "sweep"], "sweep")
        return process

    def sweeps_at_once(self, parties: int) -> list[subprocess.Popen[bytes]]:
        """``parties`` sweep processes that each load the app, wait for the others, then sweep together."""
        barrier = self.folder / f"barrier-{self.count}"
        barrier.mkdir()
        self.environment.update(SWEEP_BARRIER=str(barrier), SWEEP_PARTIES=str(parties))
        processes = [self.sweep() for _ in range(parties)]
        del self.environment["SWEEP_BARRIER"], self.environment["SWEEP_PARTIES"]
        return processes

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def errors(self, reminder_ids: list[int]) -> dict[int, str | None]:
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text("SELECT id, last_error FROM reminders WHERE id = ANY(:ids)"), {"ids": reminder_ids}
                )
                return {row.id: row.last_error for row in rows}
        finally:
            engine.dispose()

    def statuses(self) -> dict[int, tuple[str, int, Any]]:
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(sa.text("SELECT id, status, attempts, sent_at FROM reminders"))
                return {row.id: (row.status, row.attempts, row.sent_at) for row in rows}
        finally:
            engine.dispose()

    def logs(self) -> str:
        return "\n".join(
            f"== {log.name}\n{log.read_text(errors='replace')[-4000:]}" for log in sorted(self.folder.glob("*.log"))
        )


@dataclass
class KillReport:
    """What a run of repeated SIGKILLs left behind."""

    reminders: int
    kills: int
    delivered: int
    duplicates: dict[int, int]
    windows: list[float]
    duplicate_gaps: list[float]
    seconds: float
    duplicate_errors: dict[int, str | None] = field(default_factory=dict)

    def summary(self) -> str:
        windows = sorted(self.windows)
        median = windows[len(windows) // 2] * 1000 if windows else 0.0
        worst = windows[-1] * 1000 if windows else 0.0
        return (
            f"{self.reminders} reminders, {self.kills} SIGKILLs in {self.seconds:.0f} s: {self.delivered} delivered, "
            f"{sum(self.duplicates.values())} duplicate(s) {dict(self.duplicates)}; accepted-send-to-record window "
            f"median {median:.1f} ms, max {worst:.1f} ms; duplicates' first send before the kill by "
            f"{[round(gap * 1000, 1) for gap in self.duplicate_gaps]} ms; their last errors {self.duplicate_errors}"
        )


def kill_run(
    rig: Rig, sink: SmtpSink, reminders: int, kills: int, seed: int, timeout: float = 120, run_for: float = 1.5
) -> KillReport:
    """Sweep ``reminders`` due obligations, then start and SIGKILL a worker ``kills`` times at random
    moments while it sends, then let a last worker finish. Counts deliveries per reminder."""
    rng = random.Random(seed)
    started = time.monotonic()
    rig.beat()
    assert rig.sweep().wait(300) == 0, rig.logs()
    kill_times: list[float] = []
    for _ in range(kills):
        worker = rig.worker()
        time.sleep(rng.uniform(0.05, run_for))
        kill_times.append(time.time())
        rig.kill(worker)
    rig.worker()

    def all_sent() -> bool:
        statuses = rig.statuses()
        return len(statuses) == reminders and all(status == "sent" for status, _, _ in statuses.values())

    wait_for(all_sent, timeout, "every reminder to be sent")
    time.sleep(float(rig.environment["REMINDER_CLAIM_TIMEOUT_SECONDS"]))  # room for a late duplicate
    statuses = rig.statuses()
    counts = sink.counts()
    recorded = {reminder_id: sent_at.timestamp() for reminder_id, (_, _, sent_at) in statuses.items()}
    last_accept: dict[int, float] = {}
    first_accept: dict[int, float] = {}
    for reminder_id, accepted_at in sink.accepted:
        last_accept[reminder_id] = accepted_at
        first_accept.setdefault(reminder_id, accepted_at)
    windows = [recorded[i] - last_accept[i] for i in recorded if i in last_accept and recorded[i] >= last_accept[i]]
    duplicates = {reminder_id: count - 1 for reminder_id, count in counts.items() if count > 1}
    gaps = [
        min((kill - first_accept[i] for kill in kill_times if kill >= first_accept[i]), default=float("inf"))
        for i in duplicates
    ]
    return KillReport(
        reminders=reminders,
        kills=kills,
        delivered=sum(1 for i in statuses if counts[i] >= 1),
        duplicates=duplicates,
        windows=windows,
        duplicate_gaps=gaps,
        seconds=time.monotonic() - started,
        duplicate_errors=rig.errors(list(duplicates)),
    )
