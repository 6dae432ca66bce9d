"""People and the parts they play in cases.

One ``Person`` can be the victim in one case and a suspect or witness in another; the
part is a ``CaseParty``. A victim's sealed details (current address, safe contact
number and email) live in ``VictimContact`` and are shown only to those entitled
(``Permission.SEALED_DETAILS_VIEW``; ``casework.people.service.party_cards`` never loads them for anyone else).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User
from casework.db import LabelledEnum, Timestamped, enum_type
from casework.extensions import db

if TYPE_CHECKING:
    from casework.cases.models import Case


class PartyRole(LabelledEnum):
    """The part a person plays in a case."""

    VICTIM = "victim", "Victim"
    SUSPECT = "suspect", "Suspect"
    WITNESS = "witness", "Witness"
    REPORTER = "reporter", "Third-party reporter"


class Relationship(LabelledEnum):
    """How a suspect knows the victim."""

    EX_PARTNER = "ex_partner", "Ex-partner"
    PARTNER = "partner", "Current partner"
    FAMILY = "family", "Family member"
    ACQUAINTANCE = "acquaintance", "Acquaintance or friend"
    COLLEAGUE = "colleague", "Colleague"
    NEIGHBOUR = "neighbour", "Neighbour"
    STRANGER = "stranger", "Stranger"
    ONLINE_ONLY = "online_only", "Known online only"
    UNKNOWN = "unknown", "Not known"


class ContactMethod(LabelledEnum):
    """Ways of reaching a victim."""

    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    IN_PERSON = "in_person", "In person"
    TEXTPHONE = "textphone", "Textphone / Relay UK"
    VIA_ADVISER = "via_adviser", "Through their support adviser"


class Person(Timestamped, db.Model):
    """A human being known to the unit. Names are searchable; see the trigram index in the migration."""

    __tablename__ = "people"
    __table_args__ = (sa.Index("ix_people_match_key_dob", "match_key", "date_of_birth"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    other_names: Mapped[str | None] = mapped_column(sa.String(200), doc="aliases, previous names, online handles")
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date)
    match_key: Mapped[str] = mapped_column(sa.String(201), doc="normalised name, for finding likely repeat suspects")

    parts: Mapped[list[CaseParty]] = relationship(back_populates="person", lazy="raise")

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"


class CaseParty(Timestamped, db.Model):
    """A person's part in one case."""

    __tablename__ = "case_parties"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "person_id", "role"),
        sa.Index("ix_case_parties_person", "person_id", "role", postgresql_include=["case_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    role: Mapped[PartyRole] = mapped_column(enum_type(PartyRole, length=16))
    relationship_to_victim: Mapped[Relationship | None] = mapped_column(enum_type(Relationship, length=16))
    not_to_be_identified: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), doc="a witness or reporter who asked not to be identified"
    )
    enhanced_rights: Mapped[bool | None] = mapped_column(doc="Victims' Code enhanced rights (victims only)")
    enhanced_rights_reason: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates="parties", lazy="raise")
    person: Mapped[Person] = relationship(back_populates="parts", lazy="joined", innerjoin=True)
    contact: Mapped[VictimContact | None] = relationship(back_populates="party", lazy="raise", uselist=False)


class VictimContact(Timestamped, db.Model):
    """How to reach a victim safely. Address, safe phone and safe email are *sealed*."""

    __tablename__ = "victim_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("case_parties.id"), unique=True)
    preferred_method: Mapped[ContactMethod | None] = mapped_column(enum_type(ContactMethod, length=16))
    safe_times: Mapped[str | None] = mapped_column(sa.String(200))
    voicemail_safe: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    texts_safe: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    letters_safe: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    email_safe: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    language: Mapped[str | None] = mapped_column(sa.String(60))
    interpreter_needed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    uses_bsl: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    uses_textphone: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    access_needs: Mapped[str | None] = mapped_column(sa.Text)
    sealed_address: Mapped[str | None] = mapped_column(sa.Text)
    sealed_phone: Mapped[str | None] = mapped_column(sa.String(40))
    sealed_email: Mapped[str | None] = mapped_column(sa.String(254))

    party: Mapped[CaseParty] = relationship(back_populates="contact", lazy="raise")


class SealedDetailsDisclosure(Timestamped, db.Model):
    """A break-glass reveal of a victim's sealed details, flagged to the case supervisor."""

    __tablename__ = "sealed_details_disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("case_parties.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    case: Mapped[Case] = relationship(lazy="raise")


def name_match_key(first_name: str, last_name: str) -> str:
    """``last first`` in lower case without accents or punctuation: "O'Brien, Zoë" matches "obrien zoe"."""
    folded = unicodedata.normalize("NFKD", f"{last_name} {first_name}").casefold()
    kept = "".join(ch for ch in folded if ch.isalnum() or ch == " ")
    return " ".join(kept.split())


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _set_match_key(mapper: object, connection: object, person: Person) -> None:
    person.match_key = name_match_key(person.first_name, person.last_name)
