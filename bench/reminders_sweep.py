"""Time the reminder sweep over a seeded database: ``python -m bench.reminders_sweep``.

Seeds ``--cases`` cases with ``bench/seed.py`` (or reuses a seeded database with ``--reuse``), then
times ``casework.reminders.service.sweep`` over every registered obligation source: the first
sweep (inserting a reminder per due obligation, and the escalations), then a second one (the
steady state every minute: nothing new to insert). Run with the test services:

    scripts/with-test-services.sh .venv/bin/python -m bench.reminders_sweep --cases 100000 --bench-source

``--contact`` fills the contact feature's real tables set-based (``seed.CONTACT_STEPS``): a plan for every
victim of an open case (and of a tenth of the closed ones), ``--due-share`` of them due in the
last ten days and the rest 2–30 days ahead, a fifth opted in to text messages; do-not-contact on
2%; a key decision on a quarter of the open cases with a notice per victim, a third of them told,
the rest due within ten days either side of now. The sweep then runs every registered source
(contact, orders, support) as the worker does.

``--bench-source`` adds a bench-only source instead: a table ``bench_obligations`` (one row per
case, a ``due_at`` with an index, ``--due-share`` of them due at or before now).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bench import seed
from bench.app import dispose, make_app, migrate
from casework.cases import registry
from casework.cases.models import Case
from casework.cases.registry import ObligationSource
from casework.extensions import db
from casework.reminders import service

BENCH_TABLE = sa.table(
    "bench_obligations",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("due_at", sa.DateTime(timezone=True)),
)


def bench_source() -> ObligationSource:
    """Every row of ``bench_obligations`` is an update owed by the case's officer at ``due_at``."""

    def query(horizon: datetime) -> sa.Select[Any]:
        return (
            sa.select(
                BENCH_TABLE.c.case_id.label("case_id"),
                BENCH_TABLE.c.id.label("object_id"),
                BENCH_TABLE.c.due_at.label("due_at"),
                Case.officer_id.label("recipient_id"),
            )
            .join(Case, Case.id == BENCH_TABLE.c.case_id)
            .where(BENCH_TABLE.c.due_at <= horizon)
        )

    return ObligationSource(kind="bench_update", label="Scheduled update (bench)", query=query)


def fill_bench_obligations(engine: sa.Engine, due_share: float) -> int:
    """One obligation per case: ``due_share`` of them due in the last ten days, the rest next month or later."""
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS bench_obligations"))
        connection.execute(
            sa.text(
                "CREATE TABLE bench_obligations AS SELECT id, id AS case_id, CASE WHEN random() < :share "
                "THEN now() - random() * interval '10 days' ELSE now() + interval '30 days' "
                "+ random() * interval '30 days' END AS due_at FROM cases"
            ),
            {"share": due_share},
        )
        connection.execute(sa.text("ALTER TABLE bench_obligations ADD PRIMARY KEY (id)"))
        connection.execute(sa.text("CREATE INDEX ix_bench_obligations_due ON bench_obligations (due_at)"))
        connection.execute(sa.text("ANALYZE bench_obligations"))
        return int(connection.execute(sa.text("SELECT count(*) FROM bench_obligations WHERE due_at <= now()")).scalar())


CONTACT_TABLES = [
    "decision_notices",
    "key_decisions",
    "do_not_contact_flags",
    "contact_plan_changes",
    "contact_plans",
]


def fill_contact_tables(engine: sa.Engine, due_share: float) -> dict[str, int]:
    """The contact feature's obligations for the seeded cases (``seed.CONTACT_STEPS``); counts of what is due now."""
    with engine.begin() as connection:
        for table in CONTACT_TABLES:
            connection.execute(sa.text(f"DELETE FROM {table}"))
    database_url = engine.url.render_as_string(hide_password=False)
    seed.run_steps(database_url, seed.CONTACT_STEPS, {"permille": round(due_share * 1000), "now": datetime.now(UTC)})
    with engine.connect() as connection:
        return {
            "plans": connection.execute(sa.text("SELECT count(*) FROM contact_plans")).scalar_one(),
            "plans due": connection.execute(
                sa.text("SELECT count(*) FROM contact_plans WHERE next_update_due_at <= now()")
            ).scalar_one(),
            "notices due": connection.execute(
                sa.text("SELECT count(*) FROM decision_notices WHERE discharged_at IS NULL AND due_at <= now()")
            ).scalar_one(),
        }


def timed_sweep(app: Any) -> tuple[float, int]:
    """One sweep in one transaction, committed; seconds and rows inserted."""
    with app.app_context():
        began = time.perf_counter()
        inserted = len(service.sweep())
        db.session.commit()
        return time.perf_counter() - began, inserted


def per_source(app: Any) -> dict[str, float]:
    """Milliseconds of a steady-state sweep of each registered source on its own."""
    every = dict(registry._obligation_sources)
    timings = {}
    try:
        for kind, source in every.items():
            registry._obligation_sources.clear()
            registry._obligation_sources[kind] = source
            timings[kind] = round(timed_sweep(app)[0] * 1000, 1)
    finally:
        registry._obligation_sources.clear()
        registry._obligation_sources.update(every)
    return timings


def main(argv: list[str] | None = None) -> int:
    """Seed (or reuse), run the sweep twice, print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.reminders_sweep")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--due-share", type=float, action="append", help="share due (repeatable; default 0.10)")
    parser.add_argument("--database", default="casework_bench_sweep")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--bench-source", action="store_true")
    parser.add_argument("--contact", action="store_true", help="fill the contact tables (real sources)")
    args = parser.parse_args(argv)
    pg_url, redis_url = os.environ["CASEWORK_TEST_PG_URL"], os.environ["CASEWORK_TEST_REDIS_URL"]
    database_url = sa.make_url(pg_url).set(database=args.database).render_as_string(hide_password=False)
    from casework.auth.passwords import hash_password

    if not (args.reuse and seed.database_exists(pg_url, args.database)):
        database_url = seed.recreate_database(pg_url, args.database)
        migrate(make_app(database_url, redis_url))
        seeded = seed.seed(database_url, cases=args.cases, password_hash=hash_password("bench"), now=datetime.now(UTC))
        print(f"seeded {args.cases:,} cases in {seeded.seconds:.0f} s", file=sys.stderr)
    app = make_app(database_url, redis_url)
    engine = sa.create_engine(database_url)
    if args.bench_source:
        registry.obligation_source(bench_source())
    for share in args.due_share or [0.10]:
        with engine.begin() as connection:
            connection.execute(sa.text("TRUNCATE reminders"))
        if args.bench_source:
            due = fill_bench_obligations(engine, share)
            print(f"bench source: {due:,} obligations due of {args.cases:,} cases", file=sys.stderr)
        if args.contact:
            began = time.perf_counter()
            counts = fill_contact_tables(engine, share)
            print(f"contact tables in {time.perf_counter() - began:.0f} s: {counts}", file=sys.stderr, flush=True)
        kinds = [source.kind for source in registry.obligation_sources()]
        first, inserted = timed_sweep(app)
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE reminders"))
        second, again = timed_sweep(app)
        third, _ = timed_sweep(app)
        print(
            f"sources {kinds}; cases {args.cases:,}; due share {share:.0%}; first sweep {first:.2f} s inserting "
            f"{inserted:,} reminders; steady-state sweeps {second:.2f} s and {third:.2f} s inserting {again}; "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        print(f"steady state per source (ms): {per_source(app)}", flush=True)
    engine.dispose()
    dispose(app)
    if not args.keep:
        seed.drop_database(pg_url, args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
