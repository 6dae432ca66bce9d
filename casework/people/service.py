"""People in cases: adding them, victims' safe-contact details, sealed details and break-glass,
and repeat suspects across cases."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from casework.audit import service as audit
from casework.audit.models import AuditAction
from casework.auth.models import User
from casework.cases import registry
from casework.cases.models import Case, ReporterType
from casework.db import utcnow
from casework.errors import DomainError, NotFound
from casework.extensions import db
from casework.people.models import (
    CaseParty,
    ContactMethod,
    PartyRole,
    Person,
    Relationship,
    SealedDetailsDisclosure,
    VictimContact,
    name_match_key,
)
from casework.security import Permission, can, visible_cases_clause
from casework.workdays import LONDON

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


@dataclass(frozen=True)
class LikelyMatch:
    """A person already known, in a case the user may see, who may be the person being added."""

    person: Person
    case: Case
    not_to_be_identified: bool


def likely_matches(user: User, first_name: str, last_name: str, date_of_birth: date | None) -> list[LikelyMatch]:
    """People already in cases ``user`` may see with the same normalised name and date of birth."""
    if date_of_birth is None:
        return []
    rows = db.session.execute(
        sa.select(Person, Case, CaseParty.not_to_be_identified)
        .join(CaseParty, CaseParty.person_id == Person.id)
        .join(Case, Case.id == CaseParty.case_id)
        .where(
            Person.match_key == name_match_key(first_name, last_name),
            Person.date_of_birth == date_of_birth,
            visible_cases_clause(user),
        )
        .order_by(Person.id, Case.reported_at.desc())
        .limit(20)
    ).all()
    return [LikelyMatch(person, case, bool(hidden)) for person, case, hidden in rows]


def get_party(case: Case, party_id: int) -> CaseParty:
    """A party of this case, or ``NotFound``."""
    party = db.session.execute(
        sa.select(CaseParty)
        .where(CaseParty.id == party_id, CaseParty.case_id == case.id)
        .options(joinedload(CaseParty.person), joinedload(CaseParty.case), selectinload(CaseParty.contact))
    ).scalar_one_or_none()
    if party is None:
        raise NotFound("No such person on this case")
    return party


def add_party(actor: User, case: Case, details: PartyDetails) -> CaseParty:
    """Add a person to the case in a part. An anonymous report never gets a reporter identity."""
    if details.role == PartyRole.REPORTER and case.reporter_type == ReporterType.ANONYMOUS:
        raise DomainError("This report was made anonymously: no reporter identity is recorded", field="role")
    if details.date_of_birth and details.date_of_birth > utcnow().astimezone(LONDON).date():
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
class ContactDetails:
    """How to reach a victim safely; the ``sealed_*`` fields are the sealed details."""

    preferred_method: ContactMethod | None
    safe_times: str | None
    voicemail_safe: bool
    texts_safe: bool
    letters_safe: bool
    email_safe: bool
    language: str | None
    interpreter_needed: bool
    uses_bsl: bool
    uses_textphone: bool
    access_needs: str | None
    sealed_address: str | None
    sealed_phone: str | None
    sealed_email: str | None


def update_contact(actor: User, case: Case, party: CaseParty, details: ContactDetails) -> VictimContact:
    """Record or change a victim's contact preferences and sealed details."""
    if party.role != PartyRole.VICTIM:
        raise DomainError("Contact preferences are kept for victims only")
    contact = party.contact or VictimContact(party_id=party.id)
    changed = sorted(name for name, value in vars(details).items() if getattr(contact, name, None) != value)
    for name, value in vars(details).items():
        setattr(contact, name, value)
    db.session.add(contact)
    db.session.flush()
    if changed:
        audit.record(
            AuditAction.UPDATE, "case", case.id, actor=actor, detail={"victim_contact": party.id, "changed": changed}
        )
    return contact


def break_glass(actor: User, case: Case, party: CaseParty, *, reason: str) -> SealedDetails:
    """Reveal a victim's sealed details to someone not entitled by default.

    Audited as a disclosure (DPA 2018 s.62: justification, who, when, recipient) and flagged
    to the case's supervisor.
    """
    if not reason.strip():
        raise DomainError("Give the reason you need to see these details", field="reason")
    if party.role != PartyRole.VICTIM or party.contact is None:
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
    return _sealed_details(party.contact)


