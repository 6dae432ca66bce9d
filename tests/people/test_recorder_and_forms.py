"""Issue 10: the officer who records a report can finish it (the sealed-details window until allocation),
one form per part, the "safe to use" channels as one question, break-glass on its own page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases import service as case_service
from casework.cases.models import CaseStatus
from casework.extensions import db
from casework.people.models import PartyRole, VictimContact
from tests import factories

ADDRESS = "14 Larkspur Row\nTobbington\nTB4 7XQ"
PHONE = "07700 900246"
EMAIL = "larkspur.safe@sealed-example.org"
WITHHELD = "Address and safe contact details are withheld."


@pytest.fixture
def recorded(make_client):  # type: ignore[no-untyped-def]
    """A report just recorded by an officer, awaiting allocation, with its victim added."""
    team = factories.TeamFactory()
    client, recorder = make_client(Role.OFFICER, team=team)
    case = factories.CaseFactory(team=team, created_by=recorder, status=CaseStatus.REPORTED)
    victim = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    db.session.add(VictimContact(party_id=victim.id))
    db.session.commit()
    return {"team": team, "client": client, "recorder": recorder, "case": case, "victim": victim}


def contact_path(world) -> str:  # type: ignore[no-untyped-def]
    return f"/cases/{world['case'].id}/people/{world['victim'].id}/contact"


def enter_sealed(world):  # type: ignore[no-untyped-def]
    return world["client"].post_form(
        contact_path(world),
        {
            "sealed_address": ADDRESS,
            "sealed_phone": PHONE,
            "sealed_email": EMAIL,
            "communication_needs": ["uses_bsl"],
            "safe_channels": ["texts_safe", "email_safe"],
        },
    )


def disclosures() -> int:
    return db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == AuditAction.DISCLOSE)
    ).scalar_one()


def test_the_recorder_enters_the_sealed_details_before_allocation_and_sees_them(recorded):
    assert enter_sealed(recorded).status_code == 302
    page = recorded["client"].get(f"/cases/{recorded['case'].id}/people").get_data(as_text=True)
    for marker in (PHONE, EMAIL, "Tobbington"):
        assert marker in page
    assert WITHHELD not in page
    assert "British Sign Language (BSL)" in page
    form = recorded["client"].get(contact_path(recorded)).get_data(as_text=True)
    assert PHONE in form


def test_entering_is_not_a_disclosure(recorded):
    enter_sealed(recorded)
    recorded["client"].get(f"/cases/{recorded['case'].id}/people")
    assert disclosures() == 0
    [change] = [
        event
        for event in db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.UPDATE)).scalars()
        if event.detail and "victim_contact" in event.detail
    ]
    assert change.user_id == recorded["recorder"].id
    stored = str(change.detail)
    for marker in (PHONE, EMAIL, "Larkspur"):
        assert marker not in stored


def test_after_allocation_to_someone_else_the_recorder_sees_them_withheld(recorded):
    enter_sealed(recorded)
    case = recorded["case"]
    officer = factories.UserFactory(role=Role.OFFICER, team=recorded["team"])
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, team=recorded["team"])
    case_service.allocate(
        supervisor,
        case,
        officer_id=officer.id,
        supervisor_id=supervisor.id,
        reason=None,
        expected_version=case.version_id,
    )
    db.session.commit()
    page = recorded["client"].get(f"/cases/{case.id}/people").get_data(as_text=True)
    assert WITHHELD in page
    for marker in (PHONE, EMAIL, "Tobbington"):
        assert marker not in page
    assert recorded["client"].get(contact_path(recorded)).status_code == 403


def test_the_recorder_keeps_the_window_when_they_are_allocated_the_case(recorded):
    enter_sealed(recorded)
    case = recorded["case"]
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, team=recorded["team"])
    case_service.allocate(
        supervisor,
        case,
        officer_id=recorded["recorder"].id,
        supervisor_id=supervisor.id,
        reason=None,
        expected_version=case.version_id,
    )
    db.session.commit()
    assert PHONE in recorded["client"].get(f"/cases/{case.id}/people").get_data(as_text=True)


def test_another_officer_of_the_team_never_sees_them_before_allocation(make_client, recorded):
    enter_sealed(recorded)
    colleague, _ = make_client(Role.OFFICER, team=recorded["team"])
    page = colleague.get(f"/cases/{recorded['case'].id}/people").get_data(as_text=True)
    assert WITHHELD in page
    assert PHONE not in page and EMAIL not in page and "Tobbington" not in page
    assert colleague.get(contact_path(recorded)).status_code == 403


def test_break_glass_is_offered_only_where_something_is_sealed(make_client, recorded):
    colleague, _ = make_client(Role.OFFICER, team=recorded["team"])
    people = f"/cases/{recorded['case'].id}/people"
    before = colleague.get(people).get_data(as_text=True)
    assert "I need to see them" not in before
    assert WITHHELD not in before
    enter_sealed(recorded)
    after = colleague.get(people).get_data(as_text=True)
    assert "I need to see them" in after


def test_break_glass_has_its_own_page_with_warning_text_and_is_audited(make_client, recorded):
    enter_sealed(recorded)
    colleague, user = make_client(Role.OFFICER, team=recorded["team"])
    path = f"/cases/{recorded['case'].id}/people/{recorded['victim'].id}/reveal"
    page = colleague.get(path).get_data(as_text=True)
    assert "govuk-warning-text" in page
    assert "govuk-details" not in page
    assert PHONE not in page
    shown = colleague.post_form(path, {"reason": "Victim rang from a new number; checking her safe phone."})
    text = shown.get_data(as_text=True)
    assert PHONE in text
    assert '<dd class="govuk-summary-list__value casework-preserve-lines">14 Larkspur Row\nTobbington' in text
    [event] = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.DISCLOSE)).scalars()
    assert (event.user_id, event.recipient) == (user.id, user.email)
    assert event.justification.startswith("Victim rang")


def test_bsl_is_listed_once_under_language_and_access(recorded):
    recorded["client"].post_form(
        contact_path(recorded), {"language": "British Sign Language", "communication_needs": ["uses_bsl"]}
    )
    page = recorded["client"].get(f"/cases/{recorded['case'].id}/people").get_data(as_text=True)
    row = page[page.index("Language and access") :]
    row = row[: row.index("</div>")]
    assert row.count("Sign Language") == 1


# --- One form per part ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "has", "has_not"),
    [
        ("victim", ["enhanced_rights", "Add a victim"], ["relationship_to_victim", "not_to_be_identified"]),
        ("suspect", ["relationship_to_victim", "Add a suspect"], ["enhanced_rights", "not_to_be_identified"]),
        ("witness", ["not_to_be_identified", "Add a witness"], ["enhanced_rights", "relationship_to_victim"]),
        ("reporter", ["not_to_be_identified"], ["enhanced_rights", "relationship_to_victim"]),
    ],
)
def test_each_part_has_a_form_with_only_its_fields(recorded, part, has, has_not):
    page = recorded["client"].get(f"/cases/{recorded['case'].id}/people/new/{part}").get_data(as_text=True)
    for text in has:
        assert text in page
    for text in has_not:
        assert f'name="{text}"' not in page
    assert "suspects only" not in page and "victims only" not in page
    assert "Other names (optional)" in page and "Date of birth (optional)" in page


def test_the_part_is_chosen_first(recorded):
    path = f"/cases/{recorded['case'].id}/people/new"
    assert "Who are you adding?" in recorded["client"].get(path).get_data(as_text=True)
    response = recorded["client"].post_form(path, {"role": "witness"})
    assert response.headers["Location"].endswith(f"/cases/{recorded['case'].id}/people/new/witness")


def test_adding_a_victim_goes_on_to_their_safe_contact(recorded):
    response = recorded["client"].post_form(
        f"/cases/{recorded['case'].id}/people/new/victim", {"first_name": "Ines", "last_name": "Varga"}
    )
    assert "/contact" in response.headers["Location"]


def test_safe_to_use_is_one_checkbox_question(recorded):
    page = recorded["client"].get(contact_path(recorded)).get_data(as_text=True)
    assert page.count('name="safe_channels"') == 4
    start = page.index("Which of these are safe to use?")
    assert "govuk-checkboxes" in page[start : start + 600]
    assert 'name="voicemail_safe"' not in page


# --- Form pages: H1 is the task, the reference a caption, one back link, no sub-navigation ---------


def form_pages(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    case_id = world["case"].id
    return {
        f"/cases/{case_id}/people/new": f"/cases/{case_id}/people",
        f"/cases/{case_id}/people/new/victim": f"/cases/{case_id}/people",
        contact_path(world): f"/cases/{case_id}/people",
        f"/cases/{case_id}/risk/new": f"/cases/{case_id}/risk",
        f"/cases/{case_id}/incidents/new": f"/cases/{case_id}/incidents",
        f"/cases/{case_id}/edit": f"/cases/{case_id}",
    }


def test_form_pages_have_one_back_link_to_their_tab_and_no_sub_navigation(recorded):
    for path, tab in form_pages(recorded).items():
        page = recorded["client"].get(path).get_data(as_text=True)
        assert page.count("govuk-back-link") == 1, path
        assert re.search(rf'href="{re.escape(tab)}(#[^"]*)?" class="govuk-back-link"', page), path
        assert "moj-sub-navigation" not in page, path
        assert f'<span class="govuk-caption-l">{recorded["case"].reference}</span>' in page, path
        assert page.count("<h1") == 1, path


def test_the_allocate_page_asks_to_allocate_the_case_by_reference(make_client, recorded):
    client, _ = make_client(Role.SUPERVISOR, team=recorded["team"])
    page = client.get(f"/cases/{recorded['case'].id}/allocate").get_data(as_text=True)
    assert f"Allocate {recorded['case'].reference}</h1>" in page
    assert page.count("govuk-back-link") == 1
