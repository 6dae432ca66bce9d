"""The weekly table's week of a case: the London Monday it falls after, at the edges of every week shown."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from casework.cases.models import Case
from casework.dashboard import figures
from casework.extensions import db
from casework.workdays import local_midnight
from tests import factories

# A Friday whose 26 weeks include the end of summer time (25 October 2026), so two weeks are not 7 x 24 hours.
NOW = datetime.fromisoformat("2026-11-27T12:00:00+00:00")


def test_every_case_falls_in_the_week_that_starts_on_or_before_it(db_session):
    mondays = figures.weeks(NOW)
    assert len(mondays) == figures.WEEKS_SHOWN
    expected: dict[int, str | None] = {}
    for index, monday in enumerate(mondays):
        start = local_midnight(monday)
        before = mondays[index - 1].isoformat() if index else None
        for reported_at, week in ((start, monday.isoformat()), (start - timedelta(seconds=1), before)):
            expected[factories.CaseFactory(reported_at=reported_at).id] = week
    db_session.flush()
    week = figures.week_expression(mondays)
    found = dict(db.session.execute(sa.select(Case.id, week).where(Case.id.in_(expected))).all())
    assert found == expected
