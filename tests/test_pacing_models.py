"""Pacing and emission recording inside the models (SPEC §12, §13's seam).

The clock is a fake: ``time.perf_counter`` reads it, ``time.sleep`` and ``asyncio.sleep``
(in the pacing and emission modules only) move it, so each deadline is checked exactly and no
test depends on the machine's timing.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from pydantic import ValidationError

from langchain_echo import ChatEcho, EchoLLM, _emit, _pacing
from langchain_echo._emit import emitter
from langchain_echo._pacing import NO_PACING, Pacing
from langchain_echo._record import EMISSIONS, recording

MODELS = [ChatEcho, EchoLLM]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.asleeps: list[float] = []

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Loop:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def sleep(self, seconds: float) -> None:
        self.clock.asleeps.append(seconds)
        self.clock.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(_pacing, "time", fake)
    monkeypatch.setattr(_pacing, "asyncio", Loop(fake))
    monkeypatch.setattr(_emit, "time", fake)
    return fake


def _text(chunk: Any) -> str:
    return chunk if isinstance(chunk, str) else str(chunk.content)


# --- fields and per-call options --------------------------------------------------------------


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("itl", -1.0, "itl must be a finite number >= 0 or None, got -1.0"),
        ("ttft", float("nan"), "ttft must be a finite number >= 0 or None, got nan"),
        ("ttft", float("inf"), "ttft must be a finite number >= 0 or None, got inf"),
        ("itl", True, "itl must be a finite number >= 0 or None, got True"),
        ("jitter", -0.5, "jitter must be a finite number >= 0, got -0.5"),
        ("seed", 1.5, "seed must be an int or None, got 1.5"),
    ],
)
def test_bad_pacing_fields_fail_at_construction(
    cls: type, field: str, value: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        cls(**{field: value})
    model = cls()
    with pytest.raises(ValueError, match=message):
        model.invoke("hi", **{field: value})
    with pytest.raises(ValueError, match=message):
        list(model.stream("hi", **{field: value}))


@pytest.mark.parametrize("cls", MODELS)
def test_fields_and_overrides_resolve_to_one_pacing(cls: type) -> None:
    model = cls(ttft=0.5, itl=0.1, jitter=0.2, seed=3)
    assert model._call_options(None, {}).pacing == Pacing(0.5, 0.1, 0.2, 3)
    assert model._call_options(None, {"itl": 0.3}).pacing == Pacing(0.5, 0.3, 0.2, 3)
    assert model._call_options(None, {"itl": None, "ttft": None}).pacing.off
    assert cls()._call_options(None, {}).pacing is NO_PACING
    assert cls()._call_options(None, {"n": 2}).pacing is NO_PACING


def test_identifying_params_show_pacing_only_when_set() -> None:
    assert "itl" not in EchoLLM()._identifying_params
    params = EchoLLM(itl=0.1, seed=2)._identifying_params
    assert (params["ttft"], params["itl"], params["jitter"], params["seed"]) == (None, 0.1, 0.0, 2)


# --- streaming: each chunk at its absolute deadline --------------------------------------------


def _stream(model: Any, text: str, **kwargs: Any) -> tuple[list[str], list[tuple[float, int]]]:
    with recording() as emissions:
        chunks = [_text(c) for c in model.stream(text, **kwargs)]
    return chunks, emissions


async def _astream(
    model: Any, text: str, **kwargs: Any
) -> tuple[list[str], list[tuple[float, int]]]:
    with recording() as emissions:
        chunks = [_text(c) async for c in model.astream(text, **kwargs)]
    return chunks, emissions


def test_chat_stream_keeps_the_schedule(clock: Clock) -> None:
    t0 = clock.now
    chunks, emissions = _stream(ChatEcho(ttft=0.5, itl=0.25), "cat")
    assert chunks == ["c", "a", "t", ""]
    # The closing chunk (usage, metadata) goes with the last text chunk: no extra delay.
    assert emissions == [(t0 + 0.5, 1), (t0 + 0.75, 2), (t0 + 1.0, 3), (t0 + 1.0, 3)]
    assert clock.asleeps == []


async def test_chat_astream_keeps_the_schedule_on_the_loop(clock: Clock) -> None:
    t0 = clock.now
    chunks, emissions = await _astream(ChatEcho(ttft=0.5, itl=0.25), "cat")
    assert chunks == ["c", "a", "t", ""]
    assert emissions == [(t0 + 0.5, 1), (t0 + 0.75, 2), (t0 + 1.0, 3), (t0 + 1.0, 3)]
    assert clock.sleeps == []  # never the blocking sleep
    assert clock.asleeps == [0.5, 0.25, 0.25]


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_llm_stream_keeps_the_schedule(clock: Clock, asynchronous: bool) -> None:
    t0 = clock.now
    model = EchoLLM(ttft=0.5, itl=0.25, chunk_size=2)
    run = _astream(model, "hello") if asynchronous else asyncio.sleep(0, _stream(model, "hello"))
    chunks, emissions = await run
    assert chunks == ["he", "ll", "o"]
    assert emissions == [(t0 + 0.5, 2), (t0 + 0.75, 4), (t0 + 1.0, 5)]


@pytest.mark.parametrize("cls", MODELS)
def test_an_empty_output_still_waits_ttft(clock: Clock, cls: type) -> None:
    t0 = clock.now
    chunks, emissions = _stream(cls(ttft=0.5, itl=0.25, n=0), "cat")
    assert chunks == [""]
    assert emissions == [(t0 + 0.5, 0)]


def test_a_call_overrides_the_fields(clock: Clock) -> None:
    t0 = clock.now
    _, emissions = _stream(EchoLLM(ttft=0.5, itl=0.25), "abc", itl=2.0, ttft=0)
    assert [t - t0 for t, _ in emissions] == [0.0, 2.0, 4.0]


def test_offsets_count_code_points(clock: Clock) -> None:
    # One grapheme of 4 code points (a family emoji with ZWJs), then 'x'.
    text = "\U0001f468\u200d\U0001f469x"
    _, emissions = _stream(EchoLLM(itl=0.1), text)
    assert [offset for _, offset in emissions] == [3, 4]


def test_the_same_seed_gives_the_same_stream_timing(clock: Clock) -> None:
    model = ChatEcho(ttft=0.2, itl=0.05, jitter=0.5, seed=42)

    def relative(**kwargs: Any) -> list[float]:
        t0 = clock.now
        return [t - t0 for t, _ in _stream(model, "hello world", **kwargs)[1]]

    first = relative()
    assert first == relative()
    assert first != relative(seed=43)
    gaps = {round(b - a, 12) for a, b in itertools.pairwise(first[:-1])}
    assert len(gaps) > 1  # jittered


def test_a_slow_consumer_does_not_slow_the_model(clock: Clock) -> None:
    t0 = clock.now
    with recording() as emissions:
        for i, _ in enumerate(EchoLLM(ttft=1.0, itl=1.0).stream("abcd")):
            if i == 0:
                clock.now += 2.5  # the consumer is busy past chunks 1 and 2's deadlines
    assert [t - t0 for t, _ in emissions] == [1.0, 3.5, 3.5, 4.0]


# --- non-streaming calls: return at the last chunk's deadline ---------------------------------


@pytest.mark.parametrize("cls", MODELS)
def test_invoke_returns_at_the_last_deadline(clock: Clock, cls: type) -> None:
    t0 = clock.now
    with recording() as emissions:
        result = cls(ttft=0.5, itl=0.25, chunk_size=2).invoke("hello")
    assert _text(result) == "hello"
    assert clock.now == t0 + 1.0  # chunks he|ll|o: 0.5, 0.75, 1.0
    assert emissions == [(t0 + 1.0, 5)]


@pytest.mark.parametrize("cls", MODELS)
async def test_ainvoke_returns_at_the_last_deadline_on_the_loop(clock: Clock, cls: type) -> None:
    t0 = clock.now
    result = await cls(ttft=0.5, itl=0.25).ainvoke("abc")
    assert _text(result) == "abc"
    assert clock.now == t0 + 1.0
    assert clock.sleeps == []


@pytest.mark.parametrize("cls", MODELS)
def test_a_one_chunk_invoke_returns_at_ttft(clock: Clock, cls: type) -> None:
    t0 = clock.now
    assert _text(cls(ttft=0.5, itl=0.25).invoke("a")) == "a"
    assert clock.now == t0 + 0.5  # one chunk: its first deadline, no itl after it


def test_a_tool_call_invoke_returns_at_its_streams_last_deadline(clock: Clock) -> None:
    # The text's chunks, then the calls' arguments' chunks, each rounded up on its own: he|y,
    # then {"|a"|: |12|} (the JSON of {"a": 12}); the closing chunk goes with the last. invoke
    # waits for as many deadlines: 7, not the 6 of the 12 graphemes counted as one piece.
    reply = {"content": "hey", "tool_calls": [{"name": "add", "args": {"a": 12}, "id": "t1"}]}
    model = ChatEcho(ttft=1.0, itl=1.0, chunk_size=2, responses=[reply] * 2)
    t0 = clock.now
    chunks, emissions = _stream(model, "x")
    assert len(chunks) == 8
    assert emissions[-1][0] - t0 == 7.0
    t1 = clock.now
    assert model.invoke("x").tool_calls[0]["args"] == {"a": 12}
    assert clock.now - t1 == 7.0


def test_llm_batch_takes_as_long_as_its_longest_item(clock: Clock) -> None:
    t0 = clock.now
    assert EchoLLM(ttft=0.5, itl=0.25).batch(["a", "abcde", "abc"]) == ["a", "abcde", "abc"]
    assert clock.now == t0 + 1.5
    assert len(clock.sleeps) == 1


def test_chat_batch_takes_as_long_as_its_longest_item(clock: Clock) -> None:
    # generate() runs the inputs one after another; each counts from the batch's start.
    start = clock.now
    model = ChatEcho(ttft=1.0, itl=1.0)
    assert [m.content for m in model.batch(["ab", "cdef", "g"])] == ["ab", "cdef", "g"]
    assert clock.now - start == pytest.approx(4.0)  # "cdef": ttft + 3 itl; not 2 + 4 + 1


# --- without pacing nothing waits; without a recorder nothing records ---------------------------


@pytest.mark.parametrize("cls", MODELS)
async def test_unpaced_calls_never_wait(clock: Clock, cls: type) -> None:
    model = cls()
    _stream(model, "hello")
    await _astream(model, "hello")
    model.invoke("hello")
    await model.ainvoke("hello")
    model.batch(["a", "b"])
    await model.abatch(["a", "b"])
    assert clock.sleeps == clock.asleeps == []
    assert clock.now == 1000.0


def test_no_emitter_without_pacing_or_recording() -> None:
    assert EMISSIONS.get() is None
    assert emitter(NO_PACING) is None
    assert emitter(Pacing(itl=0.1)) is not None
    with recording() as emissions:
        assert emitter(NO_PACING) is not None
    assert emissions == []
    assert EMISSIONS.get() is None


def test_recording_an_unpaced_stream() -> None:
    _, emissions = _stream(ChatEcho(chunk_size=2), "hello")
    assert [offset for _, offset in emissions] == [2, 4, 5, 5]
    times = [t for t, _ in emissions]
    assert times == sorted(times)


class _Spy(BaseCallbackHandler):
    def __init__(self, emissions: list[tuple[float, int]]) -> None:
        self.emissions = emissions
        self.seen: list[int] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.seen.append(len(self.emissions))


@pytest.mark.parametrize("cls", MODELS)
def test_each_emission_is_recorded_before_its_callback(cls: type) -> None:
    with recording() as emissions:
        spy = _Spy(emissions)
        chunks = list(cls(callbacks=[spy]).stream("abc"))
    assert spy.seen == list(range(1, len(chunks) + 1))
