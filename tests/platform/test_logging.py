"""JSON logs with a request id: given to every request, echoed, in every record, carried into tasks."""

from __future__ import annotations

import io
import json
import logging
import os
import re
from collections.abc import Iterator

import pytest
import redis
from celery import shared_task, signals
from flask import Flask

from casework import logging_setup
from casework.security import public
from tests.conftest import make_test_app


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """What the root logger writes through the JSON formatter, one object a line."""
    stream = io.StringIO()
    handler = logging_setup.json_handler(stream)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


def _records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@shared_task(name="tests.log_from_task")
def log_from_task() -> None:
    logging.getLogger("tests.task").info("working in the task")


def _logging_app(database_url: str, **overrides: object) -> Flask:
    """An app with a public page that logs and enqueues a task that logs (eager, as in unit tests)."""
    logging_app = make_test_app(database_url, **overrides)

    @logging_app.route("/log-something")
    @public
    def log_something() -> str:
        logging_app.logger.info("handling the request", extra={"widget": 7})
        log_from_task.delay()
        return "done"

    return logging_app


def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/sign-in").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_client_cannot_choose_its_request_id_without_a_trusted_proxy(client):
    response = client.get("/healthz", headers={"X-Request-ID": "chosen-by-client"})
    assert response.headers["X-Request-ID"] != "chosen-by-client"


def test_the_request_id_of_a_trusted_proxy_is_kept(database_url, db_session):
    behind_proxy = make_test_app(database_url, PROXY_FIX_HOPS=1).test_client()
    response = behind_proxy.get("/healthz", headers={"X-Request-ID": "lb-4f2a.91"})
    assert response.headers["X-Request-ID"] == "lb-4f2a.91"


@pytest.mark.parametrize("offered", ["two words", "x" * 129, "", 'quote"d', "tab\there", "ünïcode"])
def test_a_malformed_request_id_from_the_proxy_is_replaced(database_url, db_session, offered):
    behind_proxy = make_test_app(database_url, PROXY_FIX_HOPS=1).test_client()
    response = behind_proxy.get("/healthz", headers={"X-Request-ID": offered})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_logs_are_json_with_the_request_id_in_the_request_and_in_its_task(database_url, db_session, captured):
    response = _logging_app(database_url).test_client().get("/log-something")
    request_id = response.headers["X-Request-ID"]
    records = {record["message"]: record for record in _records(captured)}

    in_request = records["handling the request"]
    assert in_request["request_id"] == request_id
    assert in_request["level"] == "INFO"
    assert in_request["widget"] == 7
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(in_request["time"]))
    assert records["working in the task"]["request_id"] == request_id
    assert records["working in the task"]["logger"] == "tests.task"
    assert logging_setup.current_request_id() is None


def test_records_outside_a_request_have_no_request_id(captured):
    logging.getLogger("tests.outside").warning("no request here")
    (record,) = _records(captured)
    assert record["request_id"] is None
    assert record["level"] == "WARNING"


def test_an_enqueued_task_carries_the_request_id_in_its_message_headers(database_url, db_session):
    """Published for real to Redis (not eager): the message itself holds the id."""
    queue_url = os.environ["CASEWORK_TEST_REDIS_URL"].rsplit("/", 1)[0] + "/3"
    celery = make_test_app(database_url).extensions["celery"]
    celery.conf.update(task_always_eager=False, broker_url=queue_url)
    queue = redis.Redis.from_url(queue_url)
    queue.delete("celery")
    token = logging_setup.bind_request_id("req-from-the-web")
    try:
        celery.tasks["worker.tasks.heartbeat"].delay()
    finally:
        logging_setup.reset_request_id(token)
        celery.pool.force_close_all()
    message = json.loads(queue.lpop("celery"))
    queue.close()
    assert message["headers"][logging_setup.TASK_HEADER] == "req-from-the-web"


def test_a_task_run_by_a_worker_restores_the_request_id_from_its_headers(database_url, db_session, captured):
    """What the worker does with a received message: the id is bound for the run, then dropped."""
    task = _logging_app(database_url).extensions["celery"].tasks["tests.log_from_task"]
    task.apply(headers={logging_setup.TASK_HEADER: "req-42"})
    (record,) = [record for record in _records(captured) if record["message"] == "working in the task"]
    assert record["request_id"] == "req-42"
    assert logging_setup.current_request_id() is None


def test_no_request_id_is_added_to_tasks_enqueued_outside_a_request():
    headers: dict[str, object] = {}
    signals.before_task_publish.send(sender="worker.tasks.heartbeat", headers=headers, body=None)
    assert logging_setup.TASK_HEADER not in headers


def test_gunicorn_access_records_become_json_fields():
    formatter = logging_setup.AccessLogFormatter()
    atoms = {
        "h": "10.0.0.9",
        "m": "GET",
        "U": "/cases",
        "s": "200",
        "B": "5120",
        "D": 12345,
        "a": 'Mozilla \\"X\\"',
        "{x-request-id}o": "abc123",
    }
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(m)s %(U)s %(s)s", (atoms,), None)
    fields = json.loads(formatter.format(record))
    assert fields["message"] == "GET /cases 200"
    assert fields["method"] == "GET"
    assert fields["path"] == "/cases"
    assert fields["status"] == 200
    assert fields["user_agent"] == 'Mozilla "X"'
    assert fields["duration_ms"] == 12.3
    assert fields["request_id"] == "abc123"
    assert fields["remote_addr"] == "10.0.0.9"
