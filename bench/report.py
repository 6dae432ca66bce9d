"""The benchmark's Markdown: machine and PostgreSQL settings, seed summary, results tables, plans."""

from __future__ import annotations

import json
import os
import platform
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench.measure import TARGET_P95_MS, ScenarioResult
from bench.seed import SeedResult

START_MARK = "<!-- bench:results:start -->"
END_MARK = "<!-- bench:results:end -->"
# A run on 1,000,000 cases or more has its own section, so both sizes' last runs stay in the document.
MILLION_START_MARK = "<!-- bench:results-1m:start -->"
MILLION_END_MARK = "<!-- bench:results-1m:end -->"
PG_SETTINGS = [
    "server_version",
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "random_page_cost",
    "jit",
    "max_parallel_workers_per_gather",
    "fsync",
    "synchronous_commit",
    "full_page_writes",
]


@dataclass
class Environment:
    """Where the benchmark ran."""

    cpus: int
    cpu_model: str
    memory_gb: float
    python: str
    pg_settings: dict[str, str] = field(default_factory=dict)


def describe_environment(engine: sa.Engine) -> Environment:
    """CPUs, memory, Python and the PostgreSQL settings that matter for the timings."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0
    cpu_model = platform.processor() or "unknown CPU"
    memory_gb = 0.0
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        cpu_model = found.group(1).strip() if found else cpu_model
        meminfo = Path("/proc/meminfo").read_text()
        total = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.MULTILINE)
        memory_gb = int(total.group(1)) / 1024 / 1024 if total else 0.0
    except OSError:
        pass
    with engine.connect() as connection:
        settings = {name: str(connection.exec_driver_sql(f"SHOW {name}").scalar()) for name in PG_SETTINGS}
    return Environment(cpus, cpu_model, memory_gb, platform.python_version(), settings)


def environment_markdown(env: Environment) -> str:
    """The machine and database settings as a short list."""
    settings = ", ".join(f"`{name}={value}`" for name, value in env.pg_settings.items() if name != "server_version")
    return "\n".join(
        [
            f"- Machine: {env.cpus} CPUs ({env.cpu_model}), {env.memory_gb:.1f} GB memory; Python {env.python}.",
            f"- PostgreSQL {env.pg_settings.get('server_version', '?')} on loopback, the throwaway cluster of "
            "`scripts/with-test-services.sh`, as the app's connections see it: "
            + settings
            + ". Durability is off (no fsync), so commits cost less than in production.",
        ]
    )


def seed_markdown(result: SeedResult) -> str:
    """Row counts and seed time."""
    counts = ", ".join(f"{table} {count:,}" for table, count in result.counts.items())
    slowest = sorted(result.steps, key=lambda step: step[1], reverse=True)[:4]
    steps = ", ".join(f"{label} {seconds:.1f} s" for label, seconds in slowest)
    return (
        f"- Seeded in {result.seconds:.0f} s (slowest steps: {steps}); database size {result.database_size}.\n"
        f"- Rows: {counts}."
    )


def results_table(results: list[ScenarioResult]) -> str:
    """The Markdown table of p50/p95/max per scenario."""
    lines = [
        "| Scenario | Who | Requests | p50 ms | p95 ms | max ms | SQL ms (p50) | Render ms (p50) | Queries/request "
        f"| Cases matched (median) | p95 under target ({TARGET_P95_MS:g} ms unless shown) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for result in results:
        lines.append(
            f"| {result.name} | {result.who} | {len(result.samples)} | {result.p50:.1f} | {result.p95:.1f} | "
            f"{result.max:.1f} | {result.sql_p50:.1f} | {result.render_p50:.1f} | {result.query_range} | "
            f"{result.results_median} | "
            f"{'yes' if result.passed else '**no**'}"
            f"{'' if result.target_ms == TARGET_P95_MS else f' (< {result.target_ms:g} ms)'} |"
        )
    return "\n".join(lines)


def scenario_notes(results: list[ScenarioResult]) -> str:
    """What each scenario asks for."""
    return "\n".join(f"- **{result.name}** ({result.who}): {result.description}." for result in results)


def replace_results(document: Path, section: str, *, million: bool = False) -> bool:
    """Put ``section`` between the result markers of ``document`` (the 1,000,000-case ones if ``million``).

    False if it has no such markers.
    """
    if not document.exists():
        return False
    start, end = (MILLION_START_MARK, MILLION_END_MARK) if million else (START_MARK, END_MARK)
    text = document.read_text()
    if start not in text or end not in text:
        return False
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    document.write_text(f"{before}{start}\n{section.strip()}\n{end}{after}")
    return True


@dataclass
class Figures:
    """A run's headline figures per scenario, saved as JSON (``--figures``) to compare a later run with."""

    cases: int
    scenarios: dict[str, dict[str, float]]


def write_figures(path: Path, cases: int, results: list[ScenarioResult]) -> None:
    """Save p50, p95, SQL and render medians per scenario, with the number of cases measured."""
    scenarios = {
        result.name: {"p50": result.p50, "p95": result.p95, "sql": result.sql_p50, "render": result.render_p50}
        for result in results
    }
    path.write_text(json.dumps({"cases": cases, "scenarios": scenarios}, indent=2) + "\n")


def read_figures(path: Path) -> Figures:
    """Figures saved by ``write_figures``."""
    data = json.loads(path.read_text())
    return Figures(int(data["cases"]), data["scenarios"])


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def shares_table(results: list[ScenarioResult]) -> str:
    """Per scenario, SQL, rendering and the rest (Flask, forms, ORM loading, audit, Python) as shares of p50.

    The medians are taken separately, so "rest" is p50 less the median SQL and the median render time.
    """
    lines = [
        "| Scenario | p50 ms | SQL ms | SQL share | Render ms | Render share | Rest ms | Rest share |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        rest = max(result.p50 - result.sql_p50 - result.render_p50, 0.0)
        lines.append(
            f"| {result.name} | {result.p50:.1f} | {result.sql_p50:.1f} | {_share(result.sql_p50, result.p50)} | "
            f"{result.render_p50:.1f} | {_share(result.render_p50, result.p50)} | {rest:.1f} | "
            f"{_share(rest, result.p50)} |"
        )
    return "\n".join(lines)


def _growth(before: float, after: float) -> str:
    return f"×{after / before:.2f}" if before else "–"


def growth_table(earlier: Figures, results: list[ScenarioResult]) -> str:
    """How each scenario's p50, p95 and SQL grew from the earlier (smaller) run to this one."""
    lines = [
        "| Scenario | p50 ms before → now | growth | p95 ms before → now | growth | SQL ms before → now | growth |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        before = earlier.scenarios.get(result.name)
        if before is None:
            continue
        lines.append(
            f"| {result.name} | {before['p50']:.1f} → {result.p50:.1f} | {_growth(before['p50'], result.p50)} | "
            f"{before['p95']:.1f} → {result.p95:.1f} | {_growth(before['p95'], result.p95)} | "
            f"{before['sql']:.1f} → {result.sql_p50:.1f} | {_growth(before['sql'], result.sql_p50)} |"
        )
    return "\n".join(lines)
