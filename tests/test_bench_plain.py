"""``langchain-echo bench`` from a plain install: missing baselines are rows, not crashes.

The ``bench`` extra's libraries are hidden (``sys.modules[name] = None`` makes their import
fail), the scenarios that use them are built and run, and the report shows them as not
installed.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from langchain_echo.bench import _pipelines, _scenarios, render_markdown, render_table
from langchain_echo.bench._harness import NOT_INSTALLED, Result, measure
from langchain_echo.bench._pyshaper import _grapheme

OPTIONAL = ["ugrapheme", "regex", "grapheme", "langchain", "fastapi", "uvicorn", "httpx"]


@pytest.fixture
def plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench extra's libraries, as if not installed."""
    for name in list(sys.modules):
        if name.split(".")[0] in OPTIONAL:
            monkeypatch.delitem(sys.modules, name)
    for name in [*OPTIONAL, "langchain.agents"]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setattr(_scenarios, "_corpus", lambda name: _scenarios.CORPORA["ascii"]()[:2000])
    _grapheme.cache_clear()  # PyShaper's pattern, if an earlier test compiled it


def _run(builders: list[Any]) -> list[Result]:
    return [measure(s, rounds=1, min_time=0.0) for build in builders for s in build()]


@pytest.mark.usefixtures("plain")
def test_missing_baselines_are_shown_as_not_installed() -> None:
    builders = [_scenarios.segmentation, _scenarios.shaper, _scenarios.shaping, _pipelines.agent]
    results = _run(builders)
    by_title = {(r.scenario.key, r.scenario.title): r for r in results}

    p7 = by_title["P7", "graphemes(), ascii ~1 MB"]
    assert p7.ours.value is not None  # ours still runs
    assert p7.baseline.missing == "ugrapheme"
    assert p7.ratio is None
    assert p7.met is None
    assert [o.missing for o, _ in p7.others] == ["regex", "grapheme"]

    p10 = by_title["P10", "StreamShaper, 1-grapheme feeds, 10 KB"]
    assert p10.baseline.missing == "regex"
    assert p10.met is None
    # A row that needs no optional library is measured as usual.
    linear = by_title["P10", "StreamShaper, 1-grapheme feeds, 1 MB vs 100 KB"]
    assert linear.ratio is not None
    assert linear.met is not None

    o3 = by_title["O3", "agent run: create_agent, a tool call, the tool, an answer"]
    assert o3.ours.missing == "langchain"
    assert o3.ours.value is None

    table = render_table(results)
    assert f"ugrapheme: {NOT_INSTALLED}" in table
    assert f"regex \\X: {NOT_INSTALLED}" in table
    assert f"windowed Python scanner: {NOT_INSTALLED}" in table
    o3_line = next(line for line in table.splitlines() if line.startswith("O3"))
    assert NOT_INSTALLED in o3_line
    assert "rows not measured" in table
    env = {"date": "d", "machine": "m", "python": "p", "versions": {}}
    assert f"| ugrapheme: {NOT_INSTALLED} |" in render_markdown(results, env)


@pytest.mark.usefixtures("plain")
def test_the_server_rows_say_not_installed() -> None:
    assert _pipelines.server_rows(quick=True) == NOT_INSTALLED
