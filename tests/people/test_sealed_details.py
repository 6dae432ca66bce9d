"""A victim's sealed details (current address, safe phone, safe email): shown only to the officer in
case and the case's supervisor; anyone else who may see the case must give a reason to see them
once (break-glass), which is audited as a disclosure and flagged to the supervisor. They never
appear in lists, exports, search results, page titles or mail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, Team, User
from casework.cases.models import Case, CaseAccess
from casework.contact import service as contact
from casework.extensions import db
from casework.people.models import CaseParty, PartyRole, SealedDetailsDisclosure, VictimContact
from tests import factories
from tests.orders.helpers import make_order
from tests.people.helpers import count, open_case, title_of

ADDRESS = "Flat 7 Quillmarsh Court, Zedbury ZX9 4QQ"
PHONE = "07700 913579"
EMAIL = "quillmarsh.safe@sealed-example.org"
MARKERS = (ADDRESS, PHONE, EMAIL)
REASON = "Victim called 999 from an unknown number; need to send a unit to her address now."
WITHHELD = "Address and safe contact details are withheld."


@dataclass
class World:
    team: Team
    officer: User
    supervisor: User
    case: Case
    victim: CaseParty
    clients: dict[str, object]

    def people_tab(self) -> str:
        return f"/cases/{self.case.id}/people"

    def reveal_path(self) -> str:
        return f"/cases/{self.case.id}/people/{self.victim.id}/reveal"


@pytest.fixture
def world(make_client) -> World:  # type: ignore[no-untyped-def]
    team = factories.TeamFactory()
    officer_client, officer = make_client(Role.OFFICER, team=team)
    supervisor_client, supervisor = make_client(Role.SUPERVISOR, team=team)
    case = open_case(team, officer, supervisor)
    victim = factories.CasePartyFactory(
        case=case, role=PartyRole.VICTIM, person=factories.PersonFactory(first_name="Nadia", last_name="Quennell")
    )
    db.session.add(VictimContact(party_id=victim.id, sealed_address=ADDRESS, sealed_phone=PHONE, sealed_email=EMAIL))
    db.session.commit()
    return World(team, officer, supervisor, case, victim, {"officer": officer_client, "supervisor": supervisor_client})


def other_user(make_client, world: World, who: str):  # type: ignore[no-untyped-def]
    """A signed-in client for someone who may see the case but is not entitled to the sealed details."""
    if who == "colleague":
        return make_client(Role.OFFICER, team=world.team)
    if who == "other supervisor":
        return make_client(Role.SUPERVISOR, team=world.team)
    return make_client(Role.MANAGER)


def shows_markers(page: str) -> list[str]:
    return [marker for marker in MARKERS if marker in page]


def disclosures() -> list[SealedDetailsDisclosure]:
    return list(db.session.execute(sa.select(SealedDetailsDisclosure)).scalars())


def disclosure_ids() -> list[int]:
    """Ids only: the tests share the app's session, and a loaded disclosure would change what the next request sees."""
    return list(db.session.execute(sa.select(SealedDetailsDisclosure.id)).scalars())


def acknowledged_by(disclosure_id: int) -> int | None:
    return db.session.execute(
        sa.select(SealedDetailsDisclosure.acknowledged_by_id).where(SealedDetailsDisclosure.id == disclosure_id)
    ).scalar_one()


def disclose_events() -> list[AuditEvent]:
    return list(db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.DISCLOSE)).scalars())


# --- Who sees them -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "supervisor"])
def test_officer_in_case_and_case_supervisor_see_the_sealed_details(world, who):
    page = world.clients[who].get(world.people_tab()).get_data(as_text=True)
    assert shows_markers(page) == list(MARKERS)
    assert WITHHELD not in page


@pytest.mark.parametrize("who", ["colleague", "other supervisor", "manager"])
def test_anyone_else_who_may_see_the_case_sees_them_withheld(make_client, world, who):
    client, _ = other_user(make_client, world, who)
    response = client.get(world.people_tab())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert WITHHELD in page
    assert shows_markers(page) == []


