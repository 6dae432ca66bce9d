"""The framework ceiling for ``bench/load.py``: a bare Flask app with one route, served by the same gunicorn
settings as the portal (``gunicorn -c gunicorn.conf.py bench.hello:app``)."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """The smallest page Flask can answer."""
    return "Hello"
