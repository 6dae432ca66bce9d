"""Celery tasks: thin wrappers around ``casework`` services. No business rule lives here."""

from __future__ import annotations

from celery import shared_task

from casework.audit import chain
from casework.health import service as health


@shared_task(name="worker.tasks.heartbeat")
def heartbeat() -> str:
    """Prove the worker (and beat) are alive; ``/healthz`` shows the time."""
    return health.record_heartbeat().beat_at.isoformat()


@shared_task(name="worker.tasks.seal_audit_trail")
def seal_audit_trail() -> int:
    """Extend the audit trail's hash chain over the events written since the last run."""
    return chain.seal()
