"""Pacing: when each chunk of a call is due, and waiting for it (SPEC §12).

A :class:`Pacing` is the validated, immutable set of options (``ttft``, ``itl``, ``jitter``,
``seed``); each call asks it for a :class:`Schedule`, the per-call state: its own random
generator, its start ``t0`` and the deadlines handed out so far. Deadlines are absolute
(``t0 + ttft + itl_1 + ... + itl_i``), so a consumer that is slow to take a chunk does not push
later chunks back, as a provider's tokens keep arriving while its client is busy; a chunk already
late is released at once.

Jitter multiplies each delay by a lognormal factor of mean 1 and coefficient of variation
``jitter``: with ``sigma**2 = ln(1 + jitter**2)`` and ``mu = -sigma**2 / 2``, the factor
``exp(N(mu, sigma**2))`` has mean ``exp(mu + sigma**2 / 2) = 1`` and variance
``exp(sigma**2) - 1 = jitter**2``. Delays stay positive and the mean rate stays ``1 / itl``.

Clocks: deadlines are in :func:`time.perf_counter` seconds. The sync wait sleeps once to the
deadline: on Linux ``time.sleep`` overshoots by about 0.1 ms (median, measured on the project's
2-core machines), within the 1 ms goal, so no spinning burns a shared core. The async wait sleeps
on the event loop, which wakes up to about 1 ms late (epoll's millisecond timeout is rounded up)
and never early.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["NO_PACING", "Pacing", "Schedule", "check_delay", "check_jitter", "check_seed"]


def _finite(value: Any) -> bool:
    """Whether ``value`` is a real number (not a ``bool``) that is finite and >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and value >= 0


def check_delay(value: Any, field: str) -> float | None:
    """Validates a delay in seconds (``ttft``, ``itl``): a finite number >= 0, or ``None``.

    Args:
        value: The value given.
        field: The field's name, for the message.

    Returns:
        The delay as a ``float``, or ``None``.

    Raises:
        ValueError: For a negative, NaN or infinite number, a ``bool`` or a non-number.
    """
    if value is None:
        return None
    if not _finite(value):
        msg = f"{field} must be a finite number >= 0 or None, got {value!r}"
        raise ValueError(msg)
    return float(value)


def check_jitter(value: Any) -> float:
    """Validates ``jitter``, a coefficient of variation: a finite number >= 0.

    Raises:
        ValueError: For a negative, NaN or infinite number, a ``bool``, ``None`` or a non-number.
    """
    if not _finite(value):
        msg = f"jitter must be a finite number >= 0, got {value!r}"
        raise ValueError(msg)
    return float(value)


