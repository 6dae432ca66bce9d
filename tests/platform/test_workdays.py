"""Victims' Code deadlines, worked out by hand from DOMAIN.md's counting rule (not from the code)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from casework.workdays import LONDON, deadline, is_working_day


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def test_domain_example_charge_before_spring_bank_holiday_is_told_by_end_of_tuesday() -> None:
    # Charge at 15:00 on Friday 22 May 2026; Monday 25 May is the Spring bank holiday.
    assert deadline(london(2026, 5, 22, 15, 0), 1) == datetime(2026, 5, 26, 22, 59, 59, tzinfo=UTC)


def test_referral_consent_on_friday_22_may_2026_is_due_end_of_wednesday_27_may() -> None:
    # Tue 26 May is the first working day, Wed 27 May the second; 23:59:59 BST is 22:59:59 UTC.
    assert deadline(london(2026, 5, 22, 11, 0), 2) == datetime(2026, 5, 27, 22, 59, 59, tzinfo=UTC)


def test_five_working_days_across_the_bank_holiday_weekend() -> None:
    # Tue 26, Wed 27, Thu 28, Fri 29 May, Mon 1 June.
    assert deadline(london(2026, 5, 22, 9, 0), 5) == datetime(2026, 6, 1, 22, 59, 59, tzinfo=UTC)


def test_christmas_2027_falls_at_a_weekend_so_both_substitute_days_are_skipped() -> None:
    # 25 and 26 Dec 2027 are Saturday and Sunday; Mon 27 and Tue 28 are the substitute holidays.
    assert not is_working_day(date(2027, 12, 27))
    assert not is_working_day(date(2027, 12, 28))
    assert deadline(london(2027, 12, 24, 10, 0), 1) == datetime(2027, 12, 29, 23, 59, 59, tzinfo=UTC)
    assert deadline(london(2027, 12, 24, 10, 0), 2) == datetime(2027, 12, 30, 23, 59, 59, tzinfo=UTC)


def test_new_year_2028_falls_on_a_saturday_so_monday_3_january_is_a_holiday() -> None:
    assert deadline(london(2027, 12, 31, 16, 0), 1) == datetime(2028, 1, 4, 23, 59, 59, tzinfo=UTC)


def test_an_event_on_a_weekend_day_does_not_count_that_day() -> None:
    assert deadline(london(2026, 11, 28, 12, 0), 1) == datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)


def test_clock_change_in_march_event_at_0030_on_the_last_sunday() -> None:
    # 00:30 on Sunday 29 March 2026 is still GMT (clocks go forward at 01:00); Monday is BST.
    event = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert event.astimezone(LONDON).date() == date(2026, 3, 29)
    assert deadline(event, 1) == datetime(2026, 3, 30, 22, 59, 59, tzinfo=UTC)


def test_clock_change_in_october_event_at_0030_on_the_last_sunday() -> None:
    # 00:30 BST on Sunday 25 October 2026 is 23:30 UTC on Saturday 24: the local day counts.
    event = london(2026, 10, 25, 0, 30)
    assert event.astimezone(UTC).date() == date(2026, 10, 24)
    assert deadline(event, 1) == datetime(2026, 10, 26, 23, 59, 59, tzinfo=UTC)


def test_days_are_counted_in_london_not_utc() -> None:
    # 23:30 UTC on Monday 1 June 2026 is 00:30 BST on Tuesday 2 June: Wednesday is the first working day.
    assert deadline(datetime(2026, 6, 1, 23, 30, tzinfo=UTC), 1) == datetime(2026, 6, 3, 22, 59, 59, tzinfo=UTC)


def test_zero_working_days_ends_with_the_event_day() -> None:
    assert deadline(london(2026, 7, 1, 9, 0), 0) == datetime(2026, 7, 1, 22, 59, 59, tzinfo=UTC)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        deadline(datetime(2026, 5, 22, 15, 0), 1)  # noqa: DTZ001 - the point of the test


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="zero or more"):
        deadline(london(2026, 5, 22, 15, 0), -1)
