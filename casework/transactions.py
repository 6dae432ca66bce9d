"""One transaction per request: commit on success, roll back on any error response.

Services only flush; this is the one place a web request commits. Refusals logged with
``audit.record_security_event`` are written after the rollback, so they are never lost.
"""

from __future__ import annotations

from flask import Flask, Response

from casework.audit import service as audit
from casework.extensions import db


def init_app(app: Flask) -> None:
    """Install the commit/rollback hook."""

    @app.after_request
    def finish_transaction(response: Response) -> Response:
        if response.status_code >= 400:
            db.session.rollback()
        audit.persist_security_events()
        db.session.commit()
        return response
