"""Where features register into the case (the hub), so the case grows without knowing them.

``cases`` never imports a feature. Instead each feature (people, incidents, risk, orders,
support, contact, intake) registers small functions here at import time:

- ``open_items_provider``: what is still open on a case (shown, and confirmed, before closing);
- ``task_provider``: rows of the case's task list (GOV.UK task list pattern);
- ``timeline_provider``: entries on the case's timeline;
- ``worklist_provider``: entries on a user's home-page worklist (what is due and overdue);
- ``obligation_source``: a set-based SQL source of things someone must do by a deadline
  (a referral to send, an order expiring, an SPO notification due...), which the contact
  feature's reminder sweep turns into reminders without importing the feature;
- ``overdue_reason``: one reason a case counts as overdue, as SQL (the case list's "overdue",
  its red panel and the home-page counts all OR the registered reasons together);
- ``reminder_note_provider``: warnings every reminder mail about a case must carry, whatever
  the obligation (a do-not-contact flag in force), so nobody acts on a reminder blind.
- ``list_filter``: an extra case-list filter read from the query string (``?key=value``), as SQL
  on ``Case``, so a figure elsewhere (the dashboard) can link to the very list that produces it.

Providers must run a fixed number of queries whatever the size of the case.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from casework.auth.models import User
    from casework.cases.models import Case
    from casework.security import Permission


class TaskState(enum.StrEnum):
    """The states of a GOV.UK task list row."""

    DONE = "done"
    TO_DO = "to_do"
    OVERDUE = "overdue"
    CANNOT_START = "cannot_start"


@dataclass(frozen=True)
class Task:
    """One row of a case's task list: what to do, its state, and the page that does it.

    ``permission`` is what the page at ``href`` needs (on ``subject``, or else the case): the task
    list shows the link only to those who hold it (``cases.tasks.task_list``).
    """

    name: str
    state: TaskState
    href: str | None = None
    hint: str | None = None
    order: int = 100
    permission: Permission | None = None
    subject: object | None = None


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened on a case."""

    at: datetime
    title: str
    by: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a case, as far as a timeline provider needs to know."""

    user: User
    police_only: bool


@dataclass(frozen=True)
class WorkItem:
    """One entry of a home-page worklist: what is due on which case, why, and by when.

    ``case_id`` is ``None`` for work that is not (yet) on a case, such as online reports to triage.
    """

    case_id: int | None
    reference: str
    reason: str
    due_at: datetime | None
    overdue: bool
    href: str
    action: str = "Open the case"
    who: str | None = None


class Audience(enum.StrEnum):
    """Who a reminder goes to: a member of staff, or (only where they opted in) the victim."""

    STAFF = "staff"
    VICTIM = "victim"


@dataclass(frozen=True)
class ObligationSource:
    """A kind of deadline a feature knows about, as one SQL query the reminder sweep can run.

    ``query(horizon)`` returns a ``Select`` of the open obligations due at or before
    ``horizon``, with exactly these labelled columns: ``case_id``, ``object_id`` (the row that
    carries the obligation), ``due_at`` (aware UTC instant) and ``recipient_id`` (a ``users.id``
    for staff; a ``case_parties.id`` for a victim). ``kind`` is a short stable key stored on each
    reminder; ``label`` is the reason shown to people ("Referral to send to the service").
    ``still_open(object_id)``, when given, is asked just before sending, so an obligation
    discharged (or paused) since the sweep is not reminded. ``victim_channel(object_id)``, for
    victim sources, names the channel the victim opted in to for it (``"email"`` or ``"sms"``;
    ``None`` when they chose no messages): the one place the channel is decided.
    """

    kind: str
    label: str
    query: Callable[[datetime], sa.Select[Any]]
    audience: Audience = Audience.STAFF
    still_open: Callable[[int], bool] | None = None
    victim_channel: Callable[[int], str | None] | None = None


NO_DELAY = timedelta(0)


@dataclass(frozen=True)
class OverdueReason:
    """One reason a case is overdue, written once in SQL.

    ``case_ids(now)`` returns a ``Select`` of one column, the ids of the cases overdue for this
    reason at ``now``. Keep it indexed (a partial index on the due column, or on ``cases``): the
    lists run every reason on every page. ``label`` is shown beside the case ("Victim update overdue").
    ``due_at(now)``, when given, is a column expression correlated to ``cases`` (a column or a
    scalar subquery) giving when the work fell due, so the lists say for how long it is overdue;
    ``due_after`` is added to it in Python (a deadline a fixed time after a stored instant: SQLite
    cannot add an interval to a date in SQL).

    ``since()`` is a column expression correlated to ``cases``: the earliest instant at which this
    reason could make the case overdue, given its rows as they are (``NULL`` when it cannot). It may
    be earlier than the truth, never later: the case's ``overdue_from`` (the least of every reason's)
    only says which cases to test with ``case_ids``, so an early instant costs a test, a late one would
    hide overdue work. Without it the report's instant stands in (every case tested, always right).
    ``watches`` are the models (each with a ``case_id``) whose rows ``since`` reads: a change to one
    recomputes its case's ``overdue_from`` in the same flush (``cases.overdue``).
    """

    key: str
    label: str
    case_ids: Callable[[datetime], sa.Select[Any]]
    order: int = 100
    due_at: Callable[[datetime], sa.ColumnElement[Any]] | None = None
    due_after: timedelta = NO_DELAY
    since: Callable[[], sa.ColumnElement[Any]] | None = None
    watches: tuple[type, ...] = ()


@dataclass(frozen=True)
class ListFilter:
    """An extra case-list filter, read from the query string as ``?key=value``.

    ``clause(value, now)`` returns a condition on ``Case``, or ``None`` when the value is not
    understood (the list then ignores it). ``describe(value)`` says it in words ("Reported in the
    week from 3 November 2026"), for the list's "Filtered by" line and the export's audit row.
    """

    key: str
    clause: Callable[[str, datetime], sa.ColumnElement[bool] | None]
    describe: Callable[[str], str]


OpenItemsProvider = Callable[["Case"], list[str]]
TaskProvider = Callable[["Case"], list[Task]]
TimelineProvider = Callable[["Case", Viewer], list[TimelineEntry]]
WorklistProvider = Callable[["User"], list[WorkItem]]
ReminderNoteProvider = Callable[[int], list[str]]

_open_items: list[OpenItemsProvider] = []
_tasks: list[TaskProvider] = []
_timeline: list[TimelineProvider] = []
_worklist: list[WorklistProvider] = []
_obligation_sources: dict[str, ObligationSource] = {}
_overdue_reasons: dict[str, OverdueReason] = {}
_reminder_notes: list[ReminderNoteProvider] = []
_list_filters: dict[str, ListFilter] = {}


def open_items_provider(provider: OpenItemsProvider) -> OpenItemsProvider:
    """Register a function that lists what is still open on a case."""
    _open_items.append(provider)
    return provider


def task_provider(provider: TaskProvider) -> TaskProvider:
    """Register a function that adds rows to a case's task list."""
    _tasks.append(provider)
    return provider


def timeline_provider(provider: TimelineProvider) -> TimelineProvider:
    """Register a function that adds entries to a case's timeline."""
    _timeline.append(provider)
    return provider


def worklist_provider(provider: WorklistProvider) -> WorklistProvider:
    """Register a function that adds entries to a user's home-page worklist."""
    _worklist.append(provider)
    return provider


def obligation_source(source: ObligationSource) -> ObligationSource:
    """Register a kind of deadline for the reminder sweep (one per ``kind``)."""
    if source.kind in _obligation_sources:
        raise ValueError(f"obligation kind {source.kind!r} is registered twice")
    _obligation_sources[source.kind] = source
    return source


def obligation_sources() -> list[ObligationSource]:
    """Every registered kind of deadline."""
    return list(_obligation_sources.values())


def overdue_reason(reason: OverdueReason) -> OverdueReason:
    """Register a reason a case counts as overdue (one per ``key``)."""
    if reason.key in _overdue_reasons:
        raise ValueError(f"overdue reason {reason.key!r} is registered twice")
    _overdue_reasons[reason.key] = reason
    return reason


def overdue_reasons() -> list[OverdueReason]:
    """Every registered overdue reason, in their order."""
    return sorted(_overdue_reasons.values(), key=lambda reason: (reason.order, reason.key))


def list_filter(list_filter: ListFilter) -> ListFilter:
    """Register an extra case-list filter (one per query-string ``key``)."""
    if list_filter.key in _list_filters:
        raise ValueError(f"list filter {list_filter.key!r} is registered twice")
    _list_filters[list_filter.key] = list_filter
    return list_filter


def list_filters() -> dict[str, ListFilter]:
    """Every registered extra case-list filter, by query-string key."""
    return dict(_list_filters)


def open_items(case: Case) -> list[str]:
    """Everything still open on ``case``."""
    return [item for provider in _open_items for item in provider(case)]


def tasks(case: Case) -> list[Task]:
    """The case's task list, in each task's order."""
    return sorted((task for provider in _tasks for task in provider(case)), key=lambda task: task.order)


def timeline(case: Case, viewer: Viewer) -> list[TimelineEntry]:
    """Everything that happened on the case, newest first."""
    entries = [entry for provider in _timeline for entry in provider(case, viewer)]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def worklist(user: User) -> list[WorkItem]:
    """What ``user`` has due: overdue first, then by due time."""
    items = [item for provider in _worklist for item in provider(user)]
    return sorted(
        items, key=lambda item: (not item.overdue, item.due_at is None, item.due_at or datetime.max.replace(tzinfo=UTC))
    )


def reminder_note_provider(provider: ReminderNoteProvider) -> ReminderNoteProvider:
    """Register a function that gives, for a case id, the warnings a reminder mail must carry."""
    _reminder_notes.append(provider)
    return provider


def reminder_notes(case_id: int) -> list[str]:
    """Every warning a reminder mail about case ``case_id`` must carry."""
    return [note for provider in _reminder_notes for note in provider(case_id)]
