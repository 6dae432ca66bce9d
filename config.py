"""Configuration, read from environment variables.

Two modes: the embedded default (SQLite under ``instance/``, a broker that needs no
server) and production (``CASEWORK_ENV=production``), which
refuses to start without ``SECRET_KEY`` and ``DATABASE_URL``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


class ConfigurationError(RuntimeError):
    """The environment does not describe a runnable deployment."""


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _embedded_secret_key(instance_path: Path) -> str:
    """A random key kept in the instance folder, so sessions survive a restart."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url(url: str) -> str:
    """Accept the common ``postgres://`` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(database_url: str) -> dict[str, object]:
    """Pool options; on PostgreSQL, settings for short web queries (measured in docs/benchmarks.md)."""
    options: dict[str, object] = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        # No JIT: the access-list EXISTS inflates cost estimates, and compiling costs 15-250 ms a query.
        # No parallel workers: they compete with the web processes for the CPUs and defeat LIMIT.
        options["connect_args"] = {"options": "-c jit=off -c max_parallel_workers_per_gather=0"}
    return options


def load(instance_path: Path) -> dict[str, object]:
    """Build the configuration mapping for ``app.config`` from the environment."""
    production = os.environ.get("CASEWORK_ENV", "embedded") == "production"
    instance_path.mkdir(parents=True, exist_ok=True)

    secret_key = os.environ.get("SECRET_KEY")
    database_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if production:
        missing = [name for name, value in (("SECRET_KEY", secret_key), ("DATABASE_URL", database_url)) if not value]
        if missing:
            raise ConfigurationError(f"Production mode needs {' and '.join(missing)} in the environment.")
    secret_key = secret_key or _embedded_secret_key(instance_path)
    database_url = _database_url(database_url or f"sqlite:///{instance_path / 'casework.sqlite'}")

    if redis_url:
        broker_url, result_backend, limiter_storage = redis_url, redis_url, redis_url
    else:
        broker_url = f"sqla+sqlite:///{instance_path / 'broker.sqlite'}"
        result_backend = f"db+sqlite:///{instance_path / 'results.sqlite'}"
        limiter_storage = "memory://"

    return {
        "CASEWORK_PRODUCTION": production,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "casework_session",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "IDLE_TIMEOUT": timedelta(minutes=_env_int("IDLE_TIMEOUT_MINUTES", 30)),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_env_int("SESSION_MAX_HOURS", 12)),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_MB", 20) * 1024 * 1024,
        "SIGN_IN_MAX_FAILURES": _env_int("SIGN_IN_MAX_FAILURES", 5),
        "SIGN_IN_LOCKOUT": timedelta(minutes=_env_int("SIGN_IN_LOCKOUT_MINUTES", 15)),
        "SIGN_IN_RATE_LIMIT_PER_ADDRESS": os.environ.get("SIGN_IN_RATE_LIMIT", "30 per 15 minutes"),
        "RATELIMIT_STORAGE_URI": limiter_storage,
        "RATELIMIT_HEADERS_ENABLED": False,
        "CELERY": {
            "broker_url": broker_url,
            "result_backend": result_backend,
            "task_ignore_result": True,
            "task_serializer": "json",
            "result_serializer": "json",
            "accept_content": ["json"],
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            "beat_schedule_filename": str(instance_path / "celerybeat-schedule"),
            "beat_schedule": {
                "heartbeat": {"task": "worker.tasks.heartbeat", "schedule": 60.0},
            },
            "timezone": "Europe/London",
            "enable_utc": True,
        },
        "EVIDENCE_DIR": os.environ.get("EVIDENCE_DIR", str(instance_path / "evidence")),
        "PROXY_FIX_HOPS": _env_int("PROXY_FIX_HOPS", 0),
        "ASSETS_DIR": os.environ.get("ASSETS_DIR", str(Path(__file__).parent / "node_modules")),
    }
