"""The soak: every path of both models, run long enough to see drift (``langchain-echo soak``).

The load, each count adjustable: ``invoke`` calls over both models; streams, sync and async;
streams abandoned at a random chunk (closed, or dropped for the garbage collector); scripted
replies with faults; tool-call streams; many threads calling at once; many concurrent paced
``astream``s on one event loop. Every output is checked against what ``invoke`` gave for the
same input and options when the soak started (a stream: its chunks put together; an abandoned
stream: a prefix of it); an error that is not the script's is counted with its type.

A warm-up runs every phase at a hundredth of its count first (imports, caches, LangChain's lazy
set-up); then the process's RSS is the baseline, sampled as the phases run, and the growth is the
RSS after the run less the baseline, each read after ``gc.collect()`` and glibc's
``malloc_trim(0)`` (free memory handed back; what is still referenced stays). Beside it, the
growth in the interpreter's allocated blocks (``sys.getallocatedblocks()``, read the same way):
objects still alive, which is what a leak grows, whatever the allocator keeps. The two differ
where CPython's small-object allocator keeps a 1 MiB arena resident for a few small objects that
outlive a burst (a free list's entries, an interned string): RSS grows, the block count barely.
The report names the allocator (``PYTHONMALLOC=malloc`` replaces pymalloc with glibc's). Open file
descriptors (``/proc/self/fd``), threads (``threading.enumerate()``) and, in each async phase,
the loop's tasks (``asyncio.all_tasks()``) are compared before and after.

It lives in the package, not in ``scripts/``, so that one function serves three callers: the
command (``python -m langchain_echo soak``, ``make soak``), the test that runs it scaled down in
``make test`` (``tests/test_soak.py``), and a user who wants to soak their own install.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import gc
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from pydantic import BaseModel

from langchain_echo._script import Fault
from langchain_echo.chat_models import ChatEcho
from langchain_echo.llms import EchoLLM

__all__ = ["Counts", "SoakReport", "add_arguments", "main", "soak"]


@dataclass(frozen=True)
class Counts:
    """How much of each load the soak runs (the full run's counts are the defaults)."""

    invokes: int = 1_000_000
    """``invoke`` calls, over both models."""
    streams: int = 100_000
    """Streams consumed whole: this many sync and this many async."""
    abandoned: int = 100_000
    """Streams abandoned at a random chunk, half sync, half async, closed or dropped."""
    scripted: int = 100_000
    """Scripted calls (text, tool calls, exceptions, faults), on every path."""
    tool_streams: int = 100_000
    """Unscripted tool-call streams, sync and async, checked whole."""
    threads: int = 16
    """Threads calling at once."""
    thread_calls: int = 100_000
    """Calls over all of those threads."""
    paced: int = 1_000
    """Concurrent paced ``astream``s on one event loop."""
    paced_rounds: int = 10
    """How many times the paced streams run."""

    def scaled(self, factor: float) -> Counts:
        """Every count times ``factor`` (at least 1; the thread count and concurrency stay)."""
        keep = {"threads", "paced"}
        return replace(
            self,
            **{
                f.name: max(1, round(getattr(self, f.name) * factor))
                for f in fields(self)
                if f.name not in keep
            },
        )


@dataclass
class SoakReport:
    """What a soak saw. ``ok`` when nothing was wrong, no error but the script's, no leak."""

    counts: Counts
    seconds: float = 0.0
    rss_baseline_kb: int = 0
    rss_final_kb: int = 0
    rss_max_kb: int = 0
    rss_by_phase: list[tuple[str, int]] = field(default_factory=list)
    blocks_baseline: int = 0
    blocks_final: int = 0
    allocator: str = field(default_factory=lambda: os.environ.get("PYTHONMALLOC") or "pymalloc")
    calls: Counter[str] = field(default_factory=Counter)
    wrong: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    scripted_errors: Counter[str] = field(default_factory=Counter)
    first_problems: list[str] = field(default_factory=list)
    fds_before: int = 0
    fds_after: int = 0
    threads_before: list[str] = field(default_factory=list)
    threads_after: list[str] = field(default_factory=list)
    tasks_left: int = 0

    @property
    def rss_growth_kb(self) -> int:
        """RSS after the run less RSS after the warm-up."""
        return self.rss_final_kb - self.rss_baseline_kb

    @property
    def blocks_growth(self) -> int:
        """The interpreter's allocated blocks after the run less after the warm-up."""
        return self.blocks_final - self.blocks_baseline

    @property
    def leaks(self) -> list[str]:
        """File descriptors, threads or tasks left behind, described."""
        out = []
        if self.fds_after > self.fds_before:
            out.append(f"{self.fds_after - self.fds_before} file descriptors")
        extra = sorted(set(self.threads_after) - set(self.threads_before))
        if extra:
            out.append(f"threads {extra}")
        if self.tasks_left:
            out.append(f"{self.tasks_left} tasks")
        return out

    @property
    def ok(self) -> bool:
        """No wrong output, no error but the scripted ones, nothing left behind."""
        return not self.wrong and not self.errors and not self.leaks

    def __str__(self) -> str:
        mb = 1024
        lines = [
            f"soak: {sum(self.calls.values()):,} calls in {self.seconds:.1f} s",
            *(f"  {phase:<14} {n:>11,} calls" for phase, n in self.calls.items()),
            f"RSS after warm-up     {self.rss_baseline_kb / mb:9.1f} MB",
            f"RSS after the run     {self.rss_final_kb / mb:9.1f} MB",
            f"RSS growth            {self.rss_growth_kb / mb:+9.2f} MB",
            f"RSS max sampled       {self.rss_max_kb / mb:9.1f} MB",
            "RSS after each phase  "
            + ", ".join(f"{p} {kb / mb:.1f}" for p, kb in self.rss_by_phase),
            f"allocated blocks      {self.blocks_growth:+,} (objects still alive; "
            f"allocator: {self.allocator})",
            f"wrong outputs         {sum(self.wrong.values())}"
            + (f" {dict(self.wrong)}" if self.wrong else ""),
            f"errors                {sum(self.errors.values())}"
            + (f" {dict(self.errors)}" if self.errors else ""),
            f"scripted errors       {sum(self.scripted_errors.values())} (expected: the script's)",
            f"open fds              {self.fds_before} before, {self.fds_after} after",
            f"threads               {len(self.threads_before)} before, "
            f"{len(self.threads_after)} after",
            f"tasks left            {self.tasks_left}",
        ]
        lines += [f"  first problem: {p}" for p in self.first_problems]
        return "\n".join(lines)


# --- measuring the process ------------------------------------------------------------------------

_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


def rss_kb() -> int:
    """This process's resident set size in KiB (Linux; 0 where there is no ``/proc``)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE_KB
    except OSError:
        return 0


def open_fds() -> int:
    """How many file descriptors this process has open (Linux; 0 where there is no ``/proc``)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


def _threads() -> list[str]:
    return sorted(f"{t.name}#{t.ident}" for t in threading.enumerate())


def _libc_trim() -> Callable[[], None]:
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        trim = None
    return (lambda: None) if trim is None else (lambda: trim(0) and None)


_trim = _libc_trim()


def settled_rss_kb() -> int:
    """RSS once garbage is collected and free heap memory handed back to the system."""
    gc.collect()
    _trim()
    return rss_kb()


def settled_blocks() -> int:
    """The interpreter's allocated memory blocks once garbage is collected."""
    gc.collect()
    return sys.getallocatedblocks()


class Progress:
    """A progress bar on stderr (when it is a terminal), redrawn at most five times a second."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.label = ""
        self.enabled = enabled and sys.stderr.isatty()
        self._drawn = 0.0

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.enabled and (self.done & 255 == 0 or n > 1):
            now = time.monotonic()
            if now - self._drawn > 0.2:
                self._drawn = now
                filled = 30 * self.done // self.total
                bar = "#" * filled + "." * (30 - filled)
                sys.stderr.write(f"\rsoak {self.label:<14} [{bar}] {self.done:,}/{self.total:,}")
                sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


# --- the inputs and what invoke gives for them ----------------------------------------------------

TEXTS = [
    "hello",
    "",
    "The quick brown fox jumps over the lazy dog. " * 3,
    "👨\u200d👩\u200d👧\u200d👦🇫🇷 family, e\u0301tude, 👍🏽!",
    "line 1\r\nline 2\r\nSTOP here\r\nand more",
    "日本語のテキスト。句読点、そして終わり。",
    "\ud800 lone surrogate \udfff end",
    '{"a": 1, "b": 2}',
]

OPTIONS: list[dict[str, Any]] = [
    {},
    {"n": 7},
    {"chunk_size": 3},
    {"stop": ["STOP", "."], "stop_mode": "exclude", "chunk_size": 2},
    {"stop": ["o"], "n": 12},
]


def add(a: int, b: int) -> int:
    """Adds a and b."""
    return a + b


class Person(BaseModel):
    """A person."""

    name: str
    age: int


class RateLimited(Exception):
    """The scripted provider error."""


class Case:
    """One model, one input, and what ``invoke`` gave for them at the start."""

    __slots__ = ("chunks", "expected", "input", "model")

    def __init__(self, model: Any, inp: Any) -> None:
        self.model = model
        self.input = inp
        self.expected = model.invoke(inp)
        chunks = list(model.stream(inp))
        self.chunks = len(chunks)


def _cases() -> list[Case]:
    cases = []
    for options in OPTIONS:
        for text in TEXTS:
            cases.append(Case(EchoLLM(**options), text))
            cases.append(Case(ChatEcho(**options), text))
    return cases


def _tool_cases() -> list[Case]:
    models = [
        ChatEcho().bind_tools([add, Person]),
        ChatEcho(chunk_size=4).bind_tools([add, Person], tool_choice="Person"),
        ChatEcho(n=3, chunk_size=2).bind_tools([Person]),
    ]
    return [Case(m, t) for m in models for t in TEXTS if t]


def _chat_text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else str(message.text)


def same_invoke(got: Any, expected: Any) -> bool:
    """An ``invoke`` result equals the reference: text, or message text, calls, usage, metadata."""
    if isinstance(expected, str):
        return bool(got == expected)
    return bool(
        isinstance(got, AIMessage)
        and got.content == expected.content
        and got.tool_calls == expected.tool_calls
        and got.usage_metadata == expected.usage_metadata
        and got.response_metadata == expected.response_metadata
    )


def same_stream(chunks: list[Any], expected: Any) -> bool:
    """A whole stream's chunks put together equal the reference ``invoke`` result."""
    if isinstance(expected, str):
        return "".join(chunks) == expected
    if not chunks:
        return False
    if any(c.tool_call_chunks for c in chunks):
        merged: AIMessageChunk = chunks[0]
        for c in chunks[1:]:
            merged = merged + c
        return same_invoke(
            AIMessage(
                content=merged.content,
                tool_calls=merged.tool_calls,
                usage_metadata=merged.usage_metadata,
                response_metadata=merged.response_metadata,
            ),
            expected,
        )
    last = chunks[-1]
    return bool(
        "".join(str(c.content) for c in chunks) == expected.content
        and last.usage_metadata == expected.usage_metadata
        and last.response_metadata == expected.response_metadata
        and last.chunk_position == "last"
    )


def prefix_ok(chunks: list[Any], expected: Any) -> bool:
    """An abandoned stream's chunks are a prefix of the reference's text."""
    text = "".join(c if isinstance(c, str) else str(c.content) for c in chunks)
    whole = expected if isinstance(expected, str) else _chat_text(expected)
    return whole.startswith(text)


# --- the run --------------------------------------------------------------------------------------


class _Run:
    """Shared state of one soak: the report, the progress bar, RSS sampling, random choices."""

    def __init__(self, report: SoakReport, progress: Progress, seed: int) -> None:
        self.report = report
        self.progress = progress
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.phase = ""
        self.sample_every = 2048
        self._since = 0

    def done(self, n: int = 1) -> None:
        with self.lock:
            self.report.calls[self.phase] += n
            self.progress.step(n)
            self._since += n
            if self._since >= self.sample_every:
                self._since = 0
                self.report.rss_max_kb = max(self.report.rss_max_kb, rss_kb())

    def wrong(self, what: str) -> None:
        with self.lock:
            self.report.wrong[self.phase] += 1
            if len(self.report.first_problems) < 5:
                self.report.first_problems.append(f"{self.phase}: wrong output: {what}")

    def error(self, e: BaseException) -> None:
        with self.lock:
            self.report.errors[f"{self.phase}: {type(e).__name__}"] += 1
            if len(self.report.first_problems) < 5:
                self.report.first_problems.append(f"{self.phase}: {type(e).__name__}: {e}")

    def scripted(self, e: BaseException) -> None:
        with self.lock:
            self.report.scripted_errors[type(e).__name__] += 1


# --- the phases -----------------------------------------------------------------------------------


def phase_invoke(run: _Run, cases: list[Case], count: int) -> None:
    for i in range(count):
        case = cases[i % len(cases)]
        try:
            got = case.model.invoke(case.input)
        except Exception as e:
            run.error(e)
        else:
            if not (same_invoke(got, case.expected)):
                run.wrong(f"{case.input!r} -> {got!r}")
        run.done()


def phase_stream(run: _Run, cases: list[Case], count: int) -> None:
    for i in range(count):
        case = cases[i % len(cases)]
        try:
            chunks = list(case.model.stream(case.input))
        except Exception as e:
            run.error(e)
        else:
            if not (same_stream(chunks, case.expected)):
                run.wrong(f"{case.input!r}: {chunks!r}")
        run.done()


async def _aphase(run: _Run, body: Callable[[], Any]) -> None:
    await body()
    # Dropped async generators are closed by tasks the loop's finalizer hook schedules: let them
    # run, then nothing may be left.
    gc.collect()
    for _ in range(10):
        await asyncio.sleep(0)
    current = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    run.report.tasks_left += len(left)


def phase_astream(run: _Run, cases: list[Case], count: int) -> None:
    async def body() -> None:
        for i in range(count):
            case = cases[i % len(cases)]
            try:
                chunks = [c async for c in case.model.astream(case.input)]
            except Exception as e:
                run.error(e)
            else:
                if not (same_stream(chunks, case.expected)):
                    run.wrong(f"{case.input!r}")
            run.done()

    asyncio.run(_aphase(run, body))


def phase_abandoned(run: _Run, cases: list[Case], count: int) -> None:
    """Half sync, half async; each stops at a random chunk and is closed or dropped."""
    plans = [
        (
            cases[i % len(cases)],
            run.rng.randrange(cases[i % len(cases)].chunks + 1),
            run.rng.random(),
        )
        for i in range(count)
    ]
    half = count // 2
    for case, at, how in plans[:half]:
        got: list[Any] = []
        try:
            stream = case.model.stream(case.input)
            for chunk in stream:
                if len(got) == at:
                    break
                got.append(chunk)
            if how < 0.5:
                stream.close()
            del stream  # dropped: closed when collected (at once, by reference counting)
        except Exception as e:
            run.error(e)
        else:
            if not (prefix_ok(got, case.expected)):
                run.wrong(f"{case.input!r}: {got!r}")
        run.done()

    async def body() -> None:
        for case, at, how in plans[half:]:
            got: list[Any] = []
            try:
                stream = case.model.astream(case.input)
                async for chunk in stream:
                    if len(got) == at:
                        break
                    got.append(chunk)
                if how < 0.5:
                    await stream.aclose()
                del stream  # dropped: the loop's finalizer hook closes it
            except Exception as e:
                run.error(e)
            else:
                if not (prefix_ok(got, case.expected)):
                    run.wrong(f"{case.input!r}: {got!r}")
            run.done()

    asyncio.run(_aphase(run, body))


# One round of a script: what each entry gives (``None``: the reply; a type: that error).
_SCRIPT: list[tuple[Any, Any]] = [
    ("scripted reply", None),
    (AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "c1"}]), None),
    (RateLimited("429"), RateLimited),
    (Fault("a fault after three chunks", TimeoutError, after=3), TimeoutError),
    ({"content": "dict 👍🏽", "tool_calls": [{"name": "add", "args": {"a": 5}, "id": None}]}, None),
    (RateLimited, RateLimited),
    (Fault(AIMessage("partial"), RateLimited("mid-stream"), after=0), RateLimited),
]


