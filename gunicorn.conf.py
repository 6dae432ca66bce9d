"""Gunicorn settings for the web processes: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be changed from the environment (see docs/operations.md, "Processes"). Logs are JSON
lines on standard error (application and gunicorn's own) and standard output (access log),
formatted by ``casework.logging_setup``.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Any


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Requests are short and CPU-bound in Python: plain processes, the usual 2 x cores + 1.
workers = _env_int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# The master imports the app once and forks ready workers: a worker started (or recycled)
# then costs a fork, not a second of importing. ``post_fork`` gives each worker its own
# database connections; ``when_ready`` moves the imported objects out of the collector's way.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# Recycle workers now and then (staggered, so they do not all restart at once): a safety against
# slow leaks, rare enough that a new worker's first requests (templates and statements compiled
# again, about a second of CPU) cost little per request.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 1000)
limit_request_line = 8190

# Forwarded headers are trusted only when the app is told it sits behind proxies
# (PROXY_FIX_HOPS, applied by werkzeug's ProxyFix), and then only from the proxies' addresses.
if _env_int("PROXY_FIX_HOPS", 0) > 0:
    forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
else:
    forwarded_allow_ips = ""

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "casework.logging_setup.JsonFormatter"},
        "access": {"()": "casework.logging_setup.AccessLogFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
    },
    "root": {"level": os.environ.get("LOG_LEVEL", "INFO"), "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False, "qualname": "gunicorn.error"},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False, "qualname": "gunicorn.access"},
    },
}
# The access record's message; its fields (method, path, status, duration...) come from the formatter.
access_log_format = "%(m)s %(U)s %(s)s"


def when_ready(server: Any) -> None:
    """Freeze what the master imported: the workers' garbage collections skip those objects, and
    their memory pages stay shared with the master instead of being copied on write."""
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """A preloaded worker starts with the master's connection pools: drop them without closing their
    sockets (they belong to the master), so this worker opens connections of its own."""
    if not server.cfg.preload_app:
        return
    app = server.app.wsgi()
    database = getattr(app, "extensions", {}).get("sqlalchemy")
    if database is None:
        return
    with app.app_context():
        for engine in database.engines.values():
            engine.dispose(close=False)
