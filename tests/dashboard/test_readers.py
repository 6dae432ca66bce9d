"""The dashboard read on two connections that share a snapshot gives exactly the figures read on one.

The other dashboard tests run inside one rolled-back transaction, which other connections cannot see, so
there the statements run in turn; this module commits the known-answers dataset to a database of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from casework.dashboard import service
from casework.dashboard.figures import default_period
from casework.db import utcnow
from casework.extensions import db
from tests.conftest import create_database, make_test_app
from tests.dashboard.seed import Seeded, seed


@pytest.fixture(scope="module")
def committed(worker_suffix: str) -> Iterator[tuple[Flask, Seeded]]:
    app = make_test_app(create_database(f"casework_dashboard_readers_{worker_suffix}"))
    with app.app_context():
        upgrade()
        seeded = seed()
        yield app, seeded
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("who, team", [("manager", None), ("manager", "south"), ("supervisor", None)])
def test_two_readers_count_exactly_what_one_does(committed: tuple[Flask, Seeded], who: str, team: str | None) -> None:
    _, seeded = committed
    team_id = getattr(seeded, team).id if team else None
    scope = service.DashboardScope(getattr(seeded, who), default_period(utcnow()), team_id=team_id)
    now = utcnow()
    alone = service.dashboard(scope, now=now, readers=1)
    imports: list[str] = []

    def record(*args: object) -> None:
        if str(args[2]).startswith("SET TRANSACTION SNAPSHOT"):
            imports.append(str(args[2]))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        together = service.dashboard(scope, now=now, readers=2)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert len(imports) == 2
    assert together == alone
    assert together.headline["open"] > 0
