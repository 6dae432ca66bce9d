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


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if not value else value.strip().lower() in {"on", "1", "true", "yes"}


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
        # 16 MB to sort and hash in: at 1,000,000 cases the dashboard's groups spilled to disk at the default 4 MB.
        options["connect_args"] = {"options": "-c jit=off -c max_parallel_workers_per_gather=0 -c work_mem=16MB"}
    return options


def _redis_transport_options() -> dict[str, object]:
    """Redis broker options (the SQLite broker passes its options to ``create_engine``, so none there).

    Unacknowledged messages (``acks_late``) come back after ``visibility_timeout``: longer than the
    longest send (``MAIL_TIMEOUT_SECONDS``) and the longest retry countdown (``REMINDER_BACKOFF_MAX_SECONDS``).
    Short socket timeouts let a web request that wakes a worker answer quickly while Redis is down.
    """
    return {
        "visibility_timeout": _env_int("BROKER_VISIBILITY_TIMEOUT_SECONDS", 7200),
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
    }


def reminder_settings(instance_path: Path) -> dict[str, object]:
    """Mail, GOV.UK Notify and the reminder pipeline (README, "Reminders").

    With no ``MAIL_SERVER`` mail goes to the outbox folder (the embedded default); with
    ``NOTIFY_API_KEY`` messages to victims go through GOV.UK Notify.
    """
    return {
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _env_flag("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Casework <casework@localhost>"),
        "MAIL_TIMEOUT_SECONDS": _env_int("MAIL_TIMEOUT_SECONDS", 30),
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR", str(instance_path / "outbox")),
        "NOTIFY_API_KEY": os.environ.get("NOTIFY_API_KEY") or None,
        "NOTIFY_BASE_URL": os.environ.get("NOTIFY_BASE_URL") or None,
        "NOTIFY_EMAIL_TEMPLATE_ID": os.environ.get("NOTIFY_EMAIL_TEMPLATE_ID", ""),
        "NOTIFY_SMS_TEMPLATE_ID": os.environ.get("NOTIFY_SMS_TEMPLATE_ID", ""),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "REMINDER_LOOKAHEAD_MINUTES": _env_int("REMINDER_LOOKAHEAD_MINUTES", 24 * 60),
        "REMINDER_MAX_ATTEMPTS": _env_int("REMINDER_MAX_ATTEMPTS", 8),
        "REMINDER_BACKOFF_SECONDS": _env_int("REMINDER_BACKOFF_SECONDS", 30),
        "REMINDER_BACKOFF_MAX_SECONDS": _env_int("REMINDER_BACKOFF_MAX_SECONDS", 3600),
        "REMINDER_CLAIM_TIMEOUT_SECONDS": _env_int("REMINDER_CLAIM_TIMEOUT_SECONDS", 300),
        "REMINDER_REQUEUE_AFTER_SECONDS": _env_int("REMINDER_REQUEUE_AFTER_SECONDS", 120),
        "REMINDER_REQUEUE_BATCH": _env_int("REMINDER_REQUEUE_BATCH", 1000),
    }


# Review periods in clear years after closure (docs/operations.md, "Retention"), by the most specific key:
# "<classification>/<outcome>", then "<classification>", then "default". From DOMAIN.md (MoPI groups, *check*):
# Group 3 (other matters) 6 clear years; Group 2 and public protection (stalking; harassment ending in a
# conviction, charge or caution) 10 clear years, then 10-yearly review; "no crime" records 6 years.
RETENTION_REVIEW_YEARS = {
    "default": 6,
    "stalking": 10,
    "stalking/no_crime": 6,
    "harassment/convicted": 10,
    "harassment/charged_summonsed": 10,
    "harassment/caution": 10,
}


