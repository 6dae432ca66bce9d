"""What keeping victims updated asks of people, registered into the case hub (``cases.registry``).

- Obligation sources for the reminder sweep, one set-based query each (labelled columns
  ``case_id``, ``object_id``, ``due_at``, ``recipient_id``), each on an indexed due column.
- Overdue reasons for the case lists, the red panel and the home-page counts.
- The officer's "Contacts due" worklist and the supervisor's escalations.
- Open items, the task-list row and timeline entries of a case.

Staff reminders go to the plan's owner, else the officer in case, else the supervisor
(``recipient``): an unallocated case with no supervisor has no one to remind and is left out
(it is already overdue for allocation).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import aliased

from casework.auth.models import Role, User
from casework.cases import registry
from casework.cases.models import Case, CaseStatus
from casework.cases.overdue import earliest_per_case
from casework.contact.models import (
    ContactPlan,
    DecisionKind,
    DecisionNotice,
    DoNotContact,
    KeyDecision,
    MessageChannel,
)
from casework.db import utcnow
from casework.extensions import db
from casework.people.models import CaseParty, PartyRole, Person, VictimContact
from casework.security import visible_cases_clause
from casework.workdays import LONDON, end_of_local_day, escalation_cutoff, local_date

SCHEDULED_UPDATE = "scheduled_update"
KEY_DECISION = "key_decision"
DNC_REVIEW = "dnc_review"
COURT_DATE = "court_date"
VICTIM_UPDATE = "victim_update"

# A reminder may be sent this long before its due instant; ``still_open`` answers for that window.
STILL_OPEN_WINDOW = timedelta(hours=24)

_case_open = Case.status != CaseStatus.CLOSED


def _dnc_in_force(party_id: Any) -> sa.ColumnElement[bool]:
    return sa.exists().where(DoNotContact.party_id == party_id, DoNotContact.lifted_at.is_(None))


# The sources drive from their own due rows (an index range on the due column) and look up the
# case, the plan's owner and the victim's safe channels per due row, as correlated scalar
# subqueries: PostgreSQL runs those as one primary-key probe each and never turns them into a
# join that reads every open case. So a sweep costs what is due, not the size of the caseload
# (measured in docs/benchmarks.md: joins here read all 100,000 open cases of a million).


def _case_fact(column: Any, case_id: Any) -> Any:
    return sa.select(column).where(Case.id == case_id).scalar_subquery()


def _case_is_open(case_id: Any) -> sa.ColumnElement[bool]:
    return _case_fact(Case.status, case_id) != CaseStatus.CLOSED


def _plan_owner(party_id: Any) -> Any:
    return sa.select(ContactPlan.owner_id).where(ContactPlan.party_id == party_id).scalar_subquery()


def _recipient(case_id: Any, *first: Any) -> Any:
    """The first of ``first`` that is set (a plan's owner), else the officer in case, else the supervisor.

    With nothing in ``first``, the case's own answer alone: SQLite refuses ``coalesce`` of one argument.
    """
    from_case = _case_fact(sa.func.coalesce(Case.officer_id, Case.supervisor_id), case_id)
    return sa.func.coalesce(*first, from_case) if first else from_case


def scheduled_updates(horizon: datetime) -> sa.Select[Any]:
    """Plans whose next update is due by ``horizon``: case open, no do-not-contact in force."""
    recipient = _recipient(ContactPlan.case_id, ContactPlan.owner_id)
    return sa.select(
        ContactPlan.case_id.label("case_id"),
        ContactPlan.id.label("object_id"),
        ContactPlan.next_update_due_at.label("due_at"),
        recipient.label("recipient_id"),
    ).where(
        ContactPlan.next_update_due_at <= horizon,
        _case_is_open(ContactPlan.case_id),
        ~_dnc_in_force(ContactPlan.party_id),
        recipient.is_not(None),
    )


def key_decision_notices(horizon: datetime) -> sa.Select[Any]:
    """Victims not yet told of a key decision whose deadline falls by ``horizon``.

    A legal deadline: it reminds even while do-not-contact is set, and after the case closed
    (a decision not to charge must still be told).
    """
    recipient = _recipient(DecisionNotice.case_id, _plan_owner(DecisionNotice.party_id))
    return sa.select(
        DecisionNotice.case_id.label("case_id"),
        DecisionNotice.id.label("object_id"),
        DecisionNotice.due_at.label("due_at"),
        recipient.label("recipient_id"),
    ).where(DecisionNotice.discharged_at.is_(None), DecisionNotice.due_at <= horizon, recipient.is_not(None))


def dnc_reviews(horizon: datetime) -> sa.Select[Any]:
    """Do-not-contact flags in force whose review is due by ``horizon`` (case open)."""
    recipient = _recipient(DoNotContact.case_id, _plan_owner(DoNotContact.party_id))
    return sa.select(
        DoNotContact.case_id.label("case_id"),
        DoNotContact.id.label("object_id"),
        DoNotContact.review_due_at.label("due_at"),
        recipient.label("recipient_id"),
    ).where(
        DoNotContact.lifted_at.is_(None),
        DoNotContact.review_due_at <= horizon,
        _case_is_open(DoNotContact.case_id),
        recipient.is_not(None),
    )


def court_dates(horizon: datetime) -> sa.Select[Any]:
    """Hearings whose reminder (a week before, 09:00) is due by ``horizon``; to the officer in case."""
    recipient = _recipient(KeyDecision.case_id)
    return sa.select(
        KeyDecision.case_id.label("case_id"),
        KeyDecision.id.label("object_id"),
        KeyDecision.court_reminder_at.label("due_at"),
        recipient.label("recipient_id"),
    ).where(
        KeyDecision.kind == DecisionKind.COURT_DATE,
        KeyDecision.court_reminder_at <= horizon,
        _case_is_open(KeyDecision.case_id),
        recipient.is_not(None),
    )


def _victim_flag(column: Any) -> Any:
    return sa.select(column).where(VictimContact.party_id == ContactPlan.party_id).scalar_subquery()


def victim_updates(horizon: datetime) -> sa.Select[Any]:
    """Victims who opted in to messages and are due an update: recipient is ``case_parties.id``.

    Only on the channel they opted in to, only while their record marks it safe, never while
    do-not-contact is in force, and only on open cases.
    """
    channel_safe = sa.or_(
        sa.and_(ContactPlan.message_channel == MessageChannel.EMAIL, _victim_flag(VictimContact.email_safe)),
        sa.and_(ContactPlan.message_channel == MessageChannel.SMS, _victim_flag(VictimContact.texts_safe)),
    )
    return sa.select(
        ContactPlan.case_id.label("case_id"),
        ContactPlan.id.label("object_id"),
        ContactPlan.next_update_due_at.label("due_at"),
        ContactPlan.party_id.label("recipient_id"),
    ).where(
        ContactPlan.next_update_due_at <= horizon,
        ContactPlan.message_channel.is_not(None),
        channel_safe,
        _case_is_open(ContactPlan.case_id),
        ~_dnc_in_force(ContactPlan.party_id),
    )


def _still_open(query: Any) -> Any:
    """``still_open(object_id)``: the obligation is still in its source's rows, due within ``STILL_OPEN_WINDOW``.

    Not discharged, paused or closed since the sweep; and for plans, not moved on by an update
    given since (the next update is then at least a day away).
    """

    def check(object_id: int) -> bool:
        rows = query(utcnow() + STILL_OPEN_WINDOW).subquery()
        return bool(db.session.execute(sa.select(sa.exists().where(rows.c.object_id == object_id))).scalar())

    return check


def _plan_channel(plan_id: int) -> str | None:
    """The channel the victim opted in to on their contact plan (``None``: no messages)."""
    channel = db.session.scalar(sa.select(ContactPlan.message_channel).where(ContactPlan.id == plan_id))
    return channel.value if channel else None


SOURCES = (
    registry.ObligationSource(
        SCHEDULED_UPDATE,
        "Scheduled update for the victim",
        scheduled_updates,
        still_open=_still_open(scheduled_updates),
    ),
    registry.ObligationSource(
        KEY_DECISION,
        "Tell the victim about a key decision",
        key_decision_notices,
        still_open=_still_open(key_decision_notices),
    ),
    registry.ObligationSource(
        DNC_REVIEW, "Review the do-not-contact flag", dnc_reviews, still_open=_still_open(dnc_reviews)
    ),
    registry.ObligationSource(
        COURT_DATE, "Hearing in a week: prepare the victim", court_dates, still_open=_still_open(court_dates)
    ),
    registry.ObligationSource(
        VICTIM_UPDATE,
        "Update message to the victim",
        victim_updates,
        audience=registry.Audience.VICTIM,
        still_open=_still_open(victim_updates),
        victim_channel=_plan_channel,
    ),
)
SOURCES_BY_KIND = {source.kind: registry.obligation_source(source) for source in SOURCES}


@registry.reminder_note_provider
def _do_not_contact_note(case_id: int) -> list[str]:
    """Every reminder about a case with a do-not-contact flag in force says so (legal deadlines still remind)."""
    flagged = db.session.scalar(
        sa.select(sa.func.count()).where(DoNotContact.case_id == case_id, DoNotContact.lifted_at.is_(None))
    )
    if not flagged:
        return []
    return ["Do not contact the victim: a do-not-contact flag is in force on this case. Read it before any contact."]


# --- Overdue in the case lists -------------------------------------------------------------------


def _overdue_updates(now: datetime) -> sa.Select[tuple[int]]:
    return (
        sa.select(ContactPlan.case_id)
        .join(Case, Case.id == ContactPlan.case_id)
        .where(ContactPlan.next_update_due_at < now, _case_open, ~_dnc_in_force(ContactPlan.party_id))
    )


def _overdue_notices(now: datetime) -> sa.Select[tuple[int]]:
    return sa.select(DecisionNotice.case_id).where(DecisionNotice.discharged_at.is_(None), DecisionNotice.due_at < now)


def _overdue_reviews(now: datetime) -> sa.Select[tuple[int]]:
    return sa.select(DoNotContact.case_id).where(DoNotContact.lifted_at.is_(None), DoNotContact.review_due_at < now)


def _earliest(column: Any, case_column: Any, *where: Any) -> Callable[[datetime], sa.ColumnElement[Any]]:
    """When a case's earliest outstanding item of this kind fell due (for "N days overdue" in the lists)."""
    return lambda now: earliest_per_case(column, case_column, *where)


_update_due = _earliest(ContactPlan.next_update_due_at, ContactPlan.case_id)
_notice_due = _earliest(DecisionNotice.due_at, DecisionNotice.case_id, DecisionNotice.discharged_at.is_(None))
_review_due = _earliest(DoNotContact.review_due_at, DoNotContact.case_id, DoNotContact.lifted_at.is_(None))

# ``since`` is the earliest due row, whatever a do-not-contact flag says (earlier is allowed); scheduled
# updates stop with the case, so a closed case's plans do not keep it among the cases to test.
registry.overdue_reason(
    registry.OverdueReason(
        "victim_update",
        "Victim update overdue",
        _overdue_updates,
        order=30,
        due_at=_update_due,
        since=lambda: sa.case((_case_open, _update_due(utcnow()))),
        watches=(ContactPlan,),
    )
)
registry.overdue_reason(
    registry.OverdueReason(
        "key_decision",
        "Victim not told of a key decision in time",
        _overdue_notices,
        order=40,
        due_at=_notice_due,
        since=lambda: _notice_due(utcnow()),
        watches=(DecisionNotice,),
    )
)
registry.overdue_reason(
    registry.OverdueReason(
        "dnc_review",
        "Do-not-contact review due",
        _overdue_reviews,
        order=50,
        due_at=_review_due,
        since=lambda: _review_due(utcnow()),
        watches=(DoNotContact,),
    )
)


# --- Worklist --------------------------------------------------------------------------------


_WORK = {
    SCHEDULED_UPDATE: ("Contact due: scheduled update", ContactPlan, ContactPlan.party_id),
    KEY_DECISION: ("Contact due: tell them about ", DecisionNotice, DecisionNotice.party_id),
    DNC_REVIEW: ("Review the do-not-contact flag", DoNotContact, DoNotContact.party_id),
}


def _work_rows(horizon: datetime, where: Any) -> list[tuple[str, Any]]:
    """Due staff obligations by ``horizon`` matching ``where`` (on the source rows and ``Case``), 3 queries."""
    rows = []
    for kind, source in (
        (SCHEDULED_UPDATE, scheduled_updates),
        (KEY_DECISION, key_decision_notices),
        (DNC_REVIEW, dnc_reviews),
    ):
        found = source(horizon).subquery()
        _, table, party_column = _WORK[kind]
        owner, flag = aliased(User), aliased(DoNotContact)
        query = (
            sa.select(
                found,
                Case.reference,
                Person.first_name,
                Person.last_name,
                CaseParty.id.label("party_id"),
                owner.full_name.label("owner_name"),
                flag.id.label("flag_id"),
            )
            .join(Case, Case.id == found.c.case_id)
            .join(table, table.id == found.c.object_id)
            .join(CaseParty, CaseParty.id == party_column)
            .join(Person, Person.id == CaseParty.person_id)
            .join(owner, owner.id == found.c.recipient_id)
            .outerjoin(flag, sa.and_(flag.party_id == CaseParty.id, flag.lifted_at.is_(None)))
            .where(where(found))
            .order_by(found.c.due_at)
            .limit(100)
        )
        if kind == KEY_DECISION:
            query = query.add_columns(KeyDecision.kind.label("decision_kind")).join(
                KeyDecision, KeyDecision.id == DecisionNotice.decision_id
            )
        rows += [(kind, row) for row in db.session.execute(query).all()]
    return rows


def _item(kind: str, row: Any, now: datetime, *, escalated: bool = False) -> registry.WorkItem:
    label, _, _ = _WORK[kind]
    reason = label + (row.decision_kind.label.lower() if kind == KEY_DECISION else "")
    if kind == KEY_DECISION and row.flag_id is not None:
        reason += " (do not contact is set: a legal deadline still applies)"
    if escalated:
        reason = f"Escalated: {reason} – {row.owner_name}"
    if kind == DNC_REVIEW:
        href, action = url_for("contact.case_contact", case_id=row.case_id) + f"#victim-{row.party_id}", "Review"
    else:
        href, action = url_for("contact.log_contact", case_id=row.case_id, party=row.party_id), "Log the contact"
    return registry.WorkItem(
        case_id=row.case_id,
        reference=row.reference,
        reason=reason,
        due_at=row.due_at,
        overdue=row.due_at < now,
        href=href,
        action=action,
        who=f"{row.first_name} {row.last_name}",
    )


@registry.worklist_provider
def contacts_due(user: User) -> list[registry.WorkItem]:
    """The officer's contacts due today and overdue; for a supervisor also the team's, a working day late."""
    if user.role not in {Role.OFFICER, Role.SUPERVISOR}:
        return []
    now = utcnow()
    end_of_today = end_of_local_day(local_date(now))
    visible = visible_cases_clause(user)
    items = [
        _item(kind, row, now)
        for kind, row in _work_rows(end_of_today, lambda found: sa.and_(found.c.recipient_id == user.id, visible))
    ]
    if user.role == Role.SUPERVISOR:
        cutoff = escalation_cutoff(now)
        team = sa.or_(Case.team_id == user.team_id, Case.supervisor_id == user.id)
        items += [
            _item(kind, row, now, escalated=True)
            for kind, row in _work_rows(
                cutoff,
                lambda found: sa.and_(found.c.recipient_id != user.id, found.c.due_at < cutoff, team, visible),
            )
        ]
    return items


# --- The case page: open items, task list, timeline -----------------------------------------------


# A case page's statements, built once (``statements`` explains why), the case as a bound parameter.
_NOTICES_OWED = (
    sa.select(DecisionNotice.due_at, KeyDecision.kind, Person.first_name, Person.last_name)
    .join(KeyDecision, KeyDecision.id == DecisionNotice.decision_id)
    .join(CaseParty, CaseParty.id == DecisionNotice.party_id)
    .join(Person, Person.id == CaseParty.person_id)
    .where(DecisionNotice.case_id == sa.bindparam("case_id"), DecisionNotice.discharged_at.is_(None))
    .order_by(DecisionNotice.due_at)
)
_PLANS_TO_REVIEW = (
    sa.select(Person.first_name, Person.last_name)
    .join(CaseParty, CaseParty.person_id == Person.id)
    .join(ContactPlan, ContactPlan.party_id == CaseParty.id)
    .where(ContactPlan.case_id == sa.bindparam("case_id"), ContactPlan.review_prompted_at.is_not(None))
)
_VICTIMS_PLANNED = (
    sa.select(sa.func.count(CaseParty.id), sa.func.count(ContactPlan.id))
    .select_from(CaseParty)
    .outerjoin(ContactPlan, ContactPlan.party_id == CaseParty.id)
    .where(CaseParty.case_id == sa.bindparam("case_id"), CaseParty.role == PartyRole.VICTIM)
)


@registry.open_items_provider
def _contact_open_items(case: Case) -> list[str]:
    notices = db.session.execute(_NOTICES_OWED, {"case_id": case.id}).all()
    prompts = db.session.execute(_PLANS_TO_REVIEW, {"case_id": case.id}).all()
    items = [
        f"Tell {first} {last} about: {kind.label.lower()} (by {due.astimezone(LONDON):%-d %B %Y %H:%M})"
        for due, kind, first, last in notices
    ]
    items += [f"Contact with {first} {last} was unsafe: review their contact plan" for first, last in prompts]
    return items


@registry.task_provider
def _contact_plan_task(case: Case) -> list[registry.Task]:
    victims, planned = db.session.execute(_VICTIMS_PLANNED, {"case_id": case.id}).one()
    href = url_for("contact.case_contact", case_id=case.id)
    if not victims:
        return [
            registry.Task(
                "Contact plan agreed with the victim",
                registry.TaskState.CANNOT_START,
                hint="Add the victim first",
                order=40,
            )
        ]
    state = registry.TaskState.DONE if planned == victims else registry.TaskState.TO_DO
    return [registry.Task("Contact plan agreed with the victim", state, href=href, order=40)]


@registry.timeline_provider
def _key_decisions_timeline(case: Case, viewer: registry.Viewer) -> list[registry.TimelineEntry]:
    decisions = db.session.execute(
        sa.select(KeyDecision, User.full_name)
        .join(User, User.id == KeyDecision.recorded_by_id)
        .where(KeyDecision.case_id == case.id)
    ).all()
    entries = []
    for decision, by in decisions:
        body = decision.notes
        if decision.hearing_at is not None:
            hearing = f"Hearing on {decision.hearing_at.astimezone(LONDON):%-d %B %Y at %H:%M}."
            body = f"{hearing} {body}" if body else hearing
        entries.append(registry.TimelineEntry(decision.decided_at, f"Key decision: {decision.kind.label}", by, body))
    return entries
