"""When an incident happened: typed as Europe/London dates and times, stored as UTC instants.

A start typed without a time is stored at the start of that local day, an end without a time at
the last second of its day. People type hours and minutes only, so a stored 23:59:59 always means
"no end time given"; a stored 00:00 start is shown as a date alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from casework.workdays import LONDON

TIME_PATTERN = re.compile(r"^(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)\Z", re.ASCII)
START_OF_DAY = time(0, 0)
END_OF_DAY = time(23, 59, 59)
DATE_FORMAT = "%-d %B %Y"
TIME_FORMAT = "%H:%M"


def parse_time(text: str | None) -> time | None:
    """``"14:30"`` (or ``"9.05"``) as a time; blank as ``None``. Anything else raises ``ValueError``."""
    if not text or not text.strip():
        return None
    match = TIME_PATTERN.match(text.strip())
    if match is None:
        raise ValueError(f"not a 24-hour time: {text!r}")
    return time(int(match["hour"]), int(match["minute"]))


def to_utc(day: date, at: time) -> datetime:
    """A Europe/London wall-clock date and time as a UTC instant."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True)
class LocalMoment:
    """A local date with the time it was typed with, if any."""

    day: date
    at: time | None

    @classmethod
    def of_start(cls, instant: datetime) -> LocalMoment:
        """How a stored start reads back: no time when it is the start of the day."""
        local = instant.astimezone(LONDON)
        at = local.time().replace(microsecond=0)
        return cls(local.date(), None if at == START_OF_DAY else at)

    @classmethod
    def of_end(cls, instant: datetime) -> LocalMoment:
        """How a stored end reads back: no time when it is the end of the day."""
        local = instant.astimezone(LONDON)
        at = local.time().replace(microsecond=0)
        return cls(local.date(), None if at == END_OF_DAY else at)

    @property
    def time_text(self) -> str:
        """``"14:30"``, or ``""`` when no time was given."""
        return self.at.strftime(TIME_FORMAT) if self.at else ""

    def describe(self) -> str:
        """``"3 March 2026 at 14:30"`` or ``"3 March 2026"``."""
        text = self.day.strftime(DATE_FORMAT)
        return f"{text} at {self.time_text}" if self.at else text


def describe_period(occurred_from: datetime, occurred_to: datetime | None) -> str:
    """An incident's time in words, in Europe/London local time."""
    start = LocalMoment.of_start(occurred_from)
    if occurred_to is None:
        return start.describe()
    end = LocalMoment.of_end(occurred_to)
    if end.day != start.day:
        return f"{start.describe()} to {end.describe()}"
    if end.at is None:
        return start.describe()
    if start.at is None:
        return f"{start.describe()}, until {end.time_text}"
    return f"{start.day.strftime(DATE_FORMAT)}, {start.time_text} to {end.time_text}"
