"""Keeping victims updated: contact plans, do-not-contact flags, the contact log and key decisions.

A victim is a ``CaseParty`` with the victim role; their contact preferences (method, safe times,
which channels are safe) stay in ``people.VictimContact`` and are only shown here. Every plan
change, flag and lifting is a dated row; nothing is overwritten or deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User
from casework.cases.models import Case
from casework.db import LabelledEnum, Timestamped, UTCDateTime, Versioned, enum_type
from casework.extensions import db
from casework.people.models import CaseParty, ContactMethod


class Schedule(LabelledEnum):
    """How often the victim is updated."""

    EVERY_N_DAYS = "every_n_days", "Every agreed number of days"
    ENHANCED_STANDARD = "enhanced_standard", "Local enhanced standard: within 24 hours, at 10 days, then every 28 days"


class MessageChannel(LabelledEnum):
    """Channels a victim may opt in to for messages sent by the system (never with case detail)."""

    EMAIL = "email", "Email"
    SMS = "sms", "Text message (SMS)"


class ContactOutcome(LabelledEnum):
    """What came of a contact attempt."""

    SPOKE = "spoke", "Spoke to the victim"
    SAFE_MESSAGE = "safe_message", "Left a safe message"
    NO_ANSWER = "no_answer", "No answer"
    UNSAFE = "unsafe", "Unsafe to contact"

    @property
    def told(self) -> bool:
        """Whether the victim was actually given the update."""
        return self in {ContactOutcome.SPOKE, ContactOutcome.SAFE_MESSAGE}


class DecisionKind(LabelledEnum):
    """Key decisions the Victims' Code says a victim must be told about."""

    ARREST = "arrest", "Suspect arrested"
    INTERVIEW = "interview", "Suspect interviewed under caution"
    RELEASED_NO_CHARGE = "released_no_charge", "Suspect released without charge"
    RELEASED_ON_BAIL = "released_on_bail", "Suspect released on bail"
    RELEASED_UNDER_INVESTIGATION = "released_under_investigation", "Suspect released under investigation"
    BAIL_CONDITIONS_CHANGED = "bail_conditions_changed", "Bail conditions changed"
    NOT_TO_INVESTIGATE = "not_to_investigate", "Decision not to investigate"
    NOT_TO_CHARGE = "not_to_charge", "Decision not to charge"
    CHARGED = "charged", "Suspect charged"
    OUT_OF_COURT = "out_of_court", "Out-of-court disposal"
    COURT_DATE = "court_date", "Court date set"


DNC_OPEN = sa.text("lifted_at IS NULL")
NOTICE_OPEN = sa.text("discharged_at IS NULL")


class ContactPlan(Timestamped, Versioned, db.Model):
    """How and how often one victim of a case is kept updated.

    ``owner_id`` NULL means "the officer in case", so a reallocation moves the contact with no
    hook into cases. ``next_update_due_at`` is the next scheduled update; a successful contact
    moves it. ``review_prompted_at`` is set when a contact was unsafe, until the plan is reviewed.
    """

    __tablename__ = "contact_plans"
    __table_args__ = (sa.Index("ix_contact_plans_next_due", "next_update_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("case_parties.id"), unique=True)
    schedule: Mapped[Schedule] = mapped_column(enum_type(Schedule, length=24))
    frequency_days: Mapped[int | None]
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), doc="NULL: the officer in case")
    message_channel: Mapped[MessageChannel | None] = mapped_column(
        enum_type(MessageChannel, length=8), doc="the channel the victim opted in to for messages; NULL: not opted in"
    )
    next_update_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_prompted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship(lazy="raise")
    party: Mapped[CaseParty] = relationship(lazy="raise")
    owner: Mapped[User | None] = relationship(lazy="raise")

    def describe_schedule(self) -> str:
        """ "Every 14 days" or the enhanced standard in words."""
        if self.schedule == Schedule.EVERY_N_DAYS:
            return "Every day" if self.frequency_days == 1 else f"Every {self.frequency_days} days"
        return self.schedule.label


class ContactPlanChange(Timestamped, db.Model):
    """One dated agreement or change of a plan: what it became, who changed it and why."""

    __tablename__ = "contact_plan_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("contact_plans.id"), index=True)
    changed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    terms: Mapped[dict[str, Any]] = mapped_column(sa.JSON, doc="schedule, frequency_days, owner_id, message_channel")

    changed_by: Mapped[User] = relationship(lazy="raise")


class DoNotContact(Timestamped, db.Model):
    """A do-not-contact flag on a victim: pauses messages and scheduled updates until lifted."""

    __tablename__ = "do_not_contact_flags"
    __table_args__ = (
        sa.Index(
            "ix_do_not_contact_one_open", "party_id", unique=True, postgresql_where=DNC_OPEN, sqlite_where=DNC_OPEN
        ),
        sa.Index("ix_do_not_contact_review", "review_due_at", postgresql_where=DNC_OPEN, sqlite_where=DNC_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("case_parties.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    review_on: Mapped[date] = mapped_column(sa.Date)
    review_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), doc="when the owner is reminded to review it")
    set_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(sa.Text)

    set_by: Mapped[User] = relationship(foreign_keys=[set_by_id], lazy="raise")
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id], lazy="raise")


class ContactAttempt(Timestamped, db.Model):
    """One attempt to contact a victim: when, who, how, what came of it and what was said."""

    __tablename__ = "contact_attempts"
    __table_args__ = (sa.Index("ix_contact_attempts_case_at", "case_id", "contacted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("case_parties.id"), index=True)
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    made_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    method: Mapped[ContactMethod] = mapped_column(enum_type(ContactMethod, length=16))
    outcome: Mapped[ContactOutcome] = mapped_column(enum_type(ContactOutcome, length=16))
    discussed: Mapped[str | None] = mapped_column(sa.Text)

    made_by: Mapped[User] = relationship(lazy="raise")


class KeyDecision(Timestamped, db.Model):
    """A decision the victims of the case must be told about (Victims' Code)."""

    __tablename__ = "key_decisions"
    __table_args__ = (
        sa.Index("ix_key_decisions_case", "case_id", "decided_at"),
        sa.Index("ix_key_decisions_court_reminder", "court_reminder_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    kind: Mapped[DecisionKind] = mapped_column(enum_type(DecisionKind, length=32))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    hearing_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), doc="court dates only")
    court_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), doc="when to remind before the hearing")
    notes: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    recorded_by: Mapped[User] = relationship(lazy="raise")


class DecisionNotice(Timestamped, db.Model):
    """The obligation to tell one victim about one key decision by a deadline; a contact discharges it."""

    __tablename__ = "decision_notices"
    __table_args__ = (
        sa.UniqueConstraint("decision_id", "party_id"),
        sa.Index("ix_decision_notices_open_due", "due_at", postgresql_where=NOTICE_OPEN, sqlite_where=NOTICE_OPEN),
        sa.Index("ix_decision_notices_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("key_decisions.id"))
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("case_parties.id"))
    enhanced_rights: Mapped[bool] = mapped_column(doc="as the victim's record stood when the decision was made")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    discharged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    discharged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contact_attempts.id"))

    decision: Mapped[KeyDecision] = relationship(lazy="raise")
