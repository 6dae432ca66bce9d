"""Course of conduct (PHA 1997 s.7), the gaps between incidents, and how incident times are read and shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from casework.errors import DomainError
from casework.incidents import service
from casework.incidents.models import Incident
from casework.incidents.queries import LONG_GAP_DAYS, course_of_conduct
from casework.incidents.service import IncidentDetails, When
from casework.incidents.timing import describe_period, parse_time
from casework.workdays import LONDON
from tests import factories


def incident(start: datetime, end: datetime | None = None) -> Incident:
    return Incident(occurred_from=start, occurred_to=end, description="x", behaviours=[])


def day(n: int) -> datetime:
    return datetime(2025, 1, 1, 12, tzinfo=UTC) + timedelta(days=n)


def test_no_incidents_is_no_course_of_conduct():
    conduct = course_of_conduct([])
    assert (conduct.established, conduct.incident_count, conduct.gaps) == (False, 0, [])


def test_one_incident_is_not_yet_a_course_of_conduct():
    conduct = course_of_conduct([incident(day(0))])
    assert not conduct.established
    assert conduct.gaps == []


def test_two_incidents_establish_a_course_of_conduct():
    conduct = course_of_conduct([incident(day(0)), incident(day(10))])
    assert conduct.established
    assert conduct.incident_count == 2
    assert [gap.days for gap in conduct.gaps] == [10]


def test_gaps_are_between_consecutive_incidents_in_date_order_whatever_the_input_order():
    first, second, third = incident(day(0)), incident(day(3)), incident(day(40))
    conduct = course_of_conduct([third, first, second])
    assert [(gap.earlier, gap.later, gap.days) for gap in conduct.gaps] == [(first, second, 3), (second, third, 37)]


def test_a_gap_runs_from_the_end_of_a_period_to_the_start_of_the_next():
    conduct = course_of_conduct([incident(day(0), day(20)), incident(day(25))])
    assert [gap.days for gap in conduct.gaps] == [5]


def test_overlapping_incidents_have_no_gap():
    conduct = course_of_conduct([incident(day(0), day(30)), incident(day(10))])
    assert [gap.days for gap in conduct.gaps] == [0]


def test_only_gaps_over_the_threshold_are_flagged():
    at_limit = course_of_conduct([incident(day(0)), incident(day(LONG_GAP_DAYS))])
    over_limit = course_of_conduct([incident(day(0)), incident(day(LONG_GAP_DAYS + 1))])
    assert at_limit.long_gaps == []
    assert [gap.days for gap in over_limit.long_gaps] == [LONG_GAP_DAYS + 1]
    assert LONG_GAP_DAYS == 120  # about four months (DOMAIN.md)


def test_gaps_count_uk_calendar_days():
    late_evening = datetime(2025, 7, 1, 23, 30, tzinfo=LONDON)
    after_midnight = datetime(2025, 7, 2, 0, 30, tzinfo=LONDON)
    conduct = course_of_conduct([incident(late_evening), incident(after_midnight)])
    assert [gap.days for gap in conduct.gaps] == [1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("14:30", time(14, 30)), ("9:05", time(9, 5)), ("09.05", time(9, 5)), ("", None), ("  ", None)],
)
def test_times_are_read_on_the_24_hour_clock(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "1pm", "12:30\n12", "12:3", "12:3\u0660", "\u0661\u0662:30"])
def test_anything_else_is_not_a_time(text):
    with pytest.raises(ValueError, match="not a 24-hour time"):
        parse_time(text)


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (london(2025, 7, 1, 14, 30), None, "1 July 2025 at 14:30"),
        (london(2025, 7, 1), None, "1 July 2025"),
        (london(2025, 7, 1, 14, 30), london(2025, 7, 1, 15, 45), "1 July 2025, 14:30 to 15:45"),
        (london(2025, 7, 1), london(2025, 7, 1, 15, 45), "1 July 2025, until 15:45"),
        (london(2025, 7, 1), london(2025, 7, 4, 23, 59, 59), "1 July 2025 to 4 July 2025"),
        (london(2025, 7, 1, 22), london(2025, 7, 2, 1, 15), "1 July 2025 at 22:00 to 2 July 2025 at 01:15"),
    ],
)
def test_incident_times_are_shown_in_uk_time(start, end, words):
    assert describe_period(start, end) == words


def details(when: When) -> IncidentDetails:
    return IncidentDetails(when=when, description="He followed her home.")


@pytest.fixture
def officer_and_case(db_session):
    officer = factories.UserFactory()
    return officer, factories.allocated_case(officer)


@pytest.mark.parametrize(
    ("when", "field"),
    [
        (When(date(2999, 1, 1)), "occurred_on"),
        (When(date(2025, 3, 2), end_day=date(2025, 3, 1)), "ended_on"),
        (When(date(2025, 3, 2), time(10), end_time=time(9, 59)), "ended_at"),
        (When(date(2025, 3, 2), end_day=date(2999, 1, 1)), "ended_on"),
    ],
)
def test_the_service_refuses_future_times_and_an_end_before_the_start(app, officer_and_case, when, field):
    officer, case = officer_and_case
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        service.record_incident(officer, case, details(when))
    assert refused.value.field == field


def test_a_date_alone_covers_the_whole_day(app, officer_and_case):
    officer, case = officer_and_case
    with app.test_request_context():
        recorded = service.record_incident(
            officer, case, details(When(date(2025, 7, 1), time(14), end_day=date(2025, 7, 3)))
        )
    assert recorded.occurred_from == london(2025, 7, 1, 14)
    assert recorded.occurred_to == london(2025, 7, 3, 23, 59, 59)


def test_an_end_on_the_same_day_without_a_time_adds_nothing(app, officer_and_case):
    officer, case = officer_and_case
    with app.test_request_context():
        recorded = service.record_incident(officer, case, details(When(date(2025, 7, 1), end_day=date(2025, 7, 1))))
    assert recorded.occurred_to is None


def test_a_time_in_the_hour_the_clocks_skip_is_still_recorded(app, officer_and_case):
    officer, case = officer_and_case
    with app.test_request_context():
        recorded = service.record_incident(officer, case, details(When(date(2025, 3, 30), time(1, 30))))
    assert recorded.occurred_from.date() == date(2025, 3, 30)
