"""The append-only audit trail required by DPA 2018 Part 3 s.62."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import LabelledEnum, UTCDateTime, enum_type, utcnow
from casework.extensions import db


class AuditAction(LabelledEnum):
    """The kinds of processing s.62 asks to be logged, plus security events (labels for the viewer; exports keep
    the codes)."""

    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DISCLOSE = "disclose", "Disclosed"
    COMBINE = "combine", "Combined records"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_OUT = "sign_out", "Signed out"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    ACCESS_DENIED = "access_denied", "Refused"
    ERASE = "erase", "Erased"


class AuditEvent(db.Model):
    """One logged act. Rows are only ever inserted (a trigger refuses changes on PostgreSQL).

    There is no ``updated_at``: a row is never updated, so ``created_at`` is the whole story.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_object", "object_type", "object_id", "created_at"),
        sa.Index("ix_audit_events_user", "user_id", "created_at"),
        sa.Index("ix_audit_events_action", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, server_default=sa.func.now(), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(sa.String(254), doc="who acted, as known at the time (email or 'system')")
    action: Mapped[AuditAction] = mapped_column(enum_type(AuditAction, length=24))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    justification: Mapped[str | None] = mapped_column(sa.Text)
    recipient: Mapped[str | None] = mapped_column(sa.String(254), doc="to whom data was disclosed")
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


class AuditSeal(db.Model):
    """A link of the hash chain over the audit trail: which event came next, and the chain's hash after it.

    ``chain_hash`` = SHA-256(previous link's ``chain_hash`` + the event's canonical content). Links are
    written by one sealer at a time (``audit.chain``), off the request path, numbered without gaps;
    like events, they are never updated or deleted. ``event_id`` has no foreign key, so that an event
    deleted behind the application's back leaves its link and is named as deleted.
    """

    __tablename__ = "audit_seals"

    seq: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    event_id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), unique=True, doc="no foreign key: see audit.chain.verify"
    )
    chain_hash: Mapped[str] = mapped_column(sa.String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=sa.func.now())
