"""The Celery app bound to the Flask app (the Flask docs' ``celery_init_app`` pattern)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery, Task
from flask import Flask

from casework.extensions import db

AFTER_COMMIT = "casework.after_commit"


def after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` once the running task's transaction has committed (dropped on rollback).

    For waking other workers about rows this task wrote: woken before the commit, they would
    not see them yet.
    """
    db.session.info.setdefault(AFTER_COMMIT, []).append(callback)


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app; every task runs inside the Flask app context, in one transaction."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                except BaseException:
                    db.session.rollback()
                    db.session.info.pop(AFTER_COMMIT, None)
                    raise
                db.session.commit()
                for callback in db.session.info.pop(AFTER_COMMIT, []):
                    callback()
                return result

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
