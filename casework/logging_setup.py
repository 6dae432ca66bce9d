"""Structured logs: one JSON formatter for the web app, gunicorn and the Celery worker, and a
request id that follows a request into every log record it causes, including its Celery tasks.

- The web app takes the id from a trusted proxy's ``X-Request-ID`` header (only when
  ``PROXY_FIX_HOPS`` says there is a proxy in front), or makes one, and echoes it in the
  response header ``X-Request-ID``.
- A task enqueued during the request carries the id in its message headers
  (``before_task_publish``); the worker restores it for the task's run (``task_prerun``) and
  forgets it afterwards (``task_postrun``).
- Every record formatted by :class:`JsonFormatter` has ``request_id`` (null outside a request
  or task).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar, Token
from typing import Any

from celery import signals
from flask import Flask, Response, g, request
from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "casework_request_id"
# What a trusted proxy's id may look like: short and plain, so it cannot forge log lines.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}

_request_id: ContextVar[str | None] = ContextVar("casework_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or the task's originating request) being handled, if any."""
    return _request_id.get()


def bind_request_id(request_id: str | None) -> Token[str | None]:
    """Make ``request_id`` the current one; give the token back to :func:`reset_request_id`."""
    return _request_id.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    """Restore the request id that was current before :func:`bind_request_id`."""
    _request_id.reset(token)


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request id, extras."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", _RENAMED)
        kwargs.setdefault("timestamp", False)
        super().__init__(_FIELDS, *args, **kwargs)
        self.converter = time.gmtime

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        """ISO 8601 in UTC with milliseconds, e.g. ``2026-11-26T10:15:02.123Z``."""
        seconds = logging.Formatter.formatTime(self, record, "%Y-%m-%dT%H:%M:%S")
        return f"{seconds}.{int(record.msecs):03d}Z"

    def add_fields(self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        """Add the request id of the request or task being handled."""
        super().add_fields(log_record, record, message_dict)
        log_record.setdefault("request_id", getattr(record, "request_id", None) or current_request_id())


class AccessLogFormatter(JsonFormatter):
    """Gunicorn's access log as JSON: the request's atoms become fields, not a formatted line."""

    _ATOMS = {
        "h": "remote_addr",
        "m": "method",
        "U": "path",
        "s": "status",
        "B": "bytes",
        "a": "user_agent",
        "{x-request-id}o": "request_id",
    }

    def add_fields(self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        """Copy the access atoms gunicorn passes as the record's arguments."""
        super().add_fields(log_record, record, message_dict)
        atoms = record.args if isinstance(record.args, dict) else {}
        for atom, field in self._ATOMS.items():
            value = atoms.get(atom)
            if value not in (None, "-"):
                # gunicorn escapes double quotes for its text format; JSON escapes them itself.
                log_record[field] = value.replace('\\"', '"') if isinstance(value, str) else value
        if str(log_record.get("status", "")).isdigit():
            log_record["status"] = int(log_record["status"])
        if atoms.get("D") is not None:
            log_record["duration_ms"] = round(int(atoms["D"]) / 1000, 1)


def json_handler(stream: Any = None) -> logging.Handler:
    """A handler writing JSON lines to ``stream`` (standard error by default)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    return handler


def configure_logging(level: int | str = logging.INFO) -> None:
    """Send every log record to standard error as JSON, unless the root logger already does
    (gunicorn sets it up from ``gunicorn.conf.py`` before the app is imported)."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        root.addHandler(json_handler())


def init_app(app: Flask) -> None:
    """Give every request an id, bound for its logs and echoed in the response."""
    trust_header = app.config["PROXY_FIX_HOPS"] > 0

    @app.before_request
    def assign_request_id() -> None:
        offered = request.headers.get(REQUEST_ID_HEADER, "") if trust_header else ""
        request_id = offered if _VALID_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        g.request_id = request_id
        g.request_id_token = bind_request_id(request_id)

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response

    @app.teardown_request
    def forget_request_id(error: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            reset_request_id(token)


@signals.before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Put the current request id into the message of a task being enqueued."""
    request_id = current_request_id()
    if request_id and headers is not None:
        headers[TASK_HEADER] = request_id


_task_tokens: dict[str, Token[str | None]] = {}


@signals.task_prerun.connect
def _restore_request_id(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """Bind the request id the task was enqueued with for the length of its run."""
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if request_id is None and task is not None:
        request_id = (task.request.headers or {}).get(TASK_HEADER)
    if request_id and task_id:
        _task_tokens[task_id] = bind_request_id(request_id)


@signals.task_postrun.connect
def _forget_request_id(task_id: str | None = None, **kwargs: Any) -> None:
    """Drop the task's request id once it has run."""
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        reset_request_id(token)


@signals.setup_logging.connect
def _celery_logging(loglevel: int | str | None = None, **kwargs: Any) -> None:
    """The Celery worker and beat log through the same JSON formatter (instead of Celery's own)."""
    configure_logging(loglevel or logging.INFO)