def check_seed(value: Any) -> int | None:
    """Validates ``seed``: an ``int`` (not a ``bool``) or ``None``.

    Raises:
        ValueError: For anything else.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"seed must be an int or None, got {value!r}"
        raise ValueError(msg)
    return value


@dataclass(frozen=True, slots=True)
class Pacing:
    """A provider's timing: time to first chunk, inter-chunk latency, jitter and seed.

    Immutable and validated when made; :meth:`schedule` gives each call its own state. Pacing
    is off (falsy, :attr:`off` true) when neither ``ttft`` nor ``itl`` is a positive delay; then
    nothing waits and callers need not make a schedule at all.

    Args:
        ttft: Seconds from the call's start to its first chunk; ``None`` or ``0``: no wait.
        itl: Seconds between consecutive chunks; ``None`` or ``0``: no wait.
        jitter: Coefficient of variation of the lognormal factor (mean 1) applied to each
            delay; ``0``: exact delays.
        seed: Seeds each call's generator: the same seed gives every call the same delays.
            ``None``: each call draws fresh entropy.

    Raises:
        ValueError: For a negative, NaN or infinite delay or jitter, a ``bool`` or a
            non-number, or a seed that is not an ``int``.

    Example:
        >>> pacing = Pacing(ttft=0.2, itl=0.02)
        >>> schedule = pacing.schedule()
        >>> t0 = schedule.start(t0=100.0)
        >>> round(schedule.next_due() - t0, 6), round(schedule.next_due() - t0, 6)
        (0.2, 0.22)
    """

    ttft: float | None = None
    itl: float | None = None
    jitter: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ttft", check_delay(self.ttft, "ttft"))
        object.__setattr__(self, "itl", check_delay(self.itl, "itl"))
        object.__setattr__(self, "jitter", check_jitter(self.jitter))
        object.__setattr__(self, "seed", check_seed(self.seed))

    @property
    def off(self) -> bool:
        """Whether nothing waits: neither ``ttft`` nor ``itl`` is a positive delay."""
        return not self.ttft and not self.itl

    def __bool__(self) -> bool:
        return not self.off

    def schedule(self) -> Schedule:
        """A new per-call schedule, with its own random generator (when there is jitter)."""
        return Schedule(self)


NO_PACING = Pacing()
"""Pacing that is off: the default of every model."""


class Schedule:
    """One call's deadlines: chunk ``i`` is due at ``t0 + ttft + itl_1 + ... + itl_i``.

    Made by :meth:`Pacing.schedule`. Call :meth:`start` when the call starts, then
    :meth:`next_due` once per chunk, and wait for the deadline with :meth:`wait` (sync) or
    :meth:`await_due` (async). Not shared between calls or threads.
    """

    __slots__ = ("_due", "_itl", "_mu", "_rng", "_sigma", "_started", "_ttft", "count", "t0")

    def __init__(self, pacing: Pacing) -> None:
        self._ttft = pacing.ttft or 0.0
        self._itl = pacing.itl or 0.0
        self._rng: random.Random | None = None
        self._sigma = 0.0
        self._mu = 0.0
        if pacing.jitter > 0 and not pacing.off:
            # A generator per call: seeded, the same delays every call; unseeded, fresh
            # entropy from the OS, so concurrent calls share no random state.
            self._rng = random.Random(pacing.seed)
            variance = math.log1p(pacing.jitter * pacing.jitter)
            self._sigma = math.sqrt(variance)
            self._mu = -variance / 2
        self.t0 = 0.0
        """The call's start, in :func:`time.perf_counter` seconds."""
        self.count = 0
        """How many deadlines :meth:`next_due` has handed out."""
        self._due = 0.0
        self._started = False

    def factor(self) -> float:
        """The next jitter factor: lognormal with mean 1 and CV ``jitter`` (1.0 without jitter).

        :meth:`next_due` draws one per delay; exposed for tests of the distribution.
        """
        rng = self._rng
        return 1.0 if rng is None else rng.lognormvariate(self._mu, self._sigma)

    def start(self, t0: float | None = None) -> float:
        """Fixes the call's start (now, by default) and returns it.

        Args:
            t0: The start in :func:`time.perf_counter` seconds; ``None``: now.
        """
        self.t0 = time.perf_counter() if t0 is None else t0
        self._due = self.t0
        self.count = 0
        self._started = True
        return self.t0

    def next_due(self) -> float:
        """The next chunk's absolute deadline; the first waits ``ttft``, each later one ``itl``.

        Starts the schedule now if :meth:`start` was not called.
        """
        if not self._started:
            self.start()
        delay = self._ttft if self.count == 0 else self._itl
        if delay:
            self._due += delay * self.factor()
        self.count += 1
        return self._due

    def last_due(self, chunks: int) -> float:
        """The deadline of the last of the next ``chunks`` chunks (at least one).

        What a non-streaming call waits for: it returns when its last chunk would be due.
        """
        due = self.next_due()
        for _ in range(chunks - 1):
            due = self.next_due()
        return due

    @staticmethod
    def wait(due: float) -> None:
        """Blocks the thread until ``due`` (:func:`time.perf_counter` seconds); late: returns."""
        # A loop, for platforms whose sleep clock is coarser than perf_counter's.
        while (delay := due - time.perf_counter()) > 0:
            time.sleep(delay)

    @staticmethod
    async def await_due(due: float) -> None:
        """Waits on the running event loop until ``due``, never blocking it; late: returns."""
        # The loop's timers may fire up to its clock's resolution early: sleep out the rest.
        # (ASYNC110 wants an Event; this is a deadline, not a condition to poll for.)
        while (delay := due - time.perf_counter()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)
