"""The Celery app bound to the Flask app (the Flask docs' ``celery_init_app`` pattern)."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

from casework.extensions import db


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app; every task runs inside the Flask app context, in one transaction."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                except BaseException:
                    db.session.rollback()
                    raise
                db.session.commit()
                return result

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
