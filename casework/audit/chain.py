"""Tamper evidence for the audit trail: a hash chain written by one sealer, checked by ``verify``.

Why a sealer rather than hashing at insert: every page view writes an audit row, and chaining at
insert would make every request wait for the previous one's commit (a lock held across rendering).
Instead requests insert events as before (no extra work on the request path), and a worker task
every few seconds takes one lock (a PostgreSQL advisory lock; SQLite has a single writer anyway),
reads the events not yet sealed in id order and appends one link per event. The chain's order is
the seal order. An event that turns up unsealed but older than the newest sealed event by more
than ``grace`` (no request runs that long) was inserted behind the trail's back: the sealer leaves
it unsealed and ``verify`` names it. The head hash is logged at every run, so rewriting the whole
chain shows against the logs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from casework.audit.models import AuditEvent, AuditSeal
from casework.extensions import db

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# Any one number fixed for the project: the advisory lock that lets one sealer run at a time.
SEALER_LOCK = 0x5EA1_A0D1
DEFAULT_GRACE = timedelta(minutes=10)
BATCH = 5000


def canonical(event: AuditEvent) -> bytes:
    """The event's content in one fixed serialisation (what the chain vouches for)."""
    content = {
        "id": event.id,
        "created_at": event.created_at.isoformat(timespec="microseconds"),
        "user_id": event.user_id,
        "actor": event.actor,
        "action": event.action.value,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "justification": event.justification,
        "recipient": event.recipient,
        "ip_address": event.ip_address,
        "detail": event.detail,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def link(previous: str, event: AuditEvent) -> str:
    """The chain hash after ``event``."""
    return hashlib.sha256(previous.encode() + canonical(event)).hexdigest()


def _head() -> tuple[int, str, datetime | None]:
    row = db.session.execute(
        sa.select(AuditSeal.seq, AuditSeal.chain_hash, AuditEvent.created_at)
        .outerjoin(AuditEvent, AuditEvent.id == AuditSeal.event_id)
        .order_by(AuditSeal.seq.desc())
        .limit(1)
    ).first()
    return (row[0], row[1], row[2]) if row else (0, GENESIS, None)


def seal(*, grace: timedelta = DEFAULT_GRACE) -> int:
    """Append a link for every committed event not sealed yet; returns how many were sealed."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(SEALER_LOCK)))
    seq, head, newest = _head()
    pending = db.session.execute(
        sa.select(AuditEvent)
        .outerjoin(AuditSeal, AuditSeal.event_id == AuditEvent.id)
        .where(AuditSeal.seq.is_(None))
        .order_by(AuditEvent.id)
        .limit(BATCH)
    ).scalars()
    sealed = 0
    for event in pending:
        if newest is not None and event.created_at < newest - grace:
            continue
        head, seq = link(head, event), seq + 1
        db.session.add(AuditSeal(seq=seq, event_id=event.id, chain_hash=head))
        newest = max(newest or event.created_at, event.created_at)
        sealed += 1
    db.session.flush()
    if sealed:
        log.info("audit chain sealed %d events; head %s", sealed, head)
    return sealed


@dataclass(frozen=True)
class Finding:
    """The first place where the audit trail and its chain disagree."""

    seq: int | None
    event_id: int | None
    problem: str


def verify(*, now: datetime, grace: timedelta = DEFAULT_GRACE) -> Finding | None:
    """Walk the chain from the start; return the first edited, deleted or out-of-order event, or ``None``.

    Meant for its own session (the CLI, a check after a restore): it clears the session between batches.
    """
    previous, expected_seq = GENESIS, 1
    while True:
        links = db.session.execute(
            sa.select(AuditSeal, AuditEvent)
            .outerjoin(AuditEvent, AuditEvent.id == AuditSeal.event_id)
            .where(AuditSeal.seq >= expected_seq)
            .order_by(AuditSeal.seq)
            .limit(BATCH)
        ).all()
        for seal_row, event in links:
            if seal_row.seq != expected_seq:
                return Finding(expected_seq, None, "deleted: a link of the chain is missing")
            expected_seq += 1
            if event is None:
                return Finding(seal_row.seq, seal_row.event_id, "deleted: the chain names an event that is gone")
            if link(previous, event) != seal_row.chain_hash:
                return Finding(seal_row.seq, event.id, "edited: the event no longer matches its link in the chain")
            previous = seal_row.chain_hash
        db.session.expunge_all()
        if len(links) < BATCH:
            break
    stray = db.session.execute(
        sa.select(AuditEvent.id)
        .outerjoin(AuditSeal, AuditSeal.event_id == AuditEvent.id)
        .where(AuditSeal.seq.is_(None), AuditEvent.created_at < now - grace)
        .order_by(AuditEvent.id)
        .limit(1)
    ).scalar()
    if stray is not None:
        return Finding(None, stray, "inserted out of order: an old event that was never sealed")
    return None
