"""Per-call emission: waiting for each chunk's deadline and recording it.

The small bridge between the models' stream loops and the pacing and recording seams
(:mod:`langchain_echo._pacing`, :mod:`langchain_echo._record`). A call makes an
:class:`Emitter` only when it paces or someone records (:func:`emitter` returns ``None``
otherwise, so an unpaced, unmeasured call does no extra work), and calls :meth:`Emitter.emit`
(or :meth:`Emitter.aemit`) for each chunk just before the chunk's callback fires.

Which chunks take a deadline: every chunk takes the next one (text and tool-call deltas alike),
but ChatEcho's closing chunk (no content; usage and metadata), which goes out with the chunk
before it, or at the first deadline (``ttft``) when it is the only one, as a provider's empty
reply still takes its time to first token.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from langchain_echo._pacing import Pacing, Schedule
from langchain_echo._record import EMISSIONS, Emission

__all__ = [
    "BATCH_START",
    "Completed",
    "Emitter",
    "acomplete",
    "batch_start",
    "complete",
    "emitter",
]


class Emitter:
    """One call's pacing schedule (started when made) and recorder, either of them optional."""

    __slots__ = ("_due", "_offset", "_rec", "_schedule")

    def __init__(self, pacing: Pacing, rec: list[Emission] | None, t0: float | None = None) -> None:
        self._schedule: Schedule | None = None
        if pacing:
            self._schedule = pacing.schedule()
            self._schedule.start(t0)
        self._rec = rec
        self._offset = 0
        self._due = 0.0

    def _next(self, closing: bool) -> float:
        schedule = self._schedule
        assert schedule is not None
        if not closing or schedule.count == 0:
            self._due = schedule.next_due()
        return self._due

    def _record(self, text: str) -> None:
        if self._rec is not None:
            self._offset += len(text)
            self._rec.append((time.perf_counter(), self._offset))

    def emit(self, text: str, *, closing: bool = False) -> None:
        """Waits (blocking) for the chunk's deadline, then records it.

        ``closing``: ChatEcho's closing chunk (no content; usage and metadata), which goes out
        with the chunk before it.
        """
        if self._schedule is not None:
            Schedule.wait(self._next(closing))
        self._record(text)

    async def aemit(self, text: str, *, closing: bool = False) -> None:
        """Waits on the event loop for the chunk's deadline, then records it."""
        if self._schedule is not None:
            await Schedule.await_due(self._next(closing))
        self._record(text)

    def _last_due(self, chunks: int) -> float | None:
        return None if self._schedule is None else self._schedule.last_due(chunks)


Completed = tuple[Emitter, str, int]
"""A non-streaming call's emitter, its output and its number of chunks."""


def _latest(calls: Sequence[Completed]) -> float | None:
    # The calls of one batch run together: it ends at the latest of their last deadlines.
    dues = [due for e, _, chunks in calls if (due := e._last_due(chunks)) is not None]
    return max(dues) if dues else None


def complete(calls: Sequence[Completed]) -> None:
    """Non-streaming calls: wait (blocking) for their last chunks' deadlines, record outputs.

    Each call emits its whole output as one recorded emission.
    """
    due = _latest(calls)
    if due is not None:
        Schedule.wait(due)
    for e, output, _ in calls:
        e._record(output)


async def acomplete(calls: Sequence[Completed]) -> None:
    """:func:`complete`, waiting on the event loop."""
    due = _latest(calls)
    if due is not None:
        await Schedule.await_due(due)
    for e, output, _ in calls:
        e._record(output)


BATCH_START: ContextVar[float | None] = ContextVar("langchain_echo_batch_start", default=None)
"""Where a batch's calls share one start: each call's schedule counts from the batch's start.

``generate()`` runs a batch's inputs one after another; with every schedule counting from the
same start, each call waits only until its own deadlines, so the batch takes as long as its
longest item, as concurrent calls to a provider would.
"""


@contextmanager
def batch_start(pacing: Pacing) -> Iterator[None]:
    """Within it, paced calls count their schedules from now (see :data:`BATCH_START`)."""
    token = BATCH_START.set(time.perf_counter() if pacing else None)
    try:
        yield
    finally:
        BATCH_START.reset(token)


def emitter(pacing: Pacing) -> Emitter | None:
    """The call's emitter, or ``None`` when it neither paces nor records."""
    rec = EMISSIONS.get()
    if rec is None and not pacing:
        return None
    return Emitter(pacing, rec, BATCH_START.get())
