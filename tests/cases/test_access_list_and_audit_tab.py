"""Issue 10: people can be taken off a restricted case's access list (with a reason, audited); reallocating
takes the previous officer off unless kept; confirmation pages; the audit tab (names, what changed but never
sealed values, filters, paging); an allocation's reason once on the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.audit import service as audit
from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases import queries
from casework.cases import service as case_service
from casework.cases.models import CaseAccess, CaseStatus
from casework.db import utcnow
from casework.errors import DomainError
from casework.extensions import db
from casework.people.models import PartyRole, VictimContact
from tests import factories

ADDRESS = "9 Wrenfold Yard, Pellham PX3 8RR"
PHONE = "07700 900813"
EMAIL = "wrenfold.safe@sealed-example.org"


@pytest.fixture
def restricted(make_client):  # type: ignore[no-untyped-def]
    team = factories.TeamFactory()
    client, supervisor = make_client(Role.SUPERVISOR, team=team)
    officer = factories.UserFactory(role=Role.OFFICER, team=team)
    case = factories.CaseFactory(
        team=team, officer=officer, supervisor=supervisor, status=CaseStatus.INVESTIGATING, restricted=True
    )
    for user in (officer, supervisor):
        db.session.add(CaseAccess(case_id=case.id, user_id=user.id, granted_by_id=supervisor.id))
    db.session.commit()
    return {"team": team, "client": client, "supervisor": supervisor, "officer": officer, "case": case}


def on_list(case) -> set[int]:  # type: ignore[no-untyped-def]
    return {user.id for user in case_service.access_list(case)}


def test_someone_is_removed_from_the_access_list_with_a_reason_and_it_is_audited(make_client, restricted):
    case, supervisor = restricted["case"], restricted["supervisor"]
    other_client, other = make_client(Role.OFFICER, team=restricted["team"])
    db.session.add(CaseAccess(case_id=case.id, user_id=other.id, granted_by_id=supervisor.id))
    db.session.commit()
    assert other_client.get(f"/cases/{case.id}").status_code == 200
    path = f"/cases/{case.id}/access/{other.id}/remove"
    page = restricted["client"].get(path).get_data(as_text=True)
    assert "govuk-button--secondary" in page
    response = restricted["client"].post_form(path, {"reason": "Left the inquiry team."})
    assert response.status_code == 302
    assert other.id not in on_list(case)
    [event] = [
        e
        for e in db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.UPDATE)).scalars()
        if e.detail and "access_removed" in e.detail
    ]
    assert (event.user_id, event.object_id, event.detail["access_removed"]) == (supervisor.id, str(case.id), other.id)
    assert event.justification == "Left the inquiry team."
    grant = db.session.execute(sa.select(CaseAccess).where(CaseAccess.user_id == other.id)).scalar_one()
    assert grant.removed_at is not None and grant.removal_reason == "Left the inquiry team."
    assert other_client.get(f"/cases/{case.id}").status_code == 404


def test_a_removed_person_can_be_added_again(restricted):
    case, supervisor = restricted["case"], restricted["supervisor"]
    other = factories.UserFactory(role=Role.OFFICER, team=restricted["team"])
    case_service.grant_access(supervisor, case, email=other.email, reason="Needed")
    case_service.remove_access(supervisor, case, other, reason="Not now")
    case_service.grant_access(supervisor, case, email=other.email, reason="Needed again")
    db.session.flush()
    assert other.id in on_list(case)


def test_removal_needs_a_reason_and_cannot_remove_who_holds_the_case(restricted):
    case, supervisor = restricted["case"], restricted["supervisor"]
    with pytest.raises(DomainError):
        case_service.remove_access(supervisor, case, restricted["officer"], reason="Tidy up")
    other = factories.UserFactory(role=Role.OFFICER, team=restricted["team"])
    case_service.grant_access(supervisor, case, email=other.email, reason="Needed")
    with pytest.raises(DomainError):
        case_service.remove_access(supervisor, case, other, reason="  ")


def test_only_those_who_may_restrict_remove_people(make_client, restricted):
    case = restricted["case"]
    officer_client, officer = make_client(Role.OFFICER, team=restricted["team"])
    db.session.add(CaseAccess(case_id=case.id, user_id=officer.id, granted_by_id=restricted["supervisor"].id))
    db.session.commit()
    assert officer_client.get(f"/cases/{case.id}/access/{restricted['officer'].id}/remove").status_code == 403
    with pytest.raises(DomainError):
        case_service.remove_access(officer, case, restricted["officer"], reason="Not mine to do")


def reallocate(world, keep: bool):  # type: ignore[no-untyped-def]
    new_officer = factories.UserFactory(role=Role.OFFICER, team=world["team"])
    data = {
        "officer_id": str(new_officer.id),
        "supervisor_id": str(world["supervisor"].id),
        "reason": "Workload",
        "version": str(world["case"].version_id),
    }
    if keep:
        data["keep_previous_officer"] = "y"
    response = world["client"].post_form(f"/cases/{world['case'].id}/allocate", data)
    assert response.status_code == 302
    return new_officer


def test_reallocating_a_restricted_case_takes_the_previous_officer_off_the_access_list(restricted):
    page = restricted["client"].get(f"/cases/{restricted['case'].id}/allocate").get_data(as_text=True)
    assert "Keep the previous officer in case on the access list" in page
    new_officer = reallocate(restricted, keep=False)
    assert on_list(restricted["case"]) == {new_officer.id, restricted["supervisor"].id}


def test_the_supervisor_can_keep_the_previous_officer_on_the_access_list(restricted):
    new_officer = reallocate(restricted, keep=True)
    assert on_list(restricted["case"]) == {new_officer.id, restricted["supervisor"].id, restricted["officer"].id}


def test_lifting_a_restriction_goes_through_a_confirmation_page(restricted):
    case = restricted["case"]
    access = restricted["client"].get(f"/cases/{case.id}/access").get_data(as_text=True)
    assert "Why do they need to see this case?" in access
    assert f'/cases/{case.id}/access/lift"' in access
    page = restricted["client"].get(f"/cases/{case.id}/access/lift").get_data(as_text=True)
    assert "Why lift the restriction?" in page
    assert "govuk-button--secondary" in page
    assert (
        restricted["client"].post_form(f"/cases/{case.id}/access/lift", {"reason": "Suspect left"}).status_code == 302
    )
    db.session.refresh(case)
    assert case.restricted is False


def test_restricting_asks_its_own_question(restricted):
    case = restricted["case"]
    case.restricted = False
    db.session.commit()
    page = restricted["client"].get(f"/cases/{case.id}/access").get_data(as_text=True)
    assert "Why restrict this case?" in page


def test_deactivating_a_user_goes_through_a_confirmation_page(admin_client):
    client, _ = admin_client
    user = factories.UserFactory(role=Role.OFFICER)
    edit = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "govuk-button--warning" not in edit
    page = client.get(f"/admin/users/{user.id}/deactivate").get_data(as_text=True)
    assert "govuk-button--secondary" in page and f"Deactivate {user.full_name}" in page
    assert client.post_form(f"/admin/users/{user.id}/deactivate").status_code == 302
    db.session.refresh(user)
    assert user.active is False


# --- The audit tab -----------------------------------------------------------------------------------


@pytest.fixture
def audited(make_client):  # type: ignore[no-untyped-def]
    team = factories.TeamFactory()
    client, supervisor = make_client(Role.SUPERVISOR, team=team, full_name="Sgt Rowan Achterberg")
    officer = factories.UserFactory(role=Role.OFFICER, team=team, full_name="PC Idris Fenwick")
    case = factories.CaseFactory(team=team, officer=officer, supervisor=supervisor, status=CaseStatus.INVESTIGATING)
    victim = factories.CasePartyFactory(case=case, role=PartyRole.VICTIM)
    db.session.add(VictimContact(party_id=victim.id))
    db.session.commit()
    return {"client": client, "supervisor": supervisor, "officer": officer, "case": case, "victim": victim}


def test_the_audit_tab_shows_names_and_what_changed(audited):
    client, case, supervisor = audited["client"], audited["case"], audited["supervisor"]
    client.post_form(
        f"/cases/{case.id}/edit",
        {
            "classification": "stalking",
            "offence": case.offence.value,
            "summary": "She is staying with her sister at 4 Quince Row for now.",
            "crime_number": "CR/0042/26",
            "version": str(case.version_id),
        },
    )
    page = client.get(f"/cases/{case.id}/audit").get_data(as_text=True)
    assert "Sgt Rowan Achterberg" in page
    assert supervisor.email not in page
    assert "Crime number: not recorded → CR/0042/26" in page  # a reference: its values are kept
    assert "Summary: changed" in page  # content: named, never kept (nor shown to the admins' audit viewer)
    stored = " ".join(str(event.detail) for event in db.session.execute(sa.select(AuditEvent)).scalars())
    assert "Quince Row" not in stored


def test_the_audit_tab_never_shows_sealed_values(audited):
    client, case = audited["client"], audited["case"]
    path = f"/cases/{case.id}/people/{audited['victim'].id}/contact"
    client.post_form(
        path, {"sealed_address": ADDRESS, "sealed_phone": PHONE, "sealed_email": EMAIL, "safe_times": "Mornings"}
    )
    client.post_form(path, {"sealed_address": ADDRESS + " (flat 2)", "sealed_phone": PHONE, "sealed_email": EMAIL})
    page = client.get(f"/cases/{case.id}/audit").get_data(as_text=True)
    for marker in ("Wrenfold", PHONE, EMAIL, "flat 2"):
        assert marker not in page
    assert "Sealed address: changed" in page
    # Free text is named, never kept: the trail outlives erasure, and administrators read it.
    assert "Safe times: changed" in page
    stored = " ".join(str(event.detail) for event in db.session.execute(sa.select(AuditEvent)).scalars())
    for marker in ("Wrenfold", PHONE, EMAIL, "Mornings"):
        assert marker not in stored


def test_the_audit_tab_filters_by_action_person_and_date(audited):
    client, case, officer = audited["client"], audited["case"], audited["officer"]
    audit.record(AuditAction.DISCLOSE, "case", case.id, actor=officer, justification="Needed", detail={})
    old = AuditEvent(
        user_id=officer.id,
        actor=officer.email,
        action=AuditAction.UPDATE,
        object_type="case",
        object_id=str(case.id),
        created_at=utcnow() - timedelta(days=40),
        detail={"note_added": 1},
    )
    db.session.add(old)
    db.session.commit()
    base = f"/cases/{case.id}/audit"
    disclosed = client.get(f"{base}?action=disclose").get_data(as_text=True)
    assert "1 entry" in disclosed and "Disclose" in disclosed
    by_officer = client.get(f"{base}?user={officer.id}").get_data(as_text=True)
    assert "2 entries" in by_officer and "Sgt Rowan Achterberg</td>" not in by_officer
    since = (utcnow() - timedelta(days=41)).date()
    until = (utcnow() - timedelta(days=39)).date()
    dated = client.get(f"{base}?since={since.isoformat()}&until={until.isoformat()}").get_data(as_text=True)
    assert "1 entry" in dated
    assert client.get(f"{base}?action=nonsense&since=yesterday&page=x").status_code == 200


def test_the_audit_tab_pages_through_the_whole_trail(audited):
    client, case, officer = audited["client"], audited["case"], audited["officer"]
    for number in range(queries.AUDIT_PAGE_SIZE + 5):
        audit.record(AuditAction.UPDATE, "case", case.id, actor=officer, detail={"note_added": number})
    db.session.commit()
    first = client.get(f"/cases/{case.id}/audit").get_data(as_text=True)
    assert "page 1 of 2" in first and 'rel="next"' in first
    second = client.get(f"/cases/{case.id}/audit?page=2").get_data(as_text=True)
    assert "page 2 of 2" in second and 'rel="prev"' in second
    assert second.count('<tr class="govuk-table__row">') >= 6


def test_the_timeline_shows_an_allocation_reason_once(make_client):
    team = factories.TeamFactory()
    client, supervisor = make_client(Role.SUPERVISOR, team=team)
    officer = factories.UserFactory(role=Role.OFFICER, team=team)
    case = factories.CaseFactory(team=team, status=CaseStatus.REPORTED)
    db.session.commit()
    client.post_form(
        f"/cases/{case.id}/allocate",
        {
            "officer_id": str(officer.id),
            "supervisor_id": str(supervisor.id),
            "reason": "Experienced with stalking cases",
            "version": str(case.version_id),
        },
    )
    page = client.get(f"/cases/{case.id}/timeline").get_data(as_text=True)
    assert page.count("Experienced with stalking cases") == 1
