"""Every model, imported in one place so that Alembic and the mappers see the whole schema."""

from casework.audit.models import AuditEvent
from casework.auth.models import Team, User
from casework.cases.models import (
    Case,
    CaseAccess,
    CaseAssignment,
    CaseDecision,
    CaseNote,
    CaseStatusChange,
    ReferenceCounter,
)
from casework.contact.models import (
    ContactAttempt,
    ContactPlan,
    ContactPlanChange,
    DecisionNotice,
    DoNotContact,
    KeyDecision,
)
from casework.health.models import Heartbeat
from casework.incidents.models import EvidenceItem, Incident
from casework.intake.models import OnlineReport, ReportDraft
from casework.orders.models import OrderBreach, OrderHearing, OrderProtectedPerson, OrderStatusChange, ProtectiveOrder
from casework.people.models import CaseParty, Person, SealedDetailsDisclosure, VictimContact
from casework.reminders.models import Reminder
from casework.retention.models import RetentionDecision
from casework.risk.models import RiskAssessment
from casework.support.models import AftercareEntry, Referral, ReferralStatusChange, SupportService

__all__ = [
    "AftercareEntry",
    "AuditEvent",
    "Case",
    "CaseAccess",
    "CaseAssignment",
    "CaseDecision",
    "CaseNote",
    "CaseParty",
    "CaseStatusChange",
    "ContactAttempt",
    "ContactPlan",
    "ContactPlanChange",
    "DecisionNotice",
    "DoNotContact",
    "EvidenceItem",
    "Heartbeat",
    "Incident",
    "KeyDecision",
    "OnlineReport",
    "OrderBreach",
    "OrderHearing",
    "OrderProtectedPerson",
    "OrderStatusChange",
    "Person",
    "ProtectiveOrder",
    "ReferenceCounter",
    "Referral",
    "ReferralStatusChange",
    "Reminder",
    "ReportDraft",
    "RetentionDecision",
    "RiskAssessment",
    "SealedDetailsDisclosure",
    "SupportService",
    "Team",
    "User",
    "VictimContact",
]