def retention_review_years(overrides: str) -> dict[str, int]:
    """The review periods, with ``RETENTION_REVIEW_YEARS`` ("stalking=12,harassment/caution=8") over the defaults."""
    years = dict(RETENTION_REVIEW_YEARS)
    for item in filter(None, (part.strip() for part in overrides.split(","))):
        key, separator, value = item.partition("=")
        if not separator or not value.strip().isdigit() or not 1 <= int(value) <= 100:
            raise ConfigurationError(f"RETENTION_REVIEW_YEARS: '{item}' is not key=years (1 to 100)")
        years[key.strip().lower()] = int(value)
    return years


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
        # The session cookie is sent only when the session changes (``last_active``, at most once a
        # minute), never with assets: a stylesheet or script answered after "Sign out" would
        # otherwise put the signed-in cookie back and undo the sign-out.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_MB", 20) * 1024 * 1024,
        # The dashboard's "no victim contact in N days": 28, the longest regular update interval of the
        # Victims' Code local standard in DOMAIN.md ("then every 28 days").
        "DASHBOARD_NO_CONTACT_DAYS": _env_int("DASHBOARD_NO_CONTACT_DAYS", 28),
        # Connections the dashboard's statements are shared between on PostgreSQL (casework/snapshot_reads.py).
        "DASHBOARD_READERS": _env_int("DASHBOARD_READERS", 2),
        "SIGN_IN_MAX_FAILURES": _env_int("SIGN_IN_MAX_FAILURES", 5),
        "SIGN_IN_LOCKOUT": timedelta(minutes=_env_int("SIGN_IN_LOCKOUT_MINUTES", 15)),
        # Per network address and sign-in step. A police station signs in from one address, a hundred officers
        # at a shift change; guessing at one account is stopped by SIGN_IN_MAX_FAILURES, per account and address.
        "SIGN_IN_RATE_LIMIT_PER_ADDRESS": os.environ.get("SIGN_IN_RATE_LIMIT", "300 per 15 minutes"),
        "RATELIMIT_STORAGE_URI": limiter_storage,
        # Redis down: the limits still hold, counted in each web process's memory (so per process, up to
        # GUNICORN_WORKERS times the limit in all), never "no limit" and never a refusal for everyone.
        # Short timeouts, so that a Redis that does not answer costs a sign-in a second, not a minute.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1} if redis_url else {},
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
                # A sweep or reap not started within its interval is dropped: the next one does its work,
                # and no backlog piles up while every worker is down.
                "sweep-reminders": {
                    "task": "worker.tasks.sweep_reminders",
                    "schedule": float(_env_int("REMINDER_SWEEP_SECONDS", 60)),
                    "options": {"expires": float(_env_int("REMINDER_SWEEP_SECONDS", 60))},
                },
                "reap-reminders": {
                    "task": "worker.tasks.reap_reminders",
                    "schedule": float(_env_int("REMINDER_REAPER_SECONDS", 60)),
                    "options": {"expires": float(_env_int("REMINDER_REAPER_SECONDS", 60))},
                },
                "purge-report-drafts": {"task": "worker.tasks.purge_report_drafts", "schedule": 600.0},
                "seal-audit-trail": {"task": "worker.tasks.seal_audit_trail", "schedule": 15.0},
            },
            "broker_transport_options": _redis_transport_options() if redis_url else {},
            "timezone": "Europe/London",
            "enable_utc": True,
        },
        "EVIDENCE_DIR": os.environ.get("EVIDENCE_DIR", str(instance_path / "evidence")),
        "PROXY_FIX_HOPS": _env_int("PROXY_FIX_HOPS", 0),
        "ASSETS_DIR": os.environ.get("ASSETS_DIR", str(Path(__file__).parent / "node_modules")),
        **reminder_settings(instance_path),
        # Public online reporting (casework/intake): on by default only in the embedded demo.
        "PUBLIC_REPORTING": _env_flag("PUBLIC_REPORTING", not production),
        "INTAKE_TEAM": os.environ.get("INTAKE_TEAM", "" if production else "North stalking team"),
        "INTAKE_EXIT_URL": os.environ.get("INTAKE_EXIT_URL", "https://www.bbc.co.uk/weather"),
        "INTAKE_SUBMIT_RATE_LIMIT": os.environ.get("INTAKE_SUBMIT_RATE_LIMIT", "10 per hour"),
        "INTAKE_START_RATE_LIMIT": os.environ.get("INTAKE_START_RATE_LIMIT", "30 per hour"),
        "INTAKE_MAX_BODY_KB": _env_int("INTAKE_MAX_BODY_KB", 64),
        "RETENTION_REVIEW_YEARS": retention_review_years(os.environ.get("RETENTION_REVIEW_YEARS", "")),
    }