def phase_scripted(run: _Run, count: int) -> None:
    """Rounds of a fresh script, each on one path (invoke, stream, ainvoke, astream).

    Each entry is checked against ``invoke`` of the same script; an error must be the scripted one.
    """
    entries = [e for e, _ in _SCRIPT]
    fates = [f for _, f in _SCRIPT]
    reference = ChatEcho(responses=entries * 1, chunk_size=2).bind_tools([add])
    expected: list[Any] = []
    for _ in fates:
        try:
            expected.append(reference.invoke("x"))
        except (RateLimited, TimeoutError):
            expected.append(None)
    rounds = -(-count // len(entries))
    paths = ("invoke", "stream", "ainvoke", "astream")

    async def one(model: Any, path: str) -> Any:
        if path == "ainvoke":
            return await model.ainvoke("x")
        return [c async for c in model.astream("x")]

    async def body() -> None:
        loop_done = 0
        for r in range(rounds):
            path = paths[r % len(paths)]
            model = ChatEcho(responses=entries, chunk_size=2).bind_tools([add])
            for fate, exp in zip(fates, expected, strict=True):
                if loop_done >= count:
                    return
                loop_done += 1
                got: Any = None
                try:
                    if path == "invoke":
                        got = model.invoke("x")
                        ok = same_invoke(got, exp)
                    elif path == "stream":
                        got = list(model.stream("x"))
                        ok = same_stream(got, exp)
                    else:
                        got = await one(model, path)
                        ok = same_invoke(got, exp) if path == "ainvoke" else same_stream(got, exp)
                except (RateLimited, TimeoutError) as e:
                    if fate is not None and isinstance(e, fate):
                        run.scripted(e)
                    else:
                        run.error(e)
                except Exception as e:
                    run.error(e)
                else:
                    if not (fate is None and ok):
                        run.wrong(f"{path}: {got!r} (fate {fate})")
                run.done()

    asyncio.run(_aphase(run, body))


def phase_tool_streams(run: _Run, cases: list[Case], count: int) -> None:
    half = count // 2
    phase_stream(run, cases, half)
    phase_astream(run, cases, count - half)


def phase_threads(run: _Run, cases: list[Case], count: int, threads: int) -> None:
    """``threads`` threads at once over shared models (invoke, stream, batch).

    A tenth of the calls take replies from one shared script: none may be given twice.
    """
    script = [f"reply {i}" for i in range(max(threads, count // 10))]
    shared = ChatEcho(responses=script)
    taken: list[str] = []
    start = threading.Barrier(threads)
    per_thread = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]

    def worker(k: int) -> None:
        rng = random.Random(k)
        start.wait()
        for i in range(per_thread[k]):
            case = cases[(i * threads + k) % len(cases)]
            kind = rng.random()
            try:
                if kind < 0.1:
                    text = str(shared.invoke("x").content)
                    with run.lock:
                        taken.append(text)
                    ok = True
                elif kind < 0.55:
                    ok = same_invoke(case.model.invoke(case.input), case.expected)
                elif kind < 0.9:
                    ok = same_stream(list(case.model.stream(case.input)), case.expected)
                else:
                    got = case.model.batch([case.input, case.input])
                    ok = all(same_invoke(g, case.expected) for g in got)
            except Exception as e:
                if kind < 0.1 and type(e).__name__ == "ScriptExhaustedError":
                    run.scripted(e)
                else:
                    run.error(e)
            else:
                if not (ok):
                    run.wrong(f"thread {k}: {case.input!r}")
            run.done()

    pool = [threading.Thread(target=worker, args=(k,), name=f"soak-{k}") for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    # Each reply taken at most once; as many taken as there were calls to take them, up to all.
    if len(taken) != len(set(taken)):
        run.wrong("a scripted reply was given twice")
    if not (set(taken) <= set(script)):
        run.wrong("a reply that was not scripted")


def phase_paced(run: _Run, concurrent: int, rounds: int) -> None:
    """``concurrent`` paced ``astream``s at once on one loop, ``rounds`` times."""
    text = "paced 👍🏽 stream, twenty graphemes"
    model = ChatEcho(ttft=0.005, itl=0.001, jitter=0.3, seed=7, chunk_size=2)
    expected = ChatEcho(chunk_size=2).invoke(text)

    async def one() -> None:
        try:
            chunks = [c async for c in model.astream(text)]
        except Exception as e:
            run.error(e)
        else:
            if not (same_stream(chunks, expected)):
                run.wrong(f"paced: {chunks!r}")
        run.done()

    async def body() -> None:
        for _ in range(rounds):
            await asyncio.gather(*(one() for _ in range(concurrent)))

    asyncio.run(_aphase(run, body))


def _phases(counts: Counts, cases: list[Case], tools: list[Case]) -> Iterator[tuple[str, Any]]:
    yield "invoke", lambda run: phase_invoke(run, cases, counts.invokes)
    yield "stream", lambda run: phase_stream(run, cases, counts.streams)
    yield "astream", lambda run: phase_astream(run, cases, counts.streams)
    yield "abandoned", lambda run: phase_abandoned(run, cases, counts.abandoned)
    yield "scripted", lambda run: phase_scripted(run, counts.scripted)
    yield "tool streams", lambda run: phase_tool_streams(run, tools, counts.tool_streams)
    yield "threads", lambda run: phase_threads(run, cases, counts.thread_calls, counts.threads)
    yield "paced", lambda run: phase_paced(run, counts.paced, counts.paced_rounds)


def _total(counts: Counts) -> int:
    return (
        counts.invokes
        + 2 * counts.streams
        + counts.abandoned
        + counts.scripted
        + counts.tool_streams
        + counts.thread_calls
        + counts.paced * counts.paced_rounds
    )


def soak(counts: Counts | None = None, *, seed: int = 0, progress: bool = False) -> SoakReport:
    """Runs the soak and reports what it saw (see the module's docstring).

    Args:
        counts: how much of each load; the defaults are the full run (many minutes).
        seed: seeds the random choices (where streams are abandoned, and how).
        progress: draw a progress bar on stderr (when it is a terminal).
    """
    counts = counts or Counts()
    report = SoakReport(counts)
    cases, tools = _cases(), _tool_cases()
    warm = counts.scaled(0.01)
    # The paced phase's peak (every stream at once) is part of the warm-up: one full round.
    warm = replace(warm, paced_rounds=1)
    started = time.perf_counter()
    bar = Progress(_total(warm) + _total(counts), enabled=progress)
    run = _Run(report, bar, seed)
    try:
        for name, phase in _phases(warm, cases, tools):
            run.phase = bar.label = f"warm-up {name}"
            phase(run)
        report.calls.clear()
        report.rss_baseline_kb = report.rss_max_kb = settled_rss_kb()
        report.blocks_baseline = settled_blocks()
        report.fds_before = open_fds()
        report.threads_before = _threads()
        report.tasks_left = 0
        for name, phase in _phases(counts, cases, tools):
            run.phase = bar.label = name
            phase(run)
            report.rss_by_phase.append((name, settled_rss_kb()))
            report.rss_max_kb = max(report.rss_max_kb, rss_kb())
            if not bar.enabled and progress:
                print(f"soak: {name} done, RSS {rss_kb() / 1024:.1f} MB", file=sys.stderr)
    finally:
        bar.close()
    report.rss_final_kb = settled_rss_kb()
    report.blocks_final = settled_blocks()
    report.fds_after = open_fds()
    report.threads_after = _threads()
    report.seconds = time.perf_counter() - started
    return report


# --- the command ----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``soak`` command's options: each count, a scale for all, the RSS goal."""
    defaults = Counts()
    for f in fields(Counts):
        parser.add_argument(
            f"--{f.name.replace('_', '-')}",
            type=int,
            default=None,
            metavar="N",
            help=f"default {getattr(defaults, f.name):,}",
        )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every count (e.g. 0.01 for a quick run)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seeds where streams are abandoned")
    parser.add_argument(
        "--max-rss-growth-mb", type=float, default=8.0, help="the goal for RSS growth (MB)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def main(args: argparse.Namespace) -> int:
    """Runs the soak; exit code 0 when every goal is met, 1 otherwise, 2 for bad options."""
    counts = Counts()
    if args.scale <= 0:
        print("langchain-echo soak: error: --scale must be > 0", file=sys.stderr)
        return 2
    if args.scale != 1.0:
        counts = counts.scaled(args.scale)
    given = {f.name: getattr(args, f.name) for f in fields(Counts)}
    for name, value in given.items():
        if value is not None and value < 1:
            print(f"langchain-echo soak: error: --{name} must be >= 1", file=sys.stderr)
            return 2
    counts = replace(counts, **{k: v for k, v in given.items() if v is not None})
    report = soak(counts, seed=args.seed, progress=not args.quiet)
    print(report)
    growth_ok = report.rss_growth_kb <= args.max_rss_growth_mb * 1024
    print(
        f"goals: wrong 0: {'met' if not report.wrong else 'MISSED'}; errors only scripted: "
        f"{'met' if not report.errors else 'MISSED'}; nothing left behind: "
        f"{'met' if not report.leaks else 'MISSED ' + ', '.join(report.leaks)}; RSS growth <= "
        f"{args.max_rss_growth_mb:g} MB: {'met' if growth_ok else 'MISSED'}"
    )
    return 0 if report.ok and growth_ok else 1
