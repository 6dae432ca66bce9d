"""Casework: case management for a police stalking and harassment unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

import config
from casework import (
    errors_pages,
    hardening,
    logging_setup,
    pg_driver,
    request_memo,
    sqlite_driver,
    templating,
    transactions,
)
from casework import models as _models  # noqa: F401 - maps every model before the metadata is used
from casework.cases import overdue as _overdue  # noqa: F401 - keeps cases.overdue_from current on every flush
from casework.db import ID_MAX
from casework.extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web application (and bind the Celery app to it)."""
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"), instance_relative_config=True)
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.from_mapping(config.load(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pg_driver.cache_long_statements()

    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    logging_setup.init_app(app)  # first, so every later hook and log record has the request id
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(PROJECT_ROOT / "templates"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            sqlite_driver.serialise_transactions(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)

    from worker import tasks  # noqa: F401 - registers the tasks
    from worker.celery_app import celery_init_app

    celery_init_app(app)
    _register_blueprints(app)
    transactions.init_app(app)
    request_memo.init_app(app)
    hardening.init_app(app)
    errors_pages.init_app(app)
    templating.init_app(app)

    from casework.cli import casework_cli

    app.cli.add_command(casework_cli)
    return app


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in every route: ids beyond the 32-bit keys of every routed table cannot exist, so they are
    a 404, not a 500 (PostgreSQL refuses to compare an ``integer`` column with a larger number)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(url_map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    from casework import assets
    from casework.admin.audit_views import bp as audit_log_bp
    from casework.admin.views import bp as admin_bp
    from casework.auth.views import bp as auth_bp
    from casework.cases.views import bp as cases_bp
    from casework.contact.views import bp as contact_bp
    from casework.dashboard.views import bp as dashboard_bp
    from casework.health.views import bp as health_bp
    from casework.incidents.views import bp as incidents_bp
    from casework.intake.views import bp as intake_bp
    from casework.intake.views import public_bp as report_bp
    from casework.orders.views import bp as orders_bp
    from casework.people.views import bp as people_bp
    from casework.reminders.views import bp as reminders_bp
    from casework.retention.views import bp as retention_bp
    from casework.risk.views import bp as risk_bp
    from casework.support.views import bp as support_bp

    blueprints = (assets.bp, auth_bp, admin_bp, dashboard_bp, health_bp, cases_bp, people_bp, incidents_bp, risk_bp)
    blueprints += (reminders_bp, contact_bp, intake_bp, report_bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.register_blueprint(orders_bp)
    app.register_blueprint(support_bp)
    app.register_blueprint(audit_log_bp)
    app.register_blueprint(retention_bp)
