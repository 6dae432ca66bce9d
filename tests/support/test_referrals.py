"""Referrals: the transition table, consent before sending, withdrawal, the 2-working-day deadline
(worked out by hand from DOMAIN.md's counting rule), history rows and audit rows for every change."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from casework.audit.models import AuditAction
from casework.auth.models import Role
from casework.errors import DomainError
from casework.extensions import db
from casework.people.models import PartyRole
from casework.support import service
from casework.support.models import (
    ConsentDecision,
    ConsentMethod,
    Referral,
    ReferralOutcome,
    ReferralStatus,
    ReferralStatusChange,
)
from casework.workdays import deadline, is_working_day
from tests import factories
from tests.support.helpers import (
    ADDRESS,
    EMAIL,
    PHONE,
    accepted,
    aftercare,
    audit_rows,
    consent,
    make_world,
    propose,
    sent,
)

LONDON = ZoneInfo("Europe/London")
S = ReferralStatus

# The table DOMAIN.md and the issue describe, written out independently of the service's own.
EXPECTED_TRANSITIONS = {
    S.PROPOSED: {S.CONSENT_DECLINED, S.SENT, S.WITHDRAWN},
    S.SENT: {S.ACCEPTED, S.DECLINED, S.WITHDRAWN},
    S.ACCEPTED: {S.CLOSED, S.WITHDRAWN},
    S.CONSENT_DECLINED: set(),
    S.DECLINED: set(),
    S.CLOSED: set(),
    S.WITHDRAWN: set(),
}


def test_the_transition_table_is_the_domains():
    assert {status: set(targets) for status, targets in service.TRANSITIONS.items()} == EXPECTED_TRANSITIONS


@pytest.fixture
def world(db_session):  # type: ignore[no-untyped-def]
    return make_world()


def _in_status(world, status: ReferralStatus) -> Referral:  # type: ignore[no-untyped-def]
    """A referral put straight into ``status``, with consent given (declined for a declined-consent referral)."""
    referral = propose(world)
    referral.status = status
    if status == S.CONSENT_DECLINED:
        referral.consent = ConsentDecision.DECLINED
    else:
        referral.consent = ConsentDecision.GIVEN
        referral.consent_at = datetime(2026, 5, 22, 10, tzinfo=UTC)
        referral.consent_shares_address = referral.consent_shares_phone = referral.consent_shares_email = True
    if status == S.WITHDRAWN:
        referral.consent_withdrawn_at = datetime(2026, 5, 23, 10, tzinfo=UTC)
    if status == S.ACCEPTED:
        referral.adviser_id = world.adviser.id
    db.session.flush()
    return referral


def _operation(world, target: ReferralStatus) -> Callable[[Referral], Referral]:  # type: ignore[no-untyped-def]
    """The public operation that moves a referral to ``target``."""
    officer, adviser = world.officer, world.adviser
    return {
        S.CONSENT_DECLINED: lambda r: service.record_consent(
            officer,
            r,
            service.Consent(ConsentDecision.DECLINED, "", datetime(2026, 5, 22, 10, tzinfo=UTC), ConsentMethod.PHONE),
            expected_version=r.version_id,
        ),
        S.SENT: lambda r: service.send_referral(officer, r, expected_version=r.version_id),
        S.ACCEPTED: lambda r: service.take_referral(adviser, r, expected_version=r.version_id),
        S.DECLINED: lambda r: service.decline_referral(
            adviser, r, reason="Outside our area", expected_version=r.version_id
        ),
        S.CLOSED: lambda r: service.close_referral(
            adviser, r, outcome=ReferralOutcome.SUPPORT_COMPLETED, notes="", expected_version=r.version_id
        ),
        S.WITHDRAWN: lambda r: service.withdraw_consent(
            officer, r, reason="Victim called to say stop", expected_version=r.version_id
        ),
    }[target]


TARGETS = [S.CONSENT_DECLINED, S.SENT, S.ACCEPTED, S.DECLINED, S.CLOSED, S.WITHDRAWN]
PAIRS = [(start, target) for start in ReferralStatus for target in TARGETS]


@pytest.mark.parametrize(("start", "target"), PAIRS, ids=[f"{a.value}->{b.value}" for a, b in PAIRS])
def test_every_transition_is_allowed_exactly_as_the_table_says(world, start, target):
    referral = _in_status(world, start)
    if start == S.PROPOSED and target == S.CONSENT_DECLINED:
        referral.consent = None  # consent is asked once: a proposed referral waiting for the answer
        db.session.flush()
    legal = target in EXPECTED_TRANSITIONS[start]
    if legal:
        _operation(world, target)(referral)
        assert referral.status == target
        last = (
            db.session.execute(
                sa.select(ReferralStatusChange)
                .where(ReferralStatusChange.referral_id == referral.id)
                .order_by(ReferralStatusChange.id.desc())
            )
            .scalars()
            .first()
        )
        assert (last.from_status, last.to_status) == (start, target)
    else:
        with pytest.raises(DomainError):
            _operation(world, target)(referral)
        assert referral.status == start


def test_a_referral_without_consent_cannot_be_sent(world):
    referral = propose(world)
    with pytest.raises(DomainError, match="consent"):
        service.send_referral(world.officer, referral, expected_version=referral.version_id)
    assert referral.status == S.PROPOSED


def test_a_referral_whose_consent_was_declined_cannot_be_sent(world):
    referral = consent(world, propose(world), decision=ConsentDecision.DECLINED)
    assert referral.status == S.CONSENT_DECLINED
    assert referral.send_due_at is None
    with pytest.raises(DomainError):
        service.send_referral(world.officer, referral, expected_version=referral.version_id)


def test_withdrawing_consent_before_sending_stops_the_referral_and_it_cannot_be_sent(world):
    referral = consent(world, propose(world))
    service.withdraw_consent(
        world.officer, referral, reason="Victim changed her mind", expected_version=referral.version_id
    )
    assert referral.status == S.WITHDRAWN
    assert referral.consent_withdrawn_at is not None
    with pytest.raises(DomainError):
        service.send_referral(world.officer, referral, expected_version=referral.version_id)


def test_withdrawing_consent_after_acceptance_stops_the_referral_and_its_follow_ups(world):
    referral = accepted(world)
    entry = aftercare(world, referral)
    service.withdraw_consent(
        world.officer, referral, reason="Victim asked the service to stop", expected_version=referral.version_id
    )
    db.session.refresh(entry)
    assert referral.status == S.WITHDRAWN
    assert entry.follow_up_closed_at is not None
    assert not service._follow_up_still_open(entry.id)


def test_consent_dated_in_the_future_is_refused_by_the_service(world):
    referral = propose(world)
    with pytest.raises(DomainError) as refused:
        consent(world, referral, given_at=datetime(2100, 1, 1, tzinfo=UTC))
    assert refused.value.field == "consent_on"
    assert referral.consent is None


def test_consent_given_needs_its_scope(world):
    referral = propose(world)
    answer = service.Consent(ConsentDecision.GIVEN, "  ", datetime(2026, 5, 22, 10, tzinfo=UTC), ConsentMethod.PHONE)
    with pytest.raises(DomainError) as refused:
        service.record_consent(world.officer, referral, answer, expected_version=referral.version_id)
    assert refused.value.field == "scope"


def test_only_an_adviser_of_the_service_takes_a_referral(world):
    referral = sent(world)
    other = factories.UserFactory(role=Role.ADVISER, support_service_id=factories.SupportServiceFactory().id)
    with pytest.raises(DomainError):
        service.take_referral(other, referral, expected_version=referral.version_id)
    with pytest.raises(DomainError):
        service.take_referral(world.officer, referral, expected_version=referral.version_id)
    assert referral.status == S.SENT


def test_taking_makes_the_referral_the_advisers(world):
    referral = accepted(world)
    assert (referral.adviser_id, referral.status) == (world.adviser.id, S.ACCEPTED)
    assert referral.accepted_at is not None


def test_a_stale_version_is_refused(world):
    referral = consent(world, propose(world))
    with pytest.raises(DomainError, match="Someone else changed"):
        service.send_referral(world.officer, referral, expected_version=referral.version_id - 1)


def test_the_officer_records_the_answer_only_for_a_service_without_advisers_in_casework(world):
    referral = sent(world)
    with pytest.raises(DomainError):
        service.record_response(world.officer, referral, accepted=True, reason="", expected_version=referral.version_id)
    helpline = factories.SupportServiceFactory(name="National Stalking Helpline (test)")
    other = sent(world, support=helpline)
    respondable = service.support_tab(world.officer, world.case).respondable  # where the tab offers to record it
    assert other.id in respondable and referral.id not in respondable
    with pytest.raises(DomainError) as refused:
        service.record_response(world.officer, other, accepted=False, reason=" ", expected_version=other.version_id)
    assert refused.value.field == "reason"
    service.record_response(
        world.officer, other, accepted=False, reason="Full this month", expected_version=other.version_id
    )
    assert (other.status, other.decline_reason) == (S.DECLINED, "Full this month")


def test_one_live_referral_per_victim_and_service(world):
    propose(world)
    with pytest.raises(DomainError) as refused:
        propose(world)
    assert refused.value.field == "service_id"


def test_only_a_victim_of_the_case_may_be_referred(world):
    suspect = factories.CasePartyFactory(case=world.case, role=PartyRole.SUSPECT)
    with pytest.raises(DomainError) as refused:
        service.propose_referral(
            world.officer, world.case, party_id=suspect.id, service_id=world.support.id, reason="x"
        )
    assert refused.value.field == "party_id"


# --- History and audit ---------------------------------------------------------------------------


def test_every_change_is_a_dated_history_row_with_who(world):
    referral = accepted(world)
    aftercare(world, referral)
    service.close_referral(
        world.adviser,
        referral,
        outcome=ReferralOutcome.SUPPORT_COMPLETED,
        notes="",
        expected_version=referral.version_id,
    )
    rows = (
        db.session.execute(
            sa.select(ReferralStatusChange)
            .where(ReferralStatusChange.referral_id == referral.id)
            .order_by(ReferralStatusChange.id)
        )
        .scalars()
        .all()
    )
    assert [(row.from_status, row.to_status, row.changed_by_id) for row in rows] == [
        (None, S.PROPOSED, world.officer.id),
        (S.PROPOSED, S.SENT, world.officer.id),
        (S.SENT, S.ACCEPTED, world.adviser.id),
        (S.ACCEPTED, S.CLOSED, world.adviser.id),
    ]
    assert all(row.created_at is not None for row in rows)


def _detail_text(rows) -> str:  # type: ignore[no-untyped-def]
    return " ".join(json.dumps(row.detail) + (row.justification or "") for row in rows)


def test_every_change_is_audited_with_its_actor_and_no_sealed_values(world):
    referral = propose(world)
    consent(world, referral)
    service.send_referral(world.officer, referral, expected_version=referral.version_id)
    service.take_referral(world.adviser, referral, expected_version=referral.version_id)
    aftercare(world, referral)
    service.close_referral(
        world.adviser,
        referral,
        outcome=ReferralOutcome.SUPPORT_COMPLETED,
        notes="",
        expected_version=referral.version_id,
    )
    rows = [row for row in audit_rows(world.case) if (row.detail or {}).get("referral") == referral.id]
    seen = [(row.action, row.user_id, _key(row.detail)) for row in rows]
    assert seen == [
        (AuditAction.CREATE, world.officer.id, "service_id"),
        (AuditAction.UPDATE, world.officer.id, "consent"),
        (AuditAction.UPDATE, world.officer.id, "status"),
        (AuditAction.DISCLOSE, world.officer.id, "service_id"),
        (AuditAction.UPDATE, world.adviser.id, "status"),
        (AuditAction.UPDATE, world.adviser.id, "aftercare_added"),
        (AuditAction.UPDATE, world.adviser.id, "status"),
    ]
    disclosure = rows[3]
    assert disclosure.recipient == world.support.secure_email
    for marker in (ADDRESS, PHONE, EMAIL):
        assert marker not in _detail_text(rows)


def _key(detail: dict) -> str:  # type: ignore[type-arg]
    for key in ("status", "consent", "aftercare_added", "service_id"):
        if key in detail:
            return key
    return ""


@pytest.mark.parametrize("operation", ["decline", "withdraw", "consent_declined"])
def test_declining_and_withdrawing_are_audited(world, operation):
    if operation == "decline":
        referral = sent(world)
        service.decline_referral(
            world.adviser, referral, reason="Outside our area", expected_version=referral.version_id
        )
        actor, to = world.adviser, S.DECLINED
    elif operation == "withdraw":
        referral = consent(world, propose(world))
        service.withdraw_consent(
            world.officer, referral, reason="Changed her mind", expected_version=referral.version_id
        )
        actor, to = world.officer, S.WITHDRAWN
    else:
        referral = consent(world, propose(world), decision=ConsentDecision.DECLINED)
        actor, to = world.officer, S.CONSENT_DECLINED
    [row] = [
        row
        for row in audit_rows(world.case, AuditAction.UPDATE)
        if (row.detail or {}).get("status", [None, None])[1] == to.value
    ]
    assert row.user_id == actor.id
    assert row.detail["referral"] == referral.id


# --- The 2-working-day deadline --------------------------------------------------------------------


def test_spring_bank_holiday_consent_friday_22_may_2026_is_due_end_of_wednesday_27_may():
    # By hand: Fri 22 May (the event's day, never counts); Sat 23, Sun 24 weekend; Mon 25 Spring bank
    # holiday; Tue 26 is working day 1; Wed 27 is working day 2 -> 23:59:59 BST = 22:59:59 UTC.
    consent_at = datetime(2026, 5, 22, 15, 0, tzinfo=LONDON)
    due = deadline(consent_at, 2)
    assert due == datetime(2026, 5, 27, 23, 59, 59, tzinfo=LONDON)
    assert due == datetime(2026, 5, 27, 22, 59, 59, tzinfo=UTC)


def test_christmas_2027_substitute_bank_holidays_are_not_working_days():
    # 25 and 26 December 2027 fall on Saturday and Sunday; Monday 27 and Tuesday 28 are the substitutes.
    for day in (25, 26, 27, 28):
        assert not is_working_day(date(2027, 12, day))
    assert is_working_day(date(2027, 12, 29))


def test_christmas_2027_consent_thursday_23_december_is_due_end_of_wednesday_29_december():
    # By hand: Thu 23 (event day); Fri 24 working day 1; Sat 25, Sun 26, Mon 27 and Tue 28 (substitutes)
    # do not count; Wed 29 is working day 2 -> 23:59:59 GMT.
    due = deadline(datetime(2027, 12, 23, 11, 0, tzinfo=LONDON), 2)
    assert due == datetime(2027, 12, 29, 23, 59, 59, tzinfo=UTC)


def test_christmas_2027_consent_friday_24_december_is_due_end_of_thursday_30_december():
    # By hand: Fri 24 (event day); 25-28 not working days; Wed 29 working day 1; Thu 30 working day 2.
    due = deadline(datetime(2027, 12, 24, 9, 30, tzinfo=LONDON), 2)
    assert due == datetime(2027, 12, 30, 23, 59, 59, tzinfo=UTC)


def test_recording_consent_sets_the_send_deadline_from_deadline(world):
    referral = consent(world, propose(world), given_at=datetime(2026, 5, 22, 15, 0, tzinfo=LONDON))
    assert referral.send_due_at == datetime(2026, 5, 27, 22, 59, 59, tzinfo=UTC)
    assert service.is_overdue(referral, datetime(2026, 5, 27, 22, 59, 58, tzinfo=UTC)) is False
    assert service.is_overdue(referral, datetime(2026, 5, 27, 23, 0, 0, tzinfo=UTC)) is True


def test_a_sent_referral_is_no_longer_overdue(world):
    referral = consent(world, propose(world), given_at=datetime(2026, 5, 22, 15, 0, tzinfo=LONDON))
    service.send_referral(world.officer, referral, expected_version=referral.version_id)
    assert service.is_overdue(referral, datetime(2026, 6, 30, tzinfo=UTC)) is False


def test_consent_on_a_past_day_counts_from_noon_that_day_and_today_from_now():
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert service.consent_instant(now.date(), now=now) == now
    assert service.consent_instant(date(2026, 5, 22), now=now) == datetime(2026, 5, 22, 12, tzinfo=LONDON)


def test_aftercare_dated_before_the_referral_was_sent_is_refused_on_its_field(world):
    referral = accepted(world)
    sent_on = referral.sent_at.astimezone(ZoneInfo("Europe/London")).date()
    with pytest.raises(DomainError, match="on or after the day the referral was sent") as refused:
        aftercare(world, referral, occurred_on=sent_on - timedelta(days=1))
    assert refused.value.field == "occurred_on"
    assert aftercare(world, referral, occurred_on=sent_on) is not None
