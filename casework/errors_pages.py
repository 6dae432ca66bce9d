"""Friendly pages for refusals and failures (HTML), JSON for the health check.

Every error page is generic: a title chosen by status code and fixed advice. Neither the
exception's text nor its description reaches the page; an unexpected exception becomes a
500 through the same handler (Flask logs it with its traceback first).

A database that cannot be reached (restarting, failed over, out of connections) is not a bug
in the request: it answers 503 with ``Retry-After``, and the next request after the database
returns works again (the pool checks each connection before use: ``pool_pre_ping``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.errors import NotFound
from casework.extensions import db, login_manager
from casework.security import CaseIsClosed

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

# Form fields that are not what the user typed.
BOOKKEEPING_FIELDS = frozenset({"csrf_token", "version", "submit"})

# Seconds a client is asked to wait while the database is unreachable (a restart takes a few).
RETRY_AFTER_SECONDS = 15
# The database could not be reached or dropped the connection (psycopg's OperationalError, which also
# covers a deadlock or a cancelled statement: worth a retry too), or no pooled connection came free in time.
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


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

    def database_unavailable(error: sa.exc.SQLAlchemyError) -> tuple[str, int, dict[str, str]]:
        """The database is unreachable: a friendly 503 asking to retry shortly, never a 500."""
        db.session.rollback()
        # Never the statement or its parameters in the log: they may hold personal data.
        current_app.logger.warning(
            "database unavailable (%s: %s)", type(error).__name__, type(getattr(error, "orig", None)).__name__
        )
        # The page as a signed-out visitor sees it: the signed-in user (not loaded yet, or expired by the
        # rollback) would need the database to draw the navigation.
        login_manager._update_request_context_with_user()
        page = render_template("errors/error.html", code=503, title=_TITLES[503])
        return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)

    @app.errorhandler(CaseIsClosed)
    def case_closed(error: CaseIsClosed) -> tuple[str, int]:
        """A change to a case closed meanwhile (another tab, a second click): say so, and show what was typed.

        Only text of more than one word is shown back: choices and date parts arrive as codes and numbers,
        and are quickly chosen again.
        """
        typed = [
            (name.replace("_", " ").capitalize(), value)
            for name, value in request.form.items(multi=True)
            if name not in BOOKKEEPING_FIELDS and len(value.split()) > 1
        ]
        page = render_template("errors/case_closed.html", title="This case is closed", case=error.case, typed=typed)
        return page, 403

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
        # The commit in ``transactions`` runs after the view: a database lost there arrives as a 500.
        original = getattr(error, "original_exception", None)
        if isinstance(original, DATABASE_UNAVAILABLE):
            return database_unavailable(original)
        code = error.code or 500
        title = _TITLES.get(code, error.name)
        return render_template("errors/error.html", code=code, title=title), code
