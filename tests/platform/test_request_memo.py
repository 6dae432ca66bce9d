"""``request_memo.per_request``: a read about a case is made once per request, and never outlives a write."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from casework.auth.models import Team
from casework.extensions import db
from casework.request_memo import per_request


@dataclass
class _Case:
    id: int


def _counting() -> tuple[list[int], object]:
    calls: list[int] = []

    @per_request
    def read(case: _Case) -> int:
        calls.append(case.id)
        return len(calls)

    return calls, read


def test_a_read_is_made_once_per_case_in_a_request(app: Flask, db_session) -> None:
    calls, read = _counting()
    with app.test_request_context("/"):
        assert read(_Case(1)) == read(_Case(1)) == 1
        assert read(_Case(2)) == 2
    assert calls == [1, 2]


def test_a_flush_or_unflushed_change_forgets_the_read(app: Flask, db_session) -> None:
    calls, read = _counting()
    with app.test_request_context("/"):
        read(_Case(1))
        db.session.add(Team(name="Memo team"))
        read(_Case(1))  # unflushed change: not served from the memo
        db.session.flush()
        read(_Case(1))  # flushed since: read again
        read(_Case(1))  # nothing written since: remembered
    assert calls == [1, 1, 1]


def test_each_request_reads_afresh(app: Flask, db_session) -> None:
    calls, read = _counting()
    for _ in range(2):
        with app.test_request_context("/"):
            read(_Case(1))
    assert calls == [1, 1]


def test_outside_a_request_nothing_is_remembered(app: Flask, db_session) -> None:
    calls, read = _counting()
    with app.app_context():
        read(_Case(1))
        read(_Case(1))
    assert calls == [1, 1]
