"""Probes for load balancers and orchestrators: JSON, no sign-in.

``/healthz`` says the process is alive and touches nothing else, so a database outage never
gets healthy web processes restarted; ``/readyz`` says whether it can serve requests now.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from casework.health import service
from casework.security import public

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz() -> Response:
    """Liveness: the process answers. No dependency is checked."""
    return jsonify(status="alive")


@bp.route("/readyz")
@public
def readyz() -> tuple[Response, int]:
    """Readiness: database and broker reachable, schema at the migrations' head; 503 with reasons otherwise."""
    migrations_directory = current_app.extensions["migrate"].directory
    report = service.readiness(current_app.extensions["celery"], migrations_directory)
    return jsonify(report), 200 if report["status"] == "ok" else 503
