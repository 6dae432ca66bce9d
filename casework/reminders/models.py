"""Reminders: the outbox that turns obligations into delivered mail and messages.

A ``Reminder`` row is written by the sweep (one per obligation, due instant, recipient and
stage) and is the source of truth: the broker only wakes workers. Its ``status`` moves
pending → claimed → sent (or back to pending to retry, or to failed / cancelled).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from casework.cases.registry import Audience
from casework.db import LabelledEnum, Timestamped, UTCDateTime, enum_type
from casework.extensions import db


class Stage(LabelledEnum):
    """A reminder that something is (nearly) due, or an escalation once it is a working day overdue."""

    DUE = "due", "Due"
    ESCALATION = "escalation", "Overdue – escalated to the supervisor"


class ReminderStatus(LabelledEnum):
    """Where a reminder is in the outbox."""

    PENDING = "pending", "Waiting to be sent"
    CLAIMED = "claimed", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Channel(LabelledEnum):
    """How a reminder reached its recipient."""

    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


PENDING_PREDICATE = sa.text("status = 'pending'")
CLAIMED_PREDICATE = sa.text("status = 'claimed'")


class Reminder(Timestamped, db.Model):
    """One message owed to one recipient about one obligation."""

    __tablename__ = "reminders"
    __table_args__ = (
        sa.UniqueConstraint(
            "kind", "object_id", "due_at", "audience", "recipient_id", "stage", name="uq_reminders_obligation"
        ),
        # The re-enqueue query: pending reminders whose next attempt has come and whose wake-up is old.
        sa.Index(
            "ix_reminders_pending", "not_before", postgresql_where=PENDING_PREDICATE, sqlite_where=PENDING_PREDICATE
        ),
        # The reaper: claims older than the claim timeout.
        sa.Index(
            "ix_reminders_claimed", "claimed_at", postgresql_where=CLAIMED_PREDICATE, sqlite_where=CLAIMED_PREDICATE
        ),
        sa.Index("ix_reminders_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), doc="the obligation source's stable key")
    object_id: Mapped[int] = mapped_column(sa.BigInteger, doc="the row that carries the obligation")
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    audience: Mapped[Audience] = mapped_column(enum_type(Audience, length=8))
    recipient_id: Mapped[int] = mapped_column(sa.Integer, doc="users.id for staff, case_parties.id for a victim")
    stage: Mapped[Stage] = mapped_column(enum_type(Stage, length=12), default=Stage.DUE)
    status: Mapped[ReminderStatus] = mapped_column(enum_type(ReminderStatus, length=12), default=ReminderStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    not_before: Mapped[datetime] = mapped_column(UTCDateTime(), doc="no attempt before this instant (backoff)")
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), doc="when a worker was last woken for it")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim: Mapped[str | None] = mapped_column(sa.String(32), doc="the claiming attempt's token")
    channel: Mapped[Channel | None] = mapped_column(enum_type(Channel, length=8))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(200))