@pytest.mark.parametrize("who", ["colleague", "other supervisor", "manager"])
def test_anyone_else_cannot_open_the_victims_contact_form(make_client, world, who):
    client, _ = other_user(make_client, world, who)
    response = client.get(f"/cases/{world.case.id}/people/{world.victim.id}/contact")
    assert response.status_code == 403
    assert shows_markers(response.get_data(as_text=True)) == []


def test_officer_in_case_sees_them_in_the_contact_form(world):
    page = world.clients["officer"].get(f"/cases/{world.case.id}/people/{world.victim.id}/contact")
    assert shows_markers(page.get_data(as_text=True)) == list(MARKERS)


def test_after_reallocation_the_former_officer_in_case_no_longer_sees_them(world):
    world.case.officer_id = factories.UserFactory(team=world.team).id
    db.session.commit()
    page = world.clients["officer"].get(world.people_tab()).get_data(as_text=True)
    assert WITHHELD in page
    assert shows_markers(page) == []


# --- Break-glass ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["colleague", "manager"])
def test_giving_a_reason_shows_the_sealed_details(make_client, world, who):
    client, _ = other_user(make_client, world, who)
    response = client.post_form(world.reveal_path(), {"reason": REASON})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert shows_markers(page) == list(MARKERS)
    assert "Shown once because you gave a reason" in page


def test_revealed_details_are_shown_once_only(make_client, world):
    client, _ = other_user(make_client, world, "colleague")
    client.post_form(world.reveal_path(), {"reason": REASON})
    page = client.get(world.people_tab()).get_data(as_text=True)
    assert WITHHELD in page
    assert shows_markers(page) == []


def test_a_reveal_is_audited_as_a_disclosure_with_reason_and_recipient(make_client, world):
    client, colleague = other_user(make_client, world, "colleague")
    client.post_form(world.reveal_path(), {"reason": REASON})
    [event] = disclose_events()
    assert event.user_id == colleague.id
    assert (event.object_type, event.object_id) == ("case", str(world.case.id))
    assert event.justification == REASON
    assert event.recipient == colleague.email


def test_a_reveal_is_recorded_for_the_case_supervisor_to_review(make_client, world):
    client, colleague = other_user(make_client, world, "colleague")
    client.post_form(world.reveal_path(), {"reason": REASON})
    [disclosure] = disclosures()
    assert (disclosure.case_id, disclosure.party_id, disclosure.user_id) == (
        world.case.id,
        world.victim.id,
        colleague.id,
    )
    assert disclosure.reason == REASON
    assert disclosure.acknowledged_by_id is None


def test_the_case_supervisors_home_page_lists_the_reveal(make_client, world):
    client, colleague = other_user(make_client, world, "colleague")
    client.post_form(world.reveal_path(), {"reason": REASON})
    home = world.clients["supervisor"].get("/").get_data(as_text=True)
    assert "Sealed details revealed" in home
    assert colleague.full_name in home
    assert world.case.reference in home
    assert REASON in home


def test_another_supervisors_home_page_does_not_list_the_reveal(make_client, world):
    client, _ = other_user(make_client, world, "colleague")
    client.post_form(world.reveal_path(), {"reason": REASON})
    other_supervisor, _ = other_user(make_client, world, "other supervisor")
    assert "Sealed details revealed" not in other_supervisor.get("/").get_data(as_text=True)


def test_the_case_supervisor_marks_a_reveal_as_reviewed(make_client, world):
    client, _ = other_user(make_client, world, "colleague")
    client.post_form(world.reveal_path(), {"reason": REASON})
    [disclosure_id] = disclosure_ids()
    response = world.clients["supervisor"].post_form(f"/disclosures/{disclosure_id}/acknowledge")
    assert response.status_code == 302
    assert acknowledged_by(disclosure_id) == world.supervisor.id
    assert "Sealed details revealed" not in world.clients["supervisor"].get("/").get_data(as_text=True)


