"""Benchmark the case list and case pages on 100,000 seeded cases: ``make bench``.

Creates a database on the throwaway PostgreSQL cluster of ``scripts/with-test-services.sh``
(``CASEWORK_TEST_PG_URL``), applies the migrations, seeds it with set-based SQL, signs in
as officers, a supervisor and a manager through the real sign-in form, and times GET
requests through the Flask test client. Prints a Markdown report and writes it into
docs/benchmarks.md. The database is dropped at the end unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bench import measure, report, seed
from bench.app import dispose, make_app, migrate

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
PASSWORD = "bench password, not a secret"  # throwaway accounts on a throwaway cluster


def log(message: str) -> None:
    """Progress on stderr, so stdout carries only the report."""
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases to seed (default 100,000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed warm-up requests per scenario (default 20)")
    parser.add_argument("--database", default="casework_bench", help="database name (default casework_bench)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse an already seeded database of that name")
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--explain-all", action="store_true", help="EXPLAIN the slowest query of every scenario")
    parser.add_argument("--seed-only", action="store_true", help="seed (with --keep), then stop")
    parser.add_argument("--only", help="only the scenarios whose name contains this text (or one of several, a,b)")
    parser.add_argument("--figures", type=Path, help="write this run's figures to this JSON file (for --compare)")
    parser.add_argument(
        "--compare", type=Path, help="a smaller run's --figures JSON: show each scenario's growth from it to this run"
    )
    return parser.parse_args(argv)


def _environment(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set: run the benchmark with `make bench` (it starts PostgreSQL and Redis).")
    return value


def explain_section(bench: measure.Bench, results: list[measure.ScenarioResult], *, explain_all: bool) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest SELECT in the p95 request of each scenario over target."""
    chosen = [result for result in results if explain_all or not result.passed]
    parts = []
    for result in chosen:
        sample = result.at_p95
        selects = [s for s in sample.statements if s.sql.lstrip().upper().startswith(("SELECT", "WITH"))]
        if not selects:
            continue
        slowest = max(selects, key=lambda statement: statement.ms)
        plan = bench.explain(slowest)
        parts.append(
            f"##### {result.name}: `{sample.path}`\n\n"
            f"The p95 request: {sample.ms:.1f} ms, {sample.queries} statements, {sample.sql_ms:.1f} ms in SQL, "
            f"{sample.render_ms:.1f} ms rendering. Its slowest statement took {slowest.ms:.1f} ms:\n\n"
            f"```sql\n{slowest.sql.strip()}\n```\n\nParameters: `{slowest.parameters}`\n\n```\n{plan}\n```"
        )
    return "\n\n".join(parts)


def signed_in_bench(app: Flask) -> measure.Bench:
    """A bench on ``app`` with every client signed in."""
    bench = measure.Bench(app, PASSWORD)
    for key, user_id in [*measure.OFFICERS.items(), measure.SUPERVISOR, measure.MANAGER]:
        bench.sign_in(key, user_id)
    return bench


