"""Online reports from the public, and the drafts they are built in.

A ``ReportDraft`` holds the answers while someone fills in the public form: server-side,
found by the hash of a random token kept in their session cookie, and deleted after an hour
without activity or as soon as the report is sent. An ``OnlineReport`` is what was sent: its
``answers`` are kept exactly as sent (shown unchanged on the case's timeline) and it waits
in the triage queue until a supervisor deals with it, once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User
from casework.cases.models import ReporterType
from casework.db import LabelledEnum, Timestamped, UTCDateTime, enum_type, utcnow
from casework.extensions import db


class ReportStatus(LabelledEnum):
    """Where an online report is in triage. Anything but ``new`` is final."""

    NEW = "new", "Waiting for triage"
    CASE_CREATED = "case_created", "A case was created from it"
    ADDED_TO_CASE = "added_to_case", "Added to an existing case"
    CLOSED = "closed", "Closed"


class CloseReason(LabelledEnum):
    """Why a report was closed without a case."""

    NOT_A_CRIME = "not_a_crime", "Not a crime"
    DUPLICATE = "duplicate", "A duplicate of another report"
    ANOTHER_FORCE = "another_force", "For another force"


class ReportDraft(Timestamped, db.Model):
    """Answers to the public form while it is being filled in (never in the cookie)."""

    __tablename__ = "report_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, doc="SHA-256 of the session's draft token")
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    last_active_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class OnlineReport(Timestamped, db.Model):
    """A report sent through the public form, waiting for (or done with) triage."""

    __tablename__ = "online_reports"
    __table_args__ = (sa.Index("ix_online_reports_status_submitted", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(16), unique=True, doc="the report reference given to the public")
    reporter_type: Mapped[ReporterType] = mapped_column(enum_type(ReporterType))
    urgent: Mapped[bool] = mapped_column(doc="the reporter said someone is, or may soon be, in danger")
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, doc="the answers exactly as sent; never changed")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[ReportStatus] = mapped_column(enum_type(ReportStatus, length=16), default=ReportStatus.NEW)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    triaged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason: Mapped[CloseReason | None] = mapped_column(enum_type(CloseReason, length=16))
    close_note: Mapped[str | None] = mapped_column(sa.Text)

    triaged_by: Mapped[User | None] = relationship(lazy="raise")
