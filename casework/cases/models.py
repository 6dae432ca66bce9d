"""Cases: the report, its status and assignment history, its access list and investigation log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from casework.auth.models import Team, User
from casework.db import LabelledEnum, Timestamped, UTCDateTime, Versioned, enum_type
from casework.extensions import db

if TYPE_CHECKING:
    from casework.incidents.models import Incident
    from casework.people.models import CaseParty
    from casework.risk.models import RiskAssessment


class Channel(LabelledEnum):
    """How the report reached the police (DOMAIN.md: report channels)."""

    ONLINE = "online", "Online report form"
    PHONE_101 = "101", "101 non-emergency call"
    PHONE_999 = "999", "999 emergency call"
    IN_PERSON = "in_person", "In person at a police station"
    TEXT_RELAY = "text_relay", "Textphone or Relay UK (18000 / 18001 101)"
    EMERGENCY_SMS = "emergency_sms", "emergencySMS"
    BSL_VIDEO_RELAY = "bsl_video_relay", "999 BSL video relay"
    CRIMESTOPPERS = "crimestoppers", "Crimestoppers (anonymous)"
    AGENCY_REFERRAL = "agency_referral", "Referral from another agency"
    THIRD_PARTY = "third_party", "Third party on behalf of the victim"


class ReporterType(LabelledEnum):
    """Who made the report."""

    VICTIM = "victim", "The victim"
    WITNESS = "witness", "A witness"
    THIRD_PARTY = "third_party", "A third party on behalf of the victim"
    ANONYMOUS = "anonymous", "Anonymous (no identity recorded)"


class Classification(LabelledEnum):
    """Stalking or harassment."""

    STALKING = "stalking", "Stalking"
    HARASSMENT = "harassment", "Harassment"


class Offence(LabelledEnum):
    """Offences under the Protection from Harassment Act 1997."""

    S2 = "s2", "s.2 Harassment"
    S2A = "s2a", "s.2A Stalking"
    S4 = "s4", "s.4 Putting people in fear of violence"
    S4A = "s4a", "s.4A Stalking involving fear of violence or serious alarm or distress"

    @property
    def classification(self) -> Classification:
        """Stalking for the stalking offences (s.2A, s.4A), harassment for the others (s.2, s.4)."""
        return Classification.STALKING if self in {Offence.S2A, Offence.S4A} else Classification.HARASSMENT


class CaseStatus(LabelledEnum):
    """Where the case is (DOMAIN.md: case statuses)."""

    REPORTED = "reported", "Reported – awaiting allocation"
    ALLOCATED = "allocated", "Allocated"
    INVESTIGATING = "investigating", "Investigating"
    CHARGED = "charged", "Charged"
    AT_COURT = "at_court", "At court"
    CLOSED = "closed", "Closed"


class Outcome(LabelledEnum):
    """How a closed case ended."""

    CHARGED_SUMMONSED = "charged_summonsed", "Charged or summonsed"
    CONVICTED = "convicted", "Convicted"
    ACQUITTED = "acquitted", "Acquitted"
    CAUTION = "caution", "Caution"
    COMMUNITY_RESOLUTION = "community_resolution", "Community resolution"
    NFA_VICTIM_SUPPORTS = "nfa_victim_supports", "No further action – evidential difficulties, victim supports"
    NFA_VICTIM_DOES_NOT_SUPPORT = "nfa_victim_does_not_support", "No further action – victim does not support"
    NFA_SUSPECT_NOT_IDENTIFIED = "nfa_suspect_not_identified", "No further action – suspect not identified"
    NFA_PUBLIC_INTEREST = "nfa_public_interest", "No further action – not in the public interest"
    TRANSFERRED = "transferred", "Transferred to another force"
    NO_CRIME = "no_crime", "No crime"


class RiskLevel(LabelledEnum):
    """The officer's judgement of risk, recorded with a rationale."""

    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class NoteVisibility(LabelledEnum):
    """Who may read an investigation log entry."""

    POLICE_ONLY = "police_only", "Police only"
    SHAREABLE = "shareable", "Shareable with the victim's support adviser"


class AssignmentRole(LabelledEnum):
    """The two assignments every case has."""

    OFFICER = "officer", "Officer in case"
    SUPERVISOR = "supervisor", "Supervisor"


