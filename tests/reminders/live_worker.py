"""Entry point for live test processes: the real app with the test-only obligation source registered.

``celery -A tests.reminders.live_worker worker`` runs a real worker; ``python -m
tests.reminders.live_worker sweep`` runs one sweep in this process (waiting for ``SWEEP_START_AT``,
an epoch time, so that two processes can sweep at the same instant).
"""

from __future__ import annotations

import os
import sys
import time

from casework.cases import registry
from tests.reminders import sources

registry.obligation_source(sources.case_deadline())

from worker.app import celery_app, flask_app  # noqa: E402 - after the source is registered

__all__ = ["celery_app", "flask_app"]


def sweep_once() -> int:
    """Run the sweep task here (not through the broker); it wakes senders through the broker."""
    start_at = float(os.environ.get("SWEEP_START_AT", "0"))
    time.sleep(max(0.0, start_at - time.time()))
    result = celery_app.tasks["worker.tasks.sweep_reminders"].apply()
    if not result.successful():
        raise SystemExit(f"sweep failed: {result.result!r}")
    return int(result.result)


if __name__ == "__main__" and sys.argv[1:] == ["sweep"]:
    print(sweep_once())
