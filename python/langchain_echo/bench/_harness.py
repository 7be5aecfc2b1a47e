"""Timing and reporting: every scenario times ours and its baselines in the same run.

Each round times every case in turn (the order alternates between rounds), each for at least
``min_time`` seconds, so that both sides of a ratio share the machine's state. A case's time is
its median round, and a scenario's ratio is ours' time over the baseline's: one statistic, so a
row's ratio is always its two times divided.
The garbage collector stays on, as users run.
"""

from __future__ import annotations

import asyncio
import importlib
import math
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

NOT_INSTALLED = "not installed (pip install 'langchain-echo[bench]')"
"""What a row shows for a case whose library is missing."""


def optional(module: str) -> Any | None:
    """The module, imported; None when it is not installed (the ``bench`` extra's libraries)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


@dataclass(frozen=True)
class Case:
    """One implementation of a scenario's operation: ``fn`` (sync) or ``afn`` (a coroutine)."""

    label: str
    fn: Callable[[], Any] | None = None
    afn: Callable[[], Awaitable[Any]] | None = None
    check: bool = True
    """Whether its output must equal ours."""
    missing: str = ""
    """The library it needs and lacks: not run, shown as not installed."""


def unavailable(label: str, module: str) -> Case:
    """A case that cannot run here: ``module`` is not installed."""
    return Case(label, missing=module)


@dataclass(frozen=True)
class Scenario:
    """An operation measured for ours and for its baselines."""

    key: str
    title: str
    unit: str
    """``"us/chunk"``, ``"us/item"``, ``"us/call"``, ``"ns/call"`` or ``"MB/s"``."""
    work: float
    """Units per operation: chunks, items or calls; megabytes for ``"MB/s"``."""
    ours: Case
    baseline: Case
    target: float | None
    """The most ours may take, as a multiple of the baseline's time; None: shown, not judged."""
    target_text: str = ""
    others: Sequence[Case] = ()
    """Further baselines, shown beside it (their ratios are not judged)."""
    quick: bool = True
    """Whether ``--quick`` runs it."""


@dataclass
class CaseResult:
    """One case's seconds per operation: its median round (None: not run, ``missing``)."""

    label: str
    seconds: float | None
    value: float | None
    """In the scenario's unit."""
    missing: str = ""
    """The library it needs and lacks."""


@dataclass
class Result:
    """What one scenario measured."""

    scenario: Scenario
    ours: CaseResult
    baseline: CaseResult
    ratio: float | None
    """Ours' time over the baseline's (both medians over rounds); None if either was not run."""
    others: list[tuple[CaseResult, float | None]] = field(default_factory=list)

    @property
    def met(self) -> bool | None:
        """Whether the target is met; None where there is none or a side was not run."""
        target = self.scenario.target
        return None if target is None or self.ratio is None else self.ratio <= target

    @property
    def missing(self) -> bool:
        """Whether ours or the baseline was not run (a library is not installed)."""
        return bool(self.ours.missing or self.baseline.missing)


def _value(unit: str, seconds: float, work: float) -> float:
    if unit == "MB/s":
        return work / seconds
    scale = 1e9 if unit.startswith("ns") else 1e6
    return seconds / work * scale


class _Runner:
    """Runs cases, keeping one event loop for the async ones."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.loop.close()

    def once(self, case: Case) -> Any:
        if case.fn is not None:
            return case.fn()
        assert case.afn is not None
        return self.loop.run_until_complete(case.afn())

    def timed(self, case: Case, repeat: int) -> float:
        """Seconds per operation over ``repeat`` operations."""
        if case.fn is not None:
            fn = case.fn
            start = time.perf_counter()
            for _ in range(repeat):
                fn()
            return (time.perf_counter() - start) / repeat
        afn = case.afn
        assert afn is not None

        async def many() -> None:
            for _ in range(repeat):
                await afn()

        start = time.perf_counter()
        self.loop.run_until_complete(many())
        return (time.perf_counter() - start) / repeat


class Progress:
    """A progress bar on standard error (silent when it is not a terminal, unless forced)."""

    def __init__(self, total: int, *, enabled: bool | None = None) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def step(self, label: str) -> None:
        self.done += 1
        self.total = max(self.total, self.done)
        if self.enabled:
            filled = round(30 * self.done / self.total)
            bar = "#" * filled + "." * (30 - filled)
            sys.stderr.write(f"\r[{bar}] {self.done}/{self.total} {label[:60]:<60}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def measure(
    scenario: Scenario, *, rounds: int, min_time: float, progress: Progress | None = None
) -> Result:
    """Times ``scenario``: every case, ``rounds`` rounds, at least ``min_time`` s each.

    Cases whose library is missing are not run; when ours is one, nothing is.
    """
    every = [scenario.ours, scenario.baseline, *scenario.others]
    if scenario.ours.missing:
        if progress is not None:
            progress.step(f"{scenario.key} {scenario.title}")
        return _assemble(scenario, every, {})
    cases = [c for c in every if not c.missing]
    runner = _Runner()
    try:
        expected = runner.once(scenario.ours)
        repeats = []
        for case in cases:
            start = time.perf_counter()
            output = runner.once(case)
            elapsed = time.perf_counter() - start
            if case.check and case is not scenario.ours and output != expected:
                msg = f"{scenario.key}: {case.label} gives another output than ours"
                raise AssertionError(msg)
            repeats.append(max(1, math.ceil(min_time / max(elapsed, 1e-9))))
        times: list[list[float]] = [[] for _ in cases]
        for r in range(rounds):
            order = list(range(len(cases)))
            if r % 2:
                order.reverse()
            for i in order:
                times[i].append(runner.timed(cases[i], repeats[i]))
            if progress is not None:
                progress.step(f"{scenario.key} {scenario.title}")
    finally:
        runner.close()

    return _assemble(
        scenario, every, {id(c): statistics.median(t) for c, t in zip(cases, times, strict=True)}
    )


def _assemble(scenario: Scenario, cases: list[Case], medians: dict[int, float]) -> Result:
    """The result from each run case's median seconds (keyed by ``id(case)``)."""

    def result(case: Case) -> CaseResult:
        seconds = medians.get(id(case))
        if seconds is None:
            return CaseResult(case.label, None, None, case.missing or scenario.ours.missing)
        return CaseResult(case.label, seconds, _value(scenario.unit, seconds, scenario.work))

    ours = result(cases[0])

    def ratio(c: CaseResult) -> float | None:
        if ours.seconds is None or c.seconds is None:
            return None
        return ours.seconds / c.seconds

    baseline = result(cases[1])
    others = [result(c) for c in cases[2:]]
    return Result(
        scenario=scenario,
        ours=ours,
        baseline=baseline,
        ratio=ratio(baseline),
        others=[(o, ratio(o)) for o in others],
    )
