"""The worker's heartbeat task: eagerly in-process, and on a real worker through real Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from casework import logging_setup
from casework.extensions import db
from casework.health.models import Heartbeat
from tests.conftest import create_database, make_test_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_heartbeat_task_records_the_time_eagerly(app, db_session):
    task = app.extensions["celery"].tasks["worker.tasks.heartbeat"]
    task.delay()
    assert db_session.get(Heartbeat, "worker") is not None


def test_beat_schedule_runs_the_heartbeat(app):
    schedule = app.config["CELERY"]["beat_schedule"]
    assert schedule["heartbeat"]["task"] == "worker.tasks.heartbeat"


@pytest.mark.integration
def test_a_real_worker_runs_the_task_from_redis(worker_suffix, tmp_path):
    database_url = create_database(f"casework_worker_{worker_suffix}")
    redis_url = os.environ["CASEWORK_TEST_REDIS_URL"].rsplit("/", 1)[0] + "/1"
    sender = make_test_app(database_url)
    with sender.app_context():
        upgrade()
        db.engine.dispose()
    celery = sender.extensions["celery"]
    celery.conf.update(task_always_eager=False, broker_url=redis_url)

    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "worker-test",
        "C_FORCE_ROOT": "1",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.app",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    engine = sa.create_engine(database_url)
    try:
        token = logging_setup.bind_request_id("req-for-the-worker")
        try:
            celery.send_task("worker.tasks.heartbeat")
        finally:
            logging_setup.reset_request_id(token)
        deadline = time.monotonic() + 60
        beat_at = None
        while beat_at is None and time.monotonic() < deadline and worker.poll() is None:
            with engine.connect() as connection:
                beat_at = connection.execute(sa.text("SELECT beat_at FROM heartbeats WHERE name = 'worker'")).scalar()
            time.sleep(0.2)
        assert beat_at is not None, "the worker did not run the task"
    finally:
        engine.dispose()
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "worker.tasks.heartbeat" in output
    # The worker logs JSON, and the task's records carry the request id it was enqueued with.
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    succeeded = [record for record in records if "succeeded" in str(record["message"])]
    assert succeeded, output
    assert succeeded[0]["request_id"] == "req-for-the-worker"
