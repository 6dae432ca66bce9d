"""Readiness checks: the database, the broker, the schema's migration revision, and the worker.

Any failure of a dependency means "not ready", whatever it is, so each check catches every exception; it
logs the failure's type (never its text, which may carry a connection string) so that a probe failing in
production says why in the logs too.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from celery import Celery

from casework.db import utcnow
from casework.extensions import db
from casework.health.models import Heartbeat

WORKER = "worker"
VERSION_TABLE = "alembic_version"

log = logging.getLogger(__name__)


def _failed(check: str, error: Exception) -> None:
    log.warning("readiness: %s failed (%s)", check, type(error).__name__)


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
        db.session.execute(sa.text("SELECT 1"))
    except Exception as error:
        _failed("database", error)
        db.session.rollback()
        return False
    return True


def broker_ok(celery: Celery) -> bool:
    """Whether the Celery broker accepts a connection within a couple of seconds."""
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:
        _failed("broker", error)
        return False
    return True


@cache
def code_heads(migrations_directory: str) -> frozenset[str]:
    """The head revision(s) of the migrations shipped with this code (read once per process)."""
    config = Config()
    config.set_main_option("script_location", migrations_directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_heads() -> frozenset[str]:
    """The revision(s) the database's ``alembic_version`` table records (empty if never migrated).

    Read with a plain query: alembic's ``MigrationContext`` would log two lines on every probe.
    """
    if not sa.inspect(db.session.connection()).has_table(VERSION_TABLE):
        return frozenset()
    return frozenset(
        db.session.execute(sa.select(sa.column("version_num")).select_from(sa.table(VERSION_TABLE))).scalars()
    )


def last_heartbeat() -> Heartbeat | None:
    """The worker's last heartbeat, or None (also when the table cannot be read yet)."""
    try:
        return db.session.get(Heartbeat, WORKER)
    except Exception as error:
        _failed("heartbeat", error)
        db.session.rollback()
        return None


def readiness(celery: Celery, migrations_directory: str) -> dict[str, Any]:
    """Whether this process can serve: each dependency, the reasons it cannot, and the worker's last beat."""
    reasons: list[str] = []
    database = database_ok()
    if not database:
        reasons.append("The database is unreachable.")
    broker = broker_ok(celery)
    if not broker:
        reasons.append("The Celery broker is unreachable.")

    expected = code_heads(migrations_directory)
    current: frozenset[str] | None = None
    heartbeat = None
    if database:
        try:
            current = database_heads()
        except Exception as error:
            _failed("migration revision", error)
            db.session.rollback()
            reasons.append("The database's migration revision could not be read.")
        heartbeat = last_heartbeat()
    if current is not None and current != expected:
        reasons.append(
            f"The database is at migration {_revisions(current)}; this code needs {_revisions(expected)}: "
            "run `flask db upgrade`."
        )
    return {
        "status": "ok" if not reasons else "unavailable",
        "database": "ok" if database else "unreachable",
        "broker": "ok" if broker else "unreachable",
        "migrations": "unknown" if current is None else ("ok" if current == expected else "behind"),
        "database_revision": _revisions(current) if current is not None else None,
        "code_revision": _revisions(expected),
        "worker_last_heartbeat": heartbeat.beat_at.isoformat() if heartbeat else None,
        "reasons": reasons,
    }


def _revisions(heads: frozenset[str]) -> str:
    return ", ".join(sorted(heads)) or "none"