def main(argv: list[str] | None = None) -> int:
    """Seed, measure, report, clean up."""
    args = parse_args(argv)
    pg_url = _environment("CASEWORK_TEST_PG_URL")
    redis_url = _environment("CASEWORK_TEST_REDIS_URL")
    began = time.perf_counter()
    load_before = os.getloadavg()
    from casework.auth.passwords import hash_password

    database_url = sa.make_url(pg_url).set(database=args.database).render_as_string(hide_password=False)
    seeded: seed.SeedResult | None = None
    try:
        if args.reuse and seed.database_exists(pg_url, args.database):
            log(f"Reusing database {args.database}; applying any pending migrations")
            migrate(make_app(database_url, redis_url))
            seed.analyze(database_url)
        else:
            log(f"Creating database {args.database} and applying the migrations")
            database_url = seed.recreate_database(pg_url, args.database)
            migrate(make_app(database_url, redis_url))
            log(f"Seeding {args.cases:,} cases")
            seeded = seed.seed(
                database_url, cases=args.cases, password_hash=hash_password(PASSWORD), now=datetime.now(UTC), log=log
            )
            log(f"Seeded in {seeded.seconds:.1f} s: {seeded.counts}")
            for what, mismatches in [
                ("match keys differ from name_match_key()", seed.check_match_keys(database_url)),
                ("cases' party_names differ from refresh_party_names()", seed.check_party_names(database_url)),
            ]:
                if mismatches:
                    log(f"WARNING: {mismatches} seeded {what}")

        if args.seed_only:
            return 0
        app = make_app(database_url, redis_url)
        bench = signed_in_bench(app)
        # As gunicorn's master does once the app is imported (gunicorn.conf.py, ``when_ready``): the collector
        # then leaves the imported objects alone, so its full collections cost what they cost in a worker.
        gc.collect()
        gc.freeze()
        env = report.describe_environment(bench.engine)
        population = measure.load_population(bench.engine)
        scenarios = measure.build_scenarios(population, requests=args.requests, today=datetime.now(UTC).date())
        cases = population_size(database_url)
        scenarios = [measure.with_targets_for(cases, scenario) for scenario in scenarios]
        if args.only:
            terms = args.only.split(",")
            scenarios = [scenario for scenario in scenarios if any(term in scenario.name for term in terms)]
        log(f"Measuring {len(scenarios)} scenarios, {args.requests} requests each after {args.warmup} warm-up")
        results = [bench.run(scenario, warmup=args.warmup, log=log) for scenario in scenarios]
        plans = explain_section(bench, results, explain_all=args.explain_all)

        load_after = os.getloadavg()
        if args.figures:
            report.write_figures(args.figures, cases, results)
            log(f"Figures written to {args.figures}")
        earlier = report.read_figures(args.compare) if args.compare else None
        section = render(
            args, env, seeded, results, plans, time.perf_counter() - began, (load_before, load_after), earlier, cases
        )
        print(section)
        if not args.no_docs:
            if report.replace_results(DOCS, section, million=cases >= measure.MILLION):
                log(f"Results written to {DOCS.relative_to(ROOT)}")
            else:
                log(f"{DOCS.relative_to(ROOT)} has no result markers; not updated")
        dispose(app)
        failed = [result.name for result in results if not result.passed]
        log("All scenarios under target" if not failed else f"Over target: {', '.join(failed)}")
        return 0
    finally:
        if args.keep:
            log(f"Kept database {args.database}")
        else:
            seed.drop_database(pg_url, args.database)
            log(f"Dropped database {args.database}")


def population_size(database_url: str) -> int:
    """How many cases the measured database holds."""
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        cases = int(connection.execute(sa.text("SELECT count(*) FROM cases")).scalar_one())
    engine.dispose()
    return cases


def render(
    args: argparse.Namespace,
    env: report.Environment,
    seeded: seed.SeedResult | None,
    results: list[measure.ScenarioResult],
    plans: str,
    seconds: float,
    load: tuple[tuple[float, float, float], tuple[float, float, float]],
    earlier: report.Figures | None = None,
    cases: int = 0,
) -> str:
    """The report: run details, the results table, and query plans of what is over target."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"### Last run: {when}, {cases:,} cases",
        "",
        report.environment_markdown(env),
        f"- Load average (1, 5, 15 min) at the start {', '.join(f'{v:.2f}' for v in load[0])}, "
        f"at the end {', '.join(f'{v:.2f}' for v in load[1])}: other work on the machine shows up in the timings.",
        report.seed_markdown(seeded) if seeded else "- Seed: reused an existing database (`--reuse`).",
        f"- {args.requests} timed requests per scenario after {args.warmup} warm-up requests; "
        f"whole run {seconds:.0f} s.",
        "",
        "#### Results",
        "",
        report.results_table(results),
        "",
        "#### Where the time goes (shares of p50)",
        "",
        report.shares_table(results),
    ]
    if earlier is not None:
        parts += [
            "",
            f"#### Growth from {earlier.cases:,} to {cases:,} cases"
            if earlier.cases != cases
            else f"#### Before and after, both at {cases:,} cases ({args.compare.name})",
            "",
            report.growth_table(earlier, results),
        ]
    parts += [
        "",
        "#### Scenarios",
        "",
        report.scenario_notes(results),
    ]
    if plans:
        title = "Query plans" if args.explain_all else "Query plans over target"
        parts += ["", f"#### {title}", "", plans]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
