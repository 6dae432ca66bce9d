"""Victim support: the services referrals go to, referrals with their consent and history, and aftercare.

A ``Referral`` sends one victim (a ``CaseParty``) of a case to a ``SupportService``. Its
``status`` and the consent, sending, taking and closing facts are current values; every move
is also a dated ``ReferralStatusChange`` row with who. ``send_due_at`` (2 working days after
consent) and the follow-up instants are stored so that lists and the reminder sweep are plain SQL.
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
from casework.people.models import CaseParty


class ServiceKind(LabelledEnum):
    """The kinds of support service a victim may be referred to (DOMAIN.md, "Support services")."""

    NATIONAL_STALKING_HELPLINE = "national_stalking_helpline", "National Stalking Helpline"
    ISAC_ADVOCACY = "isac_advocacy", "Stalking advocacy (ISAC)"
    IDVA = "idva", "Independent domestic violence adviser (IDVA)"
    VICTIM_SUPPORT = "victim_support", "Victim Support (local victim service)"
    WITNESS_SERVICE = "witness_service", "Witness Service"
    HOUSING = "housing", "Housing and sanctuary"
    COUNSELLING = "counselling", "Counselling"
    INTERPRETER = "interpreter", "Interpreter"


class SupportService(Timestamped, Versioned, db.Model):
    """A service victims are referred to; reference data an administrator keeps. Never deleted."""

    __tablename__ = "support_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[ServiceKind] = mapped_column(enum_type(ServiceKind, length=32))
    secure_email: Mapped[str] = mapped_column(sa.String(254), doc="where referral details are sent")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class ReferralStatus(LabelledEnum):
    """Where a referral is. The allowed moves are ``support.service.TRANSITIONS``."""

    PROPOSED = "proposed", "Proposed"
    CONSENT_DECLINED = "consent_declined", "Consent declined"
    SENT = "sent", "Sent to the service"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined by the service"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Stopped – consent withdrawn"


class ConsentDecision(LabelledEnum):
    """The victim's answer when asked to be referred."""

    GIVEN = "given", "Consent given"
    DECLINED = "declined", "Consent declined"


class ConsentMethod(LabelledEnum):
    """How the victim's consent (or refusal) was taken."""

    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "By phone"
    SIGNED_FORM = "signed_form", "Signed consent form"
    EMAIL = "email", "By email"
    TEXT = "text", "By text message"
    INTERPRETER = "interpreter", "Through an interpreter"


class ReferralOutcome(LabelledEnum):
    """How a referral ended once the service had worked it."""

    SUPPORT_COMPLETED = "support_completed", "Support completed – needs met"
    VICTIM_ENDED_SUPPORT = "victim_ended_support", "The victim ended the support"
    NO_CONTACT = "no_contact", "Could not make contact with the victim"
    TRANSFERRED = "transferred", "Transferred to another service"
    OTHER = "other", "Other (see notes)"


class SharedDetail(LabelledEnum):
    """A sealed contact detail the victim may agree to share with the support service, each on its own."""

    ADDRESS = "address", "Current address"
    PHONE = "phone", "Safe phone number"
    EMAIL = "email", "Safe email address"


