"""The shipped ``gunicorn.conf.py``, really started: the master preloads the app and forks the workers,
and each worker must talk to PostgreSQL over connections of its own."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask

from tests.reminders.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def _status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.fixture
def gunicorn(app: Flask, database_url: str, tmp_path: Path) -> Iterator[int]:
    """``gunicorn -c gunicorn.conf.py`` with two workers, on a master that used the database before forking."""
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["CASEWORK_TEST_REDIS_URL"],
        "SECRET_KEY": "test-secret-key",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "tests.platform.preloaded_app:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
            try:
                _status(port, "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def test_preloaded_workers_each_open_their_own_database_connections(gunicorn: int) -> None:
    # Two workers writing and reading over one inherited socket would garble each other's answers.
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: _status(gunicorn, "/readyz"), range(200)))
    assert statuses == [200] * 200
