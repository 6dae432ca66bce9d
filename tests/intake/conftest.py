"""Public reporting switched on, limits out of the way unless a test sets them, and a receiving team."""

from __future__ import annotations

import pytest

from casework.auth.models import Role
from tests import factories


@pytest.fixture(autouse=True)
def public_reporting_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_REPORTING", True)
    monkeypatch.setitem(app.config, "INTAKE_SUBMIT_RATE_LIMIT", "100000 per minute")
    monkeypatch.setitem(app.config, "INTAKE_START_RATE_LIMIT", "100000 per minute")


@pytest.fixture
def receiving_team(app, db_session, monkeypatch):
    team = factories.TeamFactory()
    monkeypatch.setitem(app.config, "INTAKE_TEAM", team.name)
    return team


@pytest.fixture
def triager(make_client, receiving_team):
    """A supervisor of the receiving team, signed in: (client, user)."""
    return make_client(Role.SUPERVISOR, team=receiving_team)
