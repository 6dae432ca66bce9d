"""WSGI entry point: ``gunicorn -c gunicorn.conf.py wsgi:app``. Logs go to standard error as JSON."""

import os

from casework import create_app
from casework.logging_setup import configure_logging

configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
app = create_app()
