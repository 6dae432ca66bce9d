"""``/healthz`` for load balancers and monitoring: JSON, no sign-in."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from casework.health import service
from casework.security import public

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """Report database and broker reachability; 503 when either is down."""
    report = service.report(current_app.extensions["celery"])
    healthy = report["database"] == "ok" and report["broker"] == "ok"
    return jsonify(status="ok" if healthy else "unavailable", **report), 200 if healthy else 503
