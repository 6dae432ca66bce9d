"""The benchmark's Markdown: machine and PostgreSQL settings, seed summary, results tables, plans."""

from __future__ import annotations

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


def replace_results(document: Path, section: str) -> bool:
    """Put ``section`` between the result markers of ``document``; False if it has no markers."""
    if not document.exists():
        return False
    text = document.read_text()
    if START_MARK not in text or END_MARK not in text:
        return False
    before, rest = text.split(START_MARK, 1)
    _, after = rest.split(END_MARK, 1)
    document.write_text(f"{before}{START_MARK}\n{section.strip()}\n{END_MARK}{after}")
    return True
