"""Factories for test data, written through the same session the app uses."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from casework.auth import totp
from casework.auth.models import Role, Team, User
from casework.auth.passwords import hash_password
from casework.cases.models import Case, CaseStatus, Channel, Classification, Offence, ReporterType, RiskLevel
from casework.cases.service import NewCase
from casework.db import utcnow
from casework.extensions import db
from casework.incidents.models import EvidenceItem, EvidenceType, Incident
from casework.people.models import CaseParty, PartyRole, Person
from casework.people.service import refresh_party_names
from casework.risk.checklist import CHECKLIST_VERSION
from casework.risk.models import RiskAssessment
from casework.support.models import Referral, ReferralStatus, ServiceKind, SupportService

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class TeamFactory(BaseFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@casework.police.uk")
    full_name = factory.Sequence(lambda n: f"Test User {n}")
    role = Role.OFFICER
    team = factory.LazyAttribute(lambda user: None if user.role in {Role.ADMIN, Role.MANAGER} else TeamFactory())
    password_hash = _PASSWORD_HASH
    totp_secret = factory.LazyFunction(totp.new_secret)
    totp_enrolled_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=30))


class CaseFactory(BaseFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"SH-2026-{n + 900000:06d}")
    channel = Channel.PHONE_101
    reporter_type = ReporterType.VICTIM
    classification = Classification.STALKING
    offence = Offence.S2A
    summary = "Ex-partner keeps turning up at the victim's workplace and messaging her friends."
    reported_at = factory.LazyFunction(lambda: utcnow() - timedelta(hours=2))
    status = CaseStatus.REPORTED
    team = factory.SubFactory(TeamFactory)
    created_by = factory.LazyAttribute(lambda case: UserFactory(role=Role.OFFICER, team=case.team))


class PersonFactory(BaseFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = factory.Sequence(lambda n: f"Example{n}")
    date_of_birth = date(1990, 5, 17)


class CasePartyFactory(BaseFactory):
    class Meta:
        model = CaseParty

    case = factory.SubFactory(CaseFactory)
    person = factory.SubFactory(PersonFactory)
    role = PartyRole.VICTIM
    enhanced_rights = factory.LazyAttribute(lambda party: True if party.role == PartyRole.VICTIM else None)

    @factory.post_generation
    def searchable(party: CaseParty, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        """Names reach the case list's search as they do through ``people.service.add_party``."""
        if create:
            refresh_party_names(party.case_id)
            db.session.commit()


class IncidentFactory(BaseFactory):
    class Meta:
        model = Incident

    case = factory.SubFactory(CaseFactory)
    occurred_from = factory.LazyFunction(lambda: utcnow() - timedelta(days=3))
    location = "Outside the victim's workplace"
    behaviours = factory.LazyFunction(lambda: ["loitering", "watching"])
    description = "Suspect waited by the car park exit for an hour."
    recorded_by_id = factory.LazyAttribute(lambda incident: incident.case.created_by_id)


class RiskAssessmentFactory(BaseFactory):
    class Meta:
        model = RiskAssessment

    case = factory.SubFactory(CaseFactory)
    assessor = factory.LazyAttribute(lambda assessment: db.session.get(User, assessment.case.created_by_id))
    assessed_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=1))
    checklist_version = CHECKLIST_VERSION
    answers = factory.LazyFunction(dict)
    yes_count = 0
    level = RiskLevel.STANDARD
    rationale = "No threats, victim not very frightened."


def allocated_case(officer: User, **fields: object) -> Case:
    """A case allocated to ``officer`` (supervisor from the same team), investigating."""
    supervisor = UserFactory(role=Role.SUPERVISOR, team=officer.team)
    fields.setdefault("status", CaseStatus.INVESTIGATING)
    return CaseFactory(team=officer.team, officer=officer, supervisor=supervisor, created_by=officer, **fields)


class EvidenceItemFactory(BaseFactory):
    class Meta:
        model = EvidenceItem

    incident = factory.SubFactory(IncidentFactory)
    evidence_type = EvidenceType.SCREENSHOT
    description = "Screenshot of the messages sent overnight."
    reference = factory.Sequence(lambda n: f"EXH-{n}")
    added_by_id = factory.LazyAttribute(lambda item: item.incident.recorded_by_id)


def new_case_form(**changes: object) -> dict[str, object]:
    """A valid "record a report" form, as posted, with ``changes``."""
    return {
        "channel": "101",
        "reporter_type": "victim",
        "classification": "stalking",
        "offence": "s2a",
        "reported_on": ["1", "11", "2026"],
        "summary": "Messages every night from an ex-partner.",
        **changes,
    }


def new_case_details(**changes: object) -> NewCase:
    """What ``cases.service.create_case`` is given for a valid report, with ``changes``."""
    fields: dict[str, object] = {
        "channel": Channel.PHONE_101,
        "reporter_type": ReporterType.VICTIM,
        "classification": Classification.STALKING,
        "offence": Offence.S2A,
        "summary": "Followed home twice.",
        "reported_at": utcnow(),
        **changes,
    }
    return NewCase(**fields)  # type: ignore[arg-type]


def order_case(officer: User, **fields: object) -> tuple[Case, CaseParty, CaseParty]:
    """An allocated case with a victim and a suspect, ready for protective orders."""
    case = allocated_case(officer, **fields)
    victim = CasePartyFactory(case=case, role=PartyRole.VICTIM)
    suspect = CasePartyFactory(case=case, role=PartyRole.SUSPECT)
    return case, victim, suspect


class SupportServiceFactory(BaseFactory):
    class Meta:
        model = SupportService

    name = factory.Sequence(lambda n: f"Stalking advocacy service {n}")
    kind = ServiceKind.ISAC_ADVOCACY
    secure_email = factory.Sequence(lambda n: f"referrals{n}@advocacy.example.org")


class ReferralFactory(BaseFactory):
    """A proposed referral of a victim of a case (walk it on with ``casework.support.service``)."""

    class Meta:
        model = Referral

    case = factory.SubFactory(CaseFactory)
    party = factory.LazyAttribute(lambda referral: CasePartyFactory(case=referral.case, role=PartyRole.VICTIM))
    service = factory.SubFactory(SupportServiceFactory)
    reason = "Victim frightened and would like an advocate."
    status = ReferralStatus.PROPOSED
    created_by_id = factory.LazyAttribute(lambda referral: referral.case.created_by_id)
