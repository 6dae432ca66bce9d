"""The overdue definition with the contact reasons, at scale: ``python -m bench.contact_overdue``.

Run inside ``scripts/with-test-services.sh``. Seeds the benchmark's cases (``bench.seed``), adds
contact obligations with set-based SQL (a plan for every victim of an open case and for 10% of
closed ones, due dates spread over 60 days around now; do-not-contact on 2%; a key decision with
a notice for a quarter of open cases, a third of them told), then times the overdue queries the
app runs (list page with the overdue filter, red panel, home-page counts, the manager's counts,
the reasons of a page) and prints their plans. Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from bench import seed
from bench.app import dispose, make_app, migrate

CONTACT_SEED = """
INSERT INTO contact_plans (case_id, party_id, schedule, frequency_days, next_update_due_at, version_id)
SELECT cp.case_id, cp.id, 'every_n_days', 14, :now + ((cp.id % 60) - 30) * interval '1 day', 1
FROM case_parties cp JOIN cases c ON c.id = cp.case_id
WHERE cp.role = 'victim' AND (c.status <> 'closed' OR cp.id % 10 = 0);

INSERT INTO do_not_contact_flags (case_id, party_id, reason, review_on, review_due_at, set_by_id)
SELECT p.case_id, p.party_id, 'bench', (:now + ((p.id % 20) - 10) * interval '1 day')::date,
       :now + ((p.id % 20) - 10) * interval '1 day', c.created_by_id
FROM contact_plans p JOIN cases c ON c.id = p.case_id WHERE p.id % 50 = 0;

INSERT INTO key_decisions (case_id, kind, decided_at, recorded_by_id)
SELECT c.id, 'arrest', :now - (c.id % 10) * interval '1 day', c.created_by_id
FROM cases c WHERE c.status <> 'closed' AND c.id % 4 = 0;

INSERT INTO decision_notices (decision_id, case_id, party_id, enhanced_rights, due_at, discharged_at)
SELECT d.id, d.case_id, cp.id, true, d.decided_at + interval '1 day',
       CASE WHEN d.id % 3 = 0 THEN d.decided_at + interval '2 hours' END
FROM key_decisions d JOIN case_parties cp ON cp.case_id = d.case_id AND cp.role = 'victim';
"""


def _timed(run: Any, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), max(samples)


def _explain(connection: sa.Connection, statement: sa.ClauseElement) -> str:
    compiled = statement.compile(dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True})
    rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + compiled.string, compiled.params).all()
    return "\n".join(row[0] for row in rows)


def main(argv: list[str] | None = None) -> int:
    """Seed, add contact obligations, time and explain the overdue queries."""
    parser = argparse.ArgumentParser(prog="python -m bench.contact_overdue")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", default="casework_bench_contact")
    args = parser.parse_args(argv)
    pg_url, redis_url = os.environ["CASEWORK_TEST_PG_URL"], os.environ["CASEWORK_TEST_REDIS_URL"]
    now = datetime.now(UTC)
    database_url = seed.recreate_database(pg_url, args.database)
    try:
        migrate(make_app(database_url, redis_url))
        seed.seed(database_url, cases=args.cases, password_hash="x", now=now, log=lambda _: None)
        engine = sa.create_engine(database_url)
        with engine.begin() as connection:
            for statement in CONTACT_SEED.split(";\n"):
                if statement.strip():
                    connection.execute(sa.text(statement), {"now": now})
            counts = {
                table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("cases", "contact_plans", "do_not_contact_flags", "decision_notices")
            }
            connection.exec_driver_sql("ANALYZE")
        engine.dispose()
        print(f"{args.cases:,} cases seeded; rows: {counts}", file=sys.stderr)
        app = make_app(database_url, redis_url)
        with app.app_context():
            _measure(app, now, args.repeat)
        dispose(app)
    finally:
        seed.drop_database(pg_url, args.database)
    return 0


def _measure(app: Any, now: datetime, repeat: int) -> None:
    from casework.auth.models import Role, User
    from casework.cases import queries
    from casework.dashboard import service as dashboard
    from casework.extensions import db

    def first(role: Role) -> User:
        return db.session.execute(sa.select(User).where(User.role == role).order_by(User.id).limit(1)).scalar_one()

    officer, supervisor, manager = first(Role.OFFICER), first(Role.SUPERVISOR), first(Role.MANAGER)
    overdue = queries.CaseFilters(scope=queries.Scope.ALL, overdue=True)
    page = queries.list_cases(manager, overdue, now=now)
    checks = {
        "list, overdue filter, manager (count + page)": lambda: queries.list_cases(manager, overdue, now=now),
        "red panel, supervisor": lambda: queries.overdue_cases(supervisor, now=now),
        "home counts, officer": lambda: dashboard.caseload(officer, queries.Scope.MINE),
        "home counts, supervisor (team)": lambda: dashboard.caseload(supervisor, queries.Scope.TEAM),
        "manager's counts by team": lambda: dashboard.caseload_by_team(manager),
        "reasons for a page of 25": lambda: queries.overdue_reasons_for(page.cases, now),
    }
    print(f"Overdue cases (manager, all): {page.total if not page.total_is_capped else '> 1,000'}\n")
    print("| query | median ms | max ms |\n|---|---:|---:|")
    for name, run in checks.items():
        run()
        median, worst = _timed(run, repeat)
        print(f"| {name} | {median:.1f} | {worst:.1f} |")
    with db.engine.connect() as connection:
        statement = queries.filtered_query(manager, overdue, now).with_only_columns(queries.Case.id).limit(26)
        print("\nPlan of the overdue list (manager, all cases):\n```\n" + _explain(connection, statement) + "\n```")


if __name__ == "__main__":
    sys.exit(main())
