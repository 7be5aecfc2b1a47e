"""Pacing (SPEC §12): validation, per-call schedules, jitter's distribution, waiting.

No test here measures time: the clock is a fake wherever waiting is checked. Timing goals live
in the schedule-accuracy benchmark (``langchain_echo.bench._schedule``).
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from typing import Any

import pytest

from langchain_echo import _pacing
from langchain_echo._pacing import NO_PACING, Pacing, Schedule

BAD_NUMBERS = [-1.0, -1, math.nan, math.inf, -math.inf, True, False, "1", [1], 1j]


@pytest.mark.parametrize("field", ["ttft", "itl"])
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_bad_delays_are_value_errors(field: str, value: Any) -> None:
    message = f"{field} must be a finite number >= 0 or None, got {value!r}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Pacing(**{field: value})


def test_the_message_style() -> None:
    with pytest.raises(ValueError, match=r"^itl must be a finite number >= 0 or None, got -1\.0$"):
        Pacing(itl=-1.0)


@pytest.mark.parametrize("value", [*BAD_NUMBERS, None])
def test_bad_jitter_is_a_value_error(value: Any) -> None:
    message = f"jitter must be a finite number >= 0, got {value!r}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Pacing(itl=0.1, jitter=value)


@pytest.mark.parametrize("value", [1.0, "1", True, math.nan])
def test_bad_seed_is_a_value_error(value: Any) -> None:
    with pytest.raises(
        ValueError, match=f"^seed must be an int or None, got {re.escape(repr(value))}$"
    ):
        Pacing(itl=0.1, seed=value)


def test_good_values_are_normalised_to_floats() -> None:
    pacing = Pacing(ttft=1, itl=0, jitter=0, seed=7)
    assert (pacing.ttft, pacing.itl, pacing.jitter, pacing.seed) == (1.0, 0.0, 0.0, 7)
    assert all(isinstance(v, float) for v in (pacing.ttft, pacing.itl, pacing.jitter))


def test_pacing_is_immutable() -> None:
    pacing = Pacing(itl=0.1)
    with pytest.raises(AttributeError):
        pacing.itl = 0.2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("pacing", "off"),
    [
        (NO_PACING, True),
        (Pacing(), True),
        (Pacing(ttft=0, itl=0), True),
        (Pacing(ttft=None, itl=0.0, jitter=0.5, seed=1), True),
        (Pacing(ttft=0.1), False),
        (Pacing(itl=0.01), False),
        (Pacing(ttft=0, itl=1e-9), False),
    ],
)
def test_off_and_truthiness(pacing: Pacing, off: bool) -> None:
    assert pacing.off is off
    assert bool(pacing) is not off


# --- deadlines ---------------------------------------------------------------------------------


def _deadlines(pacing: Pacing, count: int, t0: float = 100.0) -> list[float]:
    schedule = pacing.schedule()
    schedule.start(t0)
    return [schedule.next_due() - t0 for _ in range(count)]


def test_deadlines_without_jitter() -> None:
    got = _deadlines(Pacing(ttft=0.5, itl=0.25), 5)
    assert got == pytest.approx([0.5, 0.75, 1.0, 1.25, 1.5])


def test_chunk_zero_waits_ttft_only() -> None:
    assert _deadlines(Pacing(ttft=0.5, itl=10.0), 1) == pytest.approx([0.5])


@pytest.mark.parametrize(
    ("pacing", "expected"),
    [
        (Pacing(itl=0.1), [0.0, 0.1, 0.2]),
        (Pacing(ttft=0.3), [0.3, 0.3, 0.3]),
        (Pacing(ttft=0.3, itl=0), [0.3, 0.3, 0.3]),
    ],
)
def test_a_missing_delay_is_no_wait(pacing: Pacing, expected: list[float]) -> None:
    assert _deadlines(pacing, 3) == pytest.approx(expected)


@pytest.mark.parametrize("jitter", [0.0, 0.3, 2.0])
def test_deadlines_never_decrease(jitter: float) -> None:
    got = _deadlines(Pacing(ttft=0.2, itl=0.01, jitter=jitter, seed=3), 2000)
    assert all(b >= a for a, b in itertools.pairwise(got))
    assert got[0] > 0
    if jitter:
        assert len(set(got)) == len(got)  # every delay drawn is positive


def test_deadlines_are_absolute_from_t0() -> None:
    schedule = Pacing(ttft=1.0, itl=1.0).schedule()
    assert schedule.start(t0=10.0) == 10.0
    assert [schedule.next_due() for _ in range(3)] == [11.0, 12.0, 13.0]
    assert schedule.count == 3


def test_next_due_starts_an_unstarted_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pacing.time, "perf_counter", lambda: 42.0)
    schedule = Pacing(ttft=1.0).schedule()
    assert schedule.next_due() == 43.0
    assert schedule.t0 == 42.0


def test_restarting_resets_the_count() -> None:
    schedule = Pacing(ttft=1.0, itl=1.0).schedule()
    schedule.start(0.0)
    schedule.next_due()
    schedule.next_due()
    schedule.start(5.0)
    assert schedule.next_due() == 6.0


@pytest.mark.parametrize("chunks", [1, 2, 7])
def test_last_due_is_the_last_of_the_stream(chunks: int) -> None:
    pacing = Pacing(ttft=0.1, itl=0.02, jitter=0.4, seed=11)
    streamed = _deadlines(pacing, chunks)
    schedule = pacing.schedule()
    schedule.start(100.0)
    assert schedule.last_due(chunks) - 100.0 == pytest.approx(streamed[-1])


def test_last_due_counts_at_least_one_chunk() -> None:
    schedule = Pacing(ttft=0.1, itl=0.02).schedule()
    schedule.start(0.0)
    assert schedule.last_due(0) == pytest.approx(0.1)


# --- randomness: seeded reproducibility, no shared state, the distribution ---------------------


def test_the_same_seed_gives_the_same_delays() -> None:
    pacing = Pacing(ttft=0.2, itl=0.05, jitter=0.5, seed=1234)
    first = _deadlines(pacing, 50)
    assert first == _deadlines(pacing, 50)
    assert first == _deadlines(Pacing(ttft=0.2, itl=0.05, jitter=0.5, seed=1234), 50)
    assert first != _deadlines(Pacing(ttft=0.2, itl=0.05, jitter=0.5, seed=1235), 50)


def test_seeded_calls_share_no_state_when_interleaved() -> None:
    pacing = Pacing(itl=0.05, jitter=0.5, seed=9)
    alone = _deadlines(pacing, 20, t0=0.0)
    a, b = pacing.schedule(), pacing.schedule()
    a.start(0.0)
    b.start(0.0)
    interleaved = [(a.next_due(), b.next_due()) for _ in range(20)]
    assert [x for x, _ in interleaved] == alone
    assert [y for _, y in interleaved] == alone


def test_unseeded_calls_draw_different_delays() -> None:
    pacing = Pacing(itl=0.05, jitter=0.5)
    assert _deadlines(pacing, 20) != _deadlines(pacing, 20)


def test_unseeded_calls_do_not_touch_the_global_generator() -> None:
    import random

    state = random.getstate()
    _deadlines(Pacing(itl=0.05, jitter=0.5), 20)
    _deadlines(Pacing(itl=0.05, jitter=0.5, seed=1), 20)
    assert random.getstate() == state


def test_no_jitter_means_factor_one() -> None:
    schedule = Pacing(itl=0.05, seed=1).schedule()
    assert {schedule.factor() for _ in range(10)} == {1.0}


DRAWS = 20_000


@pytest.mark.parametrize("jitter", [0.1, 0.5, 1.0])
def test_jitter_factors_have_mean_one_and_cv_jitter(jitter: float) -> None:
    # The factor is lognormal with mean 1 and sd `jitter`. Over n = 20,000 draws the sample
    # mean's standard error is jitter / sqrt(n) (0.007 at jitter 1); the bound below is 5 of
    # them. The sample CV's spread, measured over 200 seeds at these n, is 0.0005, 0.004 and
    # 0.017 (sd) for jitter 0.1, 0.5 and 1 (heavier tails at higher CV); 10% of jitter is at
    # least 5.8 sd. A wrong mu (mu = 0: median 1, mean sqrt(1 + cv^2)) misses the mean by
    # 0.005, 0.12 and 0.41: 3, 17 and 58 standard errors, so each case can fail.
    schedule = Pacing(itl=1.0, jitter=jitter, seed=20240601).schedule()
    factors = [schedule.factor() for _ in range(DRAWS)]
    mean = statistics.fmean(factors)
    cv = statistics.stdev(factors) / mean
    assert abs(mean - 1) <= 5 * jitter / math.sqrt(DRAWS)
    assert abs(cv - jitter) <= 0.1 * jitter
    assert min(factors) > 0


def test_jitter_applies_to_each_delay() -> None:
    # With the same seed, delay i is the nominal delay times draw i of the same generator.
    pacing = Pacing(ttft=0.2, itl=0.05, jitter=0.5, seed=5)
    factors = pacing.schedule()
    expected = [0.2 * factors.factor()]
    for _ in range(9):
        expected.append(expected[-1] + 0.05 * factors.factor())
    assert _deadlines(pacing, 10) == pytest.approx(expected)


# --- waiting, on a fake clock --------------------------------------------------------------------


class FakeTime:
    """``perf_counter`` and ``sleep`` over a clock that only sleeping moves."""

    def __init__(self, now: float = 0.0, early: float = 0.0) -> None:
        self.now = now
        self.early = early
        """How much earlier than asked the first sleep returns."""
        self.sleeps: list[float] = []

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds - (self.early if len(self.sleeps) == 1 else 0.0)


def test_wait_sleeps_to_the_absolute_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeTime(now=10.0)
    monkeypatch.setattr(_pacing, "time", clock)
    Schedule.wait(10.25)
    assert clock.sleeps == [0.25]
    assert clock.now == 10.25


def test_wait_does_not_wait_when_late(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeTime(now=10.0)
    monkeypatch.setattr(_pacing, "time", clock)
    Schedule.wait(9.0)
    Schedule.wait(10.0)
    assert clock.sleeps == []


def test_wait_sleeps_again_after_an_early_return(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeTime(now=0.0, early=0.1)
    monkeypatch.setattr(_pacing, "time", clock)
    Schedule.wait(0.25)
    assert clock.sleeps == pytest.approx([0.25, 0.1])


def test_a_slow_consumer_does_not_slow_the_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeTime(now=0.0)
    monkeypatch.setattr(_pacing, "time", clock)
    schedule = Pacing(ttft=1.0, itl=1.0).schedule()
    schedule.start()
    emitted = []
    for _ in range(4):
        due = schedule.next_due()
        schedule.wait(due)
        emitted.append(clock.now)
        clock.now += 2.5 if len(emitted) == 1 else 0.0  # the consumer holds the first chunk
    # Chunks 2 and 3 were due while the consumer was busy: released at once, no new delays.
    assert emitted == [1.0, 3.5, 3.5, 4.0]


class FakeAsyncio:
    def __init__(self, clock: FakeTime) -> None:
        self.clock = clock
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.clock.now += seconds


async def test_await_due_sleeps_on_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeTime(now=5.0)
    fake = FakeAsyncio(clock)
    monkeypatch.setattr(_pacing, "time", clock)
    monkeypatch.setattr(_pacing, "asyncio", fake)
    await Schedule.await_due(5.5)
    await Schedule.await_due(5.0)
    assert fake.sleeps == [0.5]
    assert clock.sleeps == []  # never the blocking sleep


async def test_await_due_really_yields_to_the_loop() -> None:
    import asyncio

    order: list[str] = []

    async def other() -> None:
        order.append("other")

    task = asyncio.ensure_future(other())
    await Schedule.await_due(_pacing.time.perf_counter() + 0.001)
    order.append("paced")
    await task
    assert order == ["other", "paced"]
