"""The support pages through HTTP: the officer's Support tab (make a referral, record consent, send,
withdraw, the service's answer), the adviser's pages (take, decline, aftercare, close), the admin's
support services and advisers' service; bad input comes back per field, nothing saved, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role, User
from casework.cases import registry
from casework.db import utcnow
from casework.extensions import db
from casework.support import service
from casework.support.models import AftercareEntry, Referral, ReferralStatus, SupportService
from casework.workdays import local_date
from tests import factories
from tests.querycount import count_queries
from tests.support.helpers import accepted, aftercare, consent, make_world, propose, sent


@pytest.fixture
def officer_world(make_client):  # type: ignore[no-untyped-def]
    client, officer = make_client(Role.OFFICER)
    adviser_client, adviser = make_client(Role.ADVISER)
    world = make_world(officer=officer, adviser=adviser)
    return client, adviser_client, world


def _date(day) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(day.day), str(day.month), str(day.year)]


def _referrals() -> list[Referral]:
    return list(db.session.execute(sa.select(Referral).execution_options(populate_existing=True)).scalars())


def test_officer_makes_a_referral_records_consent_and_sends_it(officer_world):
    client, _, world = officer_world
    base = f"/cases/{world.case.id}/support"
    assert "Make a referral" in client.get(base).get_data(as_text=True)
    response = client.post_form(
        f"{base}/new", {"party_id": world.victim.id, "service_id": world.support.id, "reason": "Wants an advocate"}
    )
    assert response.status_code == 302
    [referral] = _referrals()
    today = local_date(utcnow())
    response = client.post_form(
        f"{base}/{referral.id}/consent",
        {
            "version": referral.version_id,
            "decision": "given",
            "scope": "Name and safe phone, for advocacy",
            "shares": ["phone"],
            "consent_on": _date(today),
            "method": "phone",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    [referral] = _referrals()
    assert referral.send_due_at is not None
    page = client.get(base).get_data(as_text=True)
    assert "Send the referral" in page
    assert "Contact details to the service" in page and "Safe phone number" in page and "Current address" not in page
    assert client.post_form(f"{base}/{referral.id}/send", {"version": referral.version_id}).status_code == 302
    [referral] = _referrals()
    assert referral.status == ReferralStatus.SENT


def test_consent_dated_in_the_future_comes_back_on_its_field_and_nothing_is_saved(officer_world):
    client, _, world = officer_world
    referral = propose(world)
    db.session.commit()
    tomorrow = local_date(utcnow()) + timedelta(days=1)
    response = client.post_form(
        f"/cases/{world.case.id}/support/{referral.id}/consent",
        {
            "version": referral.version_id,
            "decision": "given",
            "scope": "All",
            "consent_on": _date(tomorrow),
            "method": "phone",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#consent_on' in page
    assert "must be today or in the past" in page
    assert _referrals()[0].consent is None


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "given", "scope": "", "consent_on": ["1", "5", "2026"], "method": "phone"},
        {"decision": "maybe", "scope": "x", "consent_on": ["1", "5", "2026"], "method": "phone"},
        {"decision": "given", "scope": "x", "consent_on": ["31", "2", "2026"], "method": "phone"},
        {"decision": "given", "scope": "x", "consent_on": ["1", "5", "2026"], "method": "pigeon"},
        {"decision": "given", "scope": "x" * 3000, "consent_on": ["", "", ""], "method": "phone"},
    ],
)
def test_bad_consent_input_is_refused_per_field(officer_world, data):
    client, _, world = officer_world
    referral = propose(world)
    db.session.commit()
    response = client.post_form(f"/cases/{world.case.id}/support/{referral.id}/consent", {"version": 1, **data})
    assert response.status_code == 200
    assert "There is a problem" in response.get_data(as_text=True)
    assert _referrals()[0].consent is None


def test_sending_without_consent_is_refused_and_nothing_changes(officer_world):
    client, _, world = officer_world
    referral = propose(world)
    db.session.commit()
    response = client.post_form(
        f"/cases/{world.case.id}/support/{referral.id}/send", {"version": referral.version_id}, follow_redirects=True
    )
    assert "Record the victim" in response.get_data(as_text=True)
    assert _referrals()[0].status == ReferralStatus.PROPOSED


def test_withdrawing_consent_through_the_page_stops_the_referral(officer_world):
    client, _, world = officer_world
    referral = sent(world)
    db.session.commit()
    path = f"/cases/{world.case.id}/support/{referral.id}/withdraw"
    empty = client.post_form(path, {"version": referral.version_id, "reason": "  "})
    assert 'href="#reason"' in empty.get_data(as_text=True)
    assert client.post_form(path, {"version": referral.version_id, "reason": "Victim phoned"}).status_code == 302
    assert _referrals()[0].status == ReferralStatus.WITHDRAWN


def test_the_officer_records_a_helplines_answer(officer_world):
    client, _, world = officer_world
    helpline = factories.SupportServiceFactory(name="Helpline without Casework advisers")
    referral = sent(world, support=helpline)
    db.session.commit()
    assert "Record the service" in client.get(f"/cases/{world.case.id}/support").get_data(as_text=True)
    path = f"/cases/{world.case.id}/support/{referral.id}/response"
    refused = client.post_form(path, {"version": referral.version_id, "accepted": "no", "reason": ""})
    assert 'href="#reason"' in refused.get_data(as_text=True)
    assert client.post_form(path, {"version": referral.version_id, "accepted": "yes", "reason": ""}).status_code == 302
    assert _referrals()[0].status == ReferralStatus.ACCEPTED


def test_the_support_tab_shows_aftercare_summaries_to_the_officer_in_case_only(officer_world, make_client):
    client, _, world = officer_world
    referral = accepted(world)
    aftercare(world, referral)
    db.session.commit()
    page = client.get(f"/cases/{world.case.id}/support").get_data(as_text=True)
    assert "Needs assessed; safety plan started." in page
    assert "Victim mentioned panic attacks" not in page  # the service's own notes
    colleague, _ = make_client(Role.OFFICER, team=world.team)
    other_page = colleague.get(f"/cases/{world.case.id}/support").get_data(as_text=True)
    assert "Needs assessed; safety plan started." not in other_page
    assert world.support.name in other_page


def test_an_overdue_referral_is_flagged_on_the_case_and_the_officers_home_page(officer_world):
    client, _, world = officer_world
    referral = consent(world, propose(world))
    referral.send_due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    tab = client.get(f"/cases/{world.case.id}/support").get_data(as_text=True)
    assert 'id="overdue-referrals"' in tab
    summary = client.get(f"/cases/{world.case.id}").get_data(as_text=True)
    assert "has not been sent – overdue" in summary
    home = client.get("/").get_data(as_text=True)
    assert "casework-worklist__row--overdue" in home
    assert f"Send the referral to {world.support.name}" in home


# --- The adviser's pages ----------------------------------------------------------------------------


def test_the_adviser_takes_a_referral_and_records_a_needs_assessment(officer_world):
    _, adviser_client, world = officer_world
    referral = sent(world)
    db.session.commit()
    assert (
        adviser_client.post_form(f"/support/referrals/{referral.id}/take", {"version": referral.version_id}).status_code
        == 302
    )
    today = local_date(utcnow())
    data = {
        "occurred_on": _date(today),
        "summary": "Assessed; wants a safety plan",
        "notes": "Private notes",
        "next_steps": "Arrange a door alarm",
        "follow_up_on": _date(today + timedelta(days=5)),
    }
    for area in ("safety", "health", "housing", "finance", "children", "justice", "communication"):
        data[f"need_{area}"] = "high" if area == "safety" else "low"
    response = adviser_client.post_form(f"/support/referrals/{referral.id}/aftercare/needs_assessment", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    [entry] = db.session.execute(sa.select(AftercareEntry)).scalars().all()
    assert entry.needs["safety"] == {"rating": "high", "notes": ""}
    assert entry.follow_up_on == today + timedelta(days=5)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("follow_up_on", -1, "must be today or in the future"),
        ("occurred_on", 1, "must be today or in the past"),
    ],
)
def test_aftercare_dates_are_checked_per_field(officer_world, field, value, message):
    _, adviser_client, world = officer_world
    referral = accepted(world)
    db.session.commit()
    today = local_date(utcnow())
    data = {
        "occurred_on": _date(today),
        "summary": "Safety plan agreed",
        "next_steps": "Review",
        "follow_up_on": _date(today + timedelta(days=3)),
        field: _date(today + timedelta(days=value)),
    }
    response = adviser_client.post_form(f"/support/referrals/{referral.id}/aftercare/safety_planning", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="#{field}' in page
    assert message in page
    assert db.session.execute(sa.select(sa.func.count(AftercareEntry.id))).scalar_one() == 0


def test_the_service_refuses_a_follow_up_in_the_past(officer_world):
    _, _, world = officer_world
    referral = accepted(world)
    with pytest.raises(Exception, match="today or in the future") as refused:
        aftercare(world, referral, follow_up_on=local_date(utcnow()) - timedelta(days=1))
    assert refused.value.field == "follow_up_on"  # type: ignore[attr-defined]


def test_a_needs_assessment_must_rate_every_area(officer_world):
    _, adviser_client, world = officer_world
    referral = accepted(world)
    db.session.commit()
    today = local_date(utcnow())
    response = adviser_client.post_form(
        f"/support/referrals/{referral.id}/aftercare/needs_assessment",
        {"occurred_on": _date(today), "summary": "s", "next_steps": "n", "follow_up_on": _date(today)},
    )
    assert 'href="#need_safety' in response.get_data(as_text=True)


def test_court_support_records_special_measures_visit_and_witness_service(officer_world):
    _, adviser_client, world = officer_world
    referral = accepted(world)
    db.session.commit()
    today = local_date(utcnow())
    response = adviser_client.post_form(
        f"/support/referrals/{referral.id}/aftercare/court_support",
        {
            "occurred_on": _date(today),
            "summary": "Court support planned",
            "next_steps": "Pre-trial visit",
            "follow_up_on": _date(today + timedelta(days=2)),
            "special_measures": "Screens in court",
            "pre_trial_visit_on": _date(today + timedelta(days=10)),
            "witness_service": "y",
        },
    )
    assert response.status_code == 302
    entry = db.session.execute(sa.select(AftercareEntry)).scalar_one()
    assert (entry.special_measures, entry.witness_service) == ("Screens in court", True)


def test_an_unknown_aftercare_kind_is_404(officer_world):
    _, adviser_client, world = officer_world
    referral = accepted(world)
    db.session.commit()
    assert adviser_client.get(f"/support/referrals/{referral.id}/aftercare/astrology").status_code == 404


def test_the_adviser_declines_with_a_reason_and_closes_with_an_outcome(officer_world):
    _, adviser_client, world = officer_world
    first = sent(world)
    db.session.commit()
    path = f"/support/referrals/{first.id}/decline"
    assert 'href="#reason"' in adviser_client.post_form(path, {"version": first.version_id, "reason": ""}).get_data(
        as_text=True
    )
    assert (
        adviser_client.post_form(path, {"version": first.version_id, "reason": "Outside our area"}).status_code == 302
    )
    second = accepted(world)
    db.session.commit()
    close_path = f"/support/referrals/{second.id}/close"
    assert "Describe the outcome" in adviser_client.post_form(
        close_path, {"version": second.version_id, "outcome": "other", "notes": ""}
    ).get_data(as_text=True)
    done = adviser_client.post_form(close_path, {"version": second.version_id, "outcome": "support_completed"})
    assert done.status_code == 302
    statuses = {referral.id: referral.status for referral in _referrals()}
    assert statuses == {first.id: ReferralStatus.DECLINED, second.id: ReferralStatus.CLOSED}


# --- Admin -------------------------------------------------------------------------------------------


def test_admin_adds_and_edits_a_support_service(admin_client):
    client, admin = admin_client
    created = client.post_form(
        "/admin/support-services/new",
        {
            "name": "Paladin (test)",
            "kind": "isac_advocacy",
            "secure_email": "referrals@paladin.example.org",
            "active": "y",
        },
    )
    assert created.status_code == 302
    found = db.session.execute(sa.select(SupportService).where(SupportService.name == "Paladin (test)")).scalar_one()
    assert "Paladin (test)" in client.get("/admin/support-services").get_data(as_text=True)
    edited = client.post_form(
        f"/admin/support-services/{found.id}",
        {"name": "Paladin (test)", "kind": "isac_advocacy", "secure_email": "new@paladin.example.org", "version": 1},
    )
    assert edited.status_code == 302
    db.session.refresh(found)
    assert (found.secure_email, found.active) == ("new@paladin.example.org", False)
    events = (
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "support_service", AuditEvent.object_id == str(found.id))
            .order_by(AuditEvent.id)
        )
        .scalars()
        .all()
    )
    assert [(event.action, event.user_id) for event in events] == [
        (AuditAction.CREATE, admin.id),
        (AuditAction.UPDATE, admin.id),
    ]
    assert events[1].detail["changes"]["secure_email"] == ["referrals@paladin.example.org", "new@paladin.example.org"]


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "kind": "idva", "secure_email": "a@b.org"},
        {"name": "X", "kind": "wizard", "secure_email": "a@b.org"},
        {"name": "X", "kind": "idva", "secure_email": "not an email"},
    ],
)
def test_bad_service_input_is_refused(admin_client, data):
    client, _ = admin_client
    response = client.post_form("/admin/support-services/new", data)
    assert response.status_code == 200
    assert "There is a problem" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(SupportService.id))).scalar_one() == 0


def test_only_admins_manage_support_services(make_client):
    for role in (Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADVISER):
        client, _ = make_client(role)
        assert client.get("/admin/support-services").status_code == 403


def test_an_adviser_needs_a_support_service(admin_client):
    client, _ = admin_client
    data = {"full_name": "New Adviser", "email": "new.adviser@casework.police.uk", "role": "adviser", "team_id": 0}
    refused = client.post_form("/admin/users/new", {**data, "support_service_id": 0})
    assert "every victim support adviser belongs to one" in refused.get_data(as_text=True)
    support = factories.SupportServiceFactory()
    assert client.post_form("/admin/users/new", {**data, "support_service_id": support.id}).status_code == 200
    user = db.session.execute(sa.select(User).where(User.email == data["email"])).scalar_one()
    assert user.support_service_id == support.id


def test_the_service_refuses_an_adviser_without_a_service_and_clears_it_for_other_roles(db_session):
    from casework.admin import service as admin
    from casework.errors import DomainError

    with pytest.raises(DomainError) as refused:
        admin.create_user(None, email="x@casework.police.uk", full_name="X", role=Role.ADVISER, team_id=None)
    assert refused.value.field == "support_service_id"
    support = factories.SupportServiceFactory()
    officer, _ = admin.create_user(
        None,
        email="y@casework.police.uk",
        full_name="Y",
        role=Role.OFFICER,
        team_id=factories.TeamFactory().id,
        support_service_id=support.id,
    )
    assert officer.support_service_id is None


# --- Registered into the case hub --------------------------------------------------------------------


def test_obligation_sources_give_the_officer_the_send_deadline_and_the_adviser_the_follow_up(officer_world):
    _, _, world = officer_world
    taken = accepted(world)
    entry = aftercare(world, taken)
    elsewhere = make_world(officer=world.officer)
    to_send = consent(elsewhere, propose(elsewhere))
    horizon = utcnow() + timedelta(days=30)
    [send_row] = db.session.execute(service.REFERRAL_TO_SEND.query(horizon)).mappings().all()
    assert dict(send_row) == {
        "case_id": elsewhere.case.id,
        "object_id": to_send.id,
        "due_at": to_send.send_due_at,
        "recipient_id": world.officer.id,
    }
    [follow_row] = db.session.execute(service.AFTERCARE_FOLLOW_UP.query(horizon)).mappings().all()
    assert dict(follow_row) == {
        "case_id": world.case.id,
        "object_id": entry.id,
        "due_at": entry.follow_up_due_at,
        "recipient_id": world.adviser.id,
    }
    assert db.session.execute(service.REFERRAL_TO_SEND.query(utcnow() - timedelta(days=1))).all() == []
    assert service.REFERRAL_TO_SEND.still_open(to_send.id)
    assert service.AFTERCARE_FOLLOW_UP.still_open(entry.id)
    service.send_referral(world.officer, to_send, expected_version=to_send.version_id)
    aftercare(world, taken)
    assert not service.REFERRAL_TO_SEND.still_open(to_send.id)
    assert not service.AFTERCARE_FOLLOW_UP.still_open(entry.id)
    assert {source.kind for source in registry.obligation_sources()} >= {"referral_to_send", "aftercare_follow_up"}


def test_open_items_task_and_timeline(app, officer_world):
    _, _, world = officer_world
    context = app.test_request_context()  # task rows link to pages
    context.push()
    assert [task.name for task in registry.tasks(world.case)].count("Referred to support") == 1
    referral = propose(world)
    assert any("waiting for the victim's consent" in item for item in registry.open_items(world.case))
    [task] = [task for task in registry.tasks(world.case) if task.name == "Referred to support"]
    assert task.state == registry.TaskState.TO_DO
    consent(world, referral)
    referral.send_due_at = utcnow() - timedelta(minutes=1)
    [task] = [task for task in registry.tasks(world.case) if task.name == "Referred to support"]
    assert task.state == registry.TaskState.OVERDUE
    service.send_referral(world.officer, referral, expected_version=referral.version_id)
    [task] = [task for task in registry.tasks(world.case) if task.name == "Referred to support"]
    assert task.state == registry.TaskState.DONE
    titles = [entry.title for entry in registry.timeline(world.case, registry.Viewer(world.officer, police_only=True))]
    assert f"Referral to {world.support.name}: sent to the service" in titles
    assert f"Referral to {world.support.name}: proposed" in titles
    context.pop()


def test_the_adviser_records_a_withdrawal_of_consent_and_loses_sight_of_the_case(officer_world):
    _, adviser_client, world = officer_world
    referral = accepted(world)
    db.session.commit()
    path = f"/support/referrals/{referral.id}/withdraw"
    assert 'href="#reason"' in adviser_client.post_form(path, {"version": referral.version_id, "reason": ""}).get_data(
        as_text=True
    )
    assert (
        adviser_client.post_form(path, {"version": referral.version_id, "reason": "Victim emailed"}).status_code == 302
    )
    assert _referrals()[0].status == ReferralStatus.WITHDRAWN
    assert adviser_client.get(f"/support/cases/{world.case.id}").status_code == 404


def test_the_support_tab_runs_the_same_queries_whatever_the_number_of_referrals(officer_world):
    client, _, world = officer_world
    taken = accepted(world)
    aftercare(world, taken)
    sent(world, support=factories.SupportServiceFactory())
    db.session.commit()
    tab = f"/cases/{world.case.id}/support"
    client.get(tab)
    with count_queries() as few:
        assert client.get(tab).status_code == 200
    for _ in range(3):
        sent(world, support=factories.SupportServiceFactory())
        consent(world, propose(world, support=factories.SupportServiceFactory()))
    db.session.commit()
    with count_queries() as many:
        assert client.get(tab).get_data(as_text=True).count("Send the referral") == 3
    assert many.count == few.count, "\n".join(many.statements)


def test_the_adviser_sees_the_orders_in_force_with_the_subjects_name_only(officer_world):
    from casework.orders.models import OrderStatus
    from casework.people.models import PartyRole
    from tests.orders.helpers import make_order

    _, adviser_client, world = officer_world
    sent(world)
    suspect = factories.CasePartyFactory(
        case=world.case,
        role=PartyRole.SUSPECT,
        person=factories.PersonFactory(first_name="Grimsby", last_name="Tollard"),
        notes="SUSPECT-MARKER works nights at the depot",
    )
    make_order(world.officer, world.case, world.victim, suspect)
    make_order(world.officer, world.case, world.victim, suspect, OrderStatus.REFUSED)
    page = adviser_client.get(f"/support/cases/{world.case.id}").get_data(as_text=True)
    assert "Grimsby Tollard" in page
    assert "Not to enter Elm Road" in page
    assert page.count("Not to enter Elm Road") == 1  # the refused order protects nobody
    assert "SUSPECT-MARKER" not in page


@pytest.mark.parametrize("in_casework", [True, False])
def test_sending_says_whether_casework_delivers_the_referral_or_the_officer_must_email_it(officer_world, in_casework):
    client, _, world = officer_world
    world.adviser.active = in_casework  # a service whose only adviser has left reads nothing in Casework
    referral = consent(world, propose(world))
    db.session.commit()
    base, address = f"/cases/{world.case.id}/support", world.support.secure_email
    before = client.get(base).get_data(as_text=True)
    assert ("does not use Casework, so Casework cannot send it to them" in before) is not in_casework
    sent_page = client.post_form(
        f"{base}/{referral.id}/send", {"version": referral.version_id}, follow_redirects=True
    ).get_data(as_text=True)
    if in_casework:
        assert "it is on their advisers&#39; caseload in Casework" in sent_page
        assert "to the caseload of its advisers in Casework" in sent_page
    else:
        assert f"does not use Casework: email the referral to {address} now" in sent_page
        assert f"so the details go to {address} by email from you" in sent_page
    assert "Record that consent was withdrawn" in sent_page


def test_consent_before_the_case_was_reported_is_refused_on_its_field(officer_world):
    client, _, world = officer_world
    world.case.reported_at = utcnow() - timedelta(days=10)
    referral = propose(world)
    db.session.commit()
    long_before = local_date(utcnow()) - timedelta(days=400)
    response = client.post_form(
        f"/cases/{world.case.id}/support/{referral.id}/consent",
        {"version": referral.version_id, "decision": "given", "scope": "All", "shares": ["phone"]}
        | {"consent_on": _date(long_before), "method": "phone"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'href="#consent_on' in page
    assert "must be on or after the day the case was reported" in page
    assert _referrals()[0].consent is None
