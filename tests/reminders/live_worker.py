"""Entry point for live test processes: the real app with the test-only obligation source registered.

``celery -A tests.reminders.live_worker worker`` runs a real worker; ``python -m
tests.reminders.live_worker sweep`` runs one sweep in this process (waiting at the ``SWEEP_BARRIER``
so that two processes sweep at the same instant).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from casework.cases import registry
from tests.reminders import sources

registry.obligation_source(sources.case_deadline())

from worker.app import celery_app, flask_app  # noqa: E402 - after the source is registered

__all__ = ["celery_app", "flask_app"]


def _wait_for_the_others() -> None:
    """With ``SWEEP_BARRIER`` (a folder) and ``SWEEP_PARTIES``, start only when every party has loaded the app."""
    folder = os.environ.get("SWEEP_BARRIER")
    if not folder:
        return
    barrier = Path(folder)
    (barrier / f"{os.getpid()}.ready").touch()
    while len(list(barrier.glob("*.ready"))) < int(os.environ["SWEEP_PARTIES"]):
        time.sleep(0.01)


def sweep_once() -> int:
    """Run the sweep task here (not through the broker); it wakes senders through the broker."""
    _wait_for_the_others()
    result = celery_app.tasks["worker.tasks.sweep_reminders"].apply()
    if not result.successful():
        raise SystemExit(f"sweep failed: {result.result!r}")
    return int(result.result)


if __name__ == "__main__" and sys.argv[1:] == ["sweep"]:
    print(sweep_once())
