"""Repeat suspects: a suspect whose normalised name and date of birth match someone already in a case
the user may see is offered as "someone already known"; choosing them links the same person record,
and the people tab links to the other cases the viewer may see (never to cases they may not)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases.models import CaseAccess
from casework.extensions import db
from casework.people.models import CaseParty, PartyRole, Person, name_match_key
from tests import factories
from tests.people.helpers import open_case, party_section, people_counts, person_form

BORN = date(1979, 11, 23)
KNOWN = "Is this someone already known?"


@pytest.fixture
def known(make_client):  # type: ignore[no-untyped-def]
    """An officer with a new case, and Seán O'Brien already a suspect in another case of their team."""
    client, officer = make_client(Role.OFFICER)
    earlier = open_case(officer.team, officer)
    person = factories.PersonFactory(first_name="Seán", last_name="O'Brien", date_of_birth=BORN)
    factories.CasePartyFactory(case=earlier, person=person, role=PartyRole.SUSPECT)
    case = open_case(officer.team, officer)
    return {"client": client, "officer": officer, "earlier": earlier, "person": person, "case": case}


def add_suspect(known, **fields: object):  # type: ignore[no-untyped-def]
    data = person_form(
        role="suspect",
        first_name="sean",
        last_name="OBRIEN",
        date_of_birth=[str(BORN.day), str(BORN.month), str(BORN.year)],
    )
    data.update(fields)
    return known["client"].post_form(f"/cases/{known['case'].id}/people/new/suspect", data)


def suspect_in(case) -> CaseParty:  # type: ignore[no-untyped-def]
    return db.session.execute(
        sa.select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == PartyRole.SUSPECT)
    ).scalar_one()


def restricted_case_of(team, person: Person):  # type: ignore[no-untyped-def]
    """A restricted case of ``team`` with ``person`` as suspect, whose access list holds only its own officer."""
    own_officer = factories.UserFactory(team=team)
    case = open_case(team, own_officer, restricted=True)
    db.session.add(CaseAccess(case_id=case.id, user_id=own_officer.id, granted_by_id=own_officer.id))
    factories.CasePartyFactory(case=case, person=person, role=PartyRole.SUSPECT)
    db.session.commit()
    return case


def other_teams_case_of(person: Person):  # type: ignore[no-untyped-def]
    other_officer = factories.UserFactory(role=Role.OFFICER)
    case = open_case(other_officer.team, other_officer)
    factories.CasePartyFactory(case=case, person=person, role=PartyRole.SUSPECT)
    return case


def test_names_match_without_case_accents_or_punctuation():
    assert name_match_key("Seán", "O'Brien") == name_match_key("sean", "OBRIEN") == "obrien sean"


def test_a_matching_suspect_is_first_offered_as_someone_already_known(known):
    before = people_counts()
    response = add_suspect(known)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert KNOWN in page
    assert known["earlier"].reference in page
    assert f'value="{known["person"].id}"' in page
    assert people_counts() == before


def test_the_question_must_be_answered_before_the_suspect_is_added(known):
    page = add_suspect(known, same_as="").get_data(as_text=True)
    assert 'href="#same_as"' in page
    assert "Say whether this is one of the people already known" in page


def test_a_different_date_of_birth_is_not_a_match(known):
    response = add_suspect(known, date_of_birth=["24", str(BORN.month), str(BORN.year)])
    assert response.status_code == 302


def test_without_a_date_of_birth_nobody_is_offered(known):
    response = add_suspect(known, date_of_birth=["", "", ""])
    assert response.status_code == 302


def test_choosing_the_match_links_the_same_person_record(known):
    before_people, before_parties = people_counts()
    response = add_suspect(known, same_as=str(known["person"].id))
    assert response.status_code == 302
    assert people_counts() == (before_people, before_parties + 1)
    assert suspect_in(known["case"]).person_id == known["person"].id
    parts = db.session.execute(sa.select(CaseParty).where(CaseParty.person_id == known["person"].id)).scalars().all()
    assert {part.case_id for part in parts} == {known["earlier"].id, known["case"].id}


def test_choosing_a_different_person_creates_a_new_person_record(known):
    before_people, before_parties = people_counts()
    response = add_suspect(known, same_as="new")
    assert response.status_code == 302
    assert people_counts() == (before_people + 1, before_parties + 1)
    assert suspect_in(known["case"]).person_id != known["person"].id


def test_a_person_in_a_restricted_case_one_is_not_listed_on_is_not_offered(known):
    hidden_person = factories.PersonFactory(first_name="Mara", last_name="Venn", date_of_birth=BORN)
    hidden = restricted_case_of(known["officer"].team, hidden_person)
    response = add_suspect(known, first_name="Mara", last_name="Venn")
    page = response.get_data(as_text=True)
    assert response.status_code == 302, "nobody the officer may see matches, so the suspect is added at once"
    assert hidden.reference not in page
    assert suspect_in(known["case"]).person_id != hidden_person.id


def test_a_person_in_another_teams_case_is_not_offered_to_an_officer(known):
    elsewhere_person = factories.PersonFactory(first_name="Mara", last_name="Venn", date_of_birth=BORN)
    other_teams_case_of(elsewhere_person)
    assert add_suspect(known, first_name="Mara", last_name="Venn").status_code == 302
    assert suspect_in(known["case"]).person_id != elsewhere_person.id


