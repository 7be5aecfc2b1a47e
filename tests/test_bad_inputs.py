"""SPEC section 9 (bad input) and invariant 4 of section 3 (cost does not grow with the unread
part of the source), for EchoLLM, ChatEcho and StreamShaper.

Every bad option must fail with a ValueError naming the field and showing the value, before any
work: no callback but on_llm_start / on_chat_model_start / on_llm_error, nothing streamed. Valid
edge inputs (a bare-string stop, an empty stop list, 10,000 stops, a 100 MB prompt, lone
surrogates, empty input, image-only messages, abandoned streams, many threads) must give exactly
the answer of the specification.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import math
import random
import re
import subprocess
import sys
import textwrap
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage

from langchain_echo import (
    ChatEcho,
    EchoLLM,
    Fault,
    StreamShaper,
    count_graphemes,
    graphemes,
    truncate_graphemes,
)

# Any warning is an error here (as under `python -W error`); unraisable exceptions (e.g. raised
# while a generator is finalised) already are, by the project's pytest configuration.
pytestmark = pytest.mark.filterwarnings("error")

MODELS = [EchoLLM, ChatEcho]
MB = 1_000_000

# ============================================================================================
# Helpers
# ============================================================================================


class Recorder(BaseCallbackHandler):
    """Records the name of every callback that fires (inline, also on the async paths)."""

    run_inline = True

    def __init__(self) -> None:
        self.events: list[str] = []
        self.lock = threading.Lock()

    def _add(self, name: str) -> None:
        with self.lock:
            self.events.append(name)

    def on_llm_start(self, *args: Any, **kwargs: Any) -> None:
        self._add("on_llm_start")

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self._add("on_chat_model_start")

    def on_llm_new_token(self, *args: Any, **kwargs: Any) -> None:
        self._add("on_llm_new_token")

    def on_llm_end(self, *args: Any, **kwargs: Any) -> None:
        self._add("on_llm_end")

    def on_llm_error(self, *args: Any, **kwargs: Any) -> None:
        self._add("on_llm_error")

    def on_chain_start(self, *args: Any, **kwargs: Any) -> None:
        self._add("on_chain_start")

    def on_chain_end(self, *args: Any, **kwargs: Any) -> None:
        self._add("on_chain_end")

    def on_chain_error(self, *args: Any, **kwargs: Any) -> None:
        self._add("on_chain_error")

    def on_text(self, *args: Any, **kwargs: Any) -> None:
        self._add("on_text")

    def on_retry(self, *args: Any, **kwargs: Any) -> None:
        self._add("on_retry")

    def on_custom_event(self, *args: Any, **kwargs: Any) -> None:
        self._add("on_custom_event")


#: The only callbacks allowed to fire when a call is rejected.
ALLOWED_ON_REJECT = {"on_llm_start", "on_chat_model_start", "on_llm_error"}

#: Every way to call a model. "batch_configs" takes LangChain's own batch (one config per input),
#: which ChatEcho does not short-cut.
PATHS = ["invoke", "stream", "batch", "batch_configs", "ainvoke", "astream", "abatch"]


async def run_path(
    model: Any,
    path: str,
    inp: Any,
    *,
    callbacks: list[Any] | None = None,
    received: list[Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Calls ``model`` along ``path``; streamed chunks are appended to ``received`` as the
    consumer gets them."""
    config: Any = {"callbacks": callbacks} if callbacks else None
    received = [] if received is None else received
    if path == "invoke":
        return model.invoke(inp, config, **kwargs)
    if path == "ainvoke":
        return await model.ainvoke(inp, config, **kwargs)
    if path == "batch":
        return model.batch([inp, inp], config, **kwargs)
    if path == "batch_configs":
        return model.batch([inp, inp], [config or {}, config or {}], **kwargs)
    if path == "abatch":
        return await model.abatch([inp, inp], config, **kwargs)
    if path == "stream":
        for chunk in model.stream(inp, config, **kwargs):
            received.append(chunk)
        return received
    if path == "astream":
        async for chunk in model.astream(inp, config, **kwargs):
            received.append(chunk)
        return received
    raise AssertionError(path)


def text(result: Any) -> str:
    """The text of what a model returned: a string, a message, or a list of chunks."""
    if isinstance(result, str):
        return result
    if isinstance(result, BaseMessage):
        assert isinstance(result.content, str)
        return result.content
    return "".join(text(c) for c in result)


def texts(result: list[Any]) -> list[str]:
    return [text(r) for r in result]


def field_pattern(field: str) -> str:
    return rf"(?<![\w]){re.escape(field)}(?![\w])"


def assert_names(message: str, field: str, value: Any) -> None:
    """The error message names ``field`` and shows ``value``."""
    assert re.search(field_pattern(field), message), (field, message)
    if value == "" and isinstance(value, str):
        assert "''" in message or '""' in message or "empty" in message, message
    else:
        shown = {repr(value), f'"{value}"'}
        assert any(s in message for s in shown), (value, message)


