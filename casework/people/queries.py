"""People reads: likely matches, the people tab as this viewer may see it, repeat-suspect links."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from casework.auth.models import User
from casework.cases import registry
from casework.cases.models import Case
from casework.errors import NotFound
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


BSL_NAMES = frozenset({"bsl", "british sign language", "sign language"})


def language_and_access(preferences: ContactPreferences) -> list[str]:
    """The victim's language and communication needs, each once (BSL as a language is not listed twice)."""
    language = (preferences.language or "").strip()
    needs = [
        language,
        "interpreter needed" if preferences.interpreter_needed else "",
        "British Sign Language (BSL)" if preferences.uses_bsl or language.casefold() in BSL_NAMES else "",
        "textphone or Relay UK" if preferences.uses_textphone else "",
        (preferences.access_needs or "").strip(),
    ]
    if language.casefold() in BSL_NAMES:
        needs[0] = ""
    return [need for need in needs if need]


@dataclass(frozen=True)
class SealedDetails:
    """A victim's sealed details: only ever built for a viewer allowed to see them, or after break-glass."""

    address: str | None
    phone: str | None
    email: str | None


def sealed_details_of(contact: VictimContact) -> SealedDetails:
    """The sealed part of a victim's contact record (callers have checked the viewer may see it)."""
    return SealedDetails(contact.sealed_address, contact.sealed_phone, contact.sealed_email)


@dataclass(frozen=True)
class PartyCard:
    """One person on the people tab, holding only what this viewer may see.

    ``sealed`` is ``None`` unless the viewer may see the sealed details (break-glass has its own page):
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
    language_and_access: list[str]
    has_sealed_details: bool
    anything_sealed: bool
    sealed: SealedDetails | None
    may_change_contact: bool
    may_break_glass: bool
    links: list[LinkedCase]
    repeat_suspect: bool


# The people tab's statements, built once (``casework.statements`` explains why), values as bound parameters.
_PARTIES = (
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
    .where(CaseParty.case_id == sa.bindparam("case_id"))
    .order_by(
        sa.case({PartyRole.VICTIM: 0, PartyRole.SUSPECT: 1, PartyRole.WITNESS: 2}, value=CaseParty.role, else_=3),
        CaseParty.id,
    )
)
_PREFERENCES = sa.select(
    VictimContact.party_id,
    sa.or_(
        VictimContact.sealed_address.is_not(None),
        VictimContact.sealed_phone.is_not(None),
        VictimContact.sealed_email.is_not(None),
    ),
    *_PREFERENCE_COLUMNS,
).where(VictimContact.party_id.in_(sa.bindparam("party_ids", expanding=True)))
_SEALED = sa.select(
    VictimContact.party_id, VictimContact.sealed_address, VictimContact.sealed_phone, VictimContact.sealed_email
).where(VictimContact.party_id.in_(sa.bindparam("party_ids", expanding=True)))


def party_cards(viewer: User, case: Case) -> list[PartyCard]:
    """Everyone in the case as ``viewer`` may see them, victims first, with repeat-suspect links.

    Contact preferences are read column by column; the sealed columns are read only when the
    viewer may see them (``Permission.SEALED_DETAILS_VIEW``); whether there is anything sealed at all
    is read as a yes/no, so break-glass is offered only where there is something to reveal.
    """
    rows = db.session.execute(_PARTIES, {"case_id": case.id}).all()
    party_ids = [row.id for row in rows]
    preferences: dict[int, ContactPreferences] = {}
    with_sealed: set[int] = set()
    for row in db.session.execute(_PREFERENCES, {"party_ids": party_ids}):
        preferences[row[0]] = ContactPreferences(*row[2:])
        if row[1]:
            with_sealed.add(row[0])
    sees_sealed = can(viewer, Permission.SEALED_DETAILS_VIEW, case)
    sealed: dict[int, SealedDetails] = {}
    if sees_sealed:
        sealed = {
            party_id: SealedDetails(address, phone, email)
            for party_id, address, phone, email in db.session.execute(_SEALED, {"party_ids": party_ids})
        }
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
                language_and_access=language_and_access(preferences[row.id]) if victim_contact else [],
                has_sealed_details=victim_contact,
                anything_sealed=row.id in with_sealed,
                sealed=sealed.get(row.id) if victim_contact else None,
                may_change_contact=row.role == PartyRole.VICTIM and sees_sealed and may_edit,
                may_break_glass=row.id in with_sealed and not sees_sealed and may_break_glass,
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


_VICTIMS_WITH_CONTACT = (
    sa.select(CaseParty)
    .outerjoin(VictimContact, VictimContact.party_id == CaseParty.id)
    .where(CaseParty.case_id == sa.bindparam("case_id"), CaseParty.role == PartyRole.VICTIM)
    .options(contains_eager(CaseParty.contact))
    .order_by(CaseParty.id)
    .execution_options(populate_existing=True)
)


@registry.task_provider
def _victim_tasks(case: Case) -> list[registry.Task]:
    """The victim added, then their contact needs and safe contact recorded (one query)."""
    victims = list(db.session.execute(_VICTIMS_WITH_CONTACT, {"case_id": case.id}).scalars())
    add = registry.Task(
        "Victim added",
        registry.TaskState.DONE if victims else registry.TaskState.TO_DO,
        url_for("people.add", case_id=case.id, part="victim"),
        ", ".join(victim.person.full_name for victim in victims) or None,
        10,
        Permission.CASE_EDIT,
    )
    name = "Contact needs and safe contact recorded"
    if not victims:
        return [add, registry.Task(name, registry.TaskState.CANNOT_START, hint="Add the victim first", order=12)]
    missing = [victim for victim in victims if victim.contact is None]
    first = missing[0] if missing else victims[0]
    set_committed_value(first, "case", case)
    contact = registry.Task(
        name,
        registry.TaskState.TO_DO if missing else registry.TaskState.DONE,
        url_for("people.contact", case_id=case.id, party_id=first.id),
        f"Not yet for {first.person.full_name}" if missing else "Language, access needs and safe ways to make contact",
        12,
        Permission.VICTIM_CONTACT_EDIT,
        first,
    )
    return [add, contact]
