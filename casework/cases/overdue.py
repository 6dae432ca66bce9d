"""Each case's ``overdue_from``: the earliest instant at which a registered overdue reason could make it overdue.

"Overdue" stays one definition, the registered reasons' SQL (``registry.overdue_reason``). Working
every reason out over the whole force on every page grew with the data (the red panel alone took
25–45 ms at 100,000 cases). ``overdue_from`` narrows it: the reasons are tested only on the cases
whose ``overdue_from`` has passed, read off a partial index, so the cost grows with the overdue work
and not with the cases. It may be earlier than the truth (a test that finds nothing), never later.

It is kept current in the very flush that changes a row a reason reads (``watches``), by an ORM
listener, so no service has to remember it; ``refresh_all`` recomputes it set-based for data written
behind the ORM's back (the benchmark's seed, a restore, ``flask casework refresh-overdue``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import chain
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from casework.cases import registry
from casework.cases.models import Case

_CASES = Case.__table__


def earliest_per_case(column: Any, case_column: Any, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
    """The least ``column`` of a feature's rows about the case (``case_column`` correlated to ``cases``), or NULL.

    What a reason's ``since`` (and the contact reasons' ``due_at``) is usually made of: the earliest
    outstanding row's instant.
    """
    return sa.select(sa.func.min(column)).where(case_column == Case.id, *where).scalar_subquery()


def since_expressions() -> list[sa.ColumnElement[Any]]:
    """Each registered reason's ``since``, correlated to ``cases`` (the report's instant for a reason without one)."""
    return [reason.since() if reason.since else Case.reported_at for reason in registry.overdue_reasons()]


def watched_models() -> tuple[type, ...]:
    """The models whose changes can move a case's ``overdue_from``: the case itself and what the reasons read."""
    return (Case, *chain.from_iterable(reason.watches for reason in registry.overdue_reasons()))


def refresh(connection: sa.Connection, case_ids: Iterable[int]) -> dict[int, datetime | None]:
    """Recompute ``overdue_from`` of these cases: one read, then one write of those that changed.

    A Core UPDATE that leaves ``updated_at`` and the version alone: an obligation falling due is not
    an edit of the case. Returns the new ``overdue_from`` of the cases that changed.
    """
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    rows = connection.execute(sa.select(Case.id, Case.overdue_from, *since_expressions()).where(Case.id.in_(ids)))
    changes = []
    for case_id, stored, *instants in rows:
        earliest = min((instant for instant in instants if instant is not None), default=None)
        if earliest != stored:
            changes.append({"changed_id": case_id, "earliest": earliest})
    if changes:
        connection.execute(
            sa.update(_CASES)
            .where(_CASES.c.id == sa.bindparam("changed_id"))
            .values(
                overdue_from=sa.bindparam("earliest", type_=_CASES.c.overdue_from.type),
                updated_at=_CASES.c.updated_at,
            ),
            changes,
        )
    return {change["changed_id"]: change["earliest"] for change in changes}


def refresh_all(connection: sa.Connection) -> int:
    """Recompute every case's ``overdue_from`` in one statement; returns how many cases it changed."""
    instants = since_expressions()
    if connection.dialect.name == "postgresql":
        earliest: sa.ColumnElement[Any] = sa.func.least(*instants)
    else:  # SQLite's min(a, b, ...) is NULL if any is: stand in a far future for "none", then take it back
        never = sa.literal("9999-12-31 00:00:00.000000")
        earliest = sa.func.nullif(sa.func.min(*(sa.func.coalesce(instant, never) for instant in instants)), never)
    result = connection.execute(
        sa.update(_CASES)
        .where(_CASES.c.overdue_from.is_distinct_from(earliest))
        .values(overdue_from=earliest, updated_at=_CASES.c.updated_at)
    )
    return result.rowcount


def _case_id(instance: object) -> int | None:
    return instance.id if isinstance(instance, Case) else getattr(instance, "case_id", None)


@event.listens_for(Session, "after_flush")
def _refresh_flushed_cases(session: Session, flush_context: object) -> None:
    """Recompute ``overdue_from`` of every case whose reasons' rows this flush wrote or deleted."""
    watched = watched_models()
    touched = {
        _case_id(instance)
        for instance in chain(session.new, session.dirty, session.deleted)
        if isinstance(instance, watched)
    }
    touched.discard(None)
    if not touched:
        return
    # The cases already loaded in this session learn their new value too: whether a case can be overdue
    # is read from it (``queries.overdue_reasons_for``).
    for case_id, earliest in refresh(session.connection(), touched).items():  # type: ignore[arg-type]
        case = session.identity_map.get(identity_key(Case, case_id))
        if case is not None:
            set_committed_value(case, "overdue_from", earliest)