def test_only_the_case_supervisor_may_mark_a_reveal_as_reviewed(make_client, world):
    client, _ = other_user(make_client, world, "colleague")
    client.post_form(world.reveal_path(), {"reason": REASON})
    [disclosure_id] = disclosure_ids()
    other_supervisor, _ = other_user(make_client, world, "other supervisor")
    assert other_supervisor.post_form(f"/disclosures/{disclosure_id}/acknowledge").status_code == 404
    assert world.clients["officer"].post_form(f"/disclosures/{disclosure_id}/acknowledge").status_code == 403
    assert acknowledged_by(disclosure_id) is None


@pytest.mark.parametrize("reason", ["", "   \t ", "\u0000\u0000", "x", "y"])
def test_an_empty_or_token_reason_is_refused_with_a_message_and_nothing_is_disclosed(make_client, world, reason):
    client, _ = other_user(make_client, world, "colleague")
    response = client.post_form(world.reveal_path(), {"reason": reason})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#reason"' in page
    assert "Give the reason you need to see these details" in page
    assert shows_markers(page) == []
    assert disclosure_ids() == []
    assert disclose_events() == []


def test_an_overlong_reason_is_refused_and_nothing_is_disclosed(make_client, world):
    client, _ = other_user(make_client, world, "colleague")
    page = client.post_form(world.reveal_path(), {"reason": "x" * 1001}).get_data(as_text=True)
    assert 'href="#reason"' in page
    assert shows_markers(page) == []
    assert disclosure_ids() == []


def test_an_officer_of_another_team_cannot_break_glass(make_client, world):
    client, _ = make_client(Role.OFFICER)
    response = client.post_form(world.reveal_path(), {"reason": REASON})
    assert response.status_code == 403
    assert shows_markers(response.get_data(as_text=True)) == []
    assert disclosure_ids() == []
    assert disclose_events() == []


def test_break_glass_on_a_restricted_case_one_is_not_listed_on_is_404(make_client, world):
    world.case.restricted = True
    db.session.add(CaseAccess(case_id=world.case.id, user_id=world.officer.id, granted_by_id=world.supervisor.id))
    db.session.commit()
    client, _ = other_user(make_client, world, "colleague")
    response = client.post_form(world.reveal_path(), {"reason": REASON})
    assert response.status_code == 404
    assert disclosure_ids() == []


def test_break_glass_on_a_suspect_discloses_nothing(make_client, world):
    suspect = factories.CasePartyFactory(case=world.case, role=PartyRole.SUSPECT)
    client, _ = other_user(make_client, world, "colleague")
    response = client.post_form(f"/cases/{world.case.id}/people/{suspect.id}/reveal", {"reason": REASON})
    assert response.status_code == 200
    assert "There are no sealed details for this person" in response.get_data(as_text=True)
    assert disclosure_ids() == []


def test_break_glass_with_another_cases_party_is_404(make_client, world):
    elsewhere = factories.CasePartyFactory(case=open_case(world.team, world.officer), role=PartyRole.VICTIM)
    client, _ = other_user(make_client, world, "colleague")
    response = client.post_form(f"/cases/{world.case.id}/people/{elsewhere.id}/reveal", {"reason": REASON})
    assert response.status_code == 404
    assert disclosure_ids() == []


# --- Nowhere else --------------------------------------------------------------------------------


# GET case routes the walk below leaves out, and why. A new route with an id the walk cannot fill in
# fails the walk until it is given an id in ``_case_pages`` or listed here.
NOT_WALKED = {
    "incidents.download": "sends back a file an officer uploaded, not a page the app renders",
    "cases.remove_access": "only for someone on a restricted case's access list (shows their name, nothing sealed)",
    "cases.decision": "a form page of a high-risk decision: no victim details (tests/cases/test_task_list.py)",
}


