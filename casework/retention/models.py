"""Retention decisions: dated history rows, one per review of a closed case."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User
from casework.cases.models import Case
from casework.db import LabelledEnum, Timestamped, enum_type
from casework.extensions import db


class Decision(LabelledEnum):
    """What a review decided."""

    RETAIN = "retain", "Retain"
    ERASE = "erase", "Erase personal data"


class RetentionDecision(Timestamped, db.Model):
    """One review of a closed case. ``created_at`` is when it was decided.

    Only decisions made since the case was last closed count (``queries``): a case that is reopened and
    closed again starts from the review date of its new closure.
    """

    __tablename__ = "retention_decisions"
    __table_args__ = (sa.Index("ix_retention_decisions_case", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    decision: Mapped[Decision] = mapped_column(enum_type(Decision, length=16))
    reason: Mapped[str] = mapped_column(sa.Text)
    next_review_on: Mapped[date | None] = mapped_column(sa.Date, doc="retain: when to review again")
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    decided_by: Mapped[User] = relationship(lazy="raise")


# The report reads closed cases by closure date: an index on the hub's table, declared here so that the
# cases package does not need to know about retention.
sa.Index("ix_cases_closed_at", Case.__table__.c.closed_at)
