"""Write the audit trail. Every feature calls ``record``; nothing updates or deletes a row.

``record`` adds the event to the current transaction, so it is saved with the change it
describes, or not at all. ``record_security_event`` is for refusals (access denied): the
request that triggers it is rolled back, and the event must survive that.
"""

from __future__ import annotations

import enum
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from casework.audit.models import AuditAction, AuditEvent, AuditSeal
from casework.auth.models import User
from casework.db import utcnow
from casework.extensions import db

SYSTEM_ACTOR = "system"
# A disclosure's justification (DPA 2018 s.62) must say something: "x" or "ok" is not a reason.
JUSTIFICATION_MIN = 10


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


def request_user() -> User | None:
    """The signed-in user making the current request, if any (for refusals only: services are given their actor)."""
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]
    return None


def _fields(
    action: AuditAction,
    object_type: str,
    object_id: object | None,
    *,
    actor: User | None,
    actor_label: str | None = None,
    justification: str | None = None,
    recipient: str | None = None,
    detail: dict[str, Any] | None = None,
    record_address: bool = True,
) -> dict[str, Any]:
    """An audit row's columns, but its time: for an ``AuditEvent`` or a plain INSERT."""
    return {
        "user_id": actor.id if actor else None,
        "actor": actor.email if actor else (actor_label or SYSTEM_ACTOR),
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "justification": justification,
        "recipient": recipient,
        "ip_address": request.remote_addr if record_address and has_request_context() else None,
        "detail": detail,
    }


def record(
    action: AuditAction,
    object_type: str,
    object_id: object | None = None,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    justification: str | None = None,
    recipient: str | None = None,
    detail: dict[str, Any] | None = None,
    record_address: bool = True,
) -> AuditEvent:
    """Log an act in the current transaction, done by ``actor`` (the service's acting user).

    There is no default: a service passes the user it was given. ``actor=None`` is the system (a
    scheduled task, the command line), shown as ``actor_label`` or "system".
    ``record_address=False`` leaves out the client's address: an anonymous public report must
    leave no trace of who sent it, not even in the audit trail.
    """
    audit_event = AuditEvent(
        **_fields(
            action,
            object_type,
            object_id,
            actor=actor,
            actor_label=actor_label,
            justification=justification,
            recipient=recipient,
            detail=detail,
            record_address=record_address,
        )
    )
    db.session.add(audit_event)
    return audit_event


_INSERT_EVENT = sa.insert(AuditEvent.__table__)


def record_consultation(object_type: str, object_id: object | None, *, actor: User, detail: dict[str, Any]) -> None:
    """Log that ``actor`` consulted something (a ``VIEW``), in the current transaction, at once.

    The same row and the same promise as ``record``, as a plain INSERT: a view is logged on every
    page, and adding an object for the session to flush cost about a twentieth of a list page.
    """
    db.session.execute(
        _INSERT_EVENT,
        {"created_at": utcnow(), **_fields(AuditAction.VIEW, object_type, object_id, actor=actor, detail=detail)},
    )


def record_security_event(
    action: AuditAction,
    object_type: str,
    object_id: object | None = None,
    *,
    detail: dict[str, Any] | None = None,
) -> None:
    """Log a refusal so that it is kept even though the request's changes are rolled back.

    A refusal happens before any service runs, so the actor is whoever made the request: the
    signed-in user (``request_user``), read here explicitly.
    """
    audit_event = AuditEvent(**_fields(action, object_type, object_id, actor=request_user(), detail=detail))
    if has_request_context():
        g.setdefault("security_events", []).append(audit_event)
    else:
        db.session.add(audit_event)


def persist_security_events() -> None:
    """Add the request's refusals to the (fresh) transaction; called after a rollback."""
    for audit_event in g.pop("security_events", []):
        db.session.add(audit_event)


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: object, instances: object) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent | AuditSeal):
            raise AuditTrailIsAppendOnly("audit events are never changed or deleted")


SEALED_CHANGE = "changed (not shown)"


def field_changes(
    before: Any, after: dict[str, Any], *, shown_text: frozenset[str] = frozenset()
) -> dict[str, list[str | None] | str]:
    """What an edit changes, for an audit row's ``changes``: ``{field: [before, after]}``.

    ``before`` is the record (read with ``getattr``) and ``after`` the new values. Values are kept for choices,
    flags, numbers and dates. Free text (a summary, safe times, a victim's address) is named with
    ``SEALED_CHANGE``, never kept: the audit trail is append-only, so it outlives the erasure of a person's data,
    and administrators read it who may not read cases. ``shown_text`` names the text fields that are references
    rather than content (a crime number).
    """
    changes: dict[str, list[str | None] | str] = {}
    for name, new in after.items():
        old = getattr(before, name, None)
        if old == new:
            continue
        text = any(isinstance(value, str) and not isinstance(value, enum.Enum) for value in (old, new))
        changes[name] = SEALED_CHANGE if text and name not in shown_text else [_shown(old), _shown(new)]
    return changes


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(getattr(value, "label", value))
