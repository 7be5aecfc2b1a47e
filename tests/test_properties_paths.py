"""Hypothesis properties of the paths added after SPEC §3: tools, scripts and faults, pacing.

- For any script (text, tool calls, errors, faults), any tool set, ``tool_choice`` and chunk
  size, the streamed chunks merge to the ``invoke`` message: text, tool calls, usage and
  metadata; a fault streams exactly the first ``after`` chunks of its reply, then raises.
- Scripted replies are taken exactly once each, whatever mix of calls (invoke, stream, batch,
  an abandoned stream) runs on threads or on tasks of one event loop.
- A paced stream's deadlines never run backwards, and a seed reproduces its schedule, both in
  :class:`~langchain_echo._pacing.Schedule` and in the models' emissions (on a fake clock: no
  test here depends on the machine's timing).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import operator
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from _budget import budget
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, AIMessageChunk
from pydantic import BaseModel

from langchain_echo import ChatEcho, EchoLLM, Fault, ScriptExhaustedError, _emit, _pacing
from langchain_echo._pacing import Pacing
from langchain_echo._record import recording

# --- strategies ---------------------------------------------------------------------------------

# Graphemes of every kind the core handles: ASCII, combining marks, emoji with modifiers and
# ZWJ, flags (regional indicators), CR LF, a lone surrogate.
PIECES = [
    "a",
    "b",
    " ",
    "é",
    "e\u0301",
    "👍",
    "🏽",
    "👨\u200d👩\u200d👧",
    "🇫",
    "🇷",
    "\r",
    "\n",
    "{",
    "\ud800",
]
texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
chunk_sizes = st.integers(1, 6)
limits = st.none() | st.integers(0, 12)
stop_sets = st.sampled_from([None, ["b"], ["👍"], ["a", "é"]])

json_leaves = st.none() | st.booleans() | st.integers(-99, 99) | texts
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
arguments = st.dictionaries(st.text("xyz_é", min_size=1, max_size=4), json_values, max_size=3)


def add(a: int, b: int) -> int:
    """Adds a and b."""
    return a + b


def ping() -> str:
    """Pings."""
    return "pong"


class Person(BaseModel):
    """A person."""

    name: str
    age: int


LOOKUP = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Looks a key up.",
        "parameters": {
            "type": "object",
            "properties": {
                "key": {"type": "string", "maxLength": 3},
                "tags": {"type": "array", "items": {"enum": ["x", "y"]}, "minItems": 2},
            },
            "required": ["key", "tags"],
        },
    },
}

TOOLS: dict[str, Any] = {"add": add, "ping": ping, "Person": Person, "lookup": LOOKUP}
tool_sets = st.lists(st.sampled_from(list(TOOLS)), unique=True, max_size=3)


class RateLimited(Exception):
    pass


def chat_entries(names: list[str]) -> st.SearchStrategy[Any]:
    """Script entries for ``ChatEcho`` whose tool calls name only ``names`` (any, if none)."""
    name = st.sampled_from(names) if names else st.sampled_from(["search", "add"])
    call = st.fixed_dictionaries(
        {"name": name, "args": arguments, "id": st.none() | st.sampled_from(["c1", "c2"])}
    )
    calls = st.lists(call, max_size=3)
    message = st.builds(lambda t, c: AIMessage(content=t, tool_calls=c), texts, calls)
    fields = st.builds(lambda t, c: {"content": t, "tool_calls": c}, texts, calls)
    reply = texts | message | fields
    fault = st.builds(
        lambda r, k, cls: Fault(r, cls, after=k),
        reply,
        st.integers(0, 8),
        st.sampled_from([RateLimited, TimeoutError]),
    )
    error = st.sampled_from([RateLimited, RateLimited("429"), TimeoutError])
    return st.one_of(reply, reply, fault, error)


# --- helpers -------------------------------------------------------------------------------------


def merge(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    return functools.reduce(operator.add, chunks)


def assert_same_message(merged: AIMessageChunk, message: AIMessage, what: str) -> None:
    assert merged.content == message.content, what
    assert merged.tool_calls == message.tool_calls, what
    assert merged.invalid_tool_calls == [], what
    assert merged.usage_metadata == message.usage_metadata, what
    assert merged.response_metadata == message.response_metadata, what


def unfaulted(entry: Any) -> Any:
    """The entry without its fault: the reply a Fault streams the start of."""
    return entry.reply if isinstance(entry, Fault) else entry


def is_error(entry: Any) -> bool:
    return isinstance(entry, (BaseException, type))


def chat(entries: list[Any], tools: list[str], **options: Any) -> Any:
    model = ChatEcho(responses=entries, **options)
    return model.bind_tools([TOOLS[t] for t in tools]) if tools else model


def collect(model: Any, *, into: list[Any]) -> None:
    for chunk in model.stream("input"):
        into.append(chunk)


async def acollect(model: Any, *, into: list[Any]) -> None:
    async for chunk in model.astream("input"):
        into.append(chunk)


def check_entry(entry: Any, k: int, full: list[Any], got: list[Any], raised: Any, w: str) -> None:
    """One scripted call's stream against the unfaulted reply's full stream."""
    if is_error(entry):
        assert got == [], w
        expected = entry if isinstance(entry, type) else type(entry)
        assert isinstance(raised, expected), w
    elif isinstance(entry, Fault):
        assert isinstance(raised, entry.error), w
        # The first `after` chunks of the reply (closing chunk aside), then the error.
        shown = min(entry.after, len(full) - 1)
        assert [c.content for c in got] == [c.content for c in full[:shown]], w
        assert [c.tool_call_chunks for c in got] == [c.tool_call_chunks for c in full[:shown]], w
    else:
        assert raised is None, w


# --- streams merge to invoke ---------------------------------------------------------------------


@budget(60)
@given(st.data(), tool_sets, chunk_sizes, limits, stop_sets)
def test_any_script_streams_merge_to_invoke(
    data: st.DataObject, tools: list[str], chunk_size: int, n: int | None, stop: Any
) -> None:
    entries = data.draw(st.lists(chat_entries(tools), min_size=1, max_size=5), "entries")
    options = {"chunk_size": chunk_size, "n": n, "stop": stop}
    clean = [unfaulted(e) if not is_error(e) else "" for e in entries]
    invoked, streamed = chat(entries, tools, **options), chat(entries, tools, **options)
    reference_invoke, reference_stream = (
        chat(clean, tools, **options),
        chat(clean, tools, **options),
    )
    for k, entry in enumerate(entries):
        w = f"entry {k}: {entry!r}; tools {tools}; {options}"
        full = list(reference_stream.stream("input"))
        reference = reference_invoke.invoke("input")
        assert_same_message(merge(full), reference, w)  # the property itself, on the clean reply
        assert full[-1].chunk_position == "last", w
        assert all(c.content == "" for c in full if c.tool_call_chunks), w
        got: list[Any] = []
        raised: BaseException | None = None
        try:
            collect(streamed, into=got)
        except (RateLimited, TimeoutError) as e:
            raised = e
        check_entry(entry, k, full, got, raised, w)
        if raised is None:
            assert_same_message(merge(got), reference, w)
        if unfaulted(entry) is entry and not is_error(entry):
            assert_same_message(merge(got), invoked.invoke("input"), w)
        else:
            with pytest.raises((RateLimited, TimeoutError)):
                invoked.invoke("input")


@budget(40)
@given(st.data(), tool_sets, chunk_sizes, limits)
def test_any_script_async_streams_merge_to_ainvoke(
    data: st.DataObject, tools: list[str], chunk_size: int, n: int | None
) -> None:
    entries = data.draw(st.lists(chat_entries(tools), min_size=1, max_size=4), "entries")
    options = {"chunk_size": chunk_size, "n": n}
    clean = [unfaulted(e) if not is_error(e) else "" for e in entries]

    async def run() -> None:
        streamed, reference_model = chat(entries, tools, **options), chat(clean, tools, **options)
        for k, entry in enumerate(entries):
            w = f"entry {k}: {entry!r}; tools {tools}; {options}"
            full: list[Any] = []
            await acollect(reference_model, into=full)
            got: list[Any] = []
            raised: BaseException | None = None
            try:
                await acollect(streamed, into=got)
            except (RateLimited, TimeoutError) as e:
                raised = e
            check_entry(entry, k, full, got, raised, w)
            if raised is None:
                assert_same_message(merge(got), merge(full), w)

    asyncio.run(run())
    # ainvoke against invoke, on fresh copies of the same script.
    sync_model, async_model = chat(entries, tools, **options), chat(entries, tools, **options)

    async def ainvoke_all() -> list[Any]:
        out: list[Any] = []
        for _ in entries:
            try:
                out.append(await async_model.ainvoke("input"))
            except (RateLimited, TimeoutError) as e:
                out.append(type(e))
        return out

    expected: list[Any] = []
    for _ in entries:
        try:
            expected.append(sync_model.invoke("input"))
        except (RateLimited, TimeoutError) as e:
            expected.append(type(e))
    for a, b in zip(asyncio.run(ainvoke_all()), expected, strict=True):
        if isinstance(b, AIMessage):
            assert isinstance(a, AIMessage)
            assert (a.content, a.tool_calls, a.usage_metadata) == (
                b.content,
                b.tool_calls,
                b.usage_metadata,
            )
        else:
            assert a is b


CHOICES = st.sampled_from([None, "auto", "none", "any", "required", "first", "last"])


@budget(60)
@given(tool_sets.filter(bool), CHOICES, texts | st.just('{"a": 1, "b": 2}'), chunk_sizes, limits)
def test_unscripted_tool_streams_merge_to_invoke(
    tools: list[str], choice: str | None, text: str, chunk_size: int, n: int | None
) -> None:
    named = {"first": tools[0], "last": tools[-1]}.get(choice or "", choice)
    model = ChatEcho(chunk_size=chunk_size, n=n).bind_tools(
        [TOOLS[t] for t in tools], tool_choice=named
    )
    w = f"{tools}, {named!r}, {text!r}, chunk_size={chunk_size}, n={n}"
    message = model.invoke(text)
    chunks = list(model.stream(text))
    assert_same_message(merge(chunks), message, w)

    async def run() -> list[Any]:
        return [c async for c in model.astream(text)]

    assert_same_message(merge(asyncio.run(run())), message, w)
    if named == "none":
        assert message.tool_calls == [], w
    elif named in TOOLS:
        assert [c["name"] for c in message.tool_calls] == [named], w
    else:
        assert [c["name"] for c in message.tool_calls] == tools, w


@budget(40)
@given(
    st.lists(
        texts | st.builds(Fault, texts, st.just(RateLimited), st.integers(0, 5)),
        min_size=1,
        max_size=5,
    ),
    chunk_sizes,
    limits,
)
def test_llm_script_streams_join_to_invoke(
    entries: list[Any], chunk_size: int, n: int | None
) -> None:
    invoked = EchoLLM(responses=entries, chunk_size=chunk_size, n=n)
    streamed = EchoLLM(responses=entries, chunk_size=chunk_size, n=n)
    clean = EchoLLM(responses=[unfaulted(e) for e in entries], chunk_size=chunk_size, n=n)
    for entry in entries:
        full = list(clean.stream("input"))
        got: list[str] = []
        if isinstance(entry, Fault):
            with pytest.raises(RateLimited):
                got.extend(streamed.stream("input"))
            with pytest.raises(RateLimited):
                invoked.invoke("input")
            # The text chunks before the fault (an empty reply's one empty chunk is its finish,
            # which the fault replaces, as it replaces ChatEcho's closing chunk).
            assert got == [c for c in full if c][: entry.after]
        else:
            got.extend(streamed.stream("input"))
            assert "".join(got) == "".join(full) == invoked.invoke("input")


# --- replies taken exactly once -----------------------------------------------------------------

OPS = st.sampled_from(["invoke", "stream", "batch", "abandon"])
# Each op takes this many replies.
TAKES = {"invoke": 1, "stream": 1, "batch": 2, "abandon": 1, "close": 1}


def plan(ops: list[str], replies: int) -> list[str]:
    """``ops`` cut (or padded with invokes) to take exactly ``replies`` replies."""
    out: list[str] = []
    left = replies
    for op in ops:
        if TAKES[op] <= left:
            out.append(op)
            left -= TAKES[op]
    return out + ["invoke"] * left


def texts_of(model: Any, op: str) -> list[str]:
    """One call of ``op``; every reply fits one chunk, so an abandoned stream still shows it."""
    if op == "invoke":
        return [str(model.invoke("x").content)]
    if op == "batch":
        return [str(m.content) for m in model.batch(["x", "y"])]
    stream = model.stream("x")
    first = next(stream)
    if op == "abandon":
        stream.close()
        return [str(first.content)]
    return [str(first.content), *(str(c.content) for c in stream)][:1]


@budget(25)
@given(st.integers(1, 80), st.integers(2, 8), st.lists(OPS, max_size=80))
def test_replies_are_taken_exactly_once_under_threads(
    replies: int, threads: int, ops: list[str]
) -> None:
    script = [f"r{i}" for i in range(replies)]
    model = ChatEcho(responses=script, chunk_size=100)
    work = plan(ops, replies)
    shares = [work[i::threads] for i in range(threads)]
    got: list[list[str]] = [[] for _ in range(threads)]
    start = threading.Barrier(threads)

    def worker(i: int) -> None:
        start.wait()
        for op in shares[i]:
            got[i].extend(texts_of(model, op))

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    taken = [text for texts in got for text in texts]
    assert sorted(taken) == sorted(script)
    # Each thread sees its replies in script order (a batch takes its two in input order).
    assert all(texts == sorted(texts, key=lambda t: int(t[1:])) for texts in got)
    with pytest.raises(ScriptExhaustedError, match=rf"\(call {replies + 1}\)"):
        model.invoke("x")


AOPS = st.sampled_from(["invoke", "stream", "batch", "abandon", "close"])


async def atexts_of(model: Any, op: str) -> list[str]:
    if op == "invoke":
        return [str((await model.ainvoke("x")).content)]
    if op == "batch":
        return [str(m.content) for m in await model.abatch(["x", "y"])]
    stream = model.astream("x")
    first = await anext(stream)
    if op in ("abandon", "close"):
        await stream.aclose()
        return [str(first.content)]
    rest = [str(c.content) async for c in stream]
    return [str(first.content), *rest][:1]


@budget(25)
@given(st.integers(1, 120), st.lists(AOPS, max_size=120))
def test_replies_are_taken_exactly_once_under_asyncio(replies: int, ops: list[str]) -> None:
    script = [f"r{i}" for i in range(replies)]
    work = plan(ops, replies)

    async def run() -> tuple[list[list[str]], ChatEcho]:
        model = ChatEcho(responses=script, chunk_size=100)

        async def one(op: str) -> list[str]:
            await asyncio.sleep(0)  # interleave the tasks
            return await atexts_of(model, op)

        return list(await asyncio.gather(*(one(op) for op in work))), model

    got, model = asyncio.run(run())
    assert sorted(t for texts in got for t in texts) == sorted(script)
    with pytest.raises(ScriptExhaustedError, match=rf"\(call {replies + 1}\)"):
        model.invoke("x")


# --- pacing: deadlines never run backwards; a seed reproduces the schedule -----------------------

delays = st.none() | st.floats(0, 5, allow_nan=False) | st.integers(0, 3)
jitters = st.floats(0, 4, allow_nan=False)
seeds = st.none() | st.integers(-(2**40), 2**40)


@budget(200)
@given(delays, delays, jitters, st.integers(-(2**40), 2**40), st.integers(1, 60), st.floats(0, 1e6))
def test_schedule_deadlines_never_run_backwards_and_a_seed_reproduces_them(
    ttft: float | None, itl: float | None, jitter: float, seed: int, chunks: int, t0: float
) -> None:
    pacing = Pacing(ttft, itl, jitter, seed)
    first, second = pacing.schedule(), pacing.schedule()
    first.start(t0)
    second.start(t0 + 7.0)  # another call, later: the same delays
    a = [first.next_due() for _ in range(chunks)]
    b = [second.next_due() for _ in range(chunks)]
    assert a[0] >= t0
    assert all(x <= y for x, y in itertools.pairwise(a)), a
    assert [x - t0 for x in a] == pytest.approx([y - t0 - 7.0 for y in b], rel=1e-12, abs=1e-6)
    if pacing.off:
        assert a == [t0] * chunks
    elif jitter == 0:
        assert a[0] - t0 == pytest.approx(ttft or 0.0)
    # last_due of a fresh schedule is the last of the same deadlines.
    third = pacing.schedule()
    third.start(t0)
    assert third.last_due(chunks) == a[-1]


class FakeClock:
    """``time.perf_counter`` and the sleeps of the pacing and emission modules, in one clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.now += seconds


