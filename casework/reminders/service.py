"""The reminder pipeline: sweep obligations into reminder rows, claim one, deliver it, record it.

The database is the source of truth; the broker only wakes workers. Every step is safe to
repeat and safe to run in several processes at once:

- ``sweep`` inserts, for every registered obligation source, one row per (kind, object, due
  instant, audience, recipient, stage) in one ``INSERT … SELECT … ON CONFLICT DO NOTHING``:
  a second sweep, or two beat processes, insert nothing new. Staff obligations are swept when
  due or *soon due* (within ``REMINDER_LOOKAHEAD_MINUTES``, a day by default), victim messages
  only when due. Staff obligations overdue by one working day (``casework.workdays.deadline``)
  also get an escalation row addressed to the case's supervisor.
- ``send_reminder`` claims one row with ``UPDATE … WHERE status = 'pending' RETURNING`` (two
  claims: one wins), re-checks the obligation, delivers, and marks it sent. This is the one
  service that commits, three times: the claim must be durable before the message leaves, and
  the record of sending must be durable as soon as possible after (that gap is the only window
  in which a crash can cause a second delivery).
- ``reap`` hands back claims left by a dead worker, and wakes pending reminders whose wake-up
  was lost (the broker was down) or whose retry is due.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.dialects import postgresql, sqlite

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import Role, User
from casework.cases import registry
from casework.cases.models import Case
from casework.cases.registry import Audience, ObligationSource
from casework.db import UTCDateTime, utcnow
from casework.extensions import db
from casework.people.models import CaseParty, PartyRole, Person, VictimContact
from casework.reminders import delivery
from casework.reminders.delivery import DeliveryError, Message, Undeliverable
from casework.reminders.models import Channel, Reminder, ReminderStatus, Stage
from casework.templating import london_time
from casework.workdays import escalation_cutoff

log = logging.getLogger(__name__)

SEND_TASK = "worker.tasks.send_reminder"
SWEEP_TASK = "worker.tasks.sweep_reminders"
WORKER_LABEL = "reminder worker"
DEADLINE_FORMAT = "%A %-d %B %Y at %H:%M"


# --- Sweep -------------------------------------------------------------------------------


def _insert(stmt_select: sa.Select[Any]) -> list[int]:
    """``INSERT INTO reminders SELECT … ON CONFLICT DO NOTHING RETURNING id``."""
    columns = [
        "kind",
        "object_id",
        "case_id",
        "due_at",
        "audience",
        "recipient_id",
        "stage",
        "status",
        "attempts",
        "not_before",
        "enqueued_at",
        "created_at",
        "updated_at",
    ]
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Reminder).from_select(columns, stmt_select).on_conflict_do_nothing().returning(Reminder.id)
    return list(db.session.execute(statement).scalars())


def _row(source: ObligationSource, obligations: Any, recipient: Any, stage: Stage, now: datetime) -> list[Any]:
    stamp = sa.literal(now, UTCDateTime())
    return [
        sa.literal(source.kind, sa.String),
        obligations.c.object_id,
        obligations.c.case_id,
        obligations.c.due_at,
        sa.literal(source.audience.value, sa.String),
        recipient,
        sa.literal(stage.value, sa.String),
        sa.literal(ReminderStatus.PENDING.value, sa.String),
        sa.literal(0, sa.Integer),
        stamp,
        stamp,
        stamp,
        stamp,
    ]


def sweep(now: datetime | None = None) -> list[int]:
    """Insert a reminder for every due (or soon due) obligation, and escalations; return the new ids."""
    now = now or utcnow()
    lookahead = timedelta(minutes=int(current_app.config["REMINDER_LOOKAHEAD_MINUTES"]))
    cutoff = escalation_cutoff(now)
    new_ids: list[int] = []
    for source in registry.obligation_sources():
        horizon = now + lookahead if source.audience == Audience.STAFF else now
        due = source.query(horizon).subquery()
        new_ids += _insert(
            sa.select(*_row(source, due, due.c.recipient_id, Stage.DUE, now)).where(
                due.c.recipient_id.is_not(None), due.c.due_at <= horizon
            )
        )
        if source.audience == Audience.STAFF:
            overdue = source.query(cutoff).subquery()
            # The supervisor per overdue row by primary key (a join here would read every case).
            supervisor = sa.select(Case.supervisor_id).where(Case.id == overdue.c.case_id).scalar_subquery()
            new_ids += _insert(
                sa.select(*_row(source, overdue, supervisor, Stage.ESCALATION, now)).where(
                    overdue.c.due_at < cutoff, supervisor.is_not(None)
                )
            )
    return new_ids


# --- Waking workers ------------------------------------------------------------------------


def wake(reminder_ids: Iterable[int]) -> int:
    """Enqueue a send task per reminder id; never fails (the database keeps what the broker loses).

    Returns how many were enqueued. When the broker is unreachable the reminders stay pending
    and ``reap`` wakes them again after ``REMINDER_REQUEUE_AFTER_SECONDS``.
    """
    task = current_app.extensions["celery"].tasks[SEND_TASK]
    enqueued = 0
    for reminder_id in reminder_ids:
        try:
            task.apply_async(args=[reminder_id], retry=False)
        except Exception as error:  # the broker is down or refused: the row stays pending
            log.warning("could not enqueue reminder %s (%s); the reaper will wake it", reminder_id, error)
            break
        enqueued += 1
    return enqueued


def request_sweep() -> bool:
    """Ask a worker to sweep now (as beat does every minute); False when the broker is unreachable."""
    try:
        current_app.extensions["celery"].tasks[SWEEP_TASK].apply_async(retry=False)
    except Exception as error:  # the broker is down: the next beat (or a worker after it returns) sweeps
        log.warning("could not enqueue a sweep (%s)", error)
        return False
    return True


# --- Claiming and sending ------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """What a worker needs of the reminder it claimed."""

    id: int
    token: str
    kind: str
    object_id: int
    case_id: int
    due_at: datetime
    audience: Audience
    recipient_id: int
    stage: Stage
    attempts: int


def claim(reminder_id: int, now: datetime | None = None) -> Claimed | None:
    """Claim one pending reminder atomically; ``None`` when it is not pending (sent, or someone else has it)."""
    now = now or utcnow()
    token = uuid.uuid4().hex
    statement = (
        sa.update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.PENDING)
        .values(
            status=ReminderStatus.CLAIMED,
            claimed_at=now,
            claim=token,
            attempts=Reminder.attempts + 1,
            updated_at=now,
        )
        .returning(
            Reminder.kind,
            Reminder.object_id,
            Reminder.case_id,
            Reminder.due_at,
            Reminder.audience,
            Reminder.recipient_id,
            Reminder.stage,
            Reminder.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    row = db.session.execute(statement).one_or_none()
    if row is None:
        return None
    return Claimed(reminder_id, token, *row)


def backoff_seconds(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt: base × 2^(attempts-1), capped."""
    base = int(current_app.config["REMINDER_BACKOFF_SECONDS"])
    cap = int(current_app.config["REMINDER_BACKOFF_MAX_SECONDS"])
    return int(min(cap, base * 2 ** max(0, attempts - 1)))


