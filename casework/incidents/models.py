"""Incidents: the occasions that make up the course of conduct, and their evidence."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User
from casework.cases.models import Channel
from casework.db import LabelledEnum, Timestamped, UTCDateTime, Versioned, enum_type
from casework.extensions import db

if TYPE_CHECKING:
    from casework.cases.models import Case


class Behaviour(LabelledEnum):
    """Stalking behaviours: PHA 1997 s.2A(3) examples plus the practical ones in DOMAIN.md."""

    FOLLOWING = "following", "Following"
    CONTACTING = "contacting", "Contacting or trying to contact"
    PUBLISHING = "publishing", "Publishing material about the victim or claiming to be them"
    MONITORING_COMMUNICATIONS = "monitoring_communications", "Monitoring internet, email or other communications"
    LOITERING = "loitering", "Loitering"
    INTERFERING_WITH_PROPERTY = "interfering_with_property", "Interfering with property"
    WATCHING = "watching", "Watching or spying"
    UNWANTED_GIFTS = "unwanted_gifts", "Unwanted gifts"
    THREATS = "threats", "Threats"
    VIOLENCE = "violence", "Violence"
    CONTACTING_THIRD_PARTIES = "contacting_third_parties", "Contacting third parties (family, colleagues)"
    TRACKING_DEVICE = "tracking_device", "Tracking device"
    FAKE_ACCOUNTS = "fake_accounts", "Fake accounts"


class EvidenceType(LabelledEnum):
    """Kinds of evidence item."""

    MESSAGE = "message", "Message (text, email, social media)"
    SCREENSHOT = "screenshot", "Screenshot"
    PHOTO = "photo", "Photograph"
    VIDEO = "video", "Video"
    CCTV = "cctv", "CCTV"
    AUDIO = "audio", "Voicemail or audio"
    DOCUMENT = "document", "Document or letter"
    PHYSICAL = "physical", "Physical item"
    STATEMENT = "statement", "Statement"
    OTHER = "other", "Other"


class Incident(Timestamped, Versioned, db.Model):
    """One occasion of the conduct: when (an instant or a range), where, what happened."""

    __tablename__ = "incidents"
    __table_args__ = (sa.Index("ix_incidents_case_occurred", "case_id", "occurred_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    occurred_from: Mapped[datetime] = mapped_column(UTCDateTime())
    occurred_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    location: Mapped[str | None] = mapped_column(sa.String(300))
    behaviours: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    description: Mapped[str] = mapped_column(sa.Text)
    how_reported: Mapped[Channel | None] = mapped_column(enum_type(Channel))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="incidents", lazy="raise")
    recorded_by: Mapped[User] = relationship(lazy="raise")
    evidence: Mapped[list[EvidenceItem]] = relationship(
        back_populates="incident", lazy="raise", order_by="EvidenceItem.id"
    )


class EvidenceItem(Timestamped, db.Model):
    """An item of evidence; an uploaded file is stored outside the web root under a random name."""

    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    evidence_type: Mapped[EvidenceType] = mapped_column(enum_type(EvidenceType, length=16))
    description: Mapped[str] = mapped_column(sa.Text)
    reference: Mapped[str | None] = mapped_column(sa.String(100), doc="exhibit or property reference")
    file_name: Mapped[str | None] = mapped_column(sa.String(255), doc="the name it was uploaded with")
    stored_name: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size_bytes: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    added_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    incident: Mapped[Incident] = relationship(back_populates="evidence", lazy="raise")