def disclosures_to_review(supervisor: User) -> list[SealedDetailsDisclosure]:
    """Break-glass reveals on cases this supervisor runs that nobody has acknowledged yet."""
    query = (
        sa.select(SealedDetailsDisclosure)
        .join(Case, Case.id == SealedDetailsDisclosure.case_id)
        .where(Case.supervisor_id == supervisor.id, SealedDetailsDisclosure.acknowledged_by_id.is_(None))
        .options(joinedload(SealedDetailsDisclosure.user), joinedload(SealedDetailsDisclosure.case))
        .order_by(SealedDetailsDisclosure.created_at.desc())
    )
    return list(db.session.execute(query).scalars())


def get_disclosure(disclosure_id: int) -> SealedDetailsDisclosure:
    """A break-glass disclosure with its case, or ``NotFound``."""
    disclosure = db.session.execute(
        sa.select(SealedDetailsDisclosure)
        .where(SealedDetailsDisclosure.id == disclosure_id)
        .options(joinedload(SealedDetailsDisclosure.case))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if disclosure is None:
        raise NotFound("No such disclosure to review")
    return disclosure


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


@dataclass(frozen=True)
class LinkedCase:
    """Another case where a suspect (or a likely match) appears, and in what part."""

    case: Case
    role: PartyRole


def _linked_cases(user: User, case: Case, suspects: list[tuple[int, Person]]) -> dict[int, list[LinkedCase]]:
    """For each suspect (party id, person) in ``case``: other cases with the same person, or a likely
    match (same normalised name and date of birth), limited to the cases ``user`` may see."""
    if not suspects:
        return {}
    match = sa.or_(
        *[
            sa.and_(Person.match_key == person.match_key, Person.date_of_birth == person.date_of_birth)
            if person.date_of_birth
            else Person.id == person.id
            for _, person in suspects
        ],
        Person.id.in_([person.id for _, person in suspects]),
    )
    rows = db.session.execute(
        sa.select(Case, Person, CaseParty.role)
        .join(CaseParty, CaseParty.case_id == Case.id)
        .join(Person, Person.id == CaseParty.person_id)
        .where(match, Case.id != case.id, visible_cases_clause(user))
        .order_by(Case.reported_at.desc())
    ).all()
    found: dict[int, list[LinkedCase]] = defaultdict(list)
    for other_case, other, role in rows:
        for party_id, person in suspects:
            same = other.id == person.id or (
                person.date_of_birth is not None
                and other.match_key == person.match_key
                and other.date_of_birth == person.date_of_birth
            )
            link = LinkedCase(other_case, role)
            if same and link not in found[party_id]:
                found[party_id].append(link)
    return dict(found)


@dataclass(frozen=True)
class ContactPreferences:
    """How a victim wants to be contacted: shown to everyone who may see the case (nothing sealed here)."""

    preferred_method: ContactMethod | None
    safe_times: str | None
    voicemail_safe: bool
    texts_safe: bool
    letters_safe: bool
    email_safe: bool
    language: str | None
    interpreter_needed: bool
    uses_bsl: bool
    uses_textphone: bool
    access_needs: str | None


_PREFERENCE_COLUMNS = [getattr(VictimContact, name) for name in ContactPreferences.__dataclass_fields__]


@dataclass(frozen=True)
class SealedDetails:
    """A victim's sealed details: only ever built for a viewer allowed to see them, or after break-glass."""

    address: str | None
    phone: str | None
    email: str | None


def _sealed_details(contact: VictimContact) -> SealedDetails:
    return SealedDetails(contact.sealed_address, contact.sealed_phone, contact.sealed_email)


@dataclass(frozen=True)
class PartyCard:
    """One person on the people tab, holding only what this viewer may see.

    ``sealed`` is ``None`` unless the viewer may see the sealed details (or just revealed them):
    the values are never loaded for anyone else, so no template can show them by mistake.
    """

    id: int
    person: Person
    role: PartyRole
    not_to_be_identified: bool
    relationship_to_victim: Relationship | None
    enhanced_rights: bool | None
    enhanced_rights_reason: str | None
    notes: str | None
    preferences: ContactPreferences | None
    has_sealed_details: bool
    sealed: SealedDetails | None
    revealed_by_break_glass: bool
    may_change_contact: bool
    may_break_glass: bool
    links: list[LinkedCase]
    repeat_suspect: bool


def party_cards(viewer: User, case: Case, *, revealed: Mapping[int, SealedDetails] | None = None) -> list[PartyCard]:
    """Everyone in the case as ``viewer`` may see them, victims first, with repeat-suspect links.

    Contact preferences are read column by column; the sealed columns are read only when the
    viewer may see them (``Permission.SEALED_DETAILS_VIEW``). ``revealed`` holds details just
    shown by break-glass.
    """
    order = sa.case({PartyRole.VICTIM: 0, PartyRole.SUSPECT: 1, PartyRole.WITNESS: 2}, value=CaseParty.role, else_=3)
    rows = db.session.execute(
        sa.select(
            CaseParty.id,
            CaseParty.role,
            CaseParty.person_id,
            CaseParty.not_to_be_identified,
            CaseParty.relationship_to_victim,
            CaseParty.enhanced_rights,
            CaseParty.enhanced_rights_reason,
            CaseParty.notes,
            Person,
        )
        .join(Person, Person.id == CaseParty.person_id)
        .where(CaseParty.case_id == case.id)
        .order_by(order, CaseParty.id)
    ).all()
    party_ids = [row.id for row in rows]
    preferences = {
        row[0]: ContactPreferences(*row[1:])
        for row in db.session.execute(
            sa.select(VictimContact.party_id, *_PREFERENCE_COLUMNS).where(VictimContact.party_id.in_(party_ids))
        )
    }
    sees_sealed = can(viewer, Permission.SEALED_DETAILS_VIEW, case)
    sealed: dict[int, SealedDetails] = {}
    if sees_sealed:
        sealed = {
            party_id: SealedDetails(address, phone, email)
            for party_id, address, phone, email in db.session.execute(
                sa.select(
                    VictimContact.party_id,
                    VictimContact.sealed_address,
                    VictimContact.sealed_phone,
                    VictimContact.sealed_email,
                ).where(VictimContact.party_id.in_(party_ids))
            )
        }
    revealed = revealed or {}
    may_edit = can(viewer, Permission.CASE_EDIT, case)
    may_break_glass = can(viewer, Permission.SEALED_DETAILS_BREAK_GLASS, case)
    links = _linked_cases(viewer, case, [(row.id, row.Person) for row in rows if row.role == PartyRole.SUSPECT])
    cards = []
    for row in rows:
        victim_contact = row.role == PartyRole.VICTIM and row.id in preferences
        party_links = links.get(row.id, [])
        cards.append(
            PartyCard(
                id=row.id,
                person=row.Person,
                role=row.role,
                not_to_be_identified=row.not_to_be_identified,
                relationship_to_victim=row.relationship_to_victim,
                enhanced_rights=row.enhanced_rights,
                enhanced_rights_reason=row.enhanced_rights_reason,
                notes=row.notes,
                preferences=preferences.get(row.id) if row.role == PartyRole.VICTIM else None,
                has_sealed_details=victim_contact,
                sealed=(sealed.get(row.id) or revealed.get(row.id)) if victim_contact else None,
                revealed_by_break_glass=victim_contact and not sees_sealed and row.id in revealed,
                may_change_contact=row.role == PartyRole.VICTIM and sees_sealed and may_edit,
                may_break_glass=victim_contact and not sees_sealed and may_break_glass,
                links=party_links,
                repeat_suspect=row.role == PartyRole.SUSPECT
                and any(link.role == PartyRole.SUSPECT for link in party_links),
            )
        )
    return cards


@registry.timeline_provider
def _parties_timeline(case: Case, viewer: registry.Viewer) -> list[registry.TimelineEntry]:
    parties = db.session.execute(sa.select(CaseParty).where(CaseParty.case_id == case.id)).scalars()
    return [registry.TimelineEntry(party.created_at, f"{party.role.label} added to the case") for party in parties]
