"""Statements read side by side on PostgreSQL see one snapshot, the session's, and come back in order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from casework import snapshot_reads
from casework.extensions import db
from casework.snapshot_reads import in_snapshot, read_together

PROBE = sa.table("snapshot_reads_probe", sa.column("n", sa.Integer))


@pytest.fixture
def probe_table(app: Flask) -> Iterator[sa.Engine]:
    """A committed table, seen by every connection (the tests' rolled-back transaction would hide its rows)."""
    with app.app_context():
        engine = db.engine
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE snapshot_reads_probe (n integer)")
            connection.execute(sa.insert(PROBE), [{"n": n} for n in range(1, 4)])
        try:
            yield engine
        finally:
            db.session.remove()
            with engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE snapshot_reads_probe")


def _commit_another_row(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.execute(sa.insert(PROBE), {"n": 100})


def _count() -> sa.Select[tuple[int]]:
    return sa.select(sa.func.count()).select_from(PROBE)


def test_statements_come_back_in_order_read_on_several_connections(probe_table: sa.Engine) -> None:
    statements = [sa.select(PROBE.c.n).where(PROBE.c.n == n) for n in (3, 1, 2, 1, 3)]
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    sa.event.listen(probe_table, "before_cursor_execute", record)
    try:
        rows = read_together(statements, readers=2)
    finally:
        sa.event.remove(probe_table, "before_cursor_execute", record)
    assert [[row.n for row in found] for found in rows] == [[3], [1], [2], [1], [3]]
    assert sum(statement.startswith("SET TRANSACTION SNAPSHOT") for statement in seen) == 2


def test_every_reader_sees_the_sessions_snapshot_not_a_later_commit(
    probe_table: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row committed between the snapshot's export and the readers' start is seen by none of them."""

    def import_after_a_commit(engine: sa.Engine, snapshot: str) -> sa.Connection:
        _commit_another_row(engine)
        return in_snapshot(engine, snapshot)

    monkeypatch.setattr(snapshot_reads, "in_snapshot", import_after_a_commit)
    counts = read_together([_count()] * 4, readers=2)
    assert [found[0][0] for found in counts] == [3, 3, 3, 3]
    assert db.session.execute(_count()).scalar_one() == 5  # the session itself, reading committed, sees both


def test_a_reader_is_read_only(probe_table: sa.Engine) -> None:
    snapshot = db.session.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
    with in_snapshot(probe_table, snapshot) as connection, pytest.raises(sa.exc.InternalError, match="read-only"):
        connection.execute(sa.insert(PROBE), {"n": 7})


def test_only_a_snapshot_id_is_imported(probe_table: sa.Engine) -> None:
    with pytest.raises(ValueError, match="snapshot id"):
        in_snapshot(probe_table, "00000003-0000001B-1'; DROP TABLE cases; --")


def test_a_reader_error_is_raised_after_every_reader_has_stopped(probe_table: sa.Engine) -> None:
    failing = sa.select(sa.func.sqrt(-1))
    with pytest.raises(sa.exc.DataError):
        read_together([_count(), failing, _count()], readers=2)
    db.session.rollback()
    assert probe_table.pool.checkedout() == 0


def test_in_the_tests_rolled_back_transaction_they_run_in_turn_and_see_its_rows(app: Flask, db_session) -> None:
    """Another connection could not see uncommitted rows, so a session bound to one connection reads alone."""
    db_session.execute(sa.text("CREATE TEMPORARY TABLE uncommitted (n integer)"))
    db_session.execute(sa.text("INSERT INTO uncommitted VALUES (1), (2)"))
    rows = read_together([sa.text("SELECT count(*) FROM uncommitted")] * 3, readers=2)
    assert [found[0][0] for found in rows] == [2, 2, 2]
