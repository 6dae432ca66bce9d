"""One transaction per request (``casework/transactions.py``): an error response keeps nothing the request
changed, except the refusals it logged; a successful one commits."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import abort

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Team
from casework.extensions import db
from casework.security import deny, public
from tests.conftest import make_test_app


@pytest.fixture
def probe(database_url, db_session):
    """An app with one extra route that adds a team, then answers with the status asked for."""
    app = make_test_app(database_url)

    @app.route("/probe/<int:status>", methods=["POST"])
    @public
    def change_then_answer(status: int) -> tuple[str, int]:
        db.session.add(Team(name=f"Probe {status}"))
        db.session.flush()
        if status == 403:
            deny("probe", status)
        if status == 404:
            abort(404)
        return "", status

    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def _teams(status: int) -> int:
    return db.session.execute(sa.select(sa.func.count(Team.id)).where(Team.name == f"Probe {status}")).scalar_one()


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_an_error_response_rolls_the_request_back(probe, status):
    assert probe.post(f"/probe/{status}").status_code == status
    assert _teams(status) == 0


@pytest.mark.parametrize("status", [200, 201, 302])
def test_a_successful_response_commits(probe, status):
    assert probe.post(f"/probe/{status}").status_code == status
    assert _teams(status) == 1


def test_a_refusal_is_logged_although_the_rest_is_rolled_back(probe):
    probe.post("/probe/403")
    refused = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.ACCESS_DENIED, AuditEvent.object_type == "probe")
    ).scalar_one()
    assert refused.object_id == "403"
    assert _teams(403) == 0