def _case_pages(app: Flask, case: Case, victim: CaseParty) -> list[str]:
    """Every GET page of the case (from the URL map), and the lists, search results and home page around it."""
    author = db.session.get(User, case.created_by_id)
    ids = {
        "case_id": case.id,
        "party_id": victim.id,
        "incident_id": factories.IncidentFactory(case=case, recorded_by=author).id,
        "assessment_id": factories.RiskAssessmentFactory(case=case, assessor=author).id,
        "flag_id": contact.set_do_not_contact(
            author, case, contact.get_victim(case, victim.id), reason="Walk", review_on=date(2099, 1, 1)
        ).id,
        "order_id": make_order(author, case, victim, factories.CasePartyFactory(case=case, role=PartyRole.SUSPECT)).id,
        "referral_id": factories.ReferralFactory(case=case, party=victim).id,
        "part": "victim",
    }
    adapter = app.url_map.bind("localhost")
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "<int:case_id>" in rule.rule and "GET" in (rule.methods or ()) and rule.endpoint not in NOT_WALKED
    ]
    unfillable = [rule.rule for rule in rules if not rule.arguments <= ids.keys()]
    assert not unfillable, f"give these routes an id in _case_pages or list them in NOT_WALKED: {unfillable}"
    paths = [adapter.build(rule.endpoint, {name: ids[name] for name in rule.arguments}) for rule in rules]
    surname = victim.person.last_name
    return [
        *paths,
        "/",
        "/cases",
        "/cases?scope=all",
        f"/cases?search={surname}",
        f"/cases?search={surname}&scope=team",
    ]


@pytest.fixture
def busy_case(app, make_client, world) -> list[str]:  # type: ignore[no-untyped-def]
    """The world after the sealed details were saved through the form, revealed once and searched for."""
    officer = world.clients["officer"]
    contact_form = {
        "preferred_method": "text",
        "texts_safe": "y",
        "safe_times": "Weekdays 10:00 to 12:00",
        "sealed_address": ADDRESS,
        "sealed_phone": PHONE,
        "sealed_email": EMAIL,
    }
    db.session.execute(
        sa.update(VictimContact)
        .where(VictimContact.party_id == world.victim.id)
        .values(sealed_address=None, sealed_phone=None, sealed_email=None)
    )
    db.session.commit()
    saved = officer.post_form(f"/cases/{world.case.id}/people/{world.victim.id}/contact", contact_form)
    assert saved.status_code == 302
    colleague, _ = other_user(make_client, world, "colleague")
    assert colleague.post_form(world.reveal_path(), {"reason": REASON}).status_code == 200
    return _case_pages(app, world.case, world.victim)


ALLOWED_PAGES = {"people.case_people", "people.contact"}


@pytest.mark.parametrize("who", ["officer", "supervisor"])
def test_sealed_details_appear_only_on_the_people_tab_and_the_contact_form(app, world, busy_case, who):
    client = world.clients[who]
    adapter = app.url_map.bind("localhost")
    seen_on = set()
    for path in busy_case:
        response = client.get(path)
        page = response.get_data(as_text=True)
        response.close()
        assert response.status_code in {200, 403}, path
        if shows_markers(page):
            endpoint, _ = adapter.match(path.split("?")[0])
            seen_on.add(endpoint)
    assert seen_on == ALLOWED_PAGES


@pytest.mark.parametrize("who", ["officer", "supervisor"])
def test_sealed_details_never_appear_in_a_page_title(world, busy_case, who):
    for path in busy_case:
        title = title_of(world.clients[who].get(path).get_data(as_text=True))
        assert shows_markers(title) == [], path


def test_sealed_details_never_appear_in_the_audit_trail(world, busy_case):
    for path in busy_case:
        world.clients["supervisor"].get(path)
    events = list(db.session.execute(sa.select(AuditEvent)).scalars())
    assert count(AuditEvent) > 10
    for event in events:
        stored = json.dumps(event.detail, ensure_ascii=False) + (event.justification or "")
        assert shows_markers(stored) == [], (event.action, event.detail)
