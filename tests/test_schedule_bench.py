"""The schedule-accuracy benchmark runs and reports its rows (its figures are not judged here)."""

from __future__ import annotations

import math

from langchain_echo.bench._schedule import ScheduleRow, render, schedule_accuracy


def test_the_benchmark_reports_every_case() -> None:
    rows = schedule_accuracy(itl=0.001, chunks=3, streams=(1, 4), model_streams=(2,))
    assert [(r.case, r.streams, r.chunks) for r in rows] == [
        ("Schedule.wait, sync", 1, 3),
        ("Schedule.await_due, async", 1, 3),
        ("Schedule.await_due, async", 4, 12),
        ("ChatEcho.stream, paced", 1, 3),
        ("ChatEcho.astream, paced", 2, 6),
    ]
    for r in rows:
        assert 0 <= r.median <= r.p99 <= r.max
        assert not math.isnan(r.median)
    assert [r.goal for r in rows] == [1e-3, 2e-3, 2e-3, 1e-3, 2e-3]
    table = render(rows, 0.001).splitlines()
    assert table[0] == "|actual - due| per chunk at itl = 1 ms"
    assert table[1].split()[:3] == ["case", "streams", "chunks"]
    assert len(table) == 3 + len(rows)


def test_met_compares_the_median_with_the_goal() -> None:
    row = ScheduleRow("x", 1, 1, median=0.002, p99=0.003, max=0.004, goal=0.001)
    assert row.met is False
    assert ScheduleRow("x", 1, 1, 0.0005, 0.001, 0.002, 0.001).met is True
    assert ScheduleRow("x", 1, 1, 0.0005, 0.001, 0.002, None).met is None
