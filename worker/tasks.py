"""Celery tasks: thin wrappers around ``casework`` services. No business rule lives here.

Tasks take ids, never objects (JSON only), and each runs in one transaction (``FlaskTask``);
``send_reminder`` is the exception its service documents: it commits its claim before sending.
"""

from __future__ import annotations

from celery import Task, shared_task

from casework.audit import chain
from casework.health import service as health
from casework.reminders import service as reminders
from worker.celery_app import after_commit


@shared_task(name="worker.tasks.heartbeat")
def heartbeat() -> str:
    """Prove the worker (and beat) are alive; ``/readyz`` shows the time."""
    return health.record_heartbeat().beat_at.isoformat()


@shared_task(name="worker.tasks.sweep_reminders")
def sweep_reminders() -> int:
    """Turn due obligations into reminder rows, then wake a sender for each new one."""
    new_ids = reminders.sweep()
    after_commit(lambda: reminders.wake(new_ids))
    return len(new_ids)


@shared_task(name="worker.tasks.reap_reminders")
def reap_reminders() -> int:
    """Release claims left by dead workers and wake pending reminders whose wake-up was lost."""
    woken = reminders.reap()
    after_commit(lambda: reminders.wake(woken))
    return len(woken)


@shared_task(
    name="worker.tasks.send_reminder",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def send_reminder(self: Task, reminder_id: int) -> str | None:
    """Claim, deliver and record one reminder; retry with exponential backoff when delivery fails."""
    try:
        status = reminders.send_reminder(reminder_id)
    except reminders.RetryLater as later:
        raise self.retry(countdown=later.countdown, exc=later) from later
    return status.value if status else None


@shared_task(name="worker.tasks.purge_report_drafts")
def purge_report_drafts() -> int:
    """Delete online-report drafts left alone for an hour (``intake.service.purge_expired_drafts``)."""
    from casework.intake import service as intake

    return intake.purge_expired_drafts()


@shared_task(name="worker.tasks.seal_audit_trail")
def seal_audit_trail() -> int:
    """Extend the audit trail's hash chain over the events written since the last run."""
    return chain.seal()