@contextmanager
def fake_clock() -> Iterator[FakeClock]:
    clock = FakeClock()
    loop = type("Loop", (), {"sleep": staticmethod(clock.asleep)})
    saved = (_pacing.time, _pacing.asyncio, _emit.time)
    _pacing.time, _pacing.asyncio, _emit.time = clock, loop, clock  # type: ignore[assignment]
    try:
        yield clock
    finally:
        _pacing.time, _pacing.asyncio, _emit.time = saved  # type: ignore[assignment]


def paced_emissions(model: Any, text: str, clock: FakeClock, asynchronous: bool) -> list[float]:
    """Each emission's time from the call's start, on the fake clock."""
    t0 = clock.now
    with recording() as emissions:
        if asynchronous:

            async def run() -> None:
                async for _ in model.astream(text):
                    clock.now += 0.001  # a consumer that takes its time

            asyncio.run(run())
        else:
            for _ in model.stream(text):
                clock.now += 0.001
    return [t - t0 for t, _ in emissions]


@budget(60)
@given(
    st.sampled_from([ChatEcho, EchoLLM]),
    st.floats(0, 2, allow_nan=False),
    st.floats(0.0001, 1, allow_nan=False),
    jitters,
    st.integers(0, 2**32),
    texts,
    chunk_sizes,
    st.booleans(),
)
def test_paced_streams_keep_order_and_a_seed_reproduces_their_timing(
    cls: type,
    ttft: float,
    itl: float,
    jitter: float,
    seed: int,
    text: str,
    chunk_size: int,
    asynchronous: bool,
) -> None:
    model = cls(ttft=ttft, itl=itl, jitter=jitter, seed=seed, chunk_size=chunk_size)
    with fake_clock() as clock:
        first = paced_emissions(model, text, clock, asynchronous)
        second = paced_emissions(model, text, clock, not asynchronous)
    assert all(x <= y for x, y in itertools.pairwise(first)), first
    assert first[0] >= 0  # never before the call's start
    assert first == pytest.approx(second, abs=1e-6), (first, second)
