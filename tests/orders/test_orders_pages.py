"""The Orders tab and its forms: who may do what, bad input refused by field, constant query counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.errors import DomainError
from casework.extensions import db
from casework.orders import service
from casework.orders.models import OrderStatus, OrderType, ProtectiveOrder
from tests import factories
from tests.orders.helpers import days, make_order, saved_rows
from tests.querycount import count_queries


def gov_date(name: str, day) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """GOV.UK date input: three boxes posted under the field's name."""
    return {name: [str(day.day), str(day.month), str(day.year)]} if day else {}


def new_order_data(victim, suspect, **overrides: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "order_type": "spo",
        "subject_id": str(suspect.id),
        "protected_ids": [str(victim.id)],
        "court": "Exampletown Magistrates' Court",
        **gov_date("considered_on", days(-3)),
        "prohibitions": "Not to contact the victim.",
    }
    data.update(overrides)
    return data


def test_an_officer_records_an_order_and_sees_it_on_the_tab(make_client):
    client, officer = make_client(Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    response = client.post_form(f"/cases/{case.id}/orders/new", new_order_data(victim, suspect))
    assert response.status_code == 302, response.get_data(as_text=True)
    # The tab's top, where the success banner is: a fragment would scroll the page past it.
    assert response.headers["Location"] == f"/cases/{case.id}/orders"
    page = client.get(f"/cases/{case.id}/orders").get_data(as_text=True)
    assert "Stalking Protection Order" in page
    assert "Considered" in page
    assert "No order is in force for this case." in page
    views = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW, AuditEvent.object_id == str(case.id))
    ).scalars()
    assert any(event.detail.get("page") == "orders" for event in views)


