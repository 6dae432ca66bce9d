"""``cases.overdue_from`` (``casework/cases/overdue.py``): kept current by every write, never later than the truth.

"Overdue" is the registered reasons' SQL; ``overdue_from`` only says which cases are worth testing.
These tests build a case overdue for every reason through the services, as people would, then check
that the flushes kept ``overdue_from`` exactly where a full recomputation puts it, and that the lists'
overdue set is the reasons' own union, before and after the work is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.auth.models import Role, User
from casework.cases import overdue, queries, registry
from casework.cases import service as cases_service
from casework.cases.models import Case
from casework.contact import service as contact
from casework.contact.models import DecisionKind, DoNotContact, Schedule
from casework.db import utcnow
from casework.extensions import db
from casework.orders.models import OrderStatus, OrderType
from tests import factories
from tests.contact.helpers import add_victim
from tests.orders.helpers import days, make_order


@dataclass
class Overdue:
    """One case overdue for each registered reason, by the reason's key, and one that is not."""

    officer: User
    supervisor: User
    cases: dict[str, Case]
    on_time: Case


def _stored(case: Case) -> datetime | None:
    return db.session.execute(sa.select(Case.overdue_from).where(Case.id == case.id)).scalar_one()


def _union_of_reasons(now: datetime) -> set[int]:
    """The cases overdue by the reasons' own queries, with no help from ``overdue_from``."""
    at = queries.overdue_instant(now)
    return {case_id for reason in registry.overdue_reasons() for case_id in db.session.scalars(reason.case_ids(at))}


def _overdue_ids(now: datetime) -> set[int]:
    return set(db.session.scalars(sa.select(Case.id).where(queries.overdue_clause(now))))


def _recomputed_changes() -> int:
    """How many cases a full recomputation would change (rolled back: only the count matters)."""
    with db.session.begin_nested() as savepoint:
        changed = overdue.refresh_all(db.session.connection())
        savepoint.rollback()
    return changed


@pytest.fixture
def world(make_client) -> Overdue:
    _, supervisor = make_client(Role.SUPERVISOR)
    officer = factories.UserFactory(role=Role.OFFICER, team=supervisor.team)
    month_ago = utcnow() - timedelta(days=30)

    def allocated() -> Case:
        return factories.allocated_case(officer, reported_at=month_ago)

    review = allocated()
    review.risk_review_due = True
    awaiting = factories.CaseFactory(team=supervisor.team, reported_at=utcnow() - timedelta(hours=30))

    update = allocated()
    contact.agree_plan(officer, update, add_victim(update), contact.PlanTerms(Schedule.EVERY_N_DAYS, 7), now=month_ago)
    notice = allocated()
    add_victim(notice, enhanced=False)
    contact.record_key_decision(officer, notice, DecisionKind.ARREST, decided_at=utcnow() - timedelta(days=12))

    flagged = allocated()
    flag = contact.set_do_not_contact(
        officer, flagged, add_victim(flagged), reason="Living with the suspect", review_on=days(1)
    )
    flag.review_due_at = utcnow() - timedelta(days=2)  # the review date has since passed

    spo, victim, suspect = factories.order_case(officer, reported_at=month_ago)
    make_order(officer, spo, victim, suspect, OrderStatus.GRANTED, order_type=OrderType.SPO, served_on=days(-10))

    unsent = allocated()
    factories.ReferralFactory(case=unsent, send_due_at=utcnow() - timedelta(days=1))

    on_time = allocated()
    contact.agree_plan(officer, on_time, add_victim(on_time), contact.PlanTerms(Schedule.EVERY_N_DAYS, 28))
    db.session.commit()
    cases = {
        "risk_review": review,
        "allocation": awaiting,
        "victim_update": update,
        "key_decision": notice,
        "dnc_review": flagged,
        "spo_notification": spo,
        "referral_to_send": unsent,
    }
    assert set(cases) == {reason.key for reason in registry.overdue_reasons()}, "a reason this test does not cover"
    return Overdue(officer, supervisor, cases, on_time)


def test_every_write_keeps_overdue_from_where_a_full_recomputation_puts_it(world):
    assert _recomputed_changes() == 0
    assert _stored(world.on_time) is not None and _stored(world.on_time) > utcnow()


def test_the_lists_overdue_set_is_the_union_of_the_reasons(world):
    now = utcnow()
    expected = {case.id for case in world.cases.values()}
    assert _union_of_reasons(now) >= expected
    assert world.on_time.id not in _union_of_reasons(now)
    assert _overdue_ids(now) == _union_of_reasons(now)
    for key, case in world.cases.items():
        assert _stored(case) <= queries.overdue_instant(now), key  # never later than the truth


def test_doing_the_work_takes_the_case_off_and_overdue_from_follows(world):
    officer, supervisor = world.officer, world.supervisor
    awaiting = world.cases["allocation"]
    cases_service.allocate(
        supervisor,
        awaiting,
        officer_id=officer.id,
        supervisor_id=supervisor.id,
        reason=None,
        expected_version=awaiting.version_id,
    )
    flagged = world.cases["dnc_review"]
    flag = db.session.execute(sa.select(DoNotContact).where(DoNotContact.case_id == flagged.id)).scalar_one()
    contact.lift_do_not_contact(officer, flagged, flag.id, reason="Moved to a refuge")
    db.session.commit()
    now = utcnow()
    assert awaiting.id not in _overdue_ids(now) and flagged.id not in _overdue_ids(now)
    assert _stored(awaiting) is None  # allocated, nothing else due
    assert _overdue_ids(now) == _union_of_reasons(now)
    assert _recomputed_changes() == 0


def test_keeping_overdue_from_is_not_an_edit_of_the_case(world):
    case = world.on_time
    victim = add_victim(case, first_name="Second")
    version, updated_at = db.session.execute(
        sa.select(Case.version_id, Case.updated_at).where(Case.id == case.id)
    ).one()
    contact.agree_plan(world.officer, case, victim, contact.PlanTerms(Schedule.EVERY_N_DAYS, 7))
    db.session.commit()
    assert db.session.execute(sa.select(Case.version_id, Case.updated_at).where(Case.id == case.id)).one() == (
        version,
        updated_at,
    )


def test_the_red_panel_shows_the_longest_overdue_first(world):
    panel = queries.overdue_cases(world.supervisor, now=utcnow(), limit=20)
    stored = [_stored(case) for case in panel]
    assert stored == sorted(stored)
    assert {case.id for case in panel} == {case.id for case in world.cases.values()}
