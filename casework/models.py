"""Every model, imported in one place so that Alembic and the mappers see the whole schema."""

from casework.audit.models import AuditEvent
from casework.auth.models import Team, User
from casework.cases.models import Case, CaseAccess, CaseAssignment, CaseNote, CaseStatusChange, ReferenceCounter
from casework.health.models import Heartbeat
from casework.incidents.models import EvidenceItem, Incident
from casework.intake.models import OnlineReport, ReportDraft
from casework.people.models import CaseParty, Person, SealedDetailsDisclosure, VictimContact
from casework.risk.models import RiskAssessment

__all__ = [
    "AuditEvent",
    "Case",
    "CaseAccess",
    "CaseAssignment",
    "CaseNote",
    "CaseParty",
    "CaseStatusChange",
    "EvidenceItem",
    "Heartbeat",
    "Incident",
    "OnlineReport",
    "Person",
    "ReferenceCounter",
    "ReportDraft",
    "RiskAssessment",
    "SealedDetailsDisclosure",
    "Team",
    "User",
    "VictimContact",
]
