"""Celery tasks: thin wrappers around ``casework`` services. No business rule lives here."""

from __future__ import annotations

from celery import shared_task

from casework.health import service as health


@shared_task(name="worker.tasks.heartbeat")
def heartbeat() -> str:
    """Prove the worker (and beat) are alive; ``/healthz`` shows the time."""
    return health.record_heartbeat().beat_at.isoformat()


@shared_task(name="worker.tasks.purge_report_drafts")
def purge_report_drafts() -> int:
    """Delete online-report drafts left alone for an hour (``intake.service.purge_expired_drafts``)."""
    from casework.intake import service as intake

    return intake.purge_expired_drafts()
