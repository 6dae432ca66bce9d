"""What an adviser may reach: the victim-facing part of a case, only while their service holds a sent
or accepted referral on it, on the support pages only; 404 (audited) otherwise. Every police-only
item is absent from every page they can reach (marker strings, as tests/people/test_sealed_details.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, User
from casework.cases.models import Case, CaseAccess, CaseNote, NoteVisibility
from casework.extensions import db
from casework.people.models import PartyRole, VictimContact
from casework.security import visible_cases_clause
from casework.support import service
from casework.support.models import ConsentDecision, SharedDetail
from tests import factories
from tests.support.helpers import (
    ADDRESS,
    EMAIL,
    PHONE,
    World,
    accepted,
    aftercare,
    close,
    consent,
    make_world,
    propose,
    sent,
)

POLICE_ONLY_NOTE = "POLICEONLY-Informant says suspect keeps a crossbow in the loft"
SHAREABLE_NOTE = "SHAREABLE-Victim prefers contact after 6pm; officer visiting Tuesday"
SUSPECT_FIRST, SUSPECT_LAST = "Thaddeus", "Grimsditch"
SUSPECT_NOTES = "SUSPECTNOTE-works nights at the depot, drives a blue van"
INCIDENT = "INCIDENTDESC-followed her from the tram stop to the pharmacy"
EVIDENCE = "EVIDENCEDESC-doorbell camera clip of the 3am visit"
RATIONALE = "RISKRATIONALE-previous conviction for violence against a partner"
OTHER_VICTIM_FIRST, OTHER_VICTIM_LAST = "Philippa", "Otterburn"
OTHER_ADDRESS = "OTHERSEALED-12 Hidden Lane, Quorndon"
POLICE_ONLY = (
    POLICE_ONLY_NOTE,
    SUSPECT_FIRST,
    SUSPECT_LAST,
    SUSPECT_NOTES,
    INCIDENT,
    EVIDENCE,
    RATIONALE,
    OTHER_VICTIM_FIRST,
    OTHER_VICTIM_LAST,
    OTHER_ADDRESS,
)


@dataclass
class Scene:
    world: World
    client: object


@pytest.fixture
def scene(make_client) -> Scene:  # type: ignore[no-untyped-def]
    adviser_client, adviser = make_client(Role.ADVISER)
    world = make_world(adviser=adviser)
    case = world.case
    suspect = factories.CasePartyFactory(
        case=case,
        role=PartyRole.SUSPECT,
        person=factories.PersonFactory(first_name=SUSPECT_FIRST, last_name=SUSPECT_LAST),
        notes=SUSPECT_NOTES,
    )
    other_victim = factories.CasePartyFactory(
        case=case,
        role=PartyRole.VICTIM,
        person=factories.PersonFactory(first_name=OTHER_VICTIM_FIRST, last_name=OTHER_VICTIM_LAST),
    )
    db.session.add(VictimContact(party_id=other_victim.id, sealed_address=OTHER_ADDRESS))
    author = db.session.get(User, case.created_by_id)
    incident = factories.IncidentFactory(case=case, recorded_by=author, description=INCIDENT)
    factories.EvidenceItemFactory(incident=incident, description=EVIDENCE)
    factories.RiskAssessmentFactory(case=case, assessor=author, rationale=RATIONALE)
    db.session.add_all(
        [
            CaseNote(
                case_id=case.id,
                author_id=world.officer.id,
                body=POLICE_ONLY_NOTE,
                visibility=NoteVisibility.POLICE_ONLY,
            ),
            CaseNote(
                case_id=case.id, author_id=world.officer.id, body=SHAREABLE_NOTE, visibility=NoteVisibility.SHAREABLE
            ),
        ]
    )
    assert suspect.id
    db.session.commit()
    return Scene(world, adviser_client)


def page(client, path: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    response = client.get(path)
    text = response.get_data(as_text=True)
    response.close()
    return response.status_code, text


def denied_events(user: User, case: Case) -> int:
    return db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == AuditAction.ACCESS_DENIED,
            AuditEvent.user_id == user.id,
            AuditEvent.object_type == "case",
            AuditEvent.object_id == str(case.id),
        )
    ).scalar_one()


# --- 404 unless the adviser's service holds a sent or accepted referral --------------------------


def _no_referral(scene: Scene) -> None:
    pass


def _proposed(scene: Scene) -> None:
    consent(scene.world, propose(scene.world))


def _consent_declined(scene: Scene) -> None:
    consent(scene.world, propose(scene.world), decision=ConsentDecision.DECLINED)


def _other_service(scene: Scene) -> None:
    sent(scene.world, support=factories.SupportServiceFactory())


def _closed(scene: Scene) -> None:
    close(scene.world, accepted(scene.world))


def _declined(scene: Scene) -> None:
    referral = sent(scene.world)
    service.decline_referral(scene.world.adviser, referral, reason="Full", expected_version=referral.version_id)


def _withdrawn(scene: Scene) -> None:
    referral = accepted(scene.world)
    service.withdraw_consent(scene.world.officer, referral, reason="Stop", expected_version=referral.version_id)


@pytest.mark.parametrize(
    "setup",
    [_no_referral, _proposed, _consent_declined, _other_service, _closed, _declined, _withdrawn],
    ids=["no referral", "proposed", "consent declined", "another service", "closed", "declined", "withdrawn"],
)
def test_the_adviser_gets_404_audited_without_a_live_referral_to_their_service(scene, setup):
    setup(scene)
    db.session.commit()
    before = denied_events(scene.world.adviser, scene.world.case)
    status, text = page(scene.client, f"/support/cases/{scene.world.case.id}")
    assert status == 404
    assert scene.world.case.reference not in text
    assert denied_events(scene.world.adviser, scene.world.case) == before + 1


@pytest.mark.parametrize("stage", ["sent", "accepted"])
def test_the_adviser_sees_the_case_while_the_referral_is_sent_or_accepted(scene, stage):
    (sent if stage == "sent" else accepted)(scene.world)
    db.session.commit()
    status, text = page(scene.client, f"/support/cases/{scene.world.case.id}")
    assert status == 200
    assert scene.world.case.reference in text
    assert "Marisol Quayle" in text
    assert SHAREABLE_NOTE in text
    assert scene.world.officer.full_name in text
    assert ADDRESS in text and PHONE in text and EMAIL in text


def test_sealed_details_are_withheld_when_the_victim_did_not_agree_to_share_them(scene):
    referral = consent(scene.world, propose(scene.world), shares=frozenset())
    service.send_referral(scene.world.officer, referral, expected_version=referral.version_id)
    db.session.commit()
    status, text = page(scene.client, f"/support/cases/{scene.world.case.id}")
    assert status == 200
    assert ADDRESS not in text and PHONE not in text and EMAIL not in text
    assert "did not agree to share their contact details" in text


def test_the_service_sees_only_the_contact_details_the_victim_agreed_to(scene):
    """Agreed to a phone call only: the safe phone number goes to the service, the address and email do not."""
    referral = consent(scene.world, propose(scene.world), shares=frozenset({SharedDetail.PHONE}))
    service.send_referral(scene.world.officer, referral, expected_version=referral.version_id)
    db.session.execute(
        sa.update(VictimContact).where(VictimContact.party_id == scene.world.victim.id).values(texts_safe=True)
    )
    db.session.commit()
    status, text = page(scene.client, f"/support/cases/{scene.world.case.id}")
    assert status == 200
    assert PHONE in text and ADDRESS not in text and EMAIL not in text
    assert "Text messages" in text  # the channels in the officers' words
    disclosed = db.session.execute(
        sa.select(AuditEvent).where(
            AuditEvent.action == AuditAction.DISCLOSE, AuditEvent.user_id == scene.world.adviser.id
        )
    ).scalar_one()
    assert disclosed.detail["details"] == ["phone"]


def test_a_restricted_case_needs_the_adviser_on_its_access_list(scene):
    accepted(scene.world)
    scene.world.case.restricted = True
    db.session.commit()
    assert page(scene.client, f"/support/cases/{scene.world.case.id}")[0] == 404
    db.session.add(
        CaseAccess(case_id=scene.world.case.id, user_id=scene.world.adviser.id, granted_by_id=scene.world.officer.id)
    )
    db.session.commit()
    assert page(scene.client, f"/support/cases/{scene.world.case.id}")[0] == 200


def test_each_view_is_audited_as_a_consultation_and_a_disclosure_of_the_sealed_details(scene):
    referral = accepted(scene.world)
    db.session.commit()
    page(scene.client, f"/support/cases/{scene.world.case.id}")
    events = (
        db.session.execute(
            sa.select(AuditEvent).where(
                AuditEvent.user_id == scene.world.adviser.id,
                AuditEvent.object_type == "case",
                AuditEvent.object_id == str(scene.world.case.id),
            )
        )
        .scalars()
        .all()
    )
    actions = {(event.action, (event.detail or {}).get("page")) for event in events}
    assert (AuditAction.VIEW, "support case") in actions
    [disclosure] = [event for event in events if event.action == AuditAction.DISCLOSE]
    assert disclosure.detail == {
        "sealed_details_of_party": scene.world.victim.id,
        "referral": referral.id,
        "details": ["address", "phone", "email"],
    }
    assert disclosure.recipient == scene.world.adviser.email
    assert disclosure.justification


def test_visible_cases_clause_still_gives_advisers_no_case(scene):
    accepted(scene.world)
    db.session.commit()
    found = db.session.execute(sa.select(sa.func.count(Case.id)).where(visible_cases_clause(scene.world.adviser)))
    assert found.scalar_one() == 0


def test_non_advisers_cannot_open_the_adviser_page(make_client, scene):
    accepted(scene.world)
    db.session.commit()
    for role in (Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN):
        client, _ = make_client(role)
        assert page(client, f"/support/cases/{scene.world.case.id}")[0] == 403


def test_an_adviser_of_another_service_cannot_work_the_referral(make_client, scene):
    referral = sent(scene.world)
    db.session.commit()
    other_client, _ = make_client(Role.ADVISER, support_service_id=factories.SupportServiceFactory().id)
    response = other_client.post_form(f"/support/referrals/{referral.id}/take", {"version": referral.version_id})
    assert response.status_code == 404
    assert page(other_client, f"/support/referrals/{referral.id}/aftercare/needs_assessment")[0] == 404


# --- Nothing police-only on any page the adviser can reach ------------------------------------------


def _reachable_paths(app: Flask, scene: Scene, referral_id: int) -> list[str]:
    case_id = scene.world.case.id
    case_rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "<int:case_id>" in rule.rule and "GET" in (rule.methods or ()) and not rule.rule.startswith("/support/")
    ]
    adapter = app.url_map.bind("localhost")
    ids = {
        "case_id": case_id,
        "party_id": scene.world.victim.id,
        "referral_id": referral_id,
        "incident_id": 1,
        "assessment_id": 1,
        "evidence_id": 1,
        "part": "victim",
        "kind": "marac",
    }
    # Other features' object ids: the adviser is refused before any object is looked at, so any id serves.
    case_pages = [
        adapter.build(rule.endpoint, {name: ids.get(name, 1) for name in rule.arguments}) for rule in case_rules
    ]
    support_pages = [
        "/",
        f"/support/cases/{case_id}",
        f"/support/referrals/{referral_id}/decline",
        f"/support/referrals/{referral_id}/close",
        f"/support/referrals/{referral_id}/withdraw",
        *[
            f"/support/referrals/{referral_id}/aftercare/{kind}"
            for kind in ("needs_assessment", "safety_planning", "housing", "counselling", "court_support")
        ],
    ]
    return [*support_pages, *case_pages, "/cases", f"/cases?search={SUSPECT_LAST}"]


def test_no_police_only_item_appears_on_any_page_the_adviser_can_reach(app, scene):
    referral = accepted(scene.world)
    aftercare(scene.world, referral)
    db.session.commit()
    reached = 0
    for path in _reachable_paths(app, scene, referral.id):
        status, text = page(scene.client, path)
        assert status in {200, 403, 404}, path
        reached += status == 200
        leaked = [marker for marker in POLICE_ONLY if marker in text]
        assert leaked == [], f"{path}: {leaked}"
    assert reached >= 8, "the adviser reached too few pages for the walk to mean anything"


def test_the_case_pages_keep_refusing_the_adviser_with_a_live_referral(app, scene):
    referral = accepted(scene.world)
    db.session.commit()
    for path in _reachable_paths(app, scene, referral.id):
        if path.startswith("/cases/"):
            assert page(scene.client, path)[0] in {403, 404}, path
    assert page(scene.client, "/cases")[0] == 403


def test_the_permission_module_names_the_referral_columns_and_values_the_support_models_use():
    """security.py reads referrals without importing the support feature: keep the two in step."""
    from casework import security
    from casework.support.models import ConsentDecision, Referral, ReferralStatus

    assert set(security.ADVISER_VISIBLE_STATUSES) == {ReferralStatus.SENT.value, ReferralStatus.ACCEPTED.value}
    assert ConsentDecision.GIVEN.value == security.CONSENT_GIVEN
    assert security._REFERRALS.name == Referral.__tablename__
    assert {column.name for column in security._REFERRALS.columns} <= set(Referral.__table__.columns.keys())
