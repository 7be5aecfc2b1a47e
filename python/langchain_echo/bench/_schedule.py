"""Schedule accuracy: how close to its deadline each paced chunk goes out (SPEC §12).

Not a test (the machine's load decides the figures): a benchmark with goals. Each row is the
error ``|actual - due|`` over every chunk of every stream, its median and 99th percentile:

- ``Schedule, sync``: one stream, :meth:`Schedule.wait` in this thread. Goal: median <= 1 ms.
- ``Schedule, async xN``: ``N`` streams on one event loop, each awaiting
  :meth:`Schedule.await_due`, their starts spread over one ``itl`` (requests arrive at
  different times). Goal: median <= 2 ms (the goal is set at 1,000 streams; fewer are shown
  against it too).
- ``ChatEcho.stream`` / ``ChatEcho.astream xN``: the paced model itself, its emissions recorded
  (:mod:`langchain_echo._record`); chunk ``i``'s error is measured against ``e_0 + i * itl``
  (``ttft = 0``, ``e_0`` its first emission), so LangChain's own per-chunk work is included.
  Goals as above: the issue's goal is for paced streams, 1,000 of them on one loop.

Run it with ``python -m langchain_echo.bench._schedule [--quick]``; :func:`schedule_accuracy`
returns the rows for ``langchain-echo bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_echo._pacing import Pacing, Schedule
from langchain_echo._record import recording
from langchain_echo.measure import percentile

__all__ = ["ScheduleRow", "render", "schedule_accuracy"]


@dataclass(frozen=True)
class ScheduleRow:
    """One case: how far from their deadlines its chunks went out, in seconds."""

    case: str
    streams: int
    chunks: int
    """Deadlines measured, over all streams."""
    median: float
    p99: float
    max: float
    goal: float | None
    """The most the median may be; None: shown, not judged."""

    @property
    def met(self) -> bool | None:
        """Whether the median meets the goal; None where there is none."""
        return None if self.goal is None else self.median <= self.goal


def _row(case: str, streams: int, errors: list[float], goal: float | None) -> ScheduleRow:
    errors.sort()
    return ScheduleRow(
        case=case,
        streams=streams,
        chunks=len(errors),
        median=percentile(errors, 50),
        p99=percentile(errors, 99),
        max=errors[-1],
        goal=goal,
    )


def _sync_schedule(itl: float, chunks: int) -> list[float]:
    schedule = Pacing(itl=itl).schedule()
    schedule.start()
    schedule.next_due()  # chunk 0 is due at t0: nothing to wait for
    errors = []
    for _ in range(chunks):
        due = schedule.next_due()
        schedule.wait(due)
        errors.append(abs(time.perf_counter() - due))
    return errors


async def _async_schedules(itl: float, chunks: int, streams: int) -> list[float]:
    errors: list[float] = []
    rng = random.Random(0)

    async def one(offset: float) -> None:
        await asyncio.sleep(offset)
        schedule = Pacing(itl=itl).schedule()
        schedule.start()
        schedule.next_due()
        for _ in range(chunks):
            due = schedule.next_due()
            await Schedule.await_due(due)
            errors.append(abs(time.perf_counter() - due))

    await asyncio.gather(*(one(rng.uniform(0, itl)) for _ in range(streams)))
    return errors


def _model_errors(emissions: list[tuple[float, int]], itl: float) -> list[float]:
    first = emissions[0][0]
    # The closing chunk goes out with the last text chunk: only text chunks have deadlines.
    texts = [t for (t, offset), (_, before) in zip(emissions[1:], emissions, strict=False)
             if offset > before]  # fmt: skip
    return [abs(t - (first + i * itl)) for i, t in enumerate(texts, start=1)]


def _text(chunks: int) -> str:
    return "x" * (chunks + 1)


def _sync_model(itl: float, chunks: int) -> list[float]:
    from langchain_echo import ChatEcho

    model = ChatEcho(itl=itl)
    with recording() as emissions:
        for _ in model.stream(_text(chunks)):
            pass
    return _model_errors(emissions, itl)


async def _async_models(itl: float, chunks: int, streams: int) -> list[float]:
    from langchain_echo import ChatEcho

    model = ChatEcho(itl=itl)
    rng = random.Random(0)
    errors: list[float] = []

    async def one(offset: float) -> None:
        await asyncio.sleep(offset)
        with recording() as emissions:
            async for _ in model.astream(_text(chunks)):
                pass
        errors.extend(_model_errors(emissions, itl))

    await asyncio.gather(*(one(rng.uniform(0, itl)) for _ in range(streams)))
    return errors


def schedule_accuracy(
    *,
    itl: float = 0.02,
    chunks: int = 50,
    streams: Sequence[int] = (1, 100, 1000),
    model_streams: Sequence[int] = (1, 100, 1000),
    quick: bool = False,
) -> list[ScheduleRow]:
    """Measures how close to their deadlines paced chunks go out.

    Args:
        itl: Seconds between chunks.
        chunks: Deadlines per stream (a stream lasts about ``chunks * itl``).
        streams: Concurrent streams of the async ``Schedule`` cases.
        model_streams: Concurrent streams of the ``ChatEcho.astream`` cases.
        quick: A fifth of the chunks.

    Returns:
        One row per case: sync, async at each count of streams, then the model's.
    """
    if quick:
        chunks = max(5, chunks // 5)
    rows = [_row("Schedule.wait, sync", 1, _sync_schedule(itl, chunks), 1e-3)]
    for n in streams:
        errors = asyncio.run(_async_schedules(itl, chunks, n))
        rows.append(_row("Schedule.await_due, async", n, errors, 2e-3))
    rows.append(_row("ChatEcho.stream, paced", 1, _sync_model(itl, chunks), 1e-3))
    for n in model_streams:
        errors = asyncio.run(_async_models(itl, chunks, n))
        rows.append(_row("ChatEcho.astream, paced", n, errors, 2e-3))
    return rows


def render(rows: Sequence[ScheduleRow], itl: float = 0.02) -> str:
    """A plain-text table of the rows, in milliseconds."""
    header = ["case", "streams", "chunks", "median", "p99", "max", "goal (median)", "met"]
    table = [header] + [
        [
            r.case,
            f"{r.streams:,}",
            f"{r.chunks:,}",
            f"{r.median * 1e3:.3f} ms",
            f"{r.p99 * 1e3:.3f} ms",
            f"{r.max * 1e3:.3f} ms",
            "-" if r.goal is None else f"<= {r.goal * 1e3:g} ms",
            {True: "yes", False: "NO", None: "-"}[r.met],
        ]
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return f"|actual - due| per chunk at itl = {itl * 1e3:g} ms\n" + "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m langchain_echo.bench._schedule``: prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a fifth of the chunks")
    parser.add_argument("--itl", type=float, default=0.02, help="seconds between chunks (0.02)")
    parser.add_argument("--chunks", type=int, default=50, help="deadlines per stream (50)")
    args = parser.parse_args(argv)
    rows = schedule_accuracy(itl=args.itl, chunks=args.chunks, quick=args.quick)
    print(render(rows, args.itl))
    return 1 if any(r.met is False for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
