"""SQLite settings for the embedded default (``make run``): each transaction is whole, and they take turns.

pysqlite (Python's ``sqlite3`` before 3.12) begins a transaction only at the first write, so a request's
reads ran outside it: two requests could read the same value and both write from it, and a version or
counter checked on read did not hold by the time of the write (tested: threads that read a maximum and
insert the next number lost three inserts in four). Here pysqlite begins nothing itself, and each
transaction begins ``IMMEDIATE``: it takes the write lock at its start, waiting for it up to
``BUSY_TIMEOUT_MS`` (pysqlite's own wait is 5 s). The journal is a write-ahead log, so that reads outside a
transaction are not blocked by a writer. Requests on the embedded default are thus serialised (every
request writes its audit row anyway); production runs PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

BUSY_TIMEOUT_MS = 15_000


def serialise_transactions(engine: sa.Engine) -> None:
    """Make every transaction on ``engine`` (a SQLite one) take the write lock at its start."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite then begins nothing itself: "begin" below does
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
