"""People in cases: adding them, victims' safe-contact details, sealed details and break-glass,
and repeat suspects across cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import User
from casework.cases.models import Case, ReporterType
from casework.db import utcnow
from casework.errors import DomainError, NotFound
from casework.extensions import db
from casework.people.models import (
    CaseParty,
    PartyRole,
    Person,
    Relationship,
    SealedDetailsDisclosure,
    VictimContact,
)
from casework.people.queries import ContactPreferences, SealedDetails, likely_matches, sealed_details_of
from casework.security import Permission, can
from casework.workdays import local_date

# DOMAIN.md: stalking victims usually qualify as persistently targeted or intimidated, so
# enhanced rights are the default, recorded with this reason and changeable by the officer.
DEFAULT_ENHANCED_RIGHTS_REASON = (
    "Stalking and harassment victims are usually persistently targeted or intimidated (Victims' Code)."
)


@dataclass(frozen=True)
class PartyDetails:
    """A person and the part they play in a case."""

    role: PartyRole
    first_name: str
    last_name: str
    other_names: str | None = None
    date_of_birth: date | None = None
    relationship_to_victim: Relationship | None = None
    not_to_be_identified: bool = False
    enhanced_rights: bool | None = None
    enhanced_rights_reason: str | None = None
    notes: str | None = None
    existing_person_id: int | None = None
    different_person_confirmed: bool = False


def add_party(actor: User, case: Case, details: PartyDetails) -> CaseParty:
    """Add a person to the case in a part. An anonymous report never gets a reporter identity."""
    if details.role == PartyRole.REPORTER and case.reporter_type == ReporterType.ANONYMOUS:
        raise DomainError("This report was made anonymously: no reporter identity is recorded", field="role")
    if details.date_of_birth and details.date_of_birth > local_date(utcnow()):
        raise DomainError("Date of birth must be in the past", field="date_of_birth")
    person = _existing_person(actor, details) or Person(
        first_name=details.first_name,
        last_name=details.last_name,
        other_names=details.other_names,
        date_of_birth=details.date_of_birth,
    )
    if person.id is not None and _already_in_case(case, person, details.role):
        raise DomainError(
            f"This person is already recorded as {details.role.label.lower()} in this case", field="same_as"
        )
    victim = details.role == PartyRole.VICTIM
    party = CaseParty(
        case_id=case.id,
        person=person,
        role=details.role,
        relationship_to_victim=(details.relationship_to_victim or Relationship.UNKNOWN)
        if details.role == PartyRole.SUSPECT
        else None,
        not_to_be_identified=details.not_to_be_identified and details.role in {PartyRole.WITNESS, PartyRole.REPORTER},
        enhanced_rights=(True if details.enhanced_rights is None else details.enhanced_rights) if victim else None,
        enhanced_rights_reason=(details.enhanced_rights_reason or DEFAULT_ENHANCED_RIGHTS_REASON) if victim else None,
        notes=details.notes,
    )
    if victim:
        party.contact = VictimContact()
    db.session.add(party)
    db.session.flush()
    refresh_party_names(case.id)
    audit.record(
        AuditAction.UPDATE,
        "case",
        case.id,
        actor=actor,
        detail={"party_added": details.role.value, "party_id": party.id},
    )
    if details.existing_person_id is not None:
        # DPA 2018 s.62: linking records about one person across cases is a combination.
        audit.record(
            AuditAction.COMBINE, "case", case.id, actor=actor, detail={"person_id": person.id, "party_id": party.id}
        )
    return party


def refresh_party_names(case_id: int) -> None:
    """Keep ``cases.party_names`` (the case list's name search) in step with the case's parties.

    A Core UPDATE, so the case's version does not change: adding a person is not an edit of the case.
    The separator keeps a search from matching across two people's names.
    """
    names = db.session.execute(
        sa.select(Person.first_name, Person.last_name)
        .join(CaseParty, CaseParty.person_id == Person.id)
        .where(CaseParty.case_id == case_id)
        .order_by(CaseParty.id)
    ).all()
    joined = " | ".join(f"{first} {last}".lower() for first, last in names)
    db.session.execute(sa.update(Case.__table__).where(Case.__table__.c.id == case_id).values(party_names=joined))


def _already_in_case(case: Case, person: Person, role: PartyRole) -> bool:
    query = sa.select(CaseParty.id).where(
        CaseParty.case_id == case.id, CaseParty.person_id == person.id, CaseParty.role == role
    )
    return db.session.execute(query).first() is not None


def _existing_person(actor: User, details: PartyDetails) -> Person | None:
    """The known person this one was confirmed to be, or ``None`` for a new person record.

    When people with the same name and date of birth are already in cases the officer may
    see, the officer must say whether this is one of them before a new record is made.
    """
    if details.existing_person_id is None and details.different_person_confirmed:
        return None
    matches = likely_matches(actor, details.first_name, details.last_name, details.date_of_birth)
    if details.existing_person_id is None:
        if matches:
            raise DomainError("Say whether this is one of the people already known", field="same_as")
        return None
    for match in matches:
        if match.person.id == details.existing_person_id:
            return match.person
    raise DomainError("Choose one of the people listed, or say it is a different person", field="same_as")


@dataclass(frozen=True)
class ContactDetails(ContactPreferences):
    """How to reach a victim safely: the preferences and the sealed details (``sealed_*``)."""

    sealed_address: str | None
    sealed_phone: str | None
    sealed_email: str | None


def update_contact(actor: User, case: Case, party: CaseParty, details: ContactDetails) -> VictimContact:
    """Record or change a victim's contact preferences and sealed details."""
    if party.role != PartyRole.VICTIM:
        raise DomainError("Contact preferences are kept for victims only")
    contact = party.contact or VictimContact(party_id=party.id)
    changes = audit.field_changes(contact, vars(details))
    for name, value in vars(details).items():
        setattr(contact, name, value)
    db.session.add(contact)
    db.session.flush()
    if changes:
        audit.record(
            AuditAction.UPDATE,
            "case",
            case.id,
            actor=actor,
            detail={"victim_contact": party.id, "changed": sorted(changes), "changes": changes},
        )
    return contact


def break_glass(actor: User, case: Case, party: CaseParty, *, reason: str) -> SealedDetails:
    """Reveal a victim's sealed details to someone not entitled by default.

    Audited as a disclosure (DPA 2018 s.62: justification, who, when, recipient) and flagged
    to the case's supervisor.
    """
    if len(reason.strip()) < audit.JUSTIFICATION_MIN:
        raise DomainError(
            f"Give the reason you need to see these details, in at least {audit.JUSTIFICATION_MIN} characters",
            field="reason",
        )
    if (
        party.role != PartyRole.VICTIM
        or party.contact is None
        or not any(vars(sealed_details_of(party.contact)).values())
    ):
        raise DomainError("There are no sealed details for this person")
    db.session.add(SealedDetailsDisclosure(party_id=party.id, case_id=case.id, user_id=actor.id, reason=reason))
    audit.record(
        AuditAction.DISCLOSE,
        "case",
        case.id,
        actor=actor,
        justification=reason,
        recipient=actor.email,
        detail={"sealed_details_of_party": party.id, "break_glass": True},
    )
    db.session.flush()
    return sealed_details_of(party.contact)


def acknowledge_disclosure(actor: User, disclosure: SealedDetailsDisclosure) -> SealedDetailsDisclosure:
    """The case's supervisor has seen a break-glass reveal (``Permission.DISCLOSURE_ACKNOWLEDGE``)."""
    if not can(actor, Permission.DISCLOSURE_ACKNOWLEDGE, disclosure):
        raise NotFound("No such disclosure to review")
    disclosure.acknowledged_by_id = actor.id
    audit.record(
        AuditAction.UPDATE, "case", disclosure.case_id, actor=actor, detail={"disclosure_acknowledged": disclosure.id}
    )
    db.session.flush()
    return disclosure
