"""Health checks for the database, the broker and the worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery import Celery
from sqlalchemy import text

from casework.db import utcnow
from casework.extensions import db
from casework.health.models import Heartbeat

WORKER = "worker"


def record_heartbeat(name: str = WORKER, *, now: datetime | None = None) -> Heartbeat:
    """Mark ``name`` alive now."""
    now = now or utcnow()
    heartbeat = db.session.get(Heartbeat, name)
    if heartbeat is None:
        heartbeat = Heartbeat(name=name, beat_at=now)
        db.session.add(heartbeat)
    else:
        heartbeat.beat_at = now
    db.session.flush()
    return heartbeat


def database_ok() -> bool:
    """Whether a trivial query succeeds."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return False
    return True


def broker_ok(celery: Celery) -> bool:
    """Whether the Celery broker accepts a connection within a couple of seconds."""
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        return False
    return True


def report(celery: Celery) -> dict[str, Any]:
    """The health report: each dependency, and when the worker last beat."""
    database = database_ok()
    heartbeat = db.session.get(Heartbeat, WORKER) if database else None
    return {
        "database": "ok" if database else "unreachable",
        "broker": "ok" if broker_ok(celery) else "unreachable",
        "worker_last_heartbeat": heartbeat.beat_at.isoformat() if heartbeat else None,
    }
