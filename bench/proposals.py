"""Changes the benchmark proposes, tried on the benchmark database and in the benchmark process only.

``run.py`` measures the app as migrated, then again after each *pass* below, cumulatively:
the proposed indexes (created with raw SQL in the benchmark database); web-session settings
(a second app built with the proposed engine options); a bounded count and a searchable copy
of the party names on ``cases`` (a column and a trigram index added with raw SQL, and the
two query functions patched into the running app in this process). Nothing here touches
the app's code or migrations; when the app adopts a change, delete it here. The code to adopt is in docs/benchmarks.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

COUNT_LIMIT = 1000
WEB_SESSION_OPTIONS = "-c jit=off -c max_parallel_workers_per_gather=0"


@dataclass(frozen=True)
class DatabaseChange:
    """A proposed schema change: how to make it, and how to put the database back as migrated."""

    name: str
    apply: str
    revert: str


@dataclass(frozen=True)
class Pass:
    """One cumulative set of proposed changes."""

    label: str
    changes: list[DatabaseChange] = field(default_factory=list)
    patches: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    engine_options: dict[str, Any] | None = None


def bounded_count(query: sa.Select[Any]) -> int:
    """Proposed ``casework.cases.queries._count``: count no further than ``COUNT_LIMIT + 1`` rows."""
    from casework.cases.models import Case
    from casework.extensions import db

    capped = query.order_by(None).with_only_columns(Case.id).limit(COUNT_LIMIT + 1).subquery()
    return db.session.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one()


def party_names_match(search: str) -> sa.ColumnElement[bool]:
    """Proposed ``casework.cases.queries.name_matches``: one trigram-indexed column on ``cases``, no join."""
    pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.literal_column("cases.party_names").like(pattern, escape="\\")


def _patch_count() -> None:
    from casework.cases import queries

    queries._count = bounded_count


def _patch_name_search() -> None:
    from casework.cases import queries

    queries.name_matches = party_names_match


INDEXES = [
    DatabaseChange(
        "ix_cases_overdue",
        "CREATE INDEX ix_cases_overdue ON cases (reported_at) WHERE risk_review_due OR status = 'reported'",
        "DROP INDEX IF EXISTS ix_cases_overdue",
    ),
    DatabaseChange(
        "ix_cases_updated_at",
        "CREATE INDEX ix_cases_updated_at ON cases (updated_at)",
        "DROP INDEX IF EXISTS ix_cases_updated_at",
    ),
    DatabaseChange(
        "ix_case_parties_person (person_id, role) INCLUDE (case_id)",
        "DROP INDEX ix_case_parties_person; "
        "CREATE INDEX ix_case_parties_person ON case_parties (person_id, role) INCLUDE (case_id)",
        "DROP INDEX IF EXISTS ix_case_parties_person; "
        "CREATE INDEX ix_case_parties_person ON case_parties (person_id, role)",
    ),
]

PARTY_NAMES = DatabaseChange(
    "cases.party_names + ix_cases_party_names_trgm",
    "ALTER TABLE cases ADD COLUMN party_names text NOT NULL DEFAULT ''; "
    "UPDATE cases SET party_names = names.joined FROM ("
    "  SELECT cp.case_id, string_agg(lower(p.first_name || ' ' || p.last_name), ' | ' ORDER BY cp.id) AS joined"
    "  FROM case_parties cp JOIN people p ON p.id = cp.person_id GROUP BY cp.case_id"
    ") AS names WHERE names.case_id = cases.id; "
    "CREATE INDEX ix_cases_party_names_trgm ON cases USING gin (party_names gin_trgm_ops)",
    "DROP INDEX IF EXISTS ix_cases_party_names_trgm; ALTER TABLE cases DROP COLUMN IF EXISTS party_names",
)

PASSES: list[Pass] = [
    Pass("with proposed indexes", changes=INDEXES),
    Pass(
        "+ web session settings",
        engine_options={"pool_pre_ping": True, "connect_args": {"options": WEB_SESSION_OPTIONS}},
    ),
    Pass(
        "+ bounded count and party names searchable on cases",
        changes=[PARTY_NAMES],
        patches=[
            (f"bounded count ({COUNT_LIMIT:,}+)", _patch_count),
            ("name search on `cases.party_names`", _patch_name_search),
        ],
    ),
]


def revert_all(engine: sa.Engine) -> None:
    """Put the benchmark database back as migrated (for a reused database)."""
    with engine.begin() as connection:
        for change in [*INDEXES, PARTY_NAMES]:
            connection.exec_driver_sql(change.revert)
    vacuum_analyze(engine)


def vacuum_analyze(engine: sa.Engine) -> None:
    """VACUUM ANALYZE, as autovacuum would after a migration's backfill."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")
