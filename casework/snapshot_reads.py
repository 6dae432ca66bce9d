"""Independent read-only statements run side by side on PostgreSQL, all seeing one snapshot.

A page of heavy aggregates (the dashboard: nine statements, 0.1 s at 100,000 cases and 1 s at
1,000,000) spends most of its time waiting on one PostgreSQL backend while the database server's
other cores idle. Here the statements are shared out between a few connections, each reading in a
``REPEATABLE READ``, read-only transaction that imports the session's snapshot
(``pg_export_snapshot``): every figure is counted over the same committed data, as if the statements
had run one after the other in one transaction. This shortens a page, not the work: under load the
statements compete for the same cores, so the gain is in latency, not throughput.

Elsewhere (SQLite, one reader, or a session bound to a single connection, as in the tests' rolled-back
transactions, whose uncommitted rows another connection could not see) they run in turn on the session.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa

from casework.extensions import db

SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+-[0-9]+")


def read_together(statements: Sequence[sa.Executable], *, readers: int = 1) -> list[list[sa.Row[Any]]]:
    """The rows of each statement, in order: on up to ``readers`` connections at once where that is possible.

    Give the statements heaviest first: each connection takes the next statement as it becomes free.
    """
    bind = db.session.get_bind()
    if readers < 2 or len(statements) < 2 or not isinstance(bind, sa.Engine) or bind.dialect.name != "postgresql":
        return [list(db.session.execute(statement)) for statement in statements]
    snapshot = db.session.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
    results: dict[int, list[sa.Row[Any]]] = {}
    waiting = iter(range(len(statements)))
    take = threading.Lock()

    def read() -> None:
        with in_snapshot(bind, snapshot) as connection:
            while True:
                with take:
                    index = next(waiting, None)
                if index is None:
                    return
                results[index] = list(connection.execute(statements[index]))

    connections = min(readers, len(statements))
    with ThreadPoolExecutor(max_workers=connections, thread_name_prefix="snapshot-read") as pool:
        for reader in [pool.submit(read) for _ in range(connections)]:
            reader.result()  # a reader's error is raised here, after every reader has stopped
    return [results[index] for index in range(len(statements))]


def in_snapshot(engine: sa.Engine, snapshot: str) -> sa.Connection:
    """A connection reading in a read-only transaction that sees exactly what ``snapshot`` saw.

    The exporting transaction must still be open when the snapshot is imported. (Used as a context manager;
    the transaction is rolled back and the connection's isolation level restored when it is returned.)
    """
    if not SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"not a PostgreSQL snapshot id: {snapshot!r}")
    connection = engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    try:
        # A utility statement takes no parameters: the id is checked above, so quoting it inline is safe.
        connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    except BaseException:
        connection.close()
        raise
    return connection