def test_the_tab_shows_what_protects_the_victim_at_the_top(make_client):
    client, officer = make_client(Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    make_order(officer, case, victim, suspect, expires_on=days(400))
    make_order(officer, case, victim, suspect, OrderStatus.GRANTED, expires_on=days(-3), order_type=OrderType.DAPO)
    page = client.get(f"/cases/{case.id}/orders").get_data(as_text=True)
    top = page[page.index("What protects the victim now") : page.index("Every order")]
    assert "Stalking Protection Order" in top
    assert victim.person.full_name in top
    assert f"Until {days(400):%-d %B %Y}" in top
    assert "Not to contact the victim directly" in top
    assert "Domestic Abuse Protection Order" not in top
    assert "Expired" in page  # the lapsed DAPO shows as expired without anyone touching it


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"subject_id": "victim"}, "subject_id", "Not a valid choice"),
        ({"protected_ids": []}, "protected_ids", "Select at least one victim the order protects"),
        ({"order_type": "other"}, "other_name", "Enter the name of the order"),
        ({**gov_date("considered_on", days(2))}, "considered_on", "must be today or in the past"),
        ({"considered_on": ["31", "2", "2026"]}, "considered_on", "must be a real date"),
        ({"order_type": "nonsense"}, "order_type", "Not a valid choice"),
    ],
)
def test_bad_input_on_a_new_order_is_refused_by_field(make_client, overrides, field, message):
    client, officer = make_client(Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    data = new_order_data(victim, suspect, **overrides)
    if data.get("subject_id") == "victim":
        data["subject_id"] = str(victim.id)
    before = saved_rows()
    response = client.post_form(f"/cases/{case.id}/orders/new", data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "There is a problem" in body
    assert message in body
    assert f'href="#{field}' in body
    assert saved_rows() == before


def test_the_service_refuses_a_victim_as_subject_and_a_suspect_as_protected(db_session):
    officer = factories.UserFactory(role=Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    with pytest.raises(DomainError) as refused:
        service.record_order(
            officer, case, service.NewOrder(OrderType.SPO, victim.id, [victim.id], considered_on=days(0))
        )
    assert refused.value.field == "subject_id"
    with pytest.raises(DomainError) as refused:
        service.record_order(
            officer, case, service.NewOrder(OrderType.SPO, suspect.id, [suspect.id], considered_on=days(0))
        )
    assert refused.value.field == "protected_ids"
    other_case_suspect = factories.CasePartyFactory(role=factories.PartyRole.SUSPECT)
    with pytest.raises(DomainError) as refused:
        service.record_order(
            officer, case, service.NewOrder(OrderType.SPO, other_case_suspect.id, [victim.id], considered_on=days(0))
        )
    assert refused.value.field == "subject_id"


def status_data(order: ProtectiveOrder, to: str = "", **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"version": str(order.version_id), "to_status": to, **gov_date("effective_on", days(0))}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("before", "overrides", "field", "message"),
    [
        (
            OrderStatus.HEARING_LISTED,
            {"to_status": "granted", **gov_date("expires_on", days(-40))},
            "expires_on",
            "The expiry date must be after the date the order was made",
        ),
        (
            OrderStatus.HEARING_LISTED,
            {"to_status": "granted", **gov_date("expires_on", days(900)), **gov_date("served_on", days(-1))},
            "served_on",
            "The date it was served must be on or after the date it was made",
        ),
        (
            OrderStatus.APPLIED,
            {"to_status": "hearing_listed", **gov_date("hearing_on", days(-60))},
            "hearing_on",
            "The hearing must not be before the application",
        ),
        (
            OrderStatus.APPLIED,
            {"to_status": "hearing_listed"},
            "hearing_on",
            "Enter the date of the hearing",
        ),
        (
            OrderStatus.CONSIDERED,
            {"to_status": "applied", **gov_date("effective_on", days(3))},
            "effective_on",
            "Date it happened must be today or in the past",
        ),
        (OrderStatus.CONSIDERED, {"to_status": "not_pursued"}, "reason", "Give the reason"),
        (OrderStatus.CONSIDERED, {"to_status": "granted"}, "to_status", "Not a valid choice"),
        (
            OrderStatus.HEARING_LISTED,
            {"to_status": "granted", **gov_date("expires_on", days(200))},
            "expires_on",
            "at least 2 years",
        ),
    ],
)
def test_bad_input_on_a_status_change_is_refused_by_field(make_client, before, overrides, field, message):
    client, officer = make_client(Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    order = make_order(officer, case, victim, suspect, before)
    if "served_on" in overrides:
        overrides = {**overrides, **gov_date("effective_on", days(0))}
    before_rows = saved_rows()
    response = client.post_form(f"/cases/{case.id}/orders/{order.id}/status", status_data(order, **overrides))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert message in body, body[body.find("govuk-error-summary") :][:1500]
    assert f'href="#{field}' in body
    assert saved_rows() == before_rows


def test_a_stale_status_form_is_refused_with_the_conflict_message(make_client):
    client, officer = make_client(Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    order = make_order(officer, case, victim, suspect, OrderStatus.CONSIDERED)
    data = status_data(order, "applied", version=str(order.version_id - 1))
    response = client.post_form(f"/cases/{case.id}/orders/{order.id}/status", data)
    assert "Someone else changed this record" in response.get_data(as_text=True)


def test_serving_before_the_order_was_made_is_refused_on_the_details_form(make_client):
    client, officer = make_client(Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    order = make_order(officer, case, victim, suspect)
    data = {
        "version": str(order.version_id),
        "protected_ids": [str(victim.id)],
        "prohibitions": "Not to contact.",
        **gov_date("served_on", days(-31)),
    }
    response = client.post_form(f"/cases/{case.id}/orders/{order.id}/edit", data)
    assert "The date it was served must be on or after the date it was made" in response.get_data(as_text=True)
    data.update(gov_date("served_on", days(-2)))
    assert client.post_form(f"/cases/{case.id}/orders/{order.id}/edit", data).status_code == 302
    db.session.expire_all()
    assert order.served_on == days(-2)


def test_an_officer_records_a_breach_through_the_form(make_client):
    client, officer = make_client(Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    order = make_order(officer, case, victim, suspect)
    data = {
        **gov_date("occurred_on", days(-1)),
        "occurred_at": "21:30",
        "description": "At the door.",
        "incident_id": "new",
    }
    response = client.post_form(f"/cases/{case.id}/orders/{order.id}/breaches/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/cases/{case.id}/orders").get_data(as_text=True)
    assert "Order breached" in page
    assert "At the door." in page
    assert "Risk assessment due" in page or "Re-assessment due" in page  # not assessed yet, or assessed before


def test_a_breach_of_an_order_not_in_force_is_refused_on_the_form(make_client):
    client, officer = make_client(Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    order = make_order(officer, case, victim, suspect, OrderStatus.APPLIED)
    data = {**gov_date("occurred_on", days(-1)), "description": "At the door.", "incident_id": "new"}
    before = saved_rows()
    response = client.post_form(f"/cases/{case.id}/orders/{order.id}/breaches/new", data)
    assert response.status_code == 200
    assert "A breach can only be recorded against an order in force" in response.get_data(as_text=True)
    assert saved_rows() == before


# --- Access ---------------------------------------------------------------------------------------


def order_pages(case, order) -> list[str]:  # type: ignore[no-untyped-def]
    base = f"/cases/{case.id}/orders"
    return [
        f"{base}/new",
        f"{base}/{order.id}/status",
        f"{base}/{order.id}/edit",
        f"{base}/{order.id}/hearings/new",
        f"{base}/{order.id}/breaches/new",
    ]


def test_a_manager_reads_the_tab_but_changes_nothing(make_client):
    client, _ = make_client(Role.MANAGER)
    officer = factories.UserFactory(role=Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    order = make_order(officer, case, victim, suspect)
    page = client.get(f"/cases/{case.id}/orders")
    assert page.status_code == 200
    assert "Not to contact the victim directly" in page.get_data(as_text=True)
    assert "Record an order" not in page.get_data(as_text=True)
    assert "Change status" not in page.get_data(as_text=True)
    before = saved_rows()
    for path in order_pages(case, order):
        assert client.get(path).status_code == 403, path
        assert client.post_form(path, {}).status_code == 403, path
    assert saved_rows() == before


def test_an_officer_of_another_team_is_refused(make_client):
    client, _ = make_client(Role.OFFICER)
    officer = factories.UserFactory(role=Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    order = make_order(officer, case, victim, suspect)
    assert client.get(f"/cases/{case.id}/orders").status_code == 403
    for path in order_pages(case, order):
        assert client.post_form(path, {}).status_code == 403, path
    denied = (
        db.session.execute(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.ACCESS_DENIED, AuditEvent.object_id == str(case.id)
            )
        )
        .scalars()
        .all()
    )
    assert denied


def test_a_restricted_case_is_not_found_for_anyone_off_its_access_list(make_client):
    client, colleague = make_client(Role.OFFICER)
    officer = factories.UserFactory(role=Role.OFFICER, team=colleague.team)
    case, victim, suspect = factories.order_case(officer, restricted=True)
    order = make_order(officer, case, victim, suspect)
    assert client.get(f"/cases/{case.id}/orders").status_code == 404
    for path in order_pages(case, order):
        assert client.get(path).status_code == 404, path


def test_an_adviser_cannot_reach_the_orders_tab(make_client):
    client, _ = make_client(Role.ADVISER)
    officer = factories.UserFactory(role=Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    make_order(officer, case, victim, suspect)
    assert client.get(f"/cases/{case.id}/orders").status_code == 403


def test_a_supervisor_of_the_team_may_change_orders(make_client):
    client, supervisor = make_client(Role.SUPERVISOR)
    officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    case, victim, suspect = factories.order_case(officer)
    order = make_order(officer, case, victim, suspect, OrderStatus.CONSIDERED)
    response = client.post_form(f"/cases/{case.id}/orders/{order.id}/status", status_data(order, "applied"))
    assert response.status_code == 302


def test_orders_of_a_closed_case_cannot_be_changed(make_client):
    client, officer = make_client(Role.OFFICER)
    case, victim, suspect = factories.order_case(officer, status=factories.CaseStatus.CLOSED)
    order = make_order(officer, case, victim, suspect)
    assert client.get(f"/cases/{case.id}/orders").status_code == 200
    assert (
        client.post_form(f"/cases/{case.id}/orders/{order.id}/status", status_data(order, "varied")).status_code == 403
    )


def test_orders_in_force_gives_the_adviser_view_without_the_subjects_details(db_session):
    officer = factories.UserFactory(role=Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    order = make_order(officer, case, victim, suspect, expires_on=days(500))
    make_order(officer, case, victim, suspect, OrderStatus.APPLIED)
    [shown] = service.orders_in_force(case)
    assert shown.order_id == order.id
    assert shown.protected_names == (victim.person.full_name,)
    assert shown.subject_name == suspect.person.full_name
    assert shown.expires_on == days(500)
    assert "Not to contact" in (shown.prohibitions or "")
    assert not hasattr(shown, "subject") and not hasattr(shown, "subject_id")


# --- Query counts -----------------------------------------------------------------------------------


def add_orders(officer, case, victim, suspect, count: int) -> None:  # type: ignore[no-untyped-def]
    for number in range(count):
        order = make_order(officer, case, victim, suspect, OrderStatus.APPLIED)
        service.add_hearing(officer, case, order, hearing_on=days(number + 1), court=None, note=None)
        service.add_hearing(officer, case, order, hearing_on=days(number + 2), court=None, note="Adjourned")
        service.change_status(
            officer,
            case,
            order,
            service.StatusChange(OrderStatus.GRANTED, days(0), expires_on=days(900), prohibitions="No contact."),
            expected_version=order.version_id,
        )
        service.record_breach(officer, case, order, service.NewBreach(occurred_on=days(0), description="Texts."))
    db.session.commit()


@pytest.mark.parametrize("path", ["/orders", ""])
def test_the_orders_tab_and_summary_run_a_constant_number_of_queries(make_client, db_session, path):
    client, officer = make_client(Role.OFFICER)
    small, small_victim, small_suspect = factories.order_case(officer)
    large, large_victim, large_suspect = factories.order_case(officer)
    add_orders(officer, small, small_victim, small_suspect, 1)
    add_orders(officer, large, large_victim, large_suspect, 25)
    with count_queries() as few:
        assert client.get(f"/cases/{small.id}{path}").status_code == 200
    with count_queries() as many:
        assert client.get(f"/cases/{large.id}{path}").status_code == 200
    assert many.count == few.count, many.statements


def test_the_home_page_worklist_runs_a_constant_number_of_queries(make_client, db_session):
    client, officer = make_client(Role.OFFICER)
    case, victim, suspect = factories.order_case(officer)
    add_orders(officer, case, victim, suspect, 1)
    with count_queries() as few:
        assert "breached" in client.get("/").get_data(as_text=True)
    add_orders(officer, case, victim, suspect, 10)
    other, other_victim, other_suspect = factories.order_case(officer)
    add_orders(officer, other, other_victim, other_suspect, 5)
    with count_queries() as many:
        assert client.get("/").status_code == 200
    assert many.count == few.count, many.statements
