"""Friendly pages for refusals and failures (HTML), JSON for the health check.

Every error page is generic: a title chosen by status code and fixed advice. Neither the
exception's text nor its description reaches the page; an unexpected exception becomes a
500 through the same handler (Flask logs it with its traceback first).
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.errors import NotFound

_TITLES = {
    400: "Something was wrong with that request",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not possible here",
    413: "The file is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        return render_template("errors/csrf.html", title="Your form could not be sent"), 400

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> tuple[str, int]:
        """A service could not find the object asked for: the same 404 page as an unknown address.

        Such a request names an object inside a case (an incident, an assessment, evidence) that
        does not belong to it — a probe, or a mistake: either way the refusal is audited.
        """
        audit.record_security_event(
            AuditAction.ACCESS_DENIED,
            "page",
            request.path,
            detail={"method": request.method, "path": request.path, "reason": error.message},
        )
        return render_template("errors/error.html", code=404, title=_TITLES[404]), 404

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        title = _TITLES.get(code, error.name)
        return render_template("errors/error.html", code=code, title=title), code
