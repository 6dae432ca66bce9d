"""Demo cases for the embedded default: every status, with people, incidents and risk assessments.

Written through the services (so histories and audit rows are real), with fixed, plausible
content. Runs once: if any case exists, nothing is added.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import sqlalchemy as sa

from casework.auth.models import Role, Team, User
from casework.cases import service as cases
from casework.cases.models import (
    Case,
    CaseStatus,
    Channel,
    Classification,
    NoteVisibility,
    Offence,
    Outcome,
    ReporterType,
    RiskLevel,
)
from casework.db import utcnow
from casework.extensions import db
from casework.incidents import service as incidents
from casework.incidents.models import Behaviour
from casework.people import queries as people_queries
from casework.people import service as people
from casework.people.models import ContactMethod, PartyRole, Relationship
from casework.risk import service as risk
from casework.risk.checklist import CURRENT
from casework.workdays import local_date

# (team, summary, status, risk, days ago, victim, suspect, relationship, incidents)
_CASES = [
    (
        "North stalking team",
        "Ex-partner repeatedly turns up outside the victim's home and workplace.",
        CaseStatus.INVESTIGATING,
        RiskLevel.HIGH,
        12,
        ("Hannah", "Morris"),
        ("Craig", "Morris", date(1985, 3, 2)),
        Relationship.EX_PARTNER,
        4,
    ),
    (
        "North stalking team",
        "Anonymous accounts sending abusive messages and posting the victim's photos.",
        CaseStatus.ALLOCATED,
        RiskLevel.MEDIUM,
        3,
        ("Aisha", "Khan"),
        ("Unknown", "Account holder", None),
        Relationship.ONLINE_ONLY,
        2,
    ),
    (
        "North stalking team",
        "Neighbour filming the victim's garden and leaving notes on the car.",
        CaseStatus.REPORTED,
        None,
        2,
        ("Peter", "Lloyd"),
        ("Gary", "Whitfield", date(1971, 9, 14)),
        Relationship.NEIGHBOUR,
        2,
    ),
    (
        "North stalking team",
        "Former colleague contacting the victim's family and new employer.",
        CaseStatus.CHARGED,
        RiskLevel.MEDIUM,
        60,
        ("Sophie", "Turner"),
        ("Martin", "Blake", date(1979, 1, 30)),
        Relationship.COLLEAGUE,
        5,
    ),
    (
        "North stalking team",
        "Stranger following the victim from the railway station on several evenings.",
        CaseStatus.AT_COURT,
        RiskLevel.HIGH,
        120,
        ("Grace", "Adeyemi"),
        ("Lee", "Harding", date(1990, 6, 8)),
        Relationship.STRANGER,
        3,
    ),
    (
        "North stalking team",
        "Ex-partner sending gifts and messages after being told to stop.",
        CaseStatus.CLOSED,
        RiskLevel.STANDARD,
        200,
        ("Emma", "Clarke"),
        ("Craig", "Morris", date(1985, 3, 2)),
        Relationship.EX_PARTNER,
        2,
    ),
    (
        "South stalking team",
        "Acquaintance tracking the victim's car with a device found under the bumper.",
        CaseStatus.INVESTIGATING,
        RiskLevel.HIGH,
        20,
        ("Jade", "Wilson"),
        ("Ryan", "Cole", date(1988, 11, 21)),
        Relationship.ACQUAINTANCE,
        3,
    ),
    (
        "South stalking team",
        "Repeated unwanted calls to the victim's workplace.",
        CaseStatus.REPORTED,
        None,
        0,
        ("Tom", "Evans"),
        ("Nadia", "Price", date(1993, 2, 11)),
        Relationship.ACQUAINTANCE,
        1,
    ),
]


def _team_staff(team: Team) -> tuple[User, User]:
    members = db.session.execute(sa.select(User).where(User.team_id == team.id).order_by(User.id)).scalars().all()
    officer = next(user for user in members if user.role == Role.OFFICER)
    supervisor = next(user for user in members if user.role == Role.SUPERVISOR)
    return officer, supervisor


def seed() -> None:
    """Add the demo cases unless there are cases already."""
    if db.session.execute(sa.select(sa.exists().where(Case.id.isnot(None)))).scalar():
        return
    now = utcnow()
    for team_name, summary, status, level, days_ago, victim, suspect, relationship, incident_count in _CASES:
        team = db.session.execute(sa.select(Team).where(Team.name == team_name)).scalar_one()
        officer, supervisor = _team_staff(team)
        reported_at = now - timedelta(days=days_ago, hours=3)
        case = cases.create_case(
            officer,
            cases.NewCase(
                channel=Channel.PHONE_101 if days_ago % 2 else Channel.ONLINE,
                reporter_type=ReporterType.VICTIM,
                classification=Classification.STALKING,
                offence=Offence.S2A if level != RiskLevel.HIGH else Offence.S4A,
                summary=summary,
                reported_at=reported_at,
                incident_number=f"{100 + days_ago:04d}-{reported_at:%d%m%y}",
            ),
        )
        victim_party = people.add_party(
            officer, case, people.PartyDetails(role=PartyRole.VICTIM, first_name=victim[0], last_name=victim[1])
        )
        people.update_contact(
            officer,
            case,
            victim_party,
            people.ContactDetails(
                preferred_method=ContactMethod.PHONE,
                safe_times="Weekdays 10:00 to 15:00",
                voicemail_safe=False,
                texts_safe=True,
                letters_safe=False,
                email_safe=False,
                language="English",
                interpreter_needed=False,
                uses_bsl=False,
                uses_textphone=False,
                access_needs=None,
                sealed_address=f"{10 + days_ago} Demo Street, Exampletown",
                sealed_phone="07700 900" + f"{days_ago:03d}",
                sealed_email=None,
            ),
        )
        known = people_queries.likely_matches(officer, suspect[0], suspect[1], suspect[2])
        people.add_party(
            officer,
            case,
            people.PartyDetails(
                role=PartyRole.SUSPECT,
                first_name=suspect[0],
                last_name=suspect[1],
                date_of_birth=suspect[2],
                relationship_to_victim=relationship,
                existing_person_id=known[0].person.id if known else None,
                different_person_confirmed=not known,
            ),
        )
        for number in range(incident_count):
            occurred = reported_at - timedelta(days=7 * (incident_count - number))
            incidents.record_incident(
                officer,
                case,
                incidents.IncidentDetails(
                    when=incidents.When(start_day=local_date(occurred), start_time=time(19, 30)),
                    description="Demo incident: the suspect was seen and messages followed the same evening.",
                    location="Near the victim's home" if number % 2 else "Victim's workplace",
                    behaviours=(Behaviour.LOITERING, Behaviour.WATCHING)
                    if number % 2
                    else (Behaviour.CONTACTING, Behaviour.THREATS),
                ),
            )
        if level is not None:
            _assess(case, officer, level)
        if status != CaseStatus.REPORTED:
            cases.allocate(
                supervisor,
                case,
                officer_id=officer.id,
                supervisor_id=supervisor.id,
                reason=None,
                expected_version=case.version_id,
            )
        for step in (CaseStatus.INVESTIGATING, CaseStatus.CHARGED, CaseStatus.AT_COURT):
            if _order(status) >= _order(step) and status != CaseStatus.CLOSED:
                cases.change_status(officer, case, step, reason=None, expected_version=case.version_id)
        if status == CaseStatus.CLOSED:
            cases.change_status(officer, case, CaseStatus.INVESTIGATING, reason=None, expected_version=case.version_id)
            cases.close_case(
                supervisor,
                case,
                outcome=Outcome.CAUTION,
                reason="Suspect admitted the offence and was cautioned.",
                confirmed=True,
                expected_version=case.version_id,
            )
        cases.add_note(
            officer,
            case,
            body="Spoke to the victim and agreed to update them weekly by phone.",
            visibility=NoteVisibility.SHAREABLE,
        )
    db.session.flush()


_ORDER = [CaseStatus.REPORTED, CaseStatus.ALLOCATED, CaseStatus.INVESTIGATING, CaseStatus.CHARGED, CaseStatus.AT_COURT]


def _order(status: CaseStatus) -> int:
    return _ORDER.index(status) if status in _ORDER else len(_ORDER)


def _assess(case: Case, officer: User, level: RiskLevel) -> None:
    yes_count = {RiskLevel.STANDARD: 2, RiskLevel.MEDIUM: 5, RiskLevel.HIGH: 8}[level]
    answers = {
        key: risk.Answer(answer=index < yes_count, comment="Told to the officer at the first account.")
        for index, key in enumerate(CURRENT.keys)
    }
    risk.record_assessment(officer, case, answers, level, "Demo assessment recorded with the case.")
