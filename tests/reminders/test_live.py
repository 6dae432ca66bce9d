"""The reminder pipeline for real: Celery worker and beat processes, Redis, PostgreSQL and an SMTP server.

Each test gets its own database and Redis database; they run one at a time (one xdist group).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask_migrate import upgrade

from casework.auth.models import Role
from casework.db import utcnow
from casework.extensions import db
from tests import factories
from tests.conftest import CaseworkClient, create_database, make_test_app, sign_in
from tests.reminders.live import RedisServer, Rig, SmtpServer, SmtpSink, kill_run, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("reminders_live")]


@pytest.fixture
def live_app(worker_suffix: str) -> Iterator[Flask]:
    """A fresh database, migrated, and an app on it (Celery not eager: tasks go to the broker)."""
    app = make_test_app(create_database(f"casework_reminders_{worker_suffix}"))
    app.extensions["celery"].conf.update(task_always_eager=False)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _redis_url(number: int) -> str:
    return os.environ["CASEWORK_TEST_REDIS_URL"].rsplit("/", 1)[0] + f"/{number}"


def _flush(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def _due_cases(app: Flask, count: int) -> list[int]:
    with app.app_context():
        officer = factories.UserFactory(role=Role.OFFICER)
        due = utcnow() - timedelta(minutes=5)
        return [factories.allocated_case(officer, reported_at=due).id for _ in range(count)]


def _rig(tmp_path: Path, live_app: Flask, redis_url: str, smtp: SmtpServer, **settings: object) -> Rig:
    return Rig(tmp_path, live_app.config["SQLALCHEMY_DATABASE_URI"], redis_url, smtp.port, **settings)


def test_due_obligations_are_delivered_once_however_many_sweeps_run(live_app, tmp_path):
    redis_url = _redis_url(3)
    _flush(redis_url)
    _due_cases(live_app, 5)
    sink = SmtpSink()
    with SmtpServer(sink) as smtp:
        rig = _rig(tmp_path, live_app, redis_url, smtp)
        try:
            rig.worker()
            together = rig.sweeps_at_once(2)  # both load the app first, then sweep at the same instant
            assert [process.wait(180) for process in together] == [0, 0], rig.logs()
            assert rig.sweep().wait(180) == 0  # and once more, afterwards
            wait_for(lambda: len(sink.accepted) >= 5, 30, "five mails")
            time.sleep(1.5)
        finally:
            rig.stop_all()
    statuses = rig.statuses()
    assert len(statuses) == 5
    assert {status for status, _, _ in statuses.values()} == {"sent"}
    assert sink.counts() == dict.fromkeys(statuses, 1)


def test_a_refused_mail_is_retried_with_backoff_then_delivered(live_app, tmp_path):
    redis_url = _redis_url(4)
    _flush(redis_url)
    _due_cases(live_app, 1)
    sink = SmtpSink(refuse_first=2)
    with SmtpServer(sink) as smtp:
        rig = _rig(tmp_path, live_app, redis_url, smtp)
        try:
            rig.worker()
            assert rig.sweep().wait(180) == 0
            wait_for(lambda: len(sink.accepted) == 1, 30, "the mail after two refusals")
            time.sleep(0.5)
        finally:
            rig.stop_all()
    ((status, attempts, _),) = rig.statuses().values()
    assert (status, attempts, sink.refused, len(sink.accepted)) == ("sent", 3, 2, 1)


def test_with_redis_down_the_portal_works_and_reminders_go_out_when_it_returns(live_app, tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    live_app.extensions["celery"].conf.update(broker_url=redis.url)
    with live_app.app_context():
        made = factories.UserFactory(role=Role.ADMIN)
        admin = SimpleNamespace(email=made.email, totp_secret=made.totp_secret, totp_last_step=None)
    _due_cases(live_app, 2)
    sink = SmtpSink()
    with SmtpServer(sink) as smtp:
        rig = _rig(tmp_path, live_app, redis.url, smtp)
        try:
            redis.stop()
            live_app.test_client_class = CaseworkClient
            client = live_app.test_client()
            assert sign_in(client, admin).status_code == 302
            started = time.monotonic()
            response = client.post_form("/admin/outbox/sweep", follow_redirects=True)
            assert response.status_code == 200, response.get_data(as_text=True)[:3000]
            assert "cannot be reached just now" in response.get_data(as_text=True)
            assert time.monotonic() - started < 10
            assert client.get("/").status_code == 200
            assert rig.sweep().wait(180) == 0, rig.logs()  # rows written, their wake-ups lost
            assert {status for status, _, _ in rig.statuses().values()} == {"pending"}

            redis.start()
            rig.beat()
            rig.worker()
            wait_for(lambda: len(sink.accepted) >= 2, 45, "the reminders after Redis returned")
            time.sleep(1)
        finally:
            rig.stop_all()
            redis.stop()
    assert sorted(sink.counts().values()) == [1, 1]


def test_killing_workers_mid_batch_loses_nothing(live_app, tmp_path, request):
    redis_url = _redis_url(5)
    _flush(redis_url)
    _due_cases(live_app, 16)
    sink = SmtpSink(delay=0.1)
    with SmtpServer(sink) as smtp:
        rig = _rig(tmp_path, live_app, redis_url, smtp)
        try:
            report = kill_run(rig, sink, reminders=16, kills=2, seed=8)
        finally:
            rig.stop_all()
    request.node.user_properties.append(("kill_report", report.summary()))
    print(report.summary())
    assert report.delivered == 16, rig.logs()
    # A duplicate is only possible for a send accepted just before a kill, in flight (at most 4 per kill).
    assert sum(report.duplicates.values()) <= 4 * report.kills
