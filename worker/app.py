"""Entry point for Celery processes: ``celery -A worker.app worker -B``."""

from casework import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
