"""The adviser's home page: referrals to take (oldest first, overdue in red), their open referrals with
the next follow-up, and aftercare due today or overdue; every entry links to the work, and the page
runs the same number of queries however many referrals and entries there are."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditAction, AuditEvent
from casework.auth.models import Role
from casework.db import utcnow
from casework.extensions import db
from casework.support import service
from casework.support.models import AftercareEntry, Referral
from tests import factories
from tests.querycount import count_queries
from tests.support.helpers import accepted, aftercare, make_world, sent


@pytest.fixture
def adviser(make_client):  # type: ignore[no-untyped-def]
    return make_client(Role.ADVISER)


def _victim_world(adviser_user, officer=None):  # type: ignore[no-untyped-def]
    return make_world(adviser=adviser_user, officer=officer)


def _same_service(world, adviser_user):  # type: ignore[no-untyped-def]
    """A new case whose referrals go to the adviser's own service."""
    fresh = make_world(officer=world.officer)
    fresh.support, fresh.adviser = world.support, adviser_user
    db.session.commit()
    return fresh


def test_new_referrals_to_take_are_oldest_first_and_overdue_ones_are_red(adviser):
    client, user = adviser
    world = _victim_world(user)
    older = sent(world)
    newer_world = _same_service(world, user)
    newer = sent(newer_world)
    older.sent_at = utcnow() - timedelta(days=10)
    older.take_due_at = utcnow() - timedelta(days=6)
    db.session.commit()
    load = service.caseload(user)
    assert [entry.referral_id for entry in load.to_take] == [older.id, newer.id]
    assert [entry.overdue for entry in load.to_take] == [True, False]
    page = client.get("/").get_data(as_text=True)
    table = page[page.index('id="to-take"') :]
    assert table.index(world.case.reference) < table.index(newer_world.case.reference)
    assert "casework-worklist__row--overdue" in table
    assert f"/support/cases/{world.case.id}#referral-{older.id}" in page


def test_my_open_referrals_show_the_next_follow_up_and_due_aftercare_is_listed(adviser):
    client, user = adviser
    world = _victim_world(user)
    referral = accepted(world)
    entry = aftercare(world, referral)
    db.session.commit()
    load = service.caseload(user)
    assert [mine.referral_id for mine in load.mine] == [referral.id]
    assert load.mine[0].due_at == entry.follow_up_due_at
    assert load.due == []
    db.session.execute(
        sa.update(AftercareEntry)
        .where(AftercareEntry.id == entry.id)
        .values(follow_up_due_at=utcnow() - timedelta(days=1))
    )
    db.session.commit()
    load = service.caseload(user)
    assert [(due.referral_id, due.overdue) for due in load.due] == [(referral.id, True)]
    page = client.get("/").get_data(as_text=True)
    assert 'id="aftercare-due"' in page
    assert "Record the follow-up" in page
    assert "Follow up: needs assessment" in page


def test_another_advisers_referrals_are_not_in_my_open_referrals(adviser, make_client):
    _, user = adviser
    world = _victim_world(user)
    colleague = factories.UserFactory(role=Role.ADVISER, support_service_id=world.support.id)
    referral = sent(world)
    service.take_referral(colleague, referral, expected_version=referral.version_id)
    db.session.commit()
    load = service.caseload(user)
    assert load.mine == [] and load.to_take == []


def test_the_home_page_is_audited_as_a_consultation_of_the_cases_shown(adviser):
    client, user = adviser
    world = _victim_world(user)
    sent(world)
    db.session.commit()
    client.get("/")
    event = (
        db.session.execute(
            sa.select(AuditEvent)
            .where(
                AuditEvent.user_id == user.id,
                AuditEvent.action == AuditAction.VIEW,
                AuditEvent.object_type == "case_list",
            )
            .order_by(AuditEvent.id.desc())
        )
        .scalars()
        .first()
    )
    assert event.detail == {"page": "home", "cases": [world.case.id]}


def _grow(world, user, times: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        more = _same_service(world, user)
        sent(more)
        taken = accepted(_same_service(world, user))
        entry = aftercare(more, taken)
        db.session.execute(
            sa.update(AftercareEntry)
            .where(AftercareEntry.id == entry.id)
            .values(follow_up_due_at=utcnow() - timedelta(hours=1))
        )
    db.session.commit()


def test_the_caseload_runs_the_same_queries_whatever_its_size(adviser):
    client, user = adviser
    world = _victim_world(user)
    _grow(world, user, 1)
    client.get("/")
    with count_queries() as small:
        assert client.get("/").status_code == 200
    _grow(world, user, 4)
    with count_queries() as large:
        page = client.get("/").get_data(as_text=True)
    assert page.count("Take or decline") == 5
    assert page.count("Record the follow-up") == 5
    assert db.session.execute(sa.select(sa.func.count(Referral.id))).scalar_one() >= 10
    assert large.count == small.count, (small.count, large.count)
