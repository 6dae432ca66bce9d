"""Profile one benchmark scenario with cProfile: where a request's Python time goes.

Runs on a database kept by ``make bench`` (``--keep``), inside ``scripts/with-test-services.sh``
with the same ``CASEWORK_SERVICES_DIR``::

    python -m bench.profile --only "list: mine" --requests 100

Prints the functions with the most time of their own and the most cumulative time. cProfile slows
every call, so read shares, not milliseconds.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from datetime import UTC, datetime

import sqlalchemy as sa

from bench import measure
from bench.app import dispose, make_app
from bench.run import population_size, signed_in_bench


def main(argv: list[str] | None = None) -> int:
    """Warm up, then profile ``--requests`` requests of each matching scenario."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="casework_bench", help="a seeded database (default casework_bench)")
    parser.add_argument("--only", required=True, help="the scenarios whose name contains this text")
    parser.add_argument("--requests", type=int, default=100, help="profiled requests per scenario (default 100)")
    parser.add_argument("--top", type=int, default=35, help="rows of each table (default 35)")
    args = parser.parse_args(argv)

    import os

    pg_url = os.environ["CASEWORK_TEST_PG_URL"]
    database_url = sa.make_url(pg_url).set(database=args.database).render_as_string(hide_password=False)
    app = make_app(database_url, os.environ["CASEWORK_TEST_REDIS_URL"])
    bench = signed_in_bench(app)
    population = measure.load_population(bench.engine)
    scenarios = measure.build_scenarios(population, requests=args.requests, today=datetime.now(UTC).date())
    cases = population_size(database_url)
    for scenario in scenarios:
        if args.only not in scenario.name:
            continue
        scenario = measure.with_targets_for(cases, scenario)
        for key, path in scenario.requests[:20]:
            bench.request(key, path)
        profiler = cProfile.Profile()
        profiler.enable()
        for key, path in scenario.requests:
            bench.request(key, path)
        profiler.disable()
        print(f"## {scenario.name}: {len(scenario.requests)} requests", flush=True)
        stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
    dispose(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
