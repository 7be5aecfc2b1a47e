"""The project's benchmark targets (P1 to P11) and stream shaping, under pytest-benchmark.

The scenarios are the ones ``langchain-echo bench`` runs (``langchain_echo.bench._scenarios``):
each case of a scenario is a benchmark in the scenario's group, beside its baselines, on the same
inputs, and its output is checked against ours first. Run with ``make bench-pytest`` or
``.venv/bin/python -m pytest benches --benchmark-enable``. ``langchain-echo bench`` gives the
ratios against the targets.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from langchain_echo.bench._harness import Case, Scenario
from langchain_echo.bench._scenarios import BUILDERS

CASES: list[tuple[Scenario, Case]] = [
    (scenario, case)
    for _, build in BUILDERS
    for scenario in build()
    for case in (scenario.ours, scenario.baseline, *scenario.others)
    if not case.missing  # its library is not installed
]


def _runner(case: Case, loop: asyncio.AbstractEventLoop) -> Any:
    if case.fn is not None:
        return case.fn
    afn = case.afn
    assert afn is not None
    return lambda: loop.run_until_complete(afn())


@pytest.mark.parametrize(
    ("scenario", "case"),
    CASES,
    ids=[f"{s.key}-{s.title}-{c.label}".replace(" ", "_") for s, c in CASES],
)
def test_benchmark(benchmark: Any, scenario: Scenario, case: Case) -> None:
    loop = asyncio.new_event_loop()
    try:
        run, ours = _runner(case, loop), _runner(scenario.ours, loop)
        if case.check:
            assert run() == ours(), f"{case.label} differs from ours"
        benchmark.group = f"{scenario.key} {scenario.title} ({scenario.unit}, work={scenario.work})"
        benchmark.extra_info["target"] = scenario.target_text
        benchmark(run)
    finally:
        loop.close()
