"""Celery tasks: thin wrappers around ``casework`` services. No business rule lives here."""

from __future__ import annotations

from celery import shared_task

from casework.health import service as health


@shared_task(name="worker.tasks.heartbeat")
def heartbeat() -> str:
    """Prove the worker (and beat) are alive; ``/readyz`` shows the time."""
    return health.record_heartbeat().beat_at.isoformat()
