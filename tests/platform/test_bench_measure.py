"""The benchmark's SQL time is the time some statement was running, not the sum of overlapping ones."""

from __future__ import annotations

import pytest

from bench.measure import Statement, waited_ms


def _ran(began_ms: float, ms: float) -> Statement:
    return Statement("SELECT 1", None, ms, began_ms / 1000)


def test_statements_one_after_another_add_up() -> None:
    assert waited_ms([_ran(0, 10), _ran(10, 5), _ran(20, 1)]) == pytest.approx(16)


def test_statements_side_by_side_count_once() -> None:
    # 0-40 and 10-30 overlap, 35-50 overlaps the first, 60-61 stands alone: 50 + 1.
    assert waited_ms([_ran(10, 20), _ran(0, 40), _ran(35, 15), _ran(60, 1)]) == pytest.approx(51)
