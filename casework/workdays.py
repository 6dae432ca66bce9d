"""Time in England and Wales: the local zone, working days and every Victims' Code deadline.

Instants are stored in UTC; days are counted in Europe/London. ``deadline`` is the one place
any working-day deadline in the project comes from (DOMAIN.md, "How a deadline is counted").
Bank holidays come from the maintained ``holidays`` package (England, substitute days included).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England and Wales bank holiday (substitute days included)."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def local_date(instant: datetime) -> date:
    """The calendar date of an aware instant in England and Wales."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime given; use a timezone-aware instant")
    return instant.astimezone(LONDON).date()


def add_working_days(day: date, working_days: int) -> date:
    """The ``working_days``-th working day after ``day`` (``day`` itself never counts)."""
    if working_days < 0:
        raise ValueError("working_days must be zero or more")
    while working_days:
        day += timedelta(days=1)
        if is_working_day(day):
            working_days -= 1
    return day


def end_of_local_day(day: date) -> datetime:
    """23:59:59 Europe/London on ``day``, as a UTC instant."""
    return datetime.combine(day, END_OF_DAY, tzinfo=LONDON).astimezone(UTC)


def deadline(event_at: datetime, working_days: int) -> datetime:
    """When a deadline of ``working_days`` working days after ``event_at`` ends, in UTC.

    The event's own local day never counts, working day or not; the deadline ends at
    23:59:59 Europe/London on the Nth working day after it. Zero days means the end of the
    event's own day. Naive datetimes and negative counts are refused.
    """
    return end_of_local_day(add_working_days(local_date(event_at), working_days))


def local_midnight(day: date) -> datetime:
    """00:00 Europe/London at the start of ``day``, aware."""
    return datetime.combine(day, time.min, tzinfo=LONDON)


def escalation_cutoff(now: datetime) -> datetime:
    """Things due before this instant are overdue by at least one working day at ``now``.

    A thing due on local day D is one working day late once the first working day after D has
    ended (``deadline(due_at, 1)`` has passed). That depends only on D and grows with it, so it is
    one instant: local midnight after the latest such D. The reminder sweep's escalations and the
    supervisor's worklist both use it, so they agree on who is late.
    """
    day = local_date(now)
    while end_of_local_day(add_working_days(day, 1)) > now:
        day -= timedelta(days=1)
    return local_midnight(day + timedelta(days=1))
