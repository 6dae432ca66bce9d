"""The app under benchmark: the real application factory on the benchmark database."""

from __future__ import annotations

import os
from unittest import mock

from flask import Flask
from flask_migrate import upgrade

from casework import create_app
from casework.extensions import db


def make_app(database_url: str, redis_url: str) -> Flask:
    """An app on ``database_url`` configured as the test suite does (Celery eager, limiter on Redis).

    The database comes from ``DATABASE_URL``, as in production, so that ``config.load`` also gives the
    app its PostgreSQL connection options (``jit=off``, no parallel workers).
    """
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "bench-secret-key",
        "RATELIMIT_STORAGE_URI": redis_url,
        "SIGN_IN_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
    }
    with mock.patch.dict(os.environ, {"DATABASE_URL": database_url}):
        app = create_app(config)
    app.config["CELERY"].update(
        broker_url=redis_url, result_backend=redis_url, task_always_eager=True, task_eager_propagates=True
    )
    app.extensions["celery"].conf.update(app.config["CELERY"])
    return app


def dispose(app: Flask) -> None:
    """Close the app's database connections."""
    with app.app_context():
        db.engine.dispose()


def migrate(app: Flask) -> None:
    """Apply the Alembic migrations (the schema the app ships with)."""
    with app.app_context():
        upgrade()
        db.engine.dispose()
