"""The embedded default's SQLite: overlapping transactions that read and then write wait their turn."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa

from casework.extensions import db
from tests.conftest import make_test_app

THREADS, ROUNDS = 4, 25


def test_overlapping_read_then_write_transactions_all_commit_one_after_another(tmp_path: Path):
    """pysqlite alone ran the reads outside the transaction: threads read the same maximum and all but one
    of their inserts failed (25 rows of 100)."""
    app = make_test_app(f"sqlite:///{tmp_path / 'casework.sqlite'}")
    with app.app_context():
        engine = db.engine
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE counter (n INTEGER NOT NULL UNIQUE)")
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        failures: list[BaseException] = []
        start = threading.Barrier(THREADS)

        def work() -> None:
            start.wait()
            for _ in range(ROUNDS):
                try:
                    with engine.begin() as connection:
                        latest = connection.exec_driver_sql("SELECT coalesce(max(n), 0) FROM counter").scalar()
                        connection.execute(sa.text("INSERT INTO counter (n) VALUES (:n)"), {"n": latest + 1})
                except sa.exc.DBAPIError as error:
                    failures.append(error)

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with engine.connect() as connection:
            numbers = connection.exec_driver_sql("SELECT n FROM counter ORDER BY n").scalars().all()
        engine.dispose()
    assert not failures, failures[:1]
    assert numbers == list(range(1, THREADS * ROUNDS + 1))  # serialised: no two read the same maximum