class Referral(Timestamped, Versioned, db.Model):
    """One victim of a case referred to one support service."""

    __tablename__ = "referrals"
    __table_args__ = (
        sa.Index("ix_referrals_case", "case_id"),
        sa.Index("ix_referrals_service_status_sent", "service_id", "status", "sent_at"),
        sa.Index("ix_referrals_adviser_status", "adviser_id", "status"),
        sa.Index("ix_referrals_status_send_due", "status", "send_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("case_parties.id"), index=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("support_services.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ReferralStatus] = mapped_column(enum_type(ReferralStatus, length=20))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    consent: Mapped[ConsentDecision | None] = mapped_column(enum_type(ConsentDecision, length=16))
    consent_scope: Mapped[str | None] = mapped_column(sa.Text, doc="what the victim agreed may be shared, and why")
    consent_shares_address: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), doc="the victim agreed their sealed address goes to the service"
    )
    consent_shares_phone: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), doc="the victim agreed their safe phone number goes to the service"
    )
    consent_shares_email: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), doc="the victim agreed their safe email address goes to the service"
    )
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_method: Mapped[ConsentMethod | None] = mapped_column(enum_type(ConsentMethod, length=16))
    consent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    send_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), doc="2 working days after consent")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    take_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), doc="the service's standard for taking it")
    adviser_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[ReferralOutcome | None] = mapped_column(enum_type(ReferralOutcome, length=24))
    outcome_notes: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship(lazy="raise")
    party: Mapped[CaseParty] = relationship(lazy="raise")
    service: Mapped[SupportService] = relationship(lazy="raise")
    adviser: Mapped[User | None] = relationship(foreign_keys=[adviser_id], lazy="raise")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="raise")
    consent_by: Mapped[User | None] = relationship(foreign_keys=[consent_by_id], lazy="raise")

    @property
    def shared_details(self) -> list[SharedDetail]:
        """The sealed contact details the victim agreed go to the service (none without consent given)."""
        if self.consent != ConsentDecision.GIVEN:
            return []
        agreed = {
            SharedDetail.ADDRESS: self.consent_shares_address,
            SharedDetail.PHONE: self.consent_shares_phone,
            SharedDetail.EMAIL: self.consent_shares_email,
        }
        return [detail for detail, shared in agreed.items() if shared]


class ReferralStatusChange(Timestamped, db.Model):
    """One dated move of a referral, with who and why."""

    __tablename__ = "referral_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id"), index=True)
    from_status: Mapped[ReferralStatus | None] = mapped_column(enum_type(ReferralStatus, length=20))
    to_status: Mapped[ReferralStatus] = mapped_column(enum_type(ReferralStatus, length=20))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    changed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    changed_by: Mapped[User] = relationship(lazy="raise")


class AftercareKind(LabelledEnum):
    """The kinds of aftercare entry an adviser records."""

    NEEDS_ASSESSMENT = "needs_assessment", "Needs assessment"
    SAFETY_PLANNING = "safety_planning", "Safety planning"
    HOUSING = "housing", "Housing and sanctuary"
    COUNSELLING = "counselling", "Counselling"
    COURT_SUPPORT = "court_support", "Court support"


class NeedArea(LabelledEnum):
    """The areas of a needs assessment (DOMAIN.md)."""

    SAFETY = "safety", "Safety and security"
    HEALTH = "health", "Health and wellbeing"
    HOUSING = "housing", "Housing"
    FINANCE = "finance", "Finance"
    CHILDREN = "children", "Children and family"
    JUSTICE = "justice", "Justice process and court"
    COMMUNICATION = "communication", "Communication needs"


class NeedRating(LabelledEnum):
    """How much support an area needs."""

    NONE = "none", "None"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


OPEN_FOLLOW_UP = sa.text("follow_up_closed_at IS NULL")


class AftercareEntry(Timestamped, db.Model):
    """A dated piece of aftercare work on a referral, with next steps and a follow-up date.

    ``summary`` is what the officer in case sees; ``notes``, ``needs`` and the court details stay
    with the service. A later entry on the referral is the follow-up of the earlier ones
    (``follow_up_closed_at``). Entries are never edited.
    """

    __tablename__ = "aftercare_entries"
    __table_args__ = (
        sa.Index("ix_aftercare_entries_referral", "referral_id", "occurred_on"),
        sa.Index(
            "ix_aftercare_entries_open_follow_up",
            "follow_up_due_at",
            postgresql_where=OPEN_FOLLOW_UP,
            sqlite_where=OPEN_FOLLOW_UP,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id"))
    kind: Mapped[AftercareKind] = mapped_column(enum_type(AftercareKind, length=20))
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    summary: Mapped[str] = mapped_column(sa.Text, doc="shown to the officer in case")
    notes: Mapped[str | None] = mapped_column(sa.Text, doc="the service's own notes")
    next_steps: Mapped[str] = mapped_column(sa.Text)
    follow_up_on: Mapped[date] = mapped_column(sa.Date)
    follow_up_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    follow_up_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    needs: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, doc="need area -> {rating, notes}")
    special_measures: Mapped[str | None] = mapped_column(sa.Text)
    pre_trial_visit_on: Mapped[date | None] = mapped_column(sa.Date)
    witness_service: Mapped[bool | None] = mapped_column()

    recorded_by: Mapped[User] = relationship(lazy="raise")
