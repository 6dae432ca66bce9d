"""Adding people to a case: victims, suspects, witnesses and reporters; anonymous reports; a victim's
contact preferences; and bad input on both forms (a message per field, nothing saved, never a 500)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.audit.models import AuditEvent
from casework.auth.models import Role
from casework.cases.models import Case, ReporterType
from casework.db import utcnow
from casework.extensions import db
from casework.people.models import CaseParty, PartyRole, Person, Relationship, VictimContact
from casework.people.service import DEFAULT_ENHANCED_RIGHTS_REASON
from tests import factories
from tests.people.helpers import (
    add_path,
    audit_changes,
    open_case,
    parties_of,
    party_section,
    people_counts,
    person_form,
)

OVERLONG = "x" * 5000
ODD_UNICODE = "\u202eevil\u0000\u200b\U0001f600 Zoë Ǆ \ud7ff"


@pytest.fixture
def officer_case(make_client):  # type: ignore[no-untyped-def]
    """An officer signed in, and an investigating case of which they are the officer in case."""
    client, officer = make_client(Role.OFFICER)
    return client, open_case(officer.team, officer)


def add_person(client, case: Case, **fields: object):  # type: ignore[no-untyped-def]
    data = person_form(**fields)
    return client.post_form(add_path(case, data), data)


# --- Victims, suspects, witnesses, reporters -------------------------------------------------------


def test_a_victim_gets_enhanced_rights_by_default_with_the_default_reason(officer_case):
    client, case = officer_case
    response = add_person(client, case, role="victim", first_name="Priya", last_name="Lakhani")
    assert response.status_code == 302
    [victim] = parties_of(case)
    assert victim.role == PartyRole.VICTIM
    assert victim.enhanced_rights is True
    assert victim.enhanced_rights_reason == DEFAULT_ENHANCED_RIGHTS_REASON


def test_a_victim_gets_enhanced_rights_when_the_question_is_not_answered(officer_case):
    client, case = officer_case
    data = person_form(role="victim")
    del data["enhanced_rights"]
    assert client.post_form(add_path(case, data), data).status_code == 302
    assert parties_of(case)[0].enhanced_rights is True


def test_adding_a_victim_creates_their_contact_record(officer_case):
    client, case = officer_case
    add_person(client, case, role="victim")
    [victim] = parties_of(case)
    contact = db.session.execute(sa.select(VictimContact).where(VictimContact.party_id == victim.id)).scalar_one()
    assert (contact.sealed_address, contact.sealed_phone, contact.sealed_email) == (None, None, None)


def test_the_officer_can_record_that_a_victim_has_standard_rights_with_a_reason(officer_case):
    client, case = officer_case
    add_person(client, case, role="victim", enhanced_rights="no", enhanced_rights_reason="Victim declined.")
    [victim] = parties_of(case)
    assert (victim.enhanced_rights, victim.enhanced_rights_reason) == (False, "Victim declined.")


def test_the_people_tab_shows_a_victims_rights_decision(officer_case):
    client, case = officer_case
    add_person(client, case, role="victim")
    page = client.get(f"/cases/{case.id}/people").get_data(as_text=True)
    assert "Enhanced rights" in page


def test_a_suspects_relationship_to_the_victim_defaults_to_not_known(officer_case):
    client, case = officer_case
    assert add_person(client, case, role="suspect", relationship_to_victim="").status_code == 302
    [suspect] = parties_of(case)
    assert suspect.relationship_to_victim == Relationship.UNKNOWN
    assert suspect.enhanced_rights is None


def test_a_suspects_relationship_to_the_victim_is_kept(officer_case):
    client, case = officer_case
    add_person(client, case, role="suspect", relationship_to_victim="ex_partner")
    assert parties_of(case)[0].relationship_to_victim == Relationship.EX_PARTNER


def test_a_relationship_is_only_recorded_for_suspects(officer_case):
    client, case = officer_case
    add_person(client, case, role="witness", relationship_to_victim="ex_partner")
    assert parties_of(case)[0].relationship_to_victim is None


def test_a_witness_who_asked_not_to_be_identified_is_marked_on_the_people_tab(officer_case):
    client, case = officer_case
    add_person(client, case, role="witness", first_name="Owen", last_name="Tarrant", not_to_be_identified="y")
    [witness] = parties_of(case)
    assert witness.not_to_be_identified is True
    card = party_section(client.get(f"/cases/{case.id}/people").get_data(as_text=True), witness.id)
    assert "Owen Tarrant" in card
    assert "Not to be identified" in card


def test_a_witness_who_did_not_ask_is_not_marked(officer_case):
    client, case = officer_case
    add_person(client, case, role="witness")
    [witness] = parties_of(case)
    assert "Not to be identified" not in party_section(
        client.get(f"/cases/{case.id}/people").get_data(as_text=True), witness.id
    )


def test_only_witnesses_and_reporters_can_be_not_to_be_identified(officer_case):
    client, case = officer_case
    add_person(client, case, role="suspect", not_to_be_identified="y")
    assert parties_of(case)[0].not_to_be_identified is False


def test_a_witness_not_to_be_identified_is_not_named_unmarked_in_search_results(officer_case):
    client, case = officer_case
    add_person(client, case, role="witness", first_name="Owen", last_name="Tarrant", not_to_be_identified="y")
    page = client.get("/cases?search=Tarrant&scope=all").get_data(as_text=True)
    assert "Owen Tarrant" not in page


def test_a_witness_not_to_be_identified_is_marked_where_offered_as_a_known_person(make_client):
    client, officer = make_client(Role.OFFICER)
    elsewhere = open_case(officer.team, officer)
    person = factories.PersonFactory(
        first_name="Owen", last_name="Tarrant", date_of_birth=utcnow().date().replace(1980)
    )
    factories.CasePartyFactory(case=elsewhere, person=person, role=PartyRole.WITNESS, not_to_be_identified=True)
    case = open_case(officer.team, officer)
    page = add_person(
        client,
        case,
        role="suspect",
        first_name="Owen",
        last_name="Tarrant",
        date_of_birth=[str(person.date_of_birth.day), str(person.date_of_birth.month), "1980"],
    ).get_data(as_text=True)
    assert "Is this someone already known?" in page
    offered = page[page.index("Is this someone already known?") : page.index("No, a different person")]
    assert "Not to be identified" in offered


def test_adding_a_person_is_audited_without_their_name(officer_case):
    client, case = officer_case
    before = audit_changes()
    add_person(client, case, role="witness", first_name="Owen", last_name="Tarrant")
    assert audit_changes() == before + 1
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_id == str(case.id))).scalars()
    assert all("Tarrant" not in json.dumps(event.detail) for event in events)


def test_a_non_victim_has_no_contact_form(officer_case):
    client, case = officer_case
    add_person(client, case, role="suspect")
    [suspect] = parties_of(case)
    assert client.get(f"/cases/{case.id}/people/{suspect.id}/contact").status_code == 404


def test_a_party_of_another_case_is_404_on_this_cases_contact_form(make_client, officer_case):
    client, case = officer_case
    _, officer = make_client(Role.OFFICER)
    elsewhere = factories.CasePartyFactory(case=open_case(officer.team, officer), role=PartyRole.VICTIM)
    assert client.get(f"/cases/{case.id}/people/{elsewhere.id}/contact").status_code == 404


# --- Anonymous reports --------------------------------------------------------------------------


def test_a_reporter_cannot_be_added_to_an_anonymous_report(make_client):
    client, officer = make_client(Role.OFFICER)
    case = open_case(officer.team, officer, reporter_type=ReporterType.ANONYMOUS)
    before = people_counts()
    response = add_person(client, case, role="reporter", first_name="Ann", last_name="Onymous")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This report was made anonymously" in page
    assert people_counts() == before
    question = client.get(f"/cases/{case.id}/people/new").get_data(as_text=True)
    assert 'value="reporter"' not in question


def test_a_reporter_can_be_added_to_a_third_party_report(make_client):
    client, officer = make_client(Role.OFFICER)
    case = open_case(officer.team, officer, reporter_type=ReporterType.THIRD_PARTY)
    assert add_person(client, case, role="reporter").status_code == 302
    assert parties_of(case)[0].role == PartyRole.REPORTER


ANONYMOUS_REPORT = {
    "channel": "crimestoppers",
    "reporter_type": "anonymous",
    "classification": "harassment",
    "offence": "s2",
    "summary": "Caller says a neighbour is being followed home every night.",
    # What a crafted request might add: nothing of it may be kept.
    "reporter_name": "Quinton Whistleblower",
    "first_name": "Quinton",
    "last_name": "Whistleblower",
    "reporter_phone": "07700 900461",
}


def test_an_anonymous_report_records_no_reporter_identity(make_client):
    client, _ = make_client(Role.OFFICER)
    before = people_counts()
    today = utcnow().date()
    response = client.post_form(
        "/cases/new", {**ANONYMOUS_REPORT, "reported_on": [str(today.day), str(today.month), str(today.year)]}
    )
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    case = db.session.get(Case, case_id)
    assert case.reporter_type == ReporterType.ANONYMOUS
    assert people_counts() == before
    assert db.session.execute(sa.select(CaseParty).where(CaseParty.case_id == case_id)).first() is None
    people_tab = client.get(f"/cases/{case_id}/people").get_data(as_text=True)
    assert "This report was anonymous: no reporter details are recorded." in people_tab


def test_an_anonymous_report_leaves_no_reporter_details_in_the_audit_trail(make_client):
    client, _ = make_client(Role.OFFICER)
    today = utcnow().date()
    client.post_form(
        "/cases/new", {**ANONYMOUS_REPORT, "reported_on": [str(today.day), str(today.month), str(today.year)]}
    )
    for event in db.session.execute(sa.select(AuditEvent)).scalars():
        stored = json.dumps(event.detail) + (event.justification or "") + (event.recipient or "")
        assert "Whistleblower" not in stored
        assert "07700 900461" not in stored
        assert "reporter_name" not in stored


# --- Bad input on the "add a person" form -------------------------------------------------------

FUTURE = utcnow().date() + timedelta(days=2)

BAD_PERSON_INPUT = [
    ("first name empty", {"first_name": ""}, "first_name"),
    ("first name blank", {"first_name": " \t\u00a0 "}, "first_name"),
    ("first name only control characters", {"first_name": "\u0000\u0007"}, "first_name"),
    ("last name empty", {"last_name": ""}, "last_name"),
    ("first name overlong", {"first_name": "x" * 101}, "first_name"),
    ("last name overlong", {"last_name": OVERLONG}, "last_name"),
    ("other names overlong", {"other_names": "x" * 201}, "other_names"),
    ("notes overlong", {"notes": "x" * 2001}, "notes"),
    ("reason overlong", {"role": "victim", "enhanced_rights_reason": "x" * 1001}, "enhanced_rights_reason"),
    (
        "date of birth in the future",
        {"date_of_birth": [str(FUTURE.day), str(FUTURE.month), str(FUTURE.year)]},
        "date_of_birth-day",
    ),
    ("date of birth impossible", {"date_of_birth": ["31", "2", "2020"]}, "date_of_birth-day"),
    ("date of birth not numbers", {"date_of_birth": ["first", "of", "May"]}, "date_of_birth-day"),
    ("date of birth incomplete", {"date_of_birth": ["1", "", "1990"]}, "date_of_birth-day"),
    ("date of birth before 1900", {"date_of_birth": ["1", "1", "1850"]}, "date_of_birth-day"),
    ("role missing", {"role": ""}, "role"),
    ("role not a role", {"role": "accomplice"}, "role"),
    ("relationship not a relationship", {"relationship_to_victim": "nemesis"}, "relationship_to_victim"),
    ("enhanced rights neither yes nor no", {"role": "victim", "enhanced_rights": "maybe"}, "enhanced_rights"),
    ("same-as not offered", {"same_as": "999999"}, "same_as"),
]


@pytest.mark.parametrize(
    ("data", "field"), [case[1:] for case in BAD_PERSON_INPUT], ids=[c[0] for c in BAD_PERSON_INPUT]
)
def test_bad_input_on_the_add_person_form_gets_a_message_on_the_field_and_saves_nothing(officer_case, data, field):
    client, case = officer_case
    before, changes = people_counts(), audit_changes()
    response = add_person(client, case, **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert f'href="#{field}"' in page
    assert people_counts() == before
    assert audit_changes() == changes


def test_a_year_too_big_for_the_computer_is_a_field_message_not_a_server_error(officer_case):
    client, case = officer_case
    before = people_counts()
    response = add_person(client, case, date_of_birth=["1", "1", "99999999999999999999"])
    assert response.status_code == 200
    assert 'href="#date_of_birth-day"' in response.get_data(as_text=True)
    assert people_counts() == before


def test_a_future_date_of_birth_says_so(officer_case):
    client, case = officer_case
    page = add_person(client, case, date_of_birth=[str(FUTURE.day), str(FUTURE.month), str(FUTURE.year)])
    assert "Date of birth must be in the past" in page.get_data(as_text=True)


def test_an_impossible_date_of_birth_says_so(officer_case):
    client, case = officer_case
    page = add_person(client, case, date_of_birth=["31", "2", "2020"]).get_data(as_text=True)
    assert "Date of birth must be a real date" in page


def test_the_add_person_form_keeps_what_was_typed(officer_case):
    client, case = officer_case
    page = add_person(client, case, first_name="Keep", last_name="Thisname", notes="x" * 2001).get_data(as_text=True)
    assert 'value="Keep"' in page
    assert 'value="Thisname"' in page


def test_odd_unicode_in_a_name_never_breaks_the_add_person_form(officer_case):
    client, case = officer_case
    for field in ("first_name", "last_name", "other_names", "notes"):
        response = add_person(client, case, **{field: ODD_UNICODE, "role": "witness"})
        assert response.status_code in {200, 302}, field
    for person in db.session.execute(sa.select(Person)).scalars():
        for value in (person.first_name, person.last_name, person.other_names or ""):
            assert "\u0000" not in value


def test_a_nul_in_a_name_is_removed_rather_than_saved(officer_case):
    client, case = officer_case
    assert add_person(client, case, first_name="Ma\u0000ry", role="witness").status_code == 302
    assert parties_of(case)[0].person.first_name == "Mary"


def test_invalid_utf8_on_the_add_person_form_is_not_a_server_error(officer_case):
    client, case = officer_case
    token = client.csrf_token()
    body = b"csrf_token=" + token.encode() + b"&role=witness&first_name=%FF%FE%00bad&last_name=Ok"
    response = client.post(
        f"/cases/{case.id}/people/new/witness", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in {200, 302}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    role=st.one_of(st.sampled_from([role.value for role in PartyRole]), st.text(max_size=20)),
    first_name=st.text(max_size=120),
    last_name=st.text(max_size=120),
    day=st.one_of(st.integers(min_value=-5, max_value=40).map(str), st.text(max_size=6)),
    month=st.one_of(st.integers(min_value=-1, max_value=14).map(str), st.text(max_size=6)),
    year=st.one_of(st.integers(min_value=1800, max_value=2200).map(str), st.text(max_size=8)),
    relationship=st.one_of(st.sampled_from(["", *[value.value for value in Relationship]]), st.text(max_size=20)),
    enhanced_rights=st.sampled_from(["yes", "no", "", "maybe"]),
)
def test_the_add_person_form_never_fails_and_never_half_saves(
    officer_case, role, first_name, last_name, day, month, year, relationship, enhanced_rights
):
    client, case = officer_case
    people, parties = people_counts()
    response = add_person(
        client,
        case,
        role=role,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=[day, month, year],
        relationship_to_victim=relationship,
        enhanced_rights=enhanced_rights,
    )
    assert response.status_code in {200, 302}
    if response.status_code == 302:
        assert people_counts() == (people + 1, parties + 1)
    else:
        assert "govuk-error-summary" in response.get_data(as_text=True)
        assert people_counts() == (people, parties)


# --- Bad input on the contact form --------------------------------------------------------------


@pytest.fixture
def victim_contact(officer_case):  # type: ignore[no-untyped-def]
    client, case = officer_case
    victim = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    contact = VictimContact(party_id=victim.id, safe_times="Mornings", sealed_phone="07700 900111")
    db.session.add(contact)
    db.session.commit()
    return client, f"/cases/{case.id}/people/{victim.id}/contact", contact


VALID_CONTACT = {"preferred_method": "phone", "safe_times": "Afternoons", "safe_channels": ["voicemail_safe"]}

BAD_CONTACT_INPUT = [
    ("preferred method not a method", {"preferred_method": "carrier pigeon"}, "preferred_method"),
    ("safe times overlong", {"safe_times": "x" * 201}, "safe_times"),
    ("language overlong", {"language": "x" * 61}, "language"),
    ("access needs overlong", {"access_needs": "x" * 2001}, "access_needs"),
    ("address overlong", {"sealed_address": "x" * 501}, "sealed_address"),
    ("phone overlong", {"sealed_phone": "0" * 41}, "sealed_phone"),
    ("phone not a number", {"sealed_phone": "not a phone"}, "sealed_phone"),
    ("email overlong", {"sealed_email": "a" * 250 + "@x.org"}, "sealed_email"),
]


@pytest.mark.parametrize(("data", "field"), [c[1:] for c in BAD_CONTACT_INPUT], ids=[c[0] for c in BAD_CONTACT_INPUT])
def test_bad_input_on_the_contact_form_gets_a_message_on_the_field_and_saves_nothing(victim_contact, data, field):
    client, path, contact = victim_contact
    changes = audit_changes()
    response = client.post_form(path, {**VALID_CONTACT, **data})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="#{field}"' in page
    assert audit_changes() == changes
    db.session.refresh(contact)
    assert (contact.safe_times, contact.sealed_phone, contact.voicemail_safe) == ("Mornings", "07700 900111", False)


def test_a_valid_contact_form_is_saved(victim_contact):
    client, path, contact = victim_contact
    assert client.post_form(path, VALID_CONTACT).status_code == 302
    db.session.refresh(contact)
    assert (contact.safe_times, contact.voicemail_safe) == ("Afternoons", True)


def test_odd_unicode_never_breaks_the_contact_form(victim_contact):
    client, path, _ = victim_contact
    for field in ("safe_times", "language", "access_needs", "sealed_address", "sealed_phone", "sealed_email"):
        response = client.post_form(path, {**VALID_CONTACT, field: ODD_UNICODE})
        assert response.status_code in {200, 302}, field


def test_the_service_keeps_contact_details_for_victims_only(make_client):
    import pytest as _pytest

    from casework.errors import DomainError
    from casework.people import service as people
    from casework.people.models import PartyRole

    _, officer = make_client(Role.OFFICER)
    case = factories.allocated_case(officer)
    suspect = factories.CasePartyFactory(case=case, role=PartyRole.SUSPECT)
    details = people.ContactDetails(
        **{name: None for name in people.ContactDetails.__dataclass_fields__}  # type: ignore[arg-type]
    )
    with _pytest.raises(DomainError, match="victims only"):
        people.update_contact(officer, case, suspect, details)