class ReferenceCounter(Timestamped, db.Model):
    """The last case number issued in a year; incremented atomically (see ``cases.service``)."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


OVERDUE_PREDICATE = sa.text("risk_review_due OR status = 'reported'")
OPEN_PREDICATE = sa.text("status <> 'closed'")
SUMMARY_MAX = 5000  # characters of a report's summary (the service refuses more; the column is unbounded text)
NUMBER_MAX = 40  # characters of an incident (call) or crime number

OVERDUE_FROM_SET = sa.text("overdue_from IS NOT NULL")
CLOSED_OVERDUE_FROM_SET = sa.text("status = 'closed' AND overdue_from IS NOT NULL")


class Case(Timestamped, Versioned, db.Model):
    """A report of stalking or harassment, worked to an outcome.

    ``status``, ``officer_id``, ``supervisor_id`` and ``risk_level`` are the current values;
    their full history is kept in ``case_status_changes``, ``case_assignments`` and
    ``risk_assessments``.
    """

    __tablename__ = "cases"
    __table_args__ = (
        sa.Index("ix_cases_team_status_reported", "team_id", "status", "reported_at"),
        sa.Index("ix_cases_officer_status", "officer_id", "status"),
        sa.Index("ix_cases_reported_at", "reported_at"),
        sa.Index("ix_cases_updated_at", "updated_at"),
        # Serves the risk-review and allocation overdue reasons (cases.queries): each implies this predicate.
        sa.Index("ix_cases_overdue", "reported_at", postgresql_where=OVERDUE_PREDICATE, sqlite_where=OVERDUE_PREDICATE),
        # The open cases (a tenth of them at scale): features' overdue reasons join their due rows to it.
        sa.Index("ix_cases_open", "id", postgresql_where=OPEN_PREDICATE, sqlite_where=OPEN_PREDICATE),
        # "My cases" includes the reports a user recorded that still await allocation (cases.queries).
        sa.Index("ix_cases_created_by_status", "created_by_id", "status"),
        # The lists in their usual order (newest first, then id) per officer, supervisor and team:
        # a page is read straight off the index instead of sorting all of someone's cases.
        sa.Index("ix_cases_officer_reported", "officer_id", "reported_at", "id"),
        sa.Index("ix_cases_supervisor_reported", "supervisor_id", "reported_at", "id"),
        sa.Index("ix_cases_team_reported", "team_id", "reported_at", "id"),
        # The cases whose overdue reasons are worth testing, longest overdue first (cases.overdue).
        sa.Index(
            "ix_cases_overdue_from", "overdue_from", postgresql_where=OVERDUE_FROM_SET, sqlite_where=OVERDUE_FROM_SET
        ),
        # An officer's and a supervisor's red panel: their own cases that may be overdue, longest overdue first.
        sa.Index(
            "ix_cases_officer_overdue_from",
            "officer_id",
            "overdue_from",
            "id",
            postgresql_where=OVERDUE_FROM_SET,
            sqlite_where=OVERDUE_FROM_SET,
        ),
        sa.Index(
            "ix_cases_supervisor_overdue_from",
            "supervisor_id",
            "overdue_from",
            "id",
            postgresql_where=OVERDUE_FROM_SET,
            sqlite_where=OVERDUE_FROM_SET,
        ),
        # The few closed cases that may still be overdue (a notice or a referral owed): the dashboard's caseload.
        sa.Index(
            "ix_cases_closed_overdue_from",
            "overdue_from",
            postgresql_where=CLOSED_OVERDUE_FROM_SET,
            sqlite_where=CLOSED_OVERDUE_FROM_SET,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    reporter_type: Mapped[ReporterType] = mapped_column(enum_type(ReporterType))
    classification: Mapped[Classification] = mapped_column(enum_type(Classification, length=16))
    offence: Mapped[Offence] = mapped_column(enum_type(Offence, length=8))
    summary: Mapped[str] = mapped_column(sa.Text)
    incident_number: Mapped[str | None] = mapped_column(sa.String(NUMBER_MAX), doc="call / incident log number")
    crime_number: Mapped[str | None] = mapped_column(sa.String(NUMBER_MAX))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus, length=16), default=CaseStatus.REPORTED)
    outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome, length=40))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    supervisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    restricted: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    risk_level: Mapped[RiskLevel | None] = mapped_column(enum_type(RiskLevel, length=16))
    party_names: Mapped[str] = mapped_column(
        sa.Text, default="", server_default="", doc="everyone's names in the case, lower case, for the list's search"
    )
    risk_review_due: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), doc="an incident or breach came after the latest assessment"
    )
    overdue_from: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), doc="the earliest instant an overdue reason could apply (kept by cases.overdue)"
    )

    team: Mapped[Team] = relationship(lazy="raise")
    officer: Mapped[User | None] = relationship(foreign_keys=[officer_id], lazy="raise")
    supervisor: Mapped[User | None] = relationship(foreign_keys=[supervisor_id], lazy="raise")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="raise")
    parties: Mapped[list[CaseParty]] = relationship(back_populates="case", lazy="raise", order_by="CaseParty.id")
    # Declared by name so that ``cases`` never imports the people feature (the list shows victims' names).
    victims: Mapped[list[CaseParty]] = relationship(
        primaryjoin="and_(Case.id == foreign(CaseParty.case_id), CaseParty.role == 'victim')",
        viewonly=True,
        lazy="raise",
        order_by="CaseParty.id",
    )
    incidents: Mapped[list[Incident]] = relationship(
        back_populates="case", lazy="raise", order_by="Incident.occurred_from"
    )
    assessments: WriteOnlyMapped[RiskAssessment] = relationship(back_populates="case")
    status_changes: WriteOnlyMapped[CaseStatusChange] = relationship(back_populates="case")
    assignments: WriteOnlyMapped[CaseAssignment] = relationship(back_populates="case")
    access_list: WriteOnlyMapped[CaseAccess] = relationship(back_populates="case")
    notes: WriteOnlyMapped[CaseNote] = relationship(back_populates="case")
    decisions: WriteOnlyMapped[CaseDecision] = relationship(back_populates="case")

    @property
    def is_open(self) -> bool:
        """Whether the case is still being worked."""
        return self.status != CaseStatus.CLOSED

    @property
    def risk_review_gap(self) -> str | None:
        """The open item a due review makes: a first assessment for a case never assessed, else a re-assessment."""
        if not self.risk_review_due:
            return None
        return "A risk assessment is due" if self.risk_level is None else "A risk re-assessment is due"


def victim_models() -> tuple[Any, Any, Any]:
    """``CaseParty``, ``Person`` and ``VictimContact``, reached through ``Case.victims``.

    For hub queries that read victims' names and needs (the case list, the identity bar) without importing
    the people feature.
    """
    party = Case.victims.property.mapper.class_
    return party, party.person.property.mapper.class_, party.contact.property.mapper.class_


class CaseStatusChange(Timestamped, db.Model):
    """One dated move between statuses, with who and why."""

    __tablename__ = "case_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    from_status: Mapped[CaseStatus | None] = mapped_column(enum_type(CaseStatus, length=16))
    to_status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus, length=16))
    outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome, length=40))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    changed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="status_changes", lazy="raise")
    changed_by: Mapped[User] = relationship(lazy="raise")


class CaseAssignment(Timestamped, db.Model):
    """One dated (re)assignment of the officer in case or the supervisor."""

    __tablename__ = "case_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    role: Mapped[AssignmentRole] = mapped_column(enum_type(AssignmentRole, length=16))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    assigned_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates="assignments", lazy="raise")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    assigned_by: Mapped[User] = relationship(foreign_keys=[assigned_by_id], lazy="raise")


class CaseAccess(Timestamped, db.Model):
    """A user allowed to see a restricted case, from ``created_at`` until ``removed_at`` (a dated row:
    removal keeps it, and adding the person again makes a new row)."""

    __tablename__ = "case_access"
    __table_args__ = (
        sa.Index(
            "uq_case_access_current",
            "case_id",
            "user_id",
            unique=True,
            postgresql_where=sa.text("removed_at IS NULL"),
            sqlite_where=sa.text("removed_at IS NULL"),
        ),
        # A user's current access list read from the index alone: every list hashes it (visible_cases_clause).
        sa.Index(
            "ix_case_access_current_by_user",
            "user_id",
            "case_id",
            postgresql_where=sa.text("removed_at IS NULL"),
            sqlite_where=sa.text("removed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    granted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    removal_reason: Mapped[str | None] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates="access_list", lazy="raise")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")


class CaseNote(Timestamped, db.Model):
    """An investigation log entry. Police-only notes never reach an adviser."""

    __tablename__ = "case_notes"
    __table_args__ = (sa.Index("ix_case_notes_case_created", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    visibility: Mapped[NoteVisibility] = mapped_column(enum_type(NoteVisibility, length=16))

    case: Mapped[Case] = relationship(back_populates="notes", lazy="raise")
    author: Mapped[User] = relationship(lazy="raise")


class DecisionKind(LabelledEnum):
    """Decisions a high-risk case asks for (DOMAIN.md: a high-risk case should prompt both)."""

    MARAC = "marac", "MARAC referral considered"
    SAFETY_PLAN = "safety_plan", "Safety plan agreed"


class DecisionOutcome(LabelledEnum):
    """What was decided; each outcome belongs to one kind (``DECISION_OUTCOMES``)."""

    MARAC_REFERRED = "marac_referred", "Referred to MARAC"
    MARAC_NOT_REFERRED = "marac_not_referred", "Considered, not referred to MARAC"
    PLAN_AGREED = "plan_agreed", "Safety plan agreed with the victim"
    PLAN_DECLINED = "plan_declined", "Safety plan offered, the victim declined"


DECISION_OUTCOMES: dict[DecisionKind, tuple[DecisionOutcome, ...]] = {
    DecisionKind.MARAC: (DecisionOutcome.MARAC_REFERRED, DecisionOutcome.MARAC_NOT_REFERRED),
    DecisionKind.SAFETY_PLAN: (DecisionOutcome.PLAN_AGREED, DecisionOutcome.PLAN_DECLINED),
}


class CaseDecision(Timestamped, db.Model):
    """A dated decision on a case, with who made it and why. Never overwritten: the latest of a kind counts."""

    __tablename__ = "case_decisions"
    __table_args__ = (sa.Index("ix_case_decisions_case_kind", "case_id", "kind", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    kind: Mapped[DecisionKind] = mapped_column(enum_type(DecisionKind, length=16))
    outcome: Mapped[DecisionOutcome] = mapped_column(enum_type(DecisionOutcome, length=24))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates="decisions", lazy="raise")
    decided_by: Mapped[User] = relationship(lazy="raise")
