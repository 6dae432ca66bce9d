"""Review dates (computed from classification, outcome and closure), the due report and retain decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.cases.models import CaseStatus, Classification, Outcome
from casework.db import utcnow
from casework.errors import DomainError
from casework.extensions import db
from casework.retention import queries, service
from casework.retention.models import Decision, RetentionDecision
from casework.workdays import local_date
from config import ConfigurationError, retention_review_years
from tests import factories

TODAY = date(2026, 11, 26)


def _closed(classification: Classification, outcome: Outcome | None, closed_on: date, **fields: object):  # type: ignore[no-untyped-def]
    closed_at = datetime(closed_on.year, closed_on.month, closed_on.day, 12, tzinfo=UTC)
    return factories.CaseFactory(
        classification=classification, status=CaseStatus.CLOSED, outcome=outcome, closed_at=closed_at, **fields
    )


@pytest.mark.parametrize(
    ("classification", "outcome", "years"),
    [
        (Classification.STALKING, Outcome.CONVICTED, 10),
        (Classification.STALKING, Outcome.NFA_PUBLIC_INTEREST, 10),
        (Classification.STALKING, Outcome.NO_CRIME, 6),
        (Classification.HARASSMENT, Outcome.CONVICTED, 10),
        (Classification.HARASSMENT, Outcome.CAUTION, 10),
        (Classification.HARASSMENT, Outcome.NFA_VICTIM_DOES_NOT_SUPPORT, 6),
        (Classification.HARASSMENT, None, 6),
    ],
)
def test_review_periods_come_from_classification_and_outcome(app, classification, outcome, years):
    with app.app_context():
        assert queries.review_years(classification, outcome) == years


def test_review_periods_are_overridden_from_the_environment():
    years = retention_review_years("stalking=12, harassment/caution=8")
    assert years["stalking"] == 12 and years["harassment/caution"] == 8 and years["default"] == 6
    for bad in ("stalking", "stalking=x", "stalking=0", "stalking=101"):
        with pytest.raises(ConfigurationError):
            retention_review_years(bad)


def test_review_date_is_the_anniversary_after_the_clear_years(db_session, app):
    with app.app_context():
        case = _closed(Classification.HARASSMENT, Outcome.COMMUNITY_RESOLUTION, date(2016, 2, 29))
        assert queries.first_review_on(case) == date(2022, 2, 28)
        assert queries.review_on(case) == date(2022, 2, 28)
        assert queries.review_on(factories.CaseFactory()) is None


def test_the_report_lists_only_cases_whose_review_date_has_come(db_session, app):
    with app.app_context():
        due_stalking = _closed(Classification.STALKING, Outcome.CONVICTED, date(2016, 11, 26))
        not_yet_stalking = _closed(Classification.STALKING, Outcome.CONVICTED, date(2016, 11, 27))
        due_harassment = _closed(Classification.HARASSMENT, Outcome.NO_CRIME, date(2020, 1, 1))
        recent = _closed(Classification.HARASSMENT, Outcome.NO_CRIME, date(2021, 1, 1))
        reopened = factories.CaseFactory(status=CaseStatus.INVESTIGATING, closed_at=datetime(2001, 1, 1, tzinfo=UTC))
        listed = {row.case.id: row for row in queries.due_for_review(TODAY)}
        assert due_stalking.id in listed and due_harassment.id in listed
        assert not {not_yet_stalking.id, recent.id, reopened.id} & set(listed)
        assert listed[due_stalking.id].review_on == TODAY


def test_a_retain_decision_moves_the_review_date_and_is_audited(db_session, app):
    admin = factories.UserFactory(role=Role.ADMIN)
    with app.app_context():
        case = _closed(Classification.HARASSMENT, Outcome.NO_CRIME, date(2015, 5, 5))
        today = local_date(utcnow())
        decision = service.retain(
            admin, case, reason="Linked to a live investigation", next_review_on=today + timedelta(days=400)
        )
        assert case.id not in {row.case.id for row in queries.due_for_review(today)}
        assert queries.review_on(case) == today + timedelta(days=400)
        later = today + timedelta(days=400)
        assert case.id in {row.case.id for row in queries.due_for_review(later)}
        assert decision.decision == Decision.RETAIN
        event = db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == AuditAction.UPDATE, AuditEvent.object_type == "case")
        ).scalar_one()
        assert event.object_id == str(case.id) and event.user_id == admin.id
        assert event.justification == "Linked to a live investigation" and event.detail["retention"] == "retain"


def test_retain_needs_a_reason_a_future_date_within_reason_and_a_closed_case(db_session, app):
    admin = factories.UserFactory(role=Role.ADMIN)
    with app.app_context():
        case = _closed(Classification.HARASSMENT, Outcome.NO_CRIME, date(2015, 5, 5))
        cases = [
            ({"reason": " ", "next_review_on": TODAY + timedelta(days=1)}, "reason"),
            ({"reason": "Keep", "next_review_on": None}, "next review"),
            ({"reason": "Keep", "next_review_on": TODAY}, "after today"),
            ({"reason": "Keep", "next_review_on": TODAY + timedelta(days=366 * 30)}, "within 25 years"),
        ]
        for arguments, message in cases:
            with pytest.raises(DomainError, match=message):
                service.retain(admin, case, today=TODAY, **arguments)
        case.status = CaseStatus.INVESTIGATING
        with pytest.raises(DomainError, match="closed"):
            service.retain(admin, case, reason="Keep", next_review_on=TODAY + timedelta(days=5), today=TODAY)


def test_reopening_loses_the_review_date_and_a_new_closure_starts_afresh(db_session, app):
    admin = factories.UserFactory(role=Role.ADMIN)
    with app.app_context():
        case = _closed(Classification.HARASSMENT, Outcome.NO_CRIME, date(2015, 5, 5))
        service.retain(admin, case, reason="Keep", next_review_on=local_date(utcnow()) + timedelta(days=30))
        case.status = CaseStatus.INVESTIGATING
        db.session.flush()
        assert queries.review_on(case) is None
        assert case.id not in {row.case.id for row in queries.due_for_review(TODAY)}
        case.status, case.closed_at = CaseStatus.CLOSED, utcnow() + timedelta(seconds=1)
        db.session.flush()
        assert queries.latest_decision(case) is None, "decisions before the new closure no longer count"
        assert queries.review_on(case) == queries.add_years(local_date(case.closed_at), 6)


def test_erased_cases_leave_the_report(db_session, app):
    admin = factories.UserFactory(role=Role.ADMIN)
    with app.test_request_context():
        case = _closed(Classification.STALKING, Outcome.CONVICTED, date(2010, 3, 3))
        assert case.id in {row.case.id for row in queries.due_for_review(TODAY)}
        service.erase_case(admin, case, reason="Past retention")
        assert case.id not in {row.case.id for row in queries.due_for_review(TODAY)}
        assert db.session.execute(sa.select(RetentionDecision.decision)).scalar_one() == Decision.ERASE


# --- Pages -------------------------------------------------------------------------------------------


def test_the_admin_report_and_review_page_show_the_due_case_and_are_audited(admin_client):
    client, admin = admin_client
    case = _closed(Classification.STALKING, Outcome.CONVICTED, date(2012, 6, 1), summary="Secret summary text")
    factories.CasePartyFactory(case=case)
    report = client.get("/admin/retention").get_data(as_text=True)
    assert case.reference in report and "Secret summary text" not in report
    page = client.get(f"/admin/retention/cases/{case.id}").get_data(as_text=True)
    assert "Retain" in page and "Erase this person" in page and "Secret summary text" not in page
    views = (
        db.session.execute(
            sa.select(AuditEvent.detail).where(AuditEvent.action == AuditAction.VIEW, AuditEvent.user_id == admin.id)
        )
        .scalars()
        .all()
    )
    assert any(detail["page"] == "retention report" and case.id in detail["cases"] for detail in views)
    assert any(detail["page"] == "retention review" for detail in views)


def test_the_admin_retains_through_the_page_and_bad_dates_come_back_with_a_message(admin_client):
    client, _ = admin_client
    case = _closed(Classification.STALKING, Outcome.CONVICTED, date(2012, 6, 1))
    path = f"/admin/retention/cases/{case.id}/retain"
    bad = client.post_form(path, {"reason": "Keep", "next_review_on": ["31", "2", "2030"]})
    assert bad.status_code == 200 and "must be a real date" in bad.get_data(as_text=True)
    past = client.post_form(path, {"reason": "Keep", "next_review_on": ["1", "1", "2020"]})
    assert "The next review must be after today" in past.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(RetentionDecision.id))).scalar_one() == 0
    done = client.post_form(path, {"reason": "Keep: linked inquiry", "next_review_on": ["1", "6", "2031"]})
    assert done.status_code == 302
    assert db.session.execute(sa.select(RetentionDecision.next_review_on)).scalar_one() == date(2031, 6, 1)


def test_the_erase_decision_through_the_page_needs_a_reason(admin_client):
    client, _ = admin_client
    case = _closed(Classification.STALKING, Outcome.CONVICTED, date(2012, 6, 1))
    path = f"/admin/retention/cases/{case.id}/erase"
    refused = client.post_form(path, {"erase-reason": "", "erase-confirm": "y"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Enter the reason for the erasure" in page
    assert 'href="#erase-reason"' in page and 'id="erase-reason"' in page and 'id="reason"' in page  # retain's own
    unconfirmed = client.post_form(path, {"erase-reason": "Past retention, nothing to keep"})
    assert "Confirm that you understand the erasure cannot be undone" in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(case), case.id).summary != "[erased]"
    done = client.post_form(path, {"erase-reason": "Past retention, nothing to keep", "erase-confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(case), case.id).summary == "[erased]"


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADVISER])
def test_only_admins_see_the_retention_pages(make_client, role):
    client, user = make_client(role)
    case = _closed(Classification.STALKING, Outcome.CONVICTED, date(2012, 6, 1))
    for path in ("/admin/retention", f"/admin/retention/cases/{case.id}"):
        assert client.get(path).status_code == 403
    assert client.post_form(f"/admin/retention/cases/{case.id}/retain", {"reason": "x"}).status_code == 403
    denied = db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == AuditAction.ACCESS_DENIED, AuditEvent.user_id == user.id
        )
    ).scalar_one()
    assert denied == 3


def test_unknown_cases_are_not_found(admin_client):
    client, _ = admin_client
    assert client.get("/admin/retention/cases/987654321").status_code == 404
    assert client.get(f"/admin/retention/cases/{2**63}").status_code == 404


def test_the_demo_seeds_two_cases_past_their_review(db_session, app):
    from casework.retention import demo

    factories.UserFactory(role=Role.OFFICER)
    with app.app_context():
        demo.seed()
        demo.seed()
        due = {row.case.reference for row in queries.due_for_review(local_date(utcnow()))}
    assert {"SH-2015-000041", "SH-2018-000077"} <= due