class RetryLater(Exception):
    """Delivery failed for now; the task should retry after ``countdown`` seconds."""

    def __init__(self, countdown: int, error: str) -> None:
        super().__init__(error)
        self.countdown = countdown


def _by_claim(claimed: Claimed) -> sa.Update:
    return sa.update(Reminder).where(Reminder.id == claimed.id, Reminder.claim == claimed.token)


def _finish(claimed: Claimed, status: ReminderStatus, *, reason: str | None = None, error: str | None = None) -> None:
    db.session.execute(
        _by_claim(claimed)
        .values(status=status, claim=None, cancel_reason=reason, last_error=error, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _renew(claimed: Claimed) -> bool:
    """Renew the claim just before sending; False when the reaper has handed it to someone else.

    The claim timeout then only has to outlast the send itself (bounded by ``MAIL_TIMEOUT_SECONDS``),
    not everything before it: a slow start cannot let a second worker send the same reminder.
    """
    renewed = db.session.execute(
        _by_claim(claimed)
        .where(Reminder.status == ReminderStatus.CLAIMED)
        .values(claimed_at=utcnow())
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)
    )
    return renewed.first() is not None


def _record_failure(claimed: Claimed, error: str) -> int | None:
    """Put the reminder back to pending with its next attempt after the backoff, or fail it for good."""
    now = utcnow()
    if claimed.attempts >= int(current_app.config["REMINDER_MAX_ATTEMPTS"]):
        _finish(claimed, ReminderStatus.FAILED, error=error)
        return None
    countdown = backoff_seconds(claimed.attempts)
    retry_at = now + timedelta(seconds=countdown)
    db.session.execute(
        _by_claim(claimed)
        .values(
            status=ReminderStatus.PENDING,
            claim=None,
            claimed_at=None,
            last_error=error[:2000],
            not_before=retry_at,
            enqueued_at=retry_at,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return countdown


def _mark_sent(claimed: Claimed, message: Message) -> None:
    """Record the delivery (whoever holds the claim now: it has been sent) and audit the disclosure."""
    now = utcnow()
    db.session.execute(
        sa.update(Reminder)
        .where(Reminder.id == claimed.id, Reminder.status != ReminderStatus.SENT)
        .values(status=ReminderStatus.SENT, sent_at=now, claim=None, channel=message.channel, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    recipient = message.to if claimed.audience == Audience.STAFF else f"the victim (by {message.channel.label.lower()})"
    audit.record(
        AuditAction.DISCLOSE,
        "case",
        claimed.case_id,
        actor_label=WORKER_LABEL,
        recipient=recipient,
        detail={"reminder": claimed.id, "kind": claimed.kind, "stage": claimed.stage.value},
    )


def send_reminder(reminder_id: int) -> ReminderStatus | None:
    """Claim, re-check, deliver and record one reminder. Returns its final status (``None``: not ours).

    Raises ``RetryLater`` after a delivery failure worth retrying (the row is already back to
    pending with its next attempt time). Commits: see the module docstring.
    """
    claimed = claim(reminder_id)
    db.session.commit()
    if claimed is None:
        return None
    source = next((s for s in registry.obligation_sources() if s.kind == claimed.kind), None)
    try:
        if source is None:
            raise Undeliverable(f"no obligation source {claimed.kind!r} is registered")
        if source.still_open is not None and not source.still_open(claimed.object_id):
            raise Refused("The obligation was met or paused before sending.")
        message = compose(claimed, source)
        backend = delivery.victim_backend if claimed.audience == Audience.VICTIM else delivery.staff_backend
        still_ours = _renew(claimed)
        db.session.commit()  # no transaction held open while the message travels
        if not still_ours:
            return None
        backend(current_app.config).send(message)
    except Refused as refusal:
        db.session.rollback()
        _finish(claimed, ReminderStatus.CANCELLED, reason=str(refusal))
        db.session.commit()
        return ReminderStatus.CANCELLED
    except Undeliverable as error:
        db.session.rollback()
        _finish(claimed, ReminderStatus.FAILED, error=str(error))
        db.session.commit()
        return ReminderStatus.FAILED
    except DeliveryError as error:
        db.session.rollback()
        countdown = _record_failure(claimed, str(error))
        db.session.commit()
        if countdown is None:
            return ReminderStatus.FAILED
        raise RetryLater(countdown, str(error)) from error
    _mark_sent(claimed, message)
    db.session.commit()
    return ReminderStatus.SENT


# --- Composing -----------------------------------------------------------------------------


class Refused(Exception):
    """The reminder must not be sent (no safe channel the victim chose, the recipient is gone)."""


def case_link(case_id: int, user: User | None = None) -> str:
    """The absolute address of the case's page for ``user``, from ``PUBLIC_BASE_URL``.

    An adviser's is their own page of the case (the police pages refuse them, and log the refusal).
    """
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    endpoint = "support.adviser_case" if user is not None and user.role == Role.ADVISER else "cases.summary"
    return adapter.build(endpoint, {"case_id": case_id}, force_external=True)


def _staff_message(claimed: Claimed, source: ObligationSource) -> Message:
    user = db.session.get(User, claimed.recipient_id)
    if user is None or not user.active:
        raise Refused("The recipient's account is not active.")
    case = db.session.execute(sa.select(Case.reference, Case.officer_id).where(Case.id == claimed.case_id)).one()
    officer = db.session.get(User, case.officer_id) if case.officer_id else None
    escalation = claimed.stage == Stage.ESCALATION
    context = {
        "reason": source.label,
        "reference": case.reference,
        "deadline": london_time(claimed.due_at, DEADLINE_FORMAT),
        "link": case_link(claimed.case_id, user),
        "recipient_name": user.full_name,
        "officer_name": officer.full_name if officer else None,
        "notes": registry.reminder_notes(claimed.case_id),
    }
    subject = f"{'Overdue' if escalation else 'Due'}: {source.label} – {case.reference}"
    template = "reminders/staff_escalation.txt" if escalation else "reminders/staff_due.txt"
    return Message(
        reminder_id=claimed.id,
        audience=Audience.STAFF,
        channel=Channel.EMAIL,
        to=user.email,
        subject=subject,
        body=render_template(template, **context),
    )


VICTIM_CHANNELS = {
    Channel.EMAIL: ("email_safe", "sealed_email"),
    Channel.SMS: ("texts_safe", "sealed_phone"),
}


def victim_personalisation(first_name: str, officer_name: str, reference: str) -> dict[str, str]:
    """The only facts a message to a victim carries (the one template's fields)."""
    return {"first_name": first_name, "officer_name": officer_name, "reference": reference}


def _victim_message(claimed: Claimed, source: ObligationSource) -> Message:
    row = db.session.execute(
        sa.select(Person.first_name, CaseParty.role, VictimContact, Case.reference, Case.officer_id)
        .select_from(CaseParty)
        .join(Person, Person.id == CaseParty.person_id)
        .join(Case, Case.id == CaseParty.case_id)
        .outerjoin(VictimContact, VictimContact.party_id == CaseParty.id)
        .where(CaseParty.id == claimed.recipient_id, CaseParty.case_id == claimed.case_id)
    ).one_or_none()
    if row is None or row.role != PartyRole.VICTIM:
        raise Refused("The recipient is not a victim in this case.")
    contact = row.VictimContact
    chosen = source.victim_channel(claimed.object_id) if source.victim_channel else None
    if contact is None or chosen is None:
        raise Refused("The victim has not opted in to email or text messages.")
    channel = Channel(chosen)
    safe_flag, address_field = VICTIM_CHANNELS[channel]
    if not getattr(contact, safe_flag):
        raise Refused(f"The victim's {channel.label.lower()} channel is not marked safe.")
    address = getattr(contact, address_field)
    if not address:
        raise Refused(f"No {channel.label.lower()} details are recorded for the victim.")
    officer = db.session.get(User, row.officer_id) if row.officer_id else None
    fields = victim_personalisation(
        row.first_name, officer.full_name if officer else "the investigating team", row.reference
    )
    return Message(
        reminder_id=claimed.id,
        audience=Audience.VICTIM,
        channel=channel,
        to=address,
        subject="Please call us back",
        body=render_template("reminders/victim_message.txt", **fields),
        personalisation=fields,
    )


def compose(claimed: Claimed, source: ObligationSource) -> Message:
    """The message for a claimed reminder; raises ``Refused`` when it must not be sent."""
    if claimed.audience == Audience.VICTIM:
        return _victim_message(claimed, source)
    return _staff_message(claimed, source)


# --- The reaper ----------------------------------------------------------------------------


def reap(now: datetime | None = None) -> list[int]:
    """Release claims older than the claim timeout, then pick pending reminders to wake.

    A released claim goes back to pending (or to failed once it has used every attempt, so a
    reminder that kills its worker cannot loop for ever). Pending reminders are woken when their
    next attempt has come and their last wake-up is older than ``REMINDER_REQUEUE_AFTER_SECONDS``
    (it was lost with the broker, or its worker died); ``FOR UPDATE SKIP LOCKED`` lets two reapers
    share the work without waking a reminder twice.
    """
    now = now or utcnow()
    config = current_app.config
    stale = now - timedelta(seconds=int(config["REMINDER_CLAIM_TIMEOUT_SECONDS"]))
    db.session.execute(
        sa.update(Reminder)
        .where(Reminder.status == ReminderStatus.CLAIMED, Reminder.claimed_at < stale)
        .values(
            status=sa.case(
                (Reminder.attempts >= int(config["REMINDER_MAX_ATTEMPTS"]), ReminderStatus.FAILED.value),
                else_=ReminderStatus.PENDING.value,
            ),
            claim=None,
            claimed_at=None,
            enqueued_at=None,
            last_error="The worker sending it stopped before recording the result.",
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    quiet_since = now - timedelta(seconds=int(config["REMINDER_REQUEUE_AFTER_SECONDS"]))
    due = (
        sa.select(Reminder.id)
        .where(
            Reminder.status == ReminderStatus.PENDING,
            Reminder.not_before <= now,
            sa.or_(Reminder.enqueued_at.is_(None), Reminder.enqueued_at < quiet_since),
        )
        .order_by(Reminder.not_before)
        .limit(int(config["REMINDER_REQUEUE_BATCH"]))
        .with_for_update(skip_locked=True)
    )
    woken = db.session.execute(
        sa.update(Reminder)
        .where(Reminder.id.in_(due.scalar_subquery()))
        .values(enqueued_at=now)
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)
    )
    return list(woken.scalars())


# --- Admin view ----------------------------------------------------------------------------


def record_outbox_view(actor: User, messages: int) -> None:
    """An administrator read the outbox (staff mail and, withheld, messages to victims): a consultation."""
    audit.record(AuditAction.VIEW, "outbox", None, actor=actor, detail={"messages": messages})


def status_counts() -> dict[ReminderStatus, int]:
    """How many reminders are in each status (for the admin's outbox page)."""
    rows = db.session.execute(sa.select(Reminder.status, sa.func.count()).group_by(Reminder.status))
    counts = dict.fromkeys(ReminderStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts


def uses_outbox() -> bool:
    """Whether staff mail goes to the outbox folder (no ``MAIL_SERVER`` configured)."""
    return not current_app.config.get("MAIL_SERVER")


def outbox(limit: int = 100) -> list[delivery.OutboxEntry]:
    """The newest messages in the local outbox folder (the embedded default's mail)."""
    return delivery.read_outbox(current_app.config["OUTBOX_DIR"], limit)
