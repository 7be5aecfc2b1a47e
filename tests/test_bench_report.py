"""``PERFORMANCE.md``: the table, the misses with their recorded reasons, the notes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from langchain_echo.__main__ import main
from langchain_echo.bench import render_performance
from langchain_echo.bench._harness import Case, Result, Scenario, measure
from langchain_echo.bench._notes import MISSES, NO_REASON, NOTES
from langchain_echo.bench._schedule import ScheduleRow

ENV = {"date": "d", "machine": "m", "python": "p", "versions": {}, "command": "c"}


def _slow() -> int:
    time.sleep(0.002)
    return 1


def _fast() -> int:
    return 1


def _missed(key: str, title: str) -> Result:
    scenario = Scenario(
        key, title, "us/call", 1.0, Case("ours", _slow), Case("base", _fast), 1.0, "<= 1.0x base"
    )
    return measure(scenario, rounds=1, min_time=0.0)


def test_misses_carry_their_recorded_reason_or_say_none_was() -> None:
    known = _missed("P8", "truncate_graphemes(n=5), ascii 1 KiB")
    unknown = _missed("P9", "earliest of 1 stop, 1 MB")
    assert known.met is False
    assert unknown.met is False
    sa = ScheduleRow("ChatEcho.astream, paced", 1000, 10, 0.2, 0.3, 0.4, 2e-3)
    text = render_performance([known, unknown], {"schedule": [sa]}, ENV, "bench.png")
    misses = text.split("## Misses")[1].split("## What makes it fast")[0]
    assert MISSES["P8", "truncate_graphemes(n=5), ascii 1 KiB"] in misses
    assert "**P9 earliest of 1 stop, 1 MB**" in misses
    assert NO_REASON in misses
    assert MISSES["SA", "ChatEcho.astream, paced, 1,000 streams"] in misses
    assert "![" in text
    assert "(bench.png)" in text
    assert "| P8 | truncate_graphemes(n=5), ascii 1 KiB |" in text
    fast = text.split("## What makes it fast")[1]
    assert NOTES["P8"] in fast
    assert NOTES["P9"] in fast


def test_every_judged_scenario_key_has_a_note() -> None:
    assert {f"P{i}" for i in range(1, 12)} | {"S1", "S2"} <= set(NOTES)


def test_out_writes_performance_md(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "--quick", "--only", "none"]) == 0
    assert (tmp_path / "bench-report.md").is_file()
    assert not (tmp_path / "PERFORMANCE.md").exists()  # only with --out
    docs = tmp_path / "docs"
    assert main(["bench", "--quick", "--only", "none", "--out", str(docs)]) == 0
    text = (docs / "PERFORMANCE.md").read_text()
    assert text.startswith("# langchain-echo performance")
    assert f"--out {docs}" in text


def test_the_chart_has_every_judged_row_and_the_schedule_with_their_targets() -> None:
    # What the chart draws, without drawing it (make test has no matplotlib; the full bench run
    # draws docs/bench.png): every row with a target, its target line, and the schedule rows.
    from langchain_echo.bench import _extras_json, to_json
    from langchain_echo.bench._plot import _charted, _result_groups, _schedule_groups

    missing = Scenario(
        "P7", "graphemes(), ascii", "MB/s", 1.0, Case("ours", _fast),
        Case("ugrapheme", missing="ugrapheme"), 1.0, ">= 1.0x ugrapheme",
    )  # fmt: skip
    untargeted = Scenario(
        "O1", "a chain", "us/chunk", 1.0, Case("ours", _fast), Case("b", _fast), None
    )
    results = [
        _missed("P8", "truncate_graphemes(n=5), ascii 1 KiB"),
        measure(missing, rounds=1, min_time=0.0),
        measure(untargeted, rounds=1, min_time=0.0),
    ]
    sa = ScheduleRow("ChatEcho.astream, paced", 1000, 10, 0.2, 0.3, 0.4, 2e-3)
    data = {**to_json(results, ENV), **_extras_json({"schedule": [sa]})}
    charted = [r for r in data["results"] if _charted(r)]
    assert [r["key"] for r in charted] == ["P8", "P7"]  # O1 has no target: table only
    groups = _result_groups(charted)
    p8 = data["results"][0]
    assert groups[0]["limit"] == pytest.approx(p8["baseline"]["value"] * p8["target"])
    assert "MISSED" in groups[0]["name"]
    (schedule,) = _schedule_groups(data["schedule_accuracy"])
    assert schedule["limit"] == pytest.approx(2.0)  # ms
    assert "1,000 streams" in schedule["name"]
    assert "MISSED" in schedule["name"]