def test_only_the_visible_case_is_listed_when_a_person_is_also_in_cases_one_may_not_see(known):
    hidden = restricted_case_of(known["officer"].team, known["person"])
    other = other_teams_case_of(known["person"])
    page = add_suspect(known).get_data(as_text=True)
    assert known["earlier"].reference in page
    assert hidden.reference not in page
    assert other.reference not in page


def test_a_person_one_may_not_see_cannot_be_chosen_by_a_crafted_request(known):
    hidden_person = factories.PersonFactory(first_name="Mara", last_name="Venn", date_of_birth=BORN)
    restricted_case_of(known["officer"].team, hidden_person)
    before = people_counts()
    response = add_suspect(known, first_name="Mara", last_name="Venn", same_as=str(hidden_person.id))
    assert response.status_code == 200
    assert 'href="#same_as"' in response.get_data(as_text=True)
    assert people_counts() == before


# --- The people tab -----------------------------------------------------------------------------


def test_the_people_tab_shows_a_repeat_suspect_with_a_link_to_the_other_case(known):
    add_suspect(known, same_as=str(known["person"].id))
    page = known["client"].get(f"/cases/{known['case'].id}/people").get_data(as_text=True)
    card = party_section(page, suspect_in(known["case"]).id)
    assert "Repeat suspect" in card
    assert f'href="/cases/{known["earlier"].id}"' in card


def test_the_repeat_suspect_links_leave_out_cases_the_viewer_may_not_see(known):
    hidden = restricted_case_of(known["officer"].team, known["person"])
    other = other_teams_case_of(known["person"])
    add_suspect(known, same_as=str(known["person"].id))
    page = known["client"].get(f"/cases/{known['case'].id}/people").get_data(as_text=True)
    assert f'href="/cases/{known["earlier"].id}"' in page
    for unseen in (hidden, other):
        assert f'href="/cases/{unseen.id}"' not in page
        assert unseen.reference not in page


def test_a_manager_sees_links_to_every_unrestricted_case_of_a_repeat_suspect(make_client, known):
    hidden = restricted_case_of(known["officer"].team, known["person"])
    other = other_teams_case_of(known["person"])
    add_suspect(known, same_as=str(known["person"].id))
    manager, _ = make_client(Role.MANAGER)
    page = manager.get(f"/cases/{known['case'].id}/people").get_data(as_text=True)
    assert f'href="/cases/{known["earlier"].id}"' in page
    assert f'href="/cases/{other.id}"' in page
    assert f'href="/cases/{hidden.id}"' not in page


def test_a_likely_match_on_another_person_record_also_shows_as_a_repeat_suspect(known):
    add_suspect(known, same_as="new")
    page = known["client"].get(f"/cases/{known['case'].id}/people").get_data(as_text=True)
    card = party_section(page, suspect_in(known["case"]).id)
    assert "Repeat suspect" in card
    assert f'href="/cases/{known["earlier"].id}"' in card


def test_a_suspect_with_no_other_case_is_not_a_repeat_suspect(known):
    add_suspect(known, first_name="Unique", last_name="Nobody-Else")
    page = known["client"].get(f"/cases/{known['case'].id}/people").get_data(as_text=True)
    assert "Repeat suspect" not in page


def test_a_repeat_suspect_seen_only_in_cases_the_viewer_may_not_see_is_not_flagged(known):
    loner = factories.PersonFactory(first_name="Mara", last_name="Venn", date_of_birth=BORN)
    restricted_case_of(known["officer"].team, loner)
    other_teams_case_of(loner)
    factories.CasePartyFactory(case=known["case"], person=loner, role=PartyRole.SUSPECT)
    page = known["client"].get(f"/cases/{known['case'].id}/people").get_data(as_text=True)
    assert "Repeat suspect" not in page


def test_choosing_a_person_already_a_suspect_in_this_case_is_refused_with_a_message(known):
    add_suspect(known, same_as=str(known["person"].id))
    before = people_counts()
    response = add_suspect(known, same_as=str(known["person"].id))
    assert response.status_code == 200
    assert 'href="#same_as"' in response.get_data(as_text=True)
    assert people_counts() == before


def test_linking_a_known_person_is_audited_as_a_combination(known):
    add_suspect(known, same_as=str(known["person"].id))
    combined = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.COMBINE, AuditEvent.user_id == known["officer"].id)
    ).scalar_one_or_none()
    assert combined is not None
    assert (combined.object_type, combined.object_id) == ("case", str(known["case"].id))


def test_choosing_a_different_person_is_not_a_combination(known):
    add_suspect(known, same_as="new")
    combined = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.COMBINE)).first()
    assert combined is None


def test_a_suspect_known_elsewhere_only_as_a_witness_is_listed_but_not_flagged(known):
    witness = factories.PersonFactory(first_name="Idris", last_name="Vale", date_of_birth=BORN)
    factories.CasePartyFactory(case=known["earlier"], person=witness, role=PartyRole.WITNESS)
    suspect = factories.CasePartyFactory(case=known["case"], person=witness, role=PartyRole.SUSPECT)
    page = known["client"].get(f"/cases/{known['case'].id}/people").get_data(as_text=True)
    card = party_section(page, suspect.id)
    assert f'href="/cases/{known["earlier"].id}"' in card
    assert "Repeat suspect" not in card