def rss_kb(key: str = "VmRSS") -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss() -> bool:
    """Resets the kernel's high-water mark of this process's RSS (Linux); False if it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


@contextmanager
def measure_memory() -> Iterator[dict[str, int | None]]:
    """Measures the peak of Python allocations (tracemalloc) and, where Linux lets us reset it,
    the growth of the peak RSS (which also sees Rust's allocations) over the block."""
    out: dict[str, int | None] = {"traced_peak": None, "rss_peak_growth_kb": None}
    gc.collect()
    can_rss = reset_peak_rss()
    rss_before = rss_kb()
    tracemalloc.start()
    try:
        yield out
    finally:
        out["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        hwm = rss_kb("VmHWM")
        if can_rss and rss_before is not None and hwm is not None:
            out["rss_peak_growth_kb"] = hwm - rss_before


# ============================================================================================
# Bad options: at construction
# ============================================================================================

#: (keyword arguments, field the message must name, value it must show).
BAD_FIELDS = [
    ({"n": -1}, "n", -1),
    ({"max_tokens": -1}, "max_tokens", -1),
    ({"n": True}, "n", True),
    ({"n": 1.5}, "n", 1.5),
    ({"max_tokens": True}, "max_tokens", True),
    ({"chunk_size": 0}, "chunk_size", 0),
    ({"chunk_size": -3}, "chunk_size", -3),
    ({"chunk_size": 1.5}, "chunk_size", 1.5),
    ({"chunk_size": True}, "chunk_size", True),
    ({"stop": [""]}, "stop", ""),
    ({"stop": ""}, "stop", ""),
    ({"stop": ["ok", ""]}, "stop", ""),
    ({"stop": [1]}, "stop", 1),
    ({"stop": ["ok", None]}, "stop", None),
    ({"stop": 5}, "stop", 5),
    ({"stop_mode": "middle"}, "stop_mode", "middle"),
    ({"stop_mode": None}, "stop_mode", None),
    ({"ttft": -1}, "ttft", -1),
    ({"ttft": math.nan}, "ttft", math.nan),
    ({"itl": math.inf}, "itl", math.inf),
    ({"itl": -0.5}, "itl", -0.5),
    ({"jitter": -0.1}, "jitter", -0.1),
    ({"jitter": math.nan}, "jitter", math.nan),
    ({"jitter": -math.inf}, "jitter", -math.inf),
    ({"seed": 1.5}, "seed", 1.5),
]


def _ids(cases: list[Any]) -> list[str]:
    return [",".join(f"{k}={v!r}" for k, v in c[0].items()) for c in cases]


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize(("kwargs", "field", "value"), BAD_FIELDS, ids=_ids(BAD_FIELDS))
def test_bad_field_at_construction(model_cls: type, kwargs: dict, field: str, value: Any) -> None:
    # pydantic's ValidationError is a ValueError
    with pytest.raises(ValueError, match=field_pattern(field)) as info:
        model_cls(**kwargs)
    assert_names(str(info.value), field, value)


BAD_SHAPER = [
    ({"max_graphemes": -1}, "max_graphemes", -1),
    ({"max_graphemes": True}, "max_graphemes", True),
    ({"max_graphemes": 1.5}, "max_graphemes", 1.5),
    ({"chunk_size": 0}, "chunk_size", 0),
    ({"chunk_size": 1.5}, "chunk_size", 1.5),
    ({"chunk_size": True}, "chunk_size", True),
    ({"stop": [""]}, "stop", ""),
    ({"stop": ""}, "stop", ""),
    ({"stop": [1]}, "stop", 1),
    ({"stop": ["ok", None]}, "stop", None),
    ({"stop": 5}, "stop", 5),
    ({"stop_mode": "middle"}, "stop_mode", "middle"),
]


@pytest.mark.parametrize(("kwargs", "field", "value"), BAD_SHAPER, ids=_ids(BAD_SHAPER))
def test_bad_stream_shaper_option(kwargs: dict, field: str, value: Any) -> None:
    with pytest.raises(ValueError, match=field_pattern(field)) as info:
        StreamShaper(**kwargs)
    assert_names(str(info.value), field, value)


@pytest.mark.parametrize("n", [-1, True, 1.5, None])
def test_bad_truncate_graphemes_n(n: Any) -> None:
    with pytest.raises(ValueError, match=field_pattern("n")) as info:
        truncate_graphemes("hello", n)
    assert_names(str(info.value), "n", n)


# ============================================================================================
# Bad options: per call, on every path, before any work
# ============================================================================================

BAD_CALL = [
    ({"n": -1}, "n", -1),
    ({"max_tokens": -1}, "max_tokens", -1),
    ({"n": True}, "n", True),
    ({"max_tokens": 1.5}, "max_tokens", 1.5),
    ({"chunk_size": 0}, "chunk_size", 0),
    ({"chunk_size": 1.5}, "chunk_size", 1.5),
    ({"chunk_size": True}, "chunk_size", True),
    ({"stop": [""]}, "stop", ""),
    ({"stop": ""}, "stop", ""),
    ({"stop": ["ok", ""]}, "stop", ""),
    ({"stop": [1]}, "stop", 1),
    ({"stop_mode": "middle"}, "stop_mode", "middle"),
    ({"ttft": -1}, "ttft", -1),
    ({"ttft": math.inf}, "ttft", math.inf),
    ({"itl": math.nan}, "itl", math.nan),
    ({"itl": -1e-9}, "itl", -1e-9),
    ({"itl": True}, "itl", True),
    ({"jitter": math.inf, "itl": 0.001}, "jitter", math.inf),
    ({"jitter": -1}, "jitter", -1),
    ({"seed": "7"}, "seed", "7"),
]


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("kwargs", "field", "value"), BAD_CALL, ids=_ids(BAD_CALL))
async def test_bad_option_per_call(
    model_cls: type, path: str, kwargs: dict, field: str, value: Any
) -> None:
    model = model_cls()
    recorder = Recorder()
    received: list[Any] = []
    with pytest.raises(ValueError, match=field_pattern(field)) as info:
        await run_path(model, path, "hello", callbacks=[recorder], received=received, **kwargs)
    assert_names(str(info.value), field, value)
    assert received == [], "a chunk reached the consumer before the error"
    assert "on_llm_new_token" not in recorder.events
    assert set(recorder.events) <= ALLOWED_ON_REJECT, recorder.events
    # The model is not left in a bad state.
    assert text(model.invoke("hello", n=2)) == "he"


ASSIGNED = [
    ("n", -1, "invoke"),
    ("n", -1, "stream"),
    ("chunk_size", 0, "stream"),  # invoke does not chunk, so it may ignore chunk_size
    ("stop", [1], "invoke"),
    ("stop", [1], "stream"),
    ("stop_mode", "middle", "invoke"),
    ("stop_mode", "middle", "stream"),
    ("ttft", -1, "invoke"),
    ("itl", math.nan, "stream"),
    ("jitter", math.inf, "stream"),
    ("seed", "7", "invoke"),
    ("responses", [3], "invoke"),
    ("responses", ["ok", None], "stream"),
]


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize(("field", "value", "path"), ASSIGNED)
def test_bad_value_assigned_after_construction(
    model_cls: type, field: str, value: Any, path: str
) -> None:
    """Beyond construction and call options: a field set on a live model. Either the assignment
    is refused, or the next call fails with the same clear error (not a silent default, not an
    OverflowError from the native layer)."""
    model = model_cls()
    shown = value[0] if isinstance(value, list) else value
    try:
        setattr(model, field, value)
    except ValueError as e:
        assert_names(str(e), field, shown)
        return
    received: list[Any] = []
    with pytest.raises(ValueError, match=field_pattern(field)) as info:
        asyncio.run(run_path(model, path, "hello", received=received))
    assert_names(str(info.value), field, shown)
    assert received == []


# ============================================================================================
# Valid stop forms: a bare string, an empty list
# ============================================================================================


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("path", ["invoke", "stream", "batch", "ainvoke", "astream", "abatch"])
async def test_bare_string_stop_is_one_sequence(model_cls: type, path: str) -> None:
    source = "line one\nline two\n"
    per_call = await run_path(model_cls(), path, source, stop="\n")
    default = await run_path(model_cls(stop="\n"), path, source)
    for result in (per_call, default):
        outputs = texts(result) if path.endswith("batch") else [text(result)]
        assert outputs
        assert all(o == "line one\n" for o in outputs), outputs
    assert model_cls(stop="\n").stop == ["\n"]
    # A string is one sequence, not one per character.
    assert text(model_cls().invoke("a-b\nc", stop="\n-")) == "a-b\nc"


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("path", ["invoke", "stream", "batch", "ainvoke", "astream", "abatch"])
async def test_empty_stop_list_means_no_stops(model_cls: type, path: str) -> None:
    source = "a\nb.c"
    for model, kwargs in [
        (model_cls(stop=[]), {}),
        (model_cls(), {"stop": []}),
        (model_cls(stop=["\n", "."]), {"stop": []}),  # a call's stop= replaces the default
    ]:
        result = await run_path(model, path, source, **kwargs)
        outputs = texts(result) if path.endswith("batch") else [text(result)]
        assert outputs
        assert all(o == source for o in outputs), outputs


def test_stream_shaper_stop_forms() -> None:
    shaper = StreamShaper(stop="\n")
    assert shaper.feed("a\nb") + shaper.finish() == ["a\n"]
    assert shaper.stop_sequence == "\n"
    shaper = StreamShaper(stop=[])
    assert "".join(shaper.feed("a\nb") + shaper.finish()) == "a\nb"
    assert shaper.stop_sequence is None


# ============================================================================================
# 10,000 stop sequences
# ============================================================================================

STOPS_10K = [f"<{i}>" for i in range(10_000)]
# Two traps among the 10,000: one that starts before the winner but ends after it, and one that
# ends where the winner ends but starts earlier (the one `exclude` must cut at).
STOPS_10K[5_000] = "beta <123 <9999> gamma"
STOPS_10K[7_777] = "123 <9999>"
NEAR_MISSES = " ".join(f"<{i}" for i in range(3_000))  # every stop but its last character
MATCHING = NEAR_MISSES + " alpha <10000> beta <123 <9999> gamma <42> delta <7>"
NOT_MATCHING = " ".join(f"<{i}" for i in range(10_000)) + " <10000> <-1> <0 > < 5>"


@lru_cache
def _reference_echo(
    source: str, stops: tuple[str, ...], mode: str, n: int | None
) -> tuple[str, str, frozenset[str]]:
    """SPEC section 3 for ASCII text without CR (where graphemes are characters):
    (output, finish_reason, the stop sequences that may be reported)."""
    assert source.isascii()
    assert "\r" not in source
    limit = len(source) if n is None else min(n, len(source))
    ends = {s: source.find(s) + len(s) for s in stops if s in source}
    earliest = min(ends.values(), default=None)
    if earliest is None or earliest > limit:
        return source[:limit], "stop" if limit == len(source) else "length", frozenset()
    winners = frozenset(s for s, e in ends.items() if e == earliest)
    if mode == "include":
        return source[:earliest], "stop", winners
    longest = max(winners, key=len)
    return source[: earliest - len(longest)], "stop", frozenset([longest])


def reference_echo(
    source: str, stops: list[str], mode: str = "include", n: int | None = None
) -> tuple[str, str, frozenset[str]]:
    return _reference_echo(source, tuple(stops), mode, n)


def test_reference_echo_sanity() -> None:
    assert reference_echo(MATCHING, STOPS_10K)[0].endswith("beta <123 <9999>")
    assert reference_echo(MATCHING, STOPS_10K, "exclude")[0].endswith("beta <")
    assert reference_echo(NOT_MATCHING, STOPS_10K) == (NOT_MATCHING, "stop", set())


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("mode", ["include", "exclude"])
@pytest.mark.parametrize("where", ["default", "per_call"])
@pytest.mark.parametrize("source", [MATCHING, NOT_MATCHING], ids=["matching", "not_matching"])
async def test_ten_thousand_stop_sequences(
    model_cls: type, mode: str, where: str, source: str
) -> None:
    expected, reason, reported = reference_echo(source, STOPS_10K, mode)
    if where == "default":
        model, kwargs = model_cls(stop=STOPS_10K, stop_mode=mode, chunk_size=47), {}
    else:
        model, kwargs = model_cls(), {"stop": STOPS_10K, "stop_mode": mode, "chunk_size": 47}
    assert text(model.invoke(source, **kwargs)) == expected
    assert text(await model.ainvoke(source, **kwargs)) == expected
    assert texts(model.batch([source, "no stop here"], **kwargs)) == [expected, "no stop here"]
    chunks = texts(list(model.stream(source, **kwargs)))
    assert "".join(chunks) == expected
    content = [c for c in chunks if c]
    assert all(len(c) == 47 for c in content[:-1]), "every chunk but the last holds chunk_size"
    # finish_reason and stop_sequence
    if model_cls is ChatEcho:
        metadata = model.invoke(source, **kwargs).response_metadata
    else:
        gen = model.generate([source], **kwargs).generations[0][0]
        metadata = gen.generation_info
    assert metadata["finish_reason"] == reason
    if reported:
        assert metadata.get("stop_sequence") in reported
    else:
        assert "stop_sequence" not in metadata


@pytest.mark.parametrize("mode", ["include", "exclude"])
@pytest.mark.parametrize("source", [MATCHING, NOT_MATCHING], ids=["matching", "not_matching"])
def test_ten_thousand_stop_sequences_stream_shaper(mode: str, source: str) -> None:
    expected, reason, reported = reference_echo(source, STOPS_10K, mode)
    rng = random.Random(9)
    for chunk_size in (None, 3):
        shaper = StreamShaper(stop=STOPS_10K, stop_mode=mode, chunk_size=chunk_size)
        out: list[str] = []
        pos = 0
        while pos < len(source):
            step = rng.choice([1, 2, 3, 5, 64, 500])
            out += shaper.feed(source[pos : pos + step])
            pos += step
        out += shaper.finish()
        assert "".join(out) == expected
        assert shaper.finish_reason == reason
        assert (shaper.stop_sequence in reported) if reported else shaper.stop_sequence is None


def test_ten_thousand_stops_with_a_limit() -> None:
    # n cuts before the earliest stop ends: "length", no stop sequence.
    cut = MATCHING.index("<9999>") + 3
    result = EchoLLM(n=cut, stop=STOPS_10K).generate([MATCHING]).generations[0][0]
    assert result.text == MATCHING[:cut]
    assert result.generation_info == {"finish_reason": "length"}


# ============================================================================================
# A 100 MB prompt: the right 5 graphemes, without touching (or copying) the rest
# ============================================================================================

# (id, repeated unit, its graphemes, number of repeats): each prompt is about 100 MB of UTF-8.
BIG = {
    "ascii": ("hello world ", list("hello world "), 8_400_000),
    "e_acute": ("é", ["é"], 50_000_000),
    "emoji": (
        "👋🏽👨\u200d👩\u200d👧🇫🇷é",
        ["👋🏽", "👨\u200d👩\u200d👧", "🇫🇷", "é"],
        2_800_000,
    ),
}


@pytest.fixture(scope="module")
def big_prompts() -> dict[str, tuple[str, list[str], int]]:
    """Built once per module: prompt, its first 5 graphemes, its grapheme count."""
    prompts = {}
    for name, (unit, unit_graphemes, repeats) in BIG.items():
        prompt = unit * repeats
        first5 = (unit_graphemes * 5)[:5]
        prompts[name] = (prompt, first5, len(unit_graphemes) * repeats)
    return prompts


def test_big_prompts_are_100_mb(big_prompts: dict) -> None:
    for name, (unit, unit_graphemes, repeats) in BIG.items():
        assert "".join(unit_graphemes) == unit
        assert graphemes(unit) == unit_graphemes
        assert len(unit.encode("utf-8")) * repeats >= 100 * MB
        assert len(big_prompts[name][0]) == len(unit) * repeats


#: Stops that each prompt's 6th grapheme would complete: in exclude mode the shaper holds back
#: their possible start, yet n=5 ends the echo before they can match.
NEAR_STOPS = ["hello w", "éééééé", "🇫🇷é👋🏽👨\u200d👩\u200d👧", "<never>"]


def _llm_calls(prompt: str) -> dict[str, Callable[[], list[str]]]:
    llm = EchoLLM(n=5)
    return {
        "invoke": lambda: [llm.invoke(prompt)],
        "invoke_stops": lambda: [llm.invoke(prompt, stop=NEAR_STOPS, stop_mode="exclude")],
        "stream": lambda: list(llm.stream(prompt)),
        "stream_stops": lambda: list(llm.stream(prompt, stop=NEAR_STOPS, stop_mode="exclude")),
        "batch": lambda: llm.batch([prompt, prompt]),
        "ainvoke": lambda: [asyncio.run(llm.ainvoke(prompt))],
        "astream": lambda: asyncio.run(_collect(llm.astream(prompt))),
    }


async def _collect(stream: Any) -> list[Any]:
    return [c async for c in stream]


@pytest.mark.parametrize(
    "path", ["invoke", "invoke_stops", "stream", "stream_stops", "batch", "ainvoke", "astream"]
)
@pytest.mark.parametrize("name", list(BIG))
def test_100mb_prompt_echo_llm(big_prompts: dict, name: str, path: str) -> None:
    prompt, first5, _ = big_prompts[name]
    _llm_calls("warm-up " * 4)[path]()  # first-call allocations are not the prompt's
    size_before = sys.getsizeof(prompt)
    call = _llm_calls(prompt)[path]
    with measure_memory() as memory:
        result = call()
    if "stream" in path:
        assert result == first5  # chunk_size 1: one grapheme per chunk, no empty trailing chunk
    elif path == "batch":
        assert result == ["".join(first5)] * 2
    else:
        assert result == ["".join(first5)]
    _assert_small(memory, prompt, size_before)


@pytest.mark.parametrize("path", ["invoke", "stream"])
@pytest.mark.parametrize("name", list(BIG))
def test_100mb_prompt_chat_echo(big_prompts: dict, name: str, path: str) -> None:
    prompt, first5, total = big_prompts[name]
    model = ChatEcho(n=5)
    list(model.stream("warm-up " * 4)) if path == "stream" else model.invoke("warm-up " * 4)
    size_before = sys.getsizeof(prompt)
    with measure_memory() as memory:
        if path == "invoke":
            message = model.invoke(prompt)
            chunks = None
        else:
            chunks = list(model.stream(prompt))
    if chunks is None:
        assert isinstance(message, AIMessage)
        assert message.content == "".join(first5)
        metadata, usage = message.response_metadata, message.usage_metadata
    else:
        assert [c.content for c in chunks] == [*first5, ""]
        metadata, usage = chunks[-1].response_metadata, chunks[-1].usage_metadata
    assert metadata["finish_reason"] == "length"
    assert usage == {"input_tokens": total, "output_tokens": 5, "total_tokens": total + 5}
    _assert_small(memory, prompt, size_before)


def _assert_small(memory: dict[str, int | None], prompt: str, size_before: int) -> None:
    # CPython caches a str's UTF-8 form on the str (and counts it in sys.getsizeof): encoding the
    # whole non-ASCII prompt once would leave ~100 MB behind that later calls would not re-trace.
    assert sys.getsizeof(prompt) == size_before, "the prompt's UTF-8 form was materialised"
    peak = memory["traced_peak"]
    assert peak is not None
    assert peak < 1 * MB, f"peak Python allocation {peak / MB:.1f} MB"
    growth = memory["rss_peak_growth_kb"]
    if growth is not None:  # Rust's allocations are not traced; the RSS high-water mark sees them
        assert growth < 32_000, f"peak RSS grew by {growth / 1000:.0f} MB"


def test_memory_probes_see_what_they_guard_against() -> None:
    # The probes above are only worth something if a copy of the prompt would trip them.
    prompt = "é" * (10 * MB)
    size_before = sys.getsizeof(prompt)
    as_utf8 = ctypes.pythonapi.PyUnicode_AsUTF8AndSize
    as_utf8.restype = ctypes.c_void_p
    as_utf8.argtypes = [ctypes.py_object, ctypes.c_void_p]
    with measure_memory() as memory:
        as_utf8(prompt, None)  # what a careless `to_str()` of the whole prompt does
    assert sys.getsizeof(prompt) > size_before
    assert memory["traced_peak"] is not None
    assert memory["traced_peak"] >= 20 * MB
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    with measure_memory() as memory:
        block = libc.malloc(64 * MB)  # an untraced, native allocation, as Rust's would be
        libc.memset(block, 1, 64 * MB)
        libc.free(block)
    assert memory["traced_peak"] is not None
    assert memory["traced_peak"] < 1 * MB
    growth = memory["rss_peak_growth_kb"]
    assert growth is None or growth > 60_000


# ============================================================================================
# Lone surrogates
# ============================================================================================

#: text -> its graphemes: each lone surrogate is a Control grapheme of its own.
SURROGATE_TEXTS = {
    "a\ud800b": ["a", "\ud800", "b"],
    "\udfff": ["\udfff"],
    "\ud83d\ude00": ["\ud83d", "\ude00"],  # two lone surrogates, not a pair, in a Python str
    "e\u0301\ud800\u0301": ["e\u0301", "\ud800", "\u0301"],
    "👨\u200d\udc00": ["👨\u200d", "\udc00"],
    "\r\ud800\n": ["\r", "\ud800", "\n"],
    "é\udbff\udfffé": ["é", "\udbff", "\udfff", "é"],
}


@pytest.mark.parametrize("source", list(SURROGATE_TEXTS), ids=ascii)
def test_surrogates_in_text_api(source: str) -> None:
    expected = SURROGATE_TEXTS[source]
    assert graphemes(source) == expected
    assert count_graphemes(source) == len(expected)
    for n in range(len(expected) + 2):
        assert truncate_graphemes(source, n) == "".join(expected[:n])
    for chunk_size in (None, 1, 2):
        shaper = StreamShaper(chunk_size=chunk_size)
        out = [c for ch in source for c in shaper.feed(ch)] + shaper.finish()
        assert "".join(out) == source
        assert all("\ufffd" not in c for c in out)


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("path", ["invoke", "stream", "batch", "ainvoke", "astream", "abatch"])
@pytest.mark.parametrize("source", list(SURROGATE_TEXTS), ids=ascii)
async def test_surrogates_echoed_unchanged(model_cls: type, path: str, source: str) -> None:
    expected = SURROGATE_TEXTS[source]
    model = model_cls()
    result = await run_path(model, path, source)
    if path.endswith("batch"):
        assert texts(result) == [source, source]
    elif path.endswith("stream"):
        chunks = texts(result)
        assert chunks == ([*expected, ""] if model_cls is ChatEcho else expected)
    else:
        assert text(result) == source
    # each surrogate counts as one grapheme
    for n in range(len(expected) + 1):
        assert text(model.invoke(source, n=n)) == "".join(expected[:n])
        streamed = texts(list(model.stream(source, n=n, chunk_size=2)))
        assert "".join(streamed) == "".join(expected[:n])
    if model_cls is ChatEcho:
        usage = model.invoke(source).usage_metadata
        assert usage is not None
        assert usage["input_tokens"] == usage["output_tokens"] == len(expected)


SURROGATE_STOP_CASES = [
    # (source, stop, include output, exclude output)
    ("ab\ud800cd\ud800ef", "\ud800c", "ab\ud800c", "ab"),
    ("ab\ud800cd\ud800ef", "d\ud800", "ab\ud800cd\ud800", "ab\ud800c"),
    ("x\udfff", "\udfff", "x\udfff", "x"),
    ("no match \ud800", "\udc00", "no match \ud800", "no match \ud800"),
    ("é\ud83d\ude00!", "\ud83d\ude00", "é\ud83d\ude00", "é"),
]


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("path", ["invoke", "stream", "batch", "ainvoke", "astream"])
@pytest.mark.parametrize(("source", "stop", "include", "exclude"), SURROGATE_STOP_CASES, ids=ascii)
async def test_surrogate_in_stop_sequence(
    model_cls: type, path: str, source: str, stop: str, include: str, exclude: str
) -> None:
    for mode, expected in (("include", include), ("exclude", exclude)):
        for model, kwargs in [
            (model_cls(stop_mode=mode), {"stop": [stop]}),
            (model_cls(stop=[stop], stop_mode=mode), {}),
        ]:
            result = await run_path(model, path, source, **kwargs)
            outputs = texts(result) if path == "batch" else [text(result)]
            assert outputs == [expected] * len(outputs), (mode, outputs)
            assert all("\ufffd" not in o for o in outputs)
    if include != source:
        if model_cls is ChatEcho:
            metadata = model_cls(stop=[stop]).invoke(source).response_metadata
        else:
            metadata = model_cls(stop=[stop]).generate([source]).generations[0][0].generation_info
        assert metadata["stop_sequence"] == stop


@pytest.mark.parametrize(("source", "stop", "include", "exclude"), SURROGATE_STOP_CASES, ids=ascii)
def test_surrogate_in_stop_sequence_stream_shaper(
    source: str, stop: str, include: str, exclude: str
) -> None:
    for mode, expected in (("include", include), ("exclude", exclude)):
        for split in range(len(source) + 1):
            shaper = StreamShaper(stop=[stop], stop_mode=mode)
            out = shaper.feed(source[:split]) + shaper.feed(source[split:]) + shaper.finish()
            assert "".join(out) == expected, (mode, split, out)


@pytest.mark.parametrize("offset", [0, 1, 2, 254, 255, 256, 767, 768, 16_383, 16_384, 16_385])
def test_surrogates_in_long_text(offset: int) -> None:
    # Long non-ASCII text is read in windows; a surrogate (or a CR LF) on a window's edge must
    # come through whole and alone.
    source = "é" * offset + "\ud800\r\n\udfff" + "ü" * 20_000 + "\ud83d\ude00"
    expected = ["é"] * offset + ["\ud800", "\r\n", "\udfff"] + ["ü"] * 20_000
    expected += ["\ud83d", "\ude00"]
    assert graphemes(source) == expected
    assert count_graphemes(source) == len(expected)
    assert truncate_graphemes(source, offset + 2) == "".join(expected[: offset + 2])
    assert EchoLLM().invoke(source) == source
    assert list(EchoLLM(chunk_size=offset + 1).stream(source)) == [
        "".join(expected[i : i + offset + 1]) for i in range(0, len(expected), offset + 1)
    ]
    assert ChatEcho(n=offset + 3).invoke(source).content == "".join(expected[: offset + 3])


# ============================================================================================
# Empty input, empty message list, image-only messages
# ============================================================================================


async def test_empty_prompt_echo_llm() -> None:
    llm = EchoLLM()
    assert llm.invoke("") == ""
    assert await llm.ainvoke("") == ""
    assert list(llm.stream("")) == [""]
    assert [c async for c in llm.astream("")] == [""]
    assert llm.batch(["", "x", ""]) == ["", "x", ""]
    assert await llm.abatch(["", "x"]) == ["", "x"]
    # Every empty output streams one empty chunk: n=0, or a stop at the start in exclude mode.
    assert list(EchoLLM(n=0).stream("abc")) == [""]
    assert list(EchoLLM(stop_mode="exclude").stream("abc", stop=["a"])) == [""]
    info = llm.generate([""]).generations[0][0].generation_info
    assert info == {"finish_reason": "stop"}


def _closing_only(chunks: list[Any], input_tokens: int = 0, reason: str = "stop") -> None:
    assert len(chunks) == 1, chunks
    (chunk,) = chunks
    assert isinstance(chunk, AIMessageChunk)
    assert chunk.content == ""
    assert chunk.chunk_position == "last"
    assert chunk.response_metadata["finish_reason"] == reason
    assert chunk.usage_metadata == {
        "input_tokens": input_tokens,
        "output_tokens": 0,
        "total_tokens": input_tokens,
    }


async def test_empty_prompt_chat_echo() -> None:
    model = ChatEcho()
    assert model.invoke("").content == ""
    assert (await model.ainvoke("")).content == ""
    assert texts(model.batch(["", "x"])) == ["", "x"]
    _closing_only(list(model.stream("")))
    _closing_only([c async for c in model.astream("")])
    _closing_only(list(ChatEcho(n=0).stream("abc")), input_tokens=3, reason="length")


@pytest.mark.parametrize("path", ["invoke", "stream", "ainvoke", "astream", "batch", "abatch"])
async def test_empty_message_list(path: str) -> None:
    recorder = Recorder()
    received: list[Any] = []
    with pytest.raises(ValueError, match="empty message list") as info:
        await run_path(ChatEcho(), path, [], callbacks=[recorder], received=received)
    assert isinstance(info.value, ValueError)
    assert received == []
    assert "on_llm_new_token" not in recorder.events
    assert set(recorder.events) <= ALLOWED_ON_REJECT


IMAGE_BLOCKS = {
    "image": [{"type": "image", "url": "https://example.com/x.png"}],
    "image_url": [{"type": "image_url", "image_url": {"url": "https://example.com/x.png"}}],
    "two_images": [
        {"type": "image", "url": "https://example.com/x.png"},
        {"type": "image_url", "image_url": {"url": "https://example.com/y.png"}},
    ],
}


@pytest.mark.parametrize("blocks", list(IMAGE_BLOCKS))
async def test_last_message_with_only_images(blocks: str) -> None:
    model = ChatEcho()
    messages = [HumanMessage("four"), HumanMessage(content=IMAGE_BLOCKS[blocks])]  # type: ignore[arg-type]
    message = model.invoke(messages)
    assert message.content == ""
    assert message.usage_metadata == {"input_tokens": 4, "output_tokens": 0, "total_tokens": 4}
    assert (await model.ainvoke(messages)).content == ""
    assert texts(model.batch([messages, "x"])) == ["", "x"]
    _closing_only(list(model.stream(messages)), input_tokens=4)
    _closing_only([c async for c in model.astream(messages)], input_tokens=4)
    # Text beside the images is echoed; the images are not.
    mixed = [*IMAGE_BLOCKS[blocks], {"type": "text", "text": "hi"}]
    assert model.invoke([HumanMessage(content=mixed)]).content == "hi"  # type: ignore[arg-type]


# ============================================================================================
# Abandoned streams
# ============================================================================================

ABANDON_PROMPTS = {"ascii": "x" * MB, "non_ascii": "é" * (MB // 2)}  # 1 MB of UTF-8 each


def _abandon_break(model: Any, prompt: str, at: int) -> None:
    for i, _ in enumerate(model.stream(prompt)):
        if i >= at:
            break


def _abandon_close(model: Any, prompt: str, at: int) -> None:
    stream = model.stream(prompt)
    for _ in range(at + 1):
        next(stream)
    stream.close()


async def _abandon_aclose(model: Any, prompt: str, at: int) -> None:
    stream = model.astream(prompt)
    for _ in range(at + 1):
        await stream.__anext__()
    await stream.aclose()


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("how", ["break", "close", "aclose"])
@pytest.mark.parametrize("at", [0, 1, 2])  # 3 content chunks: the last is ChatEcho's closing one
async def test_abandoned_stream_then_next_call(model_cls: type, how: str, at: int) -> None:
    model = model_cls(chunk_size=2)
    recorder = Recorder()
    for name, prompt in ABANDON_PROMPTS.items():
        short = prompt[:6]
        if how == "break":
            _abandon_break(model, short, at)
        elif how == "close":
            _abandon_close(model, short, at)
        else:
            await _abandon_aclose(model, short, at)
        if how == "break":
            _abandon_break(model, prompt, at)
        elif how == "close":
            _abandon_close(model, prompt, at)
        else:
            await _abandon_aclose(model, prompt, at)
        # The next calls work and see nothing of the abandoned ones.
        assert text(model.invoke(prompt, n=3)) == prompt[:3], name
        chunks = texts(list(model.stream(prompt, n=5, config={"callbacks": [recorder]})))
        expected = [prompt[:2], prompt[2:4], prompt[4:5]]
        assert chunks == ([*expected, ""] if model_cls is ChatEcho else expected)
        assert text(await model.ainvoke(short)) == short


ABANDON_SCRIPT = textwrap.dedent(
    """
    import asyncio, gc
    from langchain_echo import ChatEcho, EchoLLM

    async def main():
        # Dev mode logs any task step over 0.1 s; this coroutine runs sync streams between its
        # awaits, so a slow step says nothing about the package.
        asyncio.get_running_loop().slow_callback_duration = 60
        for cls in (EchoLLM, ChatEcho):
            model = cls(chunk_size=3)
            for prompt in ("x" * 1_000_000, "é" * 500_000):
                for _ in model.stream(prompt):
                    break
                stream = model.stream(prompt)
                next(stream)
                next(stream)
                stream.close()
                astream = model.astream(prompt)
                await astream.__anext__()
                await astream.aclose()
                del stream, astream
                gc.collect()
                assert model.invoke(prompt[:10], n=4) is not None
        print("ok")

    asyncio.run(main())
    gc.collect()
    """
)


def test_abandoned_streams_under_w_error_and_dev_mode(tmp_path: Path) -> None:
    script = tmp_path / "abandon.py"
    script.write_text(ABANDON_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-W", "error", "-X", "dev", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n"
    assert done.stderr == "", done.stderr


async def test_abandoned_streams_do_not_leak() -> None:
    # 10,000 abandoned streams of a 1 MB prompt, rotating over both models, both prompts and the
    # three ways to abandon (break, close(), aclose()), all traced by tracemalloc.
    models = [EchoLLM(chunk_size=3), ChatEcho(chunk_size=3)]
    prompts = list(ABANDON_PROMPTS.values())
    refcounts = [sys.getrefcount(p) for p in prompts]

    async def one(i: int) -> None:
        model, prompt, how = models[i % 2], prompts[(i // 2) % 2], (i // 4) % 3
        at = i % 3
        if how == 0:
            _abandon_break(model, prompt, at)
        elif how == 1:
            _abandon_close(model, prompt, at)
        else:
            await _abandon_aclose(model, prompt, at)

    tracemalloc.start()
    try:
        for i in range(240):  # warm-up: caches, lazily built LangChain state
            await one(i)
        gc.collect()
        traced_before = tracemalloc.get_traced_memory()[0]
        rss_before = rss_kb()
        for i in range(10_000):
            await one(i)
        gc.collect()
        traced_growth = tracemalloc.get_traced_memory()[0] - traced_before
    finally:
        tracemalloc.stop()
    rss_after = rss_kb()
    # One leaked prompt would be 1 MB; one leaked 100-byte object per stream, 1 MB too.
    assert traced_growth < 1 * MB, f"traced memory grew by {traced_growth / MB:.2f} MB"
    assert [sys.getrefcount(p) for p in prompts] == refcounts, "a stream kept its prompt"
    if rss_before is not None and rss_after is not None:  # Rust's allocations
        assert rss_after - rss_before < 32_000, f"RSS grew by {(rss_after - rss_before) // 1000} MB"
    for model in models:
        assert text(model.invoke(prompts[1], n=3)) == "ééé"
        assert texts(list(model.stream(prompts[0], n=4)))[:2] == ["xxx", "x"]


# ============================================================================================
# Concurrency: 8 threads, shared models, every result as single-threaded
# ============================================================================================

# Longer than the 16,384 code points the core converts whole: read in windows.
LONG_NON_ASCII = ("ünïcödé 👍🏽 " * 1_700) + "END.\n" + "tail"


def _normalize(result: Any) -> Any:
    if isinstance(result, list):
        return [_normalize(r) for r in result]
    if isinstance(result, BaseMessage):
        return (
            type(result).__name__,
            result.content,
            result.response_metadata,
            getattr(result, "usage_metadata", None),
            getattr(result, "chunk_position", None),
        )
    return result


def _concurrency_jobs() -> list[Callable[[], Any]]:
    llms = [
        EchoLLM(),
        EchoLLM(n=3),
        EchoLLM(n=7, stop=["o"], chunk_size=2),
        EchoLLM(stop=STOPS_10K[:1000], stop_mode="exclude", chunk_size=3),
    ]
    chats = [
        ChatEcho(),
        ChatEcho(n=4, chunk_size=3),
        ChatEcho(stop=["\n"], stop_mode="exclude"),
        ChatEcho(stop=STOPS_10K[:1000], chunk_size=5),
    ]
    sources = [
        "hello world",
        "a\ud800b\udfff",
        "👨\u200d👩\u200d👧 family <42> and more",
        LONG_NON_ASCII,
        "",
        "line one\nline two",
    ]
    jobs: list[Callable[[], Any]] = []
    for models in (llms, chats):
        for m_i, model in enumerate(models):
            for s_i, source in enumerate(sources):
                n = (m_i + s_i) % 9
                stop = [["\n"], ["o"], ["<42>"], None][(m_i + s_i) % 4]
                # Few chunks for the long text: LangChain's per-chunk cost is not under test.
                chunk_size = (m_i + s_i) % 3 + 1 if len(source) < 100 else 997
                jobs += [
                    lambda model=model, source=source: model.invoke(source),
                    lambda model=model, source=source, n=n: model.invoke(source, n=n),
                    lambda model=model, source=source, stop=stop, cs=chunk_size: list(
                        model.stream(source, stop=stop, chunk_size=cs)
                    ),
                    lambda model=model, source=source, n=n, cs=chunk_size: list(
                        model.stream(source, n=n, chunk_size=cs)
                    ),
                    lambda model=model, source=source, stop=stop: model.batch(
                        [source, source[::-1], "x"], stop=stop
                    ),
                ]
            jobs.append(lambda model=model: model.batch(sources, max_tokens=5))
    for s_i, source in enumerate(sources):
        jobs.append(lambda source=source, s_i=s_i: _shape(source, s_i))
    return jobs


def _shape(source: str, seed: int) -> list[str]:
    shaper = StreamShaper(stop=["<42>", "\n"], chunk_size=seed % 3 + 1, max_graphemes=10_000)
    rng = random.Random(seed)
    out: list[str] = []
    pos = 0
    while pos < len(source):
        step = rng.randint(1, 40)
        out += shaper.feed(source[pos : pos + step])
        pos += step
    return out + shaper.finish()


def test_concurrent_calls_from_8_threads() -> None:
    jobs = _concurrency_jobs()
    expected = [_normalize(job()) for job in jobs]
    order = [i for i in range(len(jobs)) for _ in range(4)]
    random.Random(8).shuffle(order)
    start = threading.Barrier(8, timeout=60)

    def run(i: int) -> tuple[int, Any]:
        return i, _normalize(jobs[i]())

    def first(i: int) -> tuple[int, Any]:
        start.wait()  # every worker starts at once
        return run(i)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(first, order[:8]))
        results += list(pool.map(run, order[8:]))
    mismatches = [i for i, got in results if got != expected[i]]
    assert not mismatches, f"{len(mismatches)} results differ, e.g. job {mismatches[0]}"


# ============================================================================================
# Bad input for the new surfaces: tools, tool_choice, scripts (each a clear error, before any
# chunk; pacing is in BAD_FIELDS, BAD_CALL and ASSIGNED above)
# ============================================================================================


def add(a: int, b: int) -> int:
    """Adds a and b."""
    return a + b


#: Tool sets that cannot be used, each bound with ``bind_tools``: (tools, what the error says).
BAD_TOOLS = [
    ([42], r"tools\[0\] \(42\) cannot be converted to an OpenAI tool"),
    ([add, object()], r"tools\[1\] \(<object object at .*\) cannot be converted"),
    ([{"type": "object", "properties": {}}], r"tools\[0\] .*top-level 'title'"),
    ([{"type": "web_search_preview"}], r"is a 'web_search_preview' tool, not a function"),
    ([{"name": "", "parameters": {}}], r"tools\[0\] .* has no name \(got ''\)"),
    (
        [{"name": "f", "parameters": {"type": "string"}}],
        r"tools\[0\] \('f'\) .*tool parameters must be an object schema, got type 'string'",
    ),
    (
        [{"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "int"}}}}],
        r"tools\[0\] \('f'\) .*type at #/properties/a is 'int', but a type is one of",
    ),
    (
        [{"name": "f", "parameters": {"properties": {"a": {"$ref": "#/$defs/A"}}}}],
        r"tools\[0\] \('f'\) .*\$ref '#/\$defs/A' does not resolve",
    ),
    ([{"name": "f", "parameters": {"properties": {"a": 3}}}], r"#/properties/a: 3 is not a schema"),
    ({"name": "f"}, r"tools must be a list of tools"),
]


@pytest.mark.parametrize(("tools", "message"), BAD_TOOLS)
def test_unusable_tools_fail_at_bind_time(tools: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ChatEcho().bind_tools(tools)


@pytest.mark.parametrize("schema", [42, {"type": "object", "properties": {}}, "Person"])
@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_unusable_structured_output_schemas_fail_at_once(schema: Any, method: str) -> None:
    with pytest.raises(ValueError, match=r"cannot be converted|title|schema"):
        ChatEcho().with_structured_output(schema, method=method)  # type: ignore[arg-type]


#: A tool choice naming nothing: (tools bound, tool_choice, what the error says).
BAD_CHOICES = [
    ([add], "nope", r"tool_choice names 'nope', which is not a bound tool \(bound: 'add'\)"),
    ([add], {"type": "function", "function": {"name": "nope"}}, r"names 'nope', which is not"),
    ([add], {"type": "function", "name": "nope"}, r"names 'nope', which is not"),
    ([add], {"type": "function", "function": {}}, r"is not one of the accepted forms"),
    ([add], 3, r"tool_choice 3 is not one of the accepted forms"),
    ([add], False, r"tool_choice False is not one of the accepted forms"),
    ([add, add], True, r"tool_choice=True needs exactly one bound tool, but 2 are bound"),
    ([], "add", r"tool_choice names 'add', which is not a bound tool \(bound: none\)"),
    ([], "any", r"tool_choice='any' needs bound tools, but none are bound"),
    ([], "required", r"tool_choice='required' needs bound tools"),
    ([], True, r"tool_choice=True needs exactly one bound tool, but 0 are bound"),
]


@pytest.mark.parametrize(("tools", "choice", "message"), BAD_CHOICES)
def test_a_tool_choice_naming_nothing_fails_at_bind_time(
    tools: list[Any], choice: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ChatEcho().bind_tools(tools, tool_choice=choice)


#: What ``bind`` (not ``bind_tools``, which checks at bind time) can attach that cannot work:
#: each call must then fail with the same clear error, before any chunk.
BAD_BOUND = [
    ({"tools": [42]}, r"tools\[0\] \(42\) cannot be converted to an OpenAI tool"),
    ({"tools": [add, "add"]}, r"tools\[1\] \('add'\) cannot be converted"),
    ({"tools": {"name": "f"}}, r"tools must be a list of tools"),
    ({"tools": [{"name": "f", "parameters": {"type": "array"}}]}, r"must be an object schema"),
    ({"tools": [add], "tool_choice": "nope"}, r"tool_choice names 'nope', which is not a bound"),
    ({"tool_choice": "add"}, r"tool_choice names 'add', which is not a bound tool \(bound: none"),
    ({"tool_choice": "any"}, r"tool_choice='any' needs bound tools, but none are bound"),
    ({"tool_choice": True}, r"tool_choice=True needs exactly one bound tool, but 0 are bound"),
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("bound", "message"), BAD_BOUND)
async def test_bad_tools_bound_by_hand_fail_every_call_before_any_chunk(
    path: str, bound: dict[str, Any], message: str
) -> None:
    model = ChatEcho().bind(**bound)
    recorder = Recorder()
    received: list[Any] = []
    with pytest.raises(ValueError, match=message):
        await run_path(model, path, "hello", callbacks=[recorder], received=received)
    assert received == [], "a chunk reached the consumer before the error"
    assert "on_llm_new_token" not in recorder.events
    assert set(recorder.events) <= ALLOWED_ON_REJECT, recorder.events


def test_tools_bound_by_hand_are_converted_as_bind_tools_converts_them() -> None:
    by_hand = ChatEcho().bind(tools=[add]).invoke("hi")
    bound = ChatEcho().bind_tools([add]).invoke("hi")
    assert (
        by_hand.tool_calls
        == bound.tool_calls
        == [{"name": "add", "args": {"a": 0, "b": 0}, "id": "call_0_0", "type": "tool_call"}]
    )
    # The choices that need no tool stay fine without tools.
    for choice in ("auto", "none"):
        assert ChatEcho().bind(tool_choice=choice).invoke("hi").content == "hi"


#: Script entries of the wrong type, for each model: (entry, the type the message names).
BAD_ENTRIES = {
    ChatEcho: [(42, "int"), (None, "NoneType"), (3.5, "float"), (["x"], "list"), (b"x", "bytes")],
    EchoLLM: [
        (AIMessage("x"), "AIMessage"),
        ({"content": "x"}, "dict"),
        (HumanMessage("x"), "HumanMessage"),
    ],
}


@pytest.mark.parametrize(
    ("model_cls", "entry", "kind"),
    [(cls, entry, kind) for cls, cases in BAD_ENTRIES.items() for entry, kind in cases],
)
def test_script_entries_of_the_wrong_type_fail_at_construction(
    model_cls: type, entry: Any, kind: str
) -> None:
    with pytest.raises(ValueError, match=rf"responses\[1\] is {kind}") as info:
        model_cls(responses=["fine", entry])
    assert "script entry must be" in str(info.value)


@pytest.mark.parametrize("responses", ["one reply", {"content": "x"}, 42])
@pytest.mark.parametrize("model_cls", MODELS)
def test_responses_must_be_a_list(model_cls: type, responses: Any) -> None:
    with pytest.raises(ValueError, match="responses"):
        model_cls(responses=responses)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (lambda: Fault("x", "boom"), r"Fault error must be an exception instance or class"),
        (lambda: Fault("x", KeyError, after=-1), r"Fault after must be a non-negative int"),
        (lambda: Fault("x", KeyError, after=1.5), r"Fault after must be a non-negative int"),
        (lambda: Fault(42, KeyError), r"Fault reply must be a str, an AIMessage or a dict"),
    ],
)
def test_bad_faults_fail_where_they_are_made(fault: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fault()


@pytest.mark.parametrize("path", PATHS)
async def test_a_scripted_call_to_an_unbound_tool_fails_before_any_chunk(path: str) -> None:
    call = {"name": "search", "args": {}, "id": "c1"}
    model = ChatEcho(responses=[AIMessage("", tool_calls=[call])] * 2).bind_tools([add])
    recorder = Recorder()
    received: list[Any] = []
    with pytest.raises(ValueError, match=r"calls 'search' \(tool call 0\), which is not a bound"):
        await run_path(model, path, "hello", callbacks=[recorder], received=received)
    assert received == []
    assert set(recorder.events) <= ALLOWED_ON_REJECT, recorder.events
