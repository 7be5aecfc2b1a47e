"""shape_stream, ashape_stream and ShapeStream: any model's stream, shaped (SPEC section 8)."""

from __future__ import annotations

import asyncio
import gc
import itertools
from collections.abc import AsyncIterator, Iterator
from functools import reduce
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, GenerationChunk
from langchain_core.prompts import ChatPromptTemplate
from pydantic import Field

from langchain_echo import ShapeStream, StreamShaper, ashape_stream, graphemes, shape_stream
from langchain_echo.bench._pyshaper import PyShaper

# --- the specification, executed literally (SPEC section 3) ---------------------------------------


def reference(
    text: str, stop: list[str], stop_mode: str = "include", max_graphemes: int | None = None
) -> tuple[str, str, str | None]:
    """Emit grapheme by grapheme; after each, look for the earliest-ending stop occurrence."""
    gs = graphemes(text)
    limit = len(gs) if max_graphemes is None else min(max_graphemes, len(gs))
    out = ""
    bounds = [0]
    for g in gs[:limit]:
        out += g
        bounds.append(len(out))
        # The first occurrence of each stop is its earliest-ending one; ties go to the longest.
        hits = [(out.find(s) + len(s), out.find(s), s) for s in stop if s in out]
        if hits:
            _, start, s = min(hits)
            if stop_mode == "exclude":
                out = out[: max(b for b in bounds if b <= start)]
            return out, "stop", s
    return out, "stop" if limit == len(gs) else "length", None


def options_of(o: dict[str, Any]) -> tuple[list[str], str, int | None]:
    stop = o.get("stop") or []
    return (
        ([stop] if isinstance(stop, str) else list(stop)),
        o.get("stop_mode", "include"),
        o.get("max_graphemes"),
    )


# --- streams of each kind -------------------------------------------------------------------------

KINDS = ["str", "ai", "ai_last", "ai_in_last", "ai_blocks", "generation"]
# The kinds whose upstream marks its last chunk.
MARKED = ("ai_last", "ai_in_last")


def make_chunks(pieces: list[str], kind: str) -> list[Any]:
    if kind == "str":
        return list(pieces)
    if kind == "generation":
        return [GenerationChunk(text=p) for p in pieces]
    chunks = [AIMessageChunk(content=p, id="run-1") for p in pieces]
    if kind == "ai_last":
        # LangChain's chat models end every stream with a chunk marked last (often empty).
        chunks.append(AIMessageChunk(content="", id="run-1", chunk_position="last"))
    elif kind == "ai_in_last":
        # ... or mark their last text chunk (GenericFakeChatModel does).
        chunks[-1] = AIMessageChunk(content=pieces[-1], id="run-1", chunk_position="last")
    elif kind == "ai_blocks":
        # List content: each piece in two text blocks, each block its own index.
        chunks = [
            AIMessageChunk(
                content=[
                    {"type": "text", "text": p[: len(p) // 2], "index": 2 * i},
                    {"type": "text", "text": p[len(p) // 2 :], "index": 2 * i + 1},
                ],
                id="run-1",
            )
            for i, p in enumerate(pieces)
        ]
    return chunks


def text_of(chunk: Any) -> str:
    return chunk if isinstance(chunk, str) else chunk.text


def finish_of(chunk: Any) -> dict[str, Any]:
    if isinstance(chunk, GenerationChunk):
        return chunk.generation_info or {}
    return dict(chunk.response_metadata)


def check_stream(pieces: list[str], kind: str, o: dict[str, Any], expected: tuple) -> None:
    """The shaped stream of ``pieces`` gives the whole-text result, in whole graphemes."""
    output, reason, stop_sequence = expected
    out = list(shape_stream(make_chunks(pieces, kind), **o))
    what = f"{pieces!r} {kind} {o}"
    # A cut: a stop sequence or the budget ended the text (not the upstream running out).
    cut = stop_sequence is not None or reason == "length"
    closing = None
    if cut and kind != "str":
        *out, closing = out
        assert text_of(closing) == "", what
        info = {"finish_reason": reason}
        if stop_sequence is not None:
            info["stop_sequence"] = stop_sequence
        assert finish_of(closing) == info, what
    texts = [text_of(c) for c in out]
    assert "".join(texts) == output, what
    # No chunk splits a grapheme, and no chunk is empty unless it carries the stream's end.
    assert [g for t in texts for g in graphemes(t)] == graphemes(output), what
    for c in out:
        if not text_of(c):
            assert kind in MARKED, what
            assert c.chunk_position == "last", what
    size = o.get("chunk_size")
    if size is not None:
        full = [t for t in texts if t][:-1]
        assert all(len(graphemes(t)) == size for t in full), what
    else:
        # At most one chunk per upstream chunk, plus the flush when the upstream ends; a chunk
        # marked last is the end, and its text and the flush go out as one chunk.
        upstream = len(make_chunks(pieces, kind))
        assert len(out) <= upstream + (kind not in MARKED), what
    if kind.startswith("ai"):
        assert all(c.id == "run-1" for c in out), what
        marked = [c for c in [*out, closing] if c is not None and c.chunk_position == "last"]
        assert len(marked) == (1 if kind in MARKED or cut else 0), what
        if marked:
            assert marked[0] is (closing or out[-1]), what


# --- every split of short texts ------------------------------------------------------------------

SHORT_TEXTS = [
    "ab👍🏽cd",
    "e\u0301\r\nx",
    "👨\u200d👩\u200d👧 ok",
    "🇫🇷🇩🇪!",
    "xSTSTOPy",
    "क्षa\u0301",
    "aSTOP",
]
OPTIONS: list[dict[str, Any]] = [
    {},
    {"chunk_size": 2},
    {"max_graphemes": 3},
    {"stop": "STOP"},
    {"stop": ["STOP"], "stop_mode": "exclude"},
    {"stop": ["ST", "STOP", "TS"], "stop_mode": "exclude", "chunk_size": 1},
    {"stop": ["👩", "🏽", "\n"]},
    {"stop": ["\u0301", "🇷🇩", "\r"], "stop_mode": "exclude"},
    {"stop": ["b", "d", "T"], "max_graphemes": 4, "chunk_size": 3},
]


def all_splits(text: str) -> Iterator[list[str]]:
    """Every composition of ``text``'s code points into consecutive pieces."""
    n = len(text)
    for mask in range(1 << max(n - 1, 0)):
        pieces, start = [], 0
        for i in range(1, n):
            if mask & (1 << (i - 1)):
                pieces.append(text[start:i])
                start = i
        pieces.append(text[start:])
        yield pieces


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("text", SHORT_TEXTS)
def test_every_split_gives_the_whole_text_result(text: str, kind: str) -> None:
    for o in OPTIONS:
        expected = reference(text, *options_of(o))
        assert ShapeStream(**o).invoke(text) == expected[0]
        for pieces in all_splits(text):
            check_stream(pieces, kind, o, expected)


# --- long texts, hypothesis ----------------------------------------------------------------------

ALPHABET = [
    "a", "b", "S", "T", " ", "\r", "\n", "e", "\u0301", "👍", "🏽", "\u200d", "👩",
    "🇫", "🇷", "क", "्", "ष", "\ud800",
]  # fmt: skip

texts = st.lists(st.sampled_from(ALPHABET), max_size=60).map("".join)
stops = st.lists(
    st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=3).map("".join), max_size=3
)


@st.composite
def shaped_cases(draw: st.DrawFn) -> tuple[list[str], dict[str, Any]]:
    text = draw(texts)
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=20))))
    bounds = [0, *cuts, len(text)]
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    o: dict[str, Any] = {
        "stop": draw(stops),
        "stop_mode": draw(st.sampled_from(["include", "exclude"])),
    }
    o["max_graphemes"] = draw(st.none() | st.integers(0, 40))
    o["chunk_size"] = draw(st.none() | st.integers(1, 4))
    return pieces, o


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shaped_cases(), st.sampled_from(KINDS))
def test_any_split_of_long_texts_gives_the_whole_text_result(
    case: tuple[list[str], dict[str, Any]], kind: str
) -> None:
    pieces, o = case
    expected = reference("".join(pieces), *options_of(o))
    check_stream(pieces, kind, o, expected)
    assert ShapeStream(**o).invoke("".join(pieces)) == expected[0]


# --- split graphemes come out whole --------------------------------------------------------------

SPLIT_GRAPHEMES = {
    "zwj family": "👨\u200d👩\u200d👧\u200d👦",
    "flag": "🇫🇷",
    "skin tone": "👍🏽",
    "cr lf": "\r\n",
    "e + acute": "e\u0301",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", SPLIT_GRAPHEMES)
@pytest.mark.parametrize("chunk_size", [None, 1])
def test_graphemes_split_across_chunks_come_out_whole(
    name: str, kind: str, chunk_size: int | None
) -> None:
    g = SPLIT_GRAPHEMES[name]
    pieces = ["a", *g, *g, "b"]  # every code point its own upstream chunk
    out = [text_of(c) for c in shape_stream(make_chunks(pieces, kind), chunk_size=chunk_size)]
    out = [t for t in out if t]
    if chunk_size == 1:
        assert out == ["a", g, g, "b"]
    else:
        assert "".join(out) == f"a{g}{g}b"
        assert [x for t in out for x in graphemes(t)] == ["a", g, g, "b"]


# --- stops spanning chunks; the upstream is closed, not drained ----------------------------------


def recorded(pieces: list[Any], log: list[Any]) -> Iterator[Any]:
    try:
        for p in pieces:
            log.append(text_of(p))
            yield p
    finally:
        log.append("closed")


async def arecorded(pieces: list[Any], log: list[Any]) -> AsyncIterator[Any]:
    try:
        for p in pieces:
            log.append(text_of(p))
            yield p
    finally:
        log.append("closed")


# The pieces, and how many of them are read in include and in exclude mode: include must see the
# text after the stop's last grapheme, to know that grapheme is complete.
SPANNING = [
    (["say ST", "OP now", "never read"], (2, 2)),
    (["say S", "TO", "P now", "never read"], (3, 3)),
    (["say S", "T", "O", "P", " now", "never read"], (5, 4)),
]


@pytest.mark.parametrize("kind", ["str", "ai", "generation"])
@pytest.mark.parametrize(("pieces", "read"), SPANNING)
@pytest.mark.parametrize("stop_mode", ["include", "exclude"])
def test_a_stop_spanning_chunks_ends_the_stream_and_closes_the_upstream(
    pieces: list[str], read: tuple[int, int], stop_mode: str, kind: str
) -> None:
    log: list[Any] = []
    out = list(
        shape_stream(recorded(make_chunks(pieces, kind), log), stop="STOP", stop_mode=stop_mode)
    )
    read_ = read[stop_mode == "exclude"]
    assert log == [*pieces[:read_], "closed"]  # closed at once, nothing more read
    texts = [text_of(c) for c in out]
    assert "".join(texts) == ("say STOP" if stop_mode == "include" else "say ")
    if kind != "str":
        assert texts[-1] == ""
        assert finish_of(out[-1]) == {"finish_reason": "stop", "stop_sequence": "STOP"}


@pytest.mark.parametrize("kind", ["str", "ai", "generation"])
@pytest.mark.parametrize(("pieces", "read"), SPANNING)
@pytest.mark.parametrize("stop_mode", ["include", "exclude"])
async def test_a_stop_spanning_async_chunks_closes_the_upstream(
    pieces: list[str], read: tuple[int, int], stop_mode: str, kind: str
) -> None:
    log: list[Any] = []
    shaped = ashape_stream(
        arecorded(make_chunks(pieces, kind), log), stop=["STOP"], stop_mode=stop_mode
    )
    out = [c async for c in shaped]
    assert log == [*pieces[: read[stop_mode == "exclude"]], "closed"]
    texts = [text_of(c) for c in out]
    assert "".join(texts) == ("say STOP" if stop_mode == "include" else "say ")
    if kind != "str":
        assert texts[-1] == ""
        assert finish_of(out[-1]) == {"finish_reason": "stop", "stop_sequence": "STOP"}


def test_the_budget_ends_the_stream_and_closes_the_upstream() -> None:
    log: list[Any] = []
    chunks = make_chunks(["héllo", " wörld", "never read"], "ai")
    out = list(shape_stream(recorded(chunks, log), max_graphemes=7))
    assert log == ["héllo", " wörld", "closed"]
    assert [c.text for c in out] == ["héll", "o w", ""]
    assert out[-1].response_metadata == {"finish_reason": "length"}
    assert out[-1].chunk_position == "last"


def test_a_consumer_that_abandons_the_stream_closes_the_upstream() -> None:
    log: list[Any] = []
    shaped = shape_stream(recorded(["ab", "cd", "ef", "gh"], log))
    assert next(shaped) == "a"
    shaped.close()
    assert log == ["ab", "closed"]


async def test_an_async_consumer_that_abandons_the_stream_closes_the_upstream() -> None:
    log: list[Any] = []
    shaped = ashape_stream(arecorded(["ab", "cd", "ef", "gh"], log))
    assert await anext(shaped) == "a"
    await shaped.aclose()
    assert log == ["ab", "closed"]


async def test_ashape_stream_takes_a_sync_iterable_too() -> None:
    out = [c async for c in ashape_stream(["👍", "🏽 S", "TOP!"], stop="STOP", stop_mode="exclude")]
    assert out == ["👍🏽 "]


# --- exclude: no part of a stop is shown, and no more is held back than may start one -------------


def released_when_not_done(received: str, stop: list[str], stop_mode: str) -> int:
    """How much text the shaper must have released (chunk_size=None) for ``received`` so far."""
    gs = graphemes(received)
    if not gs:
        return 0
    bounds = list(itertools.accumulate((len(g) for g in gs), initial=0))
    upto = bounds[-2]  # the last grapheme may still grow
    if stop_mode == "exclude":
        # The longest suffix that is a proper prefix of a stop sequence.
        held = next(
            (i for i in range(len(received)) if any(s.startswith(received[i:]) for s in stop)),
            len(received),
        )
        upto = min(upto, max(b for b in bounds if b <= held))
    return upto


def check_holdback(pieces: list[str], stop: list[str], stop_mode: str) -> None:
    expected, _, _ = reference("".join(pieces), stop, stop_mode)
    shown: list[str] = []

    def upstream() -> Iterator[str]:
        for i, piece in enumerate(pieces):
            if i:
                # Everything the shaper released for pieces[:i] has reached the consumer by now.
                so_far = "".join(shown)
                assert expected.startswith(so_far), (pieces, so_far)  # nothing of a cut stop
                received = "".join(pieces[:i])
                assert len(so_far) == released_when_not_done(received, stop, stop_mode), (
                    pieces[:i],
                    so_far,
                )
            yield piece

    for c in shape_stream(upstream(), stop=stop, stop_mode=stop_mode):
        shown.append(c)
    assert "".join(shown) == expected


HOLDBACK_CASES = [
    ("one. two.. three", [".."]),
    ("abcSTSTOPx", ["STOP"]),
    ("xSTSTSTxSTOP", ["STOP", "STx"]),
    ("ae\u0301STe\u0301", ["Te\u0301", "e"]),
    ("👍🏽🇫🇷🇩🇪end", ["🇷🇩", "🏽🇫"]),
]


@pytest.mark.parametrize(("text", "stop"), HOLDBACK_CASES)
@pytest.mark.parametrize("stop_mode", ["include", "exclude"])
def test_exclude_holds_back_only_a_possible_stop_every_split(
    text: str, stop: list[str], stop_mode: str
) -> None:
    for pieces in all_splits(text) if len(text) <= 12 else [list(text)]:
        check_holdback(pieces, stop, stop_mode)


@settings(max_examples=300, deadline=None)
@given(shaped_cases())
def test_exclude_holds_back_only_a_possible_stop(case: tuple[list[str], dict[str, Any]]) -> None:
    pieces, o = case
    check_holdback(pieces, o["stop"], "exclude")


# --- the benchmarks' pure-Python baseline is faithful ---------------------------------------------


# ``regex``'s ``\X`` itself departs from UAX #29 17.0 on a linker with no consonant before it
# (``"\u094d\u0915"`` is one cluster there) and on a lone surrogate followed by a mark (it joins
# them): the baseline is compared on text without those, and with a whole conjunct instead.
BASELINE_ALPHABET = [c for c in ALPHABET if c not in ("क", "्", "ष", "\ud800")] + ["क्ष"]


@st.composite
def baseline_cases(draw: st.DrawFn) -> tuple[list[str], list[str], str]:
    text = draw(st.lists(st.sampled_from(BASELINE_ALPHABET), max_size=60).map("".join))
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=20))))
    pieces = [text[a:b] for a, b in itertools.pairwise([0, *cuts, len(text)])]
    stop = draw(
        st.lists(
            st.lists(st.sampled_from(BASELINE_ALPHABET), min_size=1, max_size=3).map("".join),
            max_size=3,
        )
    )
    return pieces, stop, draw(st.sampled_from(["include", "exclude"]))


@settings(max_examples=500, deadline=None)
@given(baseline_cases())
def test_the_pure_python_baseline_agrees_with_stream_shaper(
    case: tuple[list[str], list[str], str],
) -> None:
    # The benchmarks compare StreamShaper with PyShaper: the same chunks, feed by feed.
    pieces, stop, stop_mode = case
    o = {"stop": stop, "stop_mode": stop_mode}
    native = StreamShaper(stop=o["stop"], stop_mode=o["stop_mode"])
    python = PyShaper(o["stop"], o["stop_mode"])
    for piece in pieces:
        assert python.feed(piece) == native.feed(piece), pieces
        assert python.done == native.done, pieces
    assert python.finish() == native.finish(), pieces


def test_the_pure_python_baseline_keeps_a_trailing_stop_prefix() -> None:
    for stop_mode in ("include", "exclude"):
        python = PyShaper(["STOP"], stop_mode)
        out = python.feed("PS👍🏽") + python.feed("🏽S") + python.finish()
        assert "".join(out) == "PS👍🏽🏽S"


# --- message chunks: only the text changes -------------------------------------------------------

USAGE_1 = {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4}
USAGE_2 = {"input_tokens": 0, "output_tokens": 4, "total_tokens": 4}
TOOL_CHUNK = {"name": "lookup", "args": '{"q": 1}', "id": "call-1", "index": 0}
TOOL_CALL = {"type": "function", "id": "call-1", "function": {"name": "f", "arguments": "{}"}}


def merged(chunks: list[Any]) -> Any:
    return reduce(lambda a, b: a + b, chunks)


def test_message_fields_pass_through_once_and_are_never_held_back() -> None:
    upstream = [
        AIMessageChunk(content="Hi 👨", id="run-1"),
        AIMessageChunk(content="\u200d", id="run-1", usage_metadata=USAGE_1),
        AIMessageChunk(content="👩", id="run-1", response_metadata={"model_name": "m"}),
        AIMessageChunk(content="", id="run-1", tool_call_chunks=[TOOL_CHUNK]),
        AIMessageChunk(content="!", id="run-1", usage_metadata=USAGE_2, chunk_position="last"),
    ]
    out = list(shape_stream(upstream))
    # The chunk marked last gives one chunk: the held text and its own.
    assert [c.text for c in out] == ["Hi ", "", "", "", "👨\u200d👩!"]
    # The text of a held chunk waits; its fields do not.
    assert out[1].usage_metadata == USAGE_1
    assert out[2].response_metadata == {"model_name": "m"}
    assert out[3].tool_call_chunks == upstream[3].tool_call_chunks
    assert out[4].usage_metadata == USAGE_2
    assert out[4].chunk_position == "last"
    assert [c.chunk_position for c in out[:4]] == [None] * 4
    assert [c.usage_metadata for c in (out[0], out[2], out[3])] == [None] * 3
    assert all(c.id == "run-1" for c in out)
    # Merging the output gives what merging the upstream gives.
    want, got = merged(upstream), merged(out)
    assert got.content == want.content
    assert got.usage_metadata == want.usage_metadata
    assert got.response_metadata == want.response_metadata
    assert got.tool_call_chunks == want.tool_call_chunks
    assert got.tool_calls == want.tool_calls
    assert got.chunk_position == "last"


def test_chunks_with_nothing_but_held_text_give_no_chunk() -> None:
    upstream = [AIMessageChunk(content=c, id="r") for c in ["a", "🇫", "🇷", "\u0301", "b"]]
    assert [c.text for c in shape_stream(upstream)] == ["a", "🇫🇷\u0301", "b"]


def test_list_content_keeps_non_text_blocks_and_block_keys() -> None:
    tool_use = {"type": "tool_use", "id": "t1", "name": "f", "input": {}, "index": 1}
    upstream = [
        AIMessageChunk(content=[{"type": "text", "text": "Hel", "index": 0}], id="r"),
        AIMessageChunk(content=[{"type": "text", "text": "lo 🇫", "index": 0}], id="r"),
        AIMessageChunk(content=[{"type": "text", "text": "🇷", "index": 0}], id="r"),
        AIMessageChunk(content=[tool_use], id="r"),
        AIMessageChunk(content=[], id="r", chunk_position="last"),
    ]
    out = list(shape_stream(upstream))
    assert [c.content for c in out] == [
        [{"type": "text", "text": "He", "index": 0}],
        [{"type": "text", "text": "llo ", "index": 0}],
        [tool_use],
        [{"type": "text", "text": "🇫🇷", "index": 0}],
    ]
    assert merged(out).content == merged(upstream).content


def test_text_block_keys_and_stop_in_list_content() -> None:
    annotated = {"type": "text", "text": "a S", "index": 0, "annotations": [{"url": "u"}]}
    upstream = [
        AIMessageChunk(content=[annotated], id="r"),
        AIMessageChunk(content=["TOP", {"type": "reasoning", "reasoning": "hm"}], id="r"),
    ]
    out = list(shape_stream(upstream, stop="STOP", stop_mode="exclude"))
    assert [c.content for c in out] == [
        [{"type": "text", "text": "a ", "index": 0, "annotations": [{"url": "u"}]}],
        [{"type": "reasoning", "reasoning": "hm"}],
        [],
    ]
    assert out[-1].response_metadata == {"finish_reason": "stop", "stop_sequence": "STOP"}


def test_a_cut_chunk_loses_its_own_finish_reason_to_the_closing_chunk() -> None:
    upstream = [
        AIMessageChunk(content="one, two", id="r", usage_metadata=USAGE_1),
        AIMessageChunk(
            content=". three",
            id="r",
            response_metadata={"finish_reason": "STOP", "model_name": "m"},
            chunk_position="last",
        ),
    ]
    for stop, stop_mode, texts in [(". ", "exclude", "o"), (". t", "include", "o. t")]:
        out = list(shape_stream(upstream, stop=stop, stop_mode=stop_mode))
        assert [c.text for c in out] == ["one, tw", texts, ""]
        assert out[0].usage_metadata == USAGE_1
        assert out[1].response_metadata == {"model_name": "m"}
        assert out[-1].response_metadata == {"finish_reason": "stop", "stop_sequence": stop}
        assert [c.chunk_position for c in out] == [None, None, "last"]
        assert merged(out).response_metadata == {
            "model_name": "m",
            "finish_reason": "stop",
            "stop_sequence": stop,
        }


def test_generation_info_passes_through() -> None:
    upstream = [
        GenerationChunk(text="ab", generation_info={"logprobs": [1]}),
        GenerationChunk(text="\u0301c", generation_info={"finish_reason": "stop"}),
    ]
    out = list(shape_stream(upstream))
    assert [(c.text, c.generation_info) for c in out] == [
        ("a", {"logprobs": [1]}),
        ("b\u0301", {"finish_reason": "stop"}),
        ("c", None),
    ]


# --- a cut: the closing chunk, and nothing from upstream after it ---------------------------------


@pytest.mark.parametrize("kind", ["ai", "ai_in_last", "generation"])
@pytest.mark.parametrize("stop_mode", ["include", "exclude"])
def test_a_stop_that_only_the_end_confirms_gets_a_closing_chunk(kind: str, stop_mode: str) -> None:
    # In include mode the stop's last grapheme may still grow: only the end confirms it.
    out = list(shape_stream(make_chunks(["say ST", "OP"], kind), stop="STOP", stop_mode=stop_mode))
    assert "".join(text_of(c) for c in out) == ("say STOP" if stop_mode == "include" else "say ")
    assert text_of(out[-1]) == ""
    assert finish_of(out[-1]) == {"finish_reason": "stop", "stop_sequence": "STOP"}
    if kind != "generation":
        assert [c.chunk_position for c in out].count("last") == 1
        assert out[-1].chunk_position == "last"


@pytest.mark.parametrize("stop_mode", ["include", "exclude"])
def test_a_stop_in_a_chat_models_last_token_gets_a_closing_chunk(stop_mode: str) -> None:
    model = GenericFakeChatModel(messages=iter(["all good STOP"]))
    out = list((model | ShapeStream(stop="STOP", stop_mode=stop_mode)).stream("q"))
    want = "all good STOP" if stop_mode == "include" else "all good "
    assert "".join(c.text for c in out) == want
    assert (out[-1].text, out[-1].chunk_position) == ("", "last")
    assert out[-1].response_metadata == {"finish_reason": "stop", "stop_sequence": "STOP"}
    assert [c.chunk_position for c in out].count("last") == 1


@pytest.mark.parametrize("stop_mode", ["include", "exclude"])
def test_nothing_from_upstream_after_the_stop_passes_in_either_mode(stop_mode: str) -> None:
    # GenericFakeChatModel sends a message's additional_kwargs (tool calls) after its text.
    message = AIMessage("say STOP", additional_kwargs={"tool_calls": [TOOL_CALL]})
    model = GenericFakeChatModel(messages=iter([message]))
    out = list((model | ShapeStream(stop="STOP", stop_mode=stop_mode)).stream("q"))
    assert "".join(c.text for c in out) == ("say STOP" if stop_mode == "include" else "say ")
    assert all(not c.additional_kwargs for c in out)
    assert out[-1].response_metadata == {"finish_reason": "stop", "stop_sequence": "STOP"}
    assert [c.chunk_position for c in out].count("last") == 1

    # Include mode reads on only for the text that may complete the stop's last grapheme: the
    # fields of the chunks after the one the stop ends in are dropped, as exclude never reads them.
    log: list[Any] = []
    upstream = [
        AIMessageChunk(content="say STO", id="r", usage_metadata=USAGE_1),
        AIMessageChunk(content="P", id="r", response_metadata={"finish_reason": "stop"}),
        AIMessageChunk(content="", id="r", tool_call_chunks=[TOOL_CHUNK]),
        AIMessageChunk(content="\u0301 more", id="r", usage_metadata=USAGE_2),
        AIMessageChunk(content="", id="r", chunk_position="last"),
    ]
    out = list(shape_stream(recorded(upstream, log), stop="STOP", stop_mode=stop_mode))
    if stop_mode == "include":
        assert [c.text for c in out] == ["say ST", "O", "P\u0301", ""]
        assert log == ["say STO", "P", "", "\u0301 more", "closed"]
    else:
        assert [c.text for c in out] == ["say ", ""]
        assert log == ["say STO", "P", "closed"]
    assert all(c.id == "r" for c in out)
    whole = merged(out)
    assert whole.usage_metadata == USAGE_1
    assert whole.tool_call_chunks == []
    assert whole.response_metadata == {"finish_reason": "stop", "stop_sequence": "STOP"}
    assert [c.chunk_position for c in out] == [None] * (len(out) - 1) + ["last"]


@settings(max_examples=400, deadline=None)
@given(shaped_cases(), st.booleans())
def test_the_fields_of_every_chunk_up_to_the_stop_pass_and_no_others(
    case: tuple[list[str], dict[str, Any]], marked: bool
) -> None:
    # In both modes: the chunks up to the one the earliest-ending stop ends in pass their fields,
    # once each; no chunk after it does (include mode may read on, for text only).
    pieces, o = case
    o["max_graphemes"] = None
    text = "".join(pieces)
    upstream = [
        AIMessageChunk(content=p, id="r", response_metadata={"seen": [i]})
        for i, p in enumerate(pieces)
    ]
    if marked:
        upstream.append(
            AIMessageChunk(
                content="", id="r", response_metadata={"seen": [-1]}, chunk_position="last"
            )
        )
    ends = [text.find(s) + len(s) for s in o["stop"] if s in text]
    if ends:
        end = min(ends)
        bounds = list(itertools.accumulate(map(len, pieces)))
        cut = next(i for i, b in enumerate(bounds) if b >= end)
        seen = list(range(cut + 1))
    else:
        seen = list(range(len(pieces))) + ([-1] if marked else [])
    out = list(shape_stream(upstream, **o))
    got = [i for c in out for i in c.response_metadata.get("seen", [])]
    assert got == seen, (pieces, o)
    expected, _, stop_sequence = reference(text, *options_of(o))
    assert "".join(c.text for c in out) == expected
    if stop_sequence is not None:
        assert out[-1].response_metadata == {
            "finish_reason": "stop",
            "stop_sequence": stop_sequence,
        }


def test_a_chunk_marked_last_gives_one_chunk() -> None:
    upstream = [
        AIMessageChunk(content="a", id="r"),
        AIMessageChunk(content="b", id="r", usage_metadata=USAGE_1, chunk_position="last"),
    ]
    out = list(shape_stream(upstream))
    assert [c.text for c in out] == ["ab"]
    assert (out[0].usage_metadata, out[0].chunk_position) == (USAGE_1, "last")
    assert [c.text for c in shape_stream(upstream, chunk_size=1)] == ["a", "b"]


# --- list content: every block keeps its keys and its place ---------------------------------------


def test_several_text_blocks_in_a_chunk_keep_their_keys_and_places() -> None:
    cited = {"type": "text", "text": "Cited", "index": 1, "annotations": [{"url": "u"}]}
    tool_use = {"type": "tool_use", "id": "t1", "name": "f", "input": {}, "index": 2}
    upstream = [
        AIMessageChunk(content=[{"type": "text", "text": "Hi 👋", "index": 0}], id="r"),
        AIMessageChunk(
            content=[{"type": "text", "text": "🏽 there", "index": 0}, cited, tool_use], id="r"
        ),
        AIMessageChunk(content=[], id="r", chunk_position="last"),
    ]
    out = list(shape_stream(upstream))
    assert [c.content for c in out] == [
        [{"type": "text", "text": "Hi ", "index": 0}],
        [
            {"type": "text", "text": "👋🏽 there", "index": 0},
            {**cited, "text": "Cite"},
            tool_use,
        ],
        [{"type": "text", "text": "d", "index": 1}],
    ]
    assert merged(out).content == merged(upstream).content


def test_held_text_goes_back_to_the_block_it_came_from() -> None:
    upstream = [
        AIMessageChunk(content=[{"type": "text", "text": "a ST", "index": 0}], id="r"),
        AIMessageChunk(content=[{"type": "text", "text": "x", "index": 1}], id="r"),
    ]
    out = list(shape_stream(upstream, stop="STOP", stop_mode="exclude"))
    assert [c.content for c in out] == [
        [{"type": "text", "text": "a ", "index": 0}],
        [{"type": "text", "text": "ST", "index": 0}],
        [{"type": "text", "text": "x", "index": 1}],
    ]
    assert merged(out).content == merged(upstream).content


def test_several_text_blocks_in_a_chunk_with_chunk_size() -> None:
    upstream = [
        AIMessageChunk(
            content=[
                {"type": "text", "text": "abc", "index": 0, "annotations": [1]},
                {"type": "image", "url": "i", "index": 1},
                {"type": "text", "text": "de", "index": 2},
            ],
            id="r",
        ),
    ]
    out = list(shape_stream(upstream, chunk_size=2))
    assert [c.content for c in out] == [
        [{"type": "text", "text": "ab", "index": 0}],
        [
            {"type": "text", "text": "c", "index": 0, "annotations": [1]},
            {"type": "image", "url": "i", "index": 1},
            {"type": "text", "text": "d", "index": 2},
        ],
        [{"type": "text", "text": "e", "index": 2}],
    ]
    assert merged(out).content == merged(upstream).content


def test_invoke_cuts_text_blocks_in_place() -> None:
    paris = {"type": "text", "text": "Paris is ", "index": 0}
    capital = {"type": "text", "text": "the capital", "index": 1, "annotations": [{"url": "u1"}]}
    image = {"type": "image", "url": "i"}
    then = {"type": "text", "text": ". STOP then", "index": 2, "annotations": [{"url": "u2"}]}
    message = AIMessage(content=[paris, capital, image, then, " more"])
    for stop_mode, tail in [("include", ". STOP"), ("exclude", ". ")]:
        reply = ShapeStream(stop="STOP", stop_mode=stop_mode).invoke(message)
        assert reply.content == [paris, capital, image, {**then, "text": tail}]
        assert reply.response_metadata == {"finish_reason": "stop", "stop_sequence": "STOP"}
    reply = ShapeStream(max_graphemes=12).invoke(message)
    # A block with keys of its own keeps them, even with no text left.
    assert reply.content == [paris, {**capital, "text": "the"}, image, {**then, "text": ""}]
    assert reply.response_metadata == {"finish_reason": "length"}
    assert ShapeStream(stop="zzz").invoke(message) is message


def test_bad_chunks_and_bad_options() -> None:
    with pytest.raises(TypeError, match="got 3"):
        list(shape_stream([3]))
    pulled: list[str] = []

    def upstream() -> Iterator[str]:
        pulled.append("x")
        yield "x"

    with pytest.raises(ValueError, match="chunk_size"):
        shape_stream(upstream(), chunk_size=0)
    with pytest.raises(ValueError, match=r"stop\[0\]"):
        ashape_stream(upstream(), stop=[""])
    with pytest.raises(ValueError, match="max_graphemes"):
        ShapeStream(max_graphemes=-1)
    with pytest.raises(ValueError, match="stop_mode"):
        ShapeStream(stop_mode="drop")
    with pytest.raises(ValueError, match="chunk_size"):
        ShapeStream(chunk_size=True)
    with pytest.raises(ValueError, match="stop_sequences"):
        ShapeStream(stop_sequences=["x"])
    assert pulled == []
    assert ShapeStream(stop="\n").stop == ("\n",)


# --- the runnable ---------------------------------------------------------------------------------


def test_invoke_shapes_whole_inputs() -> None:
    shape = ShapeStream(stop=["STOP"], stop_mode="exclude")
    assert shape.invoke("say STOP now") == "say "
    reply = shape.invoke(
        AIMessage(
            content="say STOP now",
            id="m1",
            usage_metadata=USAGE_1,
            response_metadata={"finish_reason": "stop", "model_name": "m"},
        )
    )
    assert isinstance(reply, AIMessage)
    assert (reply.content, reply.id, reply.usage_metadata) == ("say ", "m1", USAGE_1)
    assert reply.response_metadata == {
        "model_name": "m",
        "finish_reason": "stop",
        "stop_sequence": "STOP",
    }
    whole = AIMessage(content="no stop here")
    assert shape.invoke(whole) is whole
    generation = shape.invoke(GenerationChunk(text="aSTOP"))
    assert isinstance(generation, GenerationChunk)
    assert (generation.text, generation.generation_info) == (
        "a",
        {"finish_reason": "stop", "stop_sequence": "STOP"},
    )
    blocks = shape.invoke(
        AIMessage(content=[{"type": "text", "text": "aS"}, {"type": "image"}, "TOPb"])
    )
    assert blocks.content == [{"type": "text", "text": "a"}, {"type": "image"}]
    assert ShapeStream(max_graphemes=3).invoke("🇫🇷 flag") == "🇫🇷 f"
    assert ShapeStream(max_graphemes=3).invoke(AIMessage("🇫🇷 flag")).response_metadata == {
        "finish_reason": "length"
    }


@pytest.mark.parametrize("text", ["say STOP", "say STOP."])
@pytest.mark.parametrize("stop_mode", ["include", "exclude"])
def test_invoke_reports_a_stop_at_the_very_end(text: str, stop_mode: str) -> None:
    shape = ShapeStream(stop="STOP", stop_mode=stop_mode)
    want = "say STOP" if stop_mode == "include" else "say "
    info = {"finish_reason": "stop", "stop_sequence": "STOP"}
    reply = shape.invoke(AIMessage(text, response_metadata={"finish_reason": "stop"}))
    assert (reply.text, reply.response_metadata) == (want, info)
    generation = shape.invoke(GenerationChunk(text=text))
    assert isinstance(generation, GenerationChunk)
    assert (generation.text, generation.generation_info) == (want, info)


def test_stop_is_an_immutable_tuple() -> None:
    shape = ShapeStream(stop=["a", "b"])
    assert shape.stop == ("a", "b")
    assert ShapeStream(stop=("a", "b")) == shape
    assert hash(ShapeStream(stop=("a", "b"))) == hash(shape)
    assert ShapeStream(stop=[]).stop is None
    with pytest.raises(ValueError, match=r"stop\[1\]"):
        ShapeStream(stop=("a", 1))


class ChainRuns(BaseCallbackHandler):
    """The names of the chain runs that have ended (normally or not)."""

    def __init__(self) -> None:
        self.names: dict[Any, str] = {}
        self.ended: list[str] = []

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: Any, **kw: Any) -> None:
        self.names[run_id] = kw.get("name") or ""

    def on_chain_end(self, outputs: Any, *, run_id: Any, **kw: Any) -> None:
        self.ended.append(self.names[run_id])

    def on_chain_error(self, error: BaseException, *, run_id: Any, **kw: Any) -> None:
        self.ended.append(self.names[run_id])


async def test_an_abandoned_astream_ends_the_shape_run_at_once() -> None:
    runs = ChainRuns()
    stream = ShapeStream(chunk_size=1).astream("abc", {"callbacks": [runs]})
    assert await anext(stream) == "a"
    await stream.aclose()
    assert runs.ended == ["ShapeStream"]


async def test_batch_ainvoke_abatch_stream_astream() -> None:
    shape = ShapeStream(stop=".", chunk_size=1)
    assert shape.batch(["a. b", "👍🏽 c. d", "none"]) == ["a.", "👍🏽 c.", "none"]
    assert await shape.abatch(["a. b", "xy"]) == ["a.", "xy"]
    assert await shape.ainvoke("e\u0301. x") == "e\u0301."
    assert list(shape.stream("👍🏽e\u0301. x")) == ["👍🏽", "e\u0301", "."]
    assert [c async for c in shape.astream("👍🏽e\u0301. x")] == ["👍🏽", "e\u0301", "."]
    chunks = list(shape.stream(AIMessageChunk(content="ab. c", id="r")))
    assert [c.text for c in chunks] == ["a", "b", ".", ""]
    assert chunks[-1].response_metadata == {"finish_reason": "stop", "stop_sequence": "."}


class CodePointChat(BaseChatModel):
    """A chat model whose provider splits its reply into single code points (emoji included)."""

    reply: str
    usage: dict[str, int] | None = None
    read: list[int] = Field(default_factory=list)
    closed: list[bool] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "code-point-chat"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.reply))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        try:
            for i, c in enumerate(self.reply):
                self.read.append(i)
                yield ChatGenerationChunk(message=AIMessageChunk(content=c))
            if self.usage:
                yield ChatGenerationChunk(
                    message=AIMessageChunk(content="", usage_metadata=self.usage)
                )
        finally:
            self.closed.append(True)


class Runs(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[str] = []

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.events.append("llm_end")

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.events.append(f"llm_error:{type(error).__name__}")

    def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        self.events.append(f"chain_error:{type(error).__name__}")


REPLY = "Hi 👨\u200d👩\u200d👧\u200d👦 🇫🇷! 👍🏽 e\u0301t\u00e9"
PROMPT = ChatPromptTemplate.from_messages([("system", "be brief"), ("human", "{question}")])


def shaped_chain(model: BaseChatModel, **options: Any) -> Any:
    return PROMPT | model | ShapeStream(**options) | StrOutputParser()


def test_a_real_chain_streams_whole_graphemes() -> None:
    model = CodePointChat(reply=REPLY, usage=USAGE_2)
    raw = [c.content for c in (PROMPT | model).stream({"question": "q"})]
    assert "\u200d" in raw  # the provider splits the family emoji
    chain = shaped_chain(model)
    out = list(chain.stream({"question": "q"}))
    assert "".join(out) == REPLY
    joined = [g for t in out for g in graphemes(t)]
    assert joined == graphemes(REPLY)
    assert chain.invoke({"question": "q"}) == REPLY
    assert chain.batch([{"question": "a"}, {"question": "b"}]) == [REPLY, REPLY]
    # Usage passes through to the message stream.
    messages = list((PROMPT | model | ShapeStream()).stream({"question": "q"}))
    assert merged(messages).usage_metadata == USAGE_2
    assert merged(messages).content == REPLY


async def test_a_real_chain_streams_whole_graphemes_async() -> None:
    model = CodePointChat(reply=REPLY)
    chain = shaped_chain(model, chunk_size=1)
    out = [c async for c in chain.astream({"question": "q"})]
    assert [t for t in out if t] == graphemes(REPLY)
    assert await chain.ainvoke({"question": "q"}) == REPLY
    assert await chain.abatch([{"question": "a"}]) == [REPLY]


async def test_astream_events_show_raw_and_shaped_chunks() -> None:
    chain = shaped_chain(CodePointChat(reply="👍🏽 ok STOP more"), stop="STOP", stop_mode="exclude")
    events = [e async for e in chain.astream_events({"question": "q"}, version="v2")]
    raw = [e["data"]["chunk"].content for e in events if e["event"] == "on_chat_model_stream"]
    shaped = [
        e["data"]["chunk"].content
        for e in events
        if e["event"] == "on_chain_stream" and e["name"] == "ShapeStream"
    ]
    assert raw[:2] == ["👍", "🏽"]
    assert "".join(shaped) == "👍🏽 ok "
    # No chunk splits a grapheme: each chunk's graphemes, in order, are the text's graphemes.
    assert [g for t in shaped for g in graphemes(t)] == graphemes("👍🏽 ok ")
    end = next(e for e in events if e["event"] == "on_chain_end" and e["name"] == "ShapeStream")
    assert end["data"]["output"].response_metadata == {
        "finish_reason": "stop",
        "stop_sequence": "STOP",
    }
    parsed = [e["data"]["chunk"] for e in events if e["event"] == "on_parser_stream"]
    assert "".join(parsed) == "👍🏽 ok "


@pytest.mark.parametrize("stop_mode", ["include", "exclude"])
def test_a_stop_in_a_chain_closes_the_model_stream(stop_mode: str) -> None:
    model = CodePointChat(reply="one STOP " + "never generated " * 20)
    model.read.clear()
    model.closed.clear()
    runs = Runs()
    chain = shaped_chain(model, stop="STOP", stop_mode=stop_mode)
    out = "".join(chain.stream({"question": "q"}, {"callbacks": [runs]}))
    assert out == ("one STOP" if stop_mode == "include" else "one ")
    assert len(model.read) <= len("one STOP ")
    assert model.closed == [True]
    # The model's run ends as an abandoned stream does; the chain's own run ends normally.
    assert runs.events == ["llm_error:GeneratorExit"]


async def test_a_stop_in_a_chain_closes_the_model_stream_async() -> None:
    model = CodePointChat(reply="one STOP " + "never generated " * 20)
    model.read.clear()
    model.closed.clear()
    chain = shaped_chain(model, stop="STOP")
    out = "".join([c async for c in chain.astream({"question": "q"})])
    assert out == "one STOP"
    assert len(model.read) <= len("one STOP ")
    # This model has only a sync _stream: LangChain's astream steps it in its thread pool, and the
    # generator is closed when that machinery lets go of it, which on a loaded machine can come
    # just after astream returns. Wait for it (bounded), then check it was closed exactly once.
    for _ in range(200):
        if model.closed:
            break
        gc.collect()
        await asyncio.sleep(0.01)
    assert model.closed == [True]


def test_a_chain_abandoned_half_way_closes_the_model_stream() -> None:
    model = CodePointChat(reply="a long reply " * 10)
    model.read.clear()
    model.closed.clear()
    stream = (model | ShapeStream()).stream("q")
    assert next(stream).content == "a"
    stream.close()
    assert model.closed == [True]
    assert len(model.read) < 5


def test_generic_fake_chat_model_splits_cr_lf_and_the_shape_rejoins_it() -> None:
    reply = "line one\r\nline two\r\n\r\nSTOP here"
    raw = GenericFakeChatModel(messages=iter([reply]))
    assert "\r" in [c.content for c in raw.stream("q")]  # split on whitespace: CR | LF
    model = GenericFakeChatModel(messages=iter([reply, reply]))
    chain = shaped_chain(model, stop="\r\n\r\n", stop_mode="exclude")
    out = list(chain.stream({"question": "q"}))
    assert "".join(out) == "line one\r\nline two"
    assert [g for t in out for g in graphemes(t)] == graphemes("line one\r\nline two")
    assert chain.invoke({"question": "q"}) == "line one\r\nline two"


def test_a_stop_in_the_last_chunk_lets_the_model_finish_its_run() -> None:
    # GenericFakeChatModel marks its last token chunk_position="last": the stream is over, so the
    # shape reads it to its end and the model's run ends normally rather than being closed.
    runs = Runs()
    model = GenericFakeChatModel(messages=iter(["all good STOP"]))
    out = list(
        (model | ShapeStream(stop="STOP", stop_mode="exclude")).stream("q", {"callbacks": [runs]})
    )
    assert "".join(c.text for c in out) == "all good "
    assert [c.chunk_position for c in out].count("last") == 1
    assert out[-1].response_metadata == {"finish_reason": "stop", "stop_sequence": "STOP"}
    assert runs.events == ["llm_end"]


def test_shape_stream_is_thread_safe_across_runs() -> None:
    from concurrent.futures import ThreadPoolExecutor

    shape = ShapeStream(stop=["STOP"], stop_mode="exclude", chunk_size=2)
    texts = [f"{i} 👍🏽 e\u0301 STOP {i}" for i in range(64)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda t: list(shape.stream(t)), texts))
    assert ["".join(r) for r in results] == [t.split("STOP")[0] for t in texts]


def test_asyncio_gather_of_streams() -> None:
    shape = ShapeStream(max_graphemes=4)

    async def one(t: str) -> str:
        return "".join([c async for c in shape.astream(t)])

    async def main() -> list[str]:
        return await asyncio.gather(*(one(t) for t in ["🇫🇷🇩🇪abc", "xyzw!"]))

    assert asyncio.run(main()) == ["🇫🇷🇩🇪ab", "xyzw"]


# --- rules the first mutation run found unpinned (docs/MUTANTS.md) --------------------------------

TOOL_CALL_2 = {"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}
BAD_CALL = {"name": "g", "args": "{", "id": "c2", "error": "bad", "type": "invalid_tool_call"}


def test_a_chunk_that_is_not_text_is_named_in_the_error() -> None:
    with pytest.raises(
        TypeError,
        match=r"^a shaped stream carries str, messages or GenerationChunk, got 3 \(int\)$",
    ):
        list(shape_stream(["a", 3]))


def test_only_the_last_piece_of_a_chunk_carries_its_fields() -> None:
    # chunk_size=1: reading "abc" releases "a" and "b" ("c" may still grow); "b" is the last
    # piece made from the chunk, so it alone carries every field, and the flush of "c" none.
    message = AIMessage(
        "abc",
        tool_calls=[TOOL_CALL_2],
        invalid_tool_calls=[BAD_CALL],
        additional_kwargs={"k": 1},
        response_metadata={"model_name": "m"},
        usage_metadata=USAGE_1,
    )
    out = list(shape_stream([message], chunk_size=1))
    assert [c.text for c in out] == ["a", "b", "c"]
    fields = [
        (c.tool_calls, c.invalid_tool_calls, c.additional_kwargs, c.response_metadata) for c in out
    ]
    assert fields == [
        ([], [], {}, {}),
        (message.tool_calls, message.invalid_tool_calls, {"k": 1}, {"model_name": "m"}),
        ([], [], {}, {}),
    ]
    assert [c.usage_metadata for c in out] == [None, USAGE_1, None]
    chunk = AIMessageChunk(content="abc", id="r", tool_call_chunks=[TOOL_CHUNK])
    out = list(shape_stream([chunk], chunk_size=1))
    assert [c.tool_call_chunks for c in out] == [[], chunk.tool_call_chunks, []]
    assert [c.tool_calls for c in out] == [[], chunk.tool_calls, []]


def test_only_the_last_piece_of_a_list_content_chunk_carries_its_fields() -> None:
    upstream = [
        AIMessageChunk(
            content=[{"type": "text", "text": "abc", "index": 0}],
            id="r",
            usage_metadata=USAGE_1,
            response_metadata={"model_name": "m"},
            chunk_position="last",
        )
    ]
    out = list(shape_stream(upstream, chunk_size=1))
    assert [c.content for c in out] == [[{"type": "text", "text": t, "index": 0}] for t in "abc"]
    assert [c.usage_metadata for c in out] == [None, None, USAGE_1]
    assert [c.response_metadata for c in out] == [{}, {}, {"model_name": "m"}]
    assert [c.chunk_position for c in out] == [None, None, "last"]


def test_the_fields_of_a_chunk_whose_text_is_all_held_go_out_at_once() -> None:
    out = list(shape_stream([AIMessage("🇫"), AIMessage("🇷", tool_calls=[TOOL_CALL_2])]))
    assert [(c.text, c.tool_calls) for c in out] == [("", [TOOL_CALL_2]), ("🇫🇷", [])]
    generations = [
        GenerationChunk(text="🇫", generation_info={"logprobs": [1]}),
        GenerationChunk(text="🇷"),
    ]
    out = list(shape_stream(generations))
    assert [(c.text, c.generation_info) for c in out] == [("", {"logprobs": [1]}), ("🇫🇷", None)]


def test_a_chunk_the_shaper_leaves_whole_passes_as_is() -> None:
    # No copy of a chunk whose text and fields all pass (the copies are half the per-chunk cost):
    # reading the second chunk releases the held "b", the same text as its own.
    for first, second in [
        (AIMessageChunk(content="ab", id="r"), AIMessageChunk(content="b", id="r")),
        (GenerationChunk(text="ab"), GenerationChunk(text="b")),
    ]:
        out = list(shape_stream([first, second]))
        assert [text_of(c) for c in out] == ["a", "b", "b"]
        assert out[1] is second


def test_chunks_after_the_one_marked_last() -> None:
    # Once a chunk marked last has finished the text, later chunks pass their fields, not text...
    upstream = [
        AIMessageChunk(content="ab", id="r", chunk_position="last"),
        AIMessageChunk(content="late", id="r", usage_metadata=USAGE_1),
        AIMessageChunk(
            content=[{"type": "text", "text": "x", "index": 0}],
            id="r",
            response_metadata={"model_name": "m"},
        ),
        AIMessageChunk(content="nothing else", id="r"),
    ]
    out = list(shape_stream(upstream))
    assert [c.content for c in out] == ["ab", "", []]
    assert [c.usage_metadata for c in out] == [None, USAGE_1, None]
    assert [c.response_metadata for c in out] == [{}, {}, {"model_name": "m"}]
    # ... unless a cut ended it: then nothing more passes.
    upstream[0] = AIMessageChunk(content="a STOP b", id="r", chunk_position="last")
    out = list(shape_stream(upstream, stop="STOP"))
    assert [c.text for c in out] == ["a STOP", ""]
    assert out[-1].response_metadata == {"finish_reason": "stop", "stop_sequence": "STOP"}


def test_held_text_keeps_the_index_of_its_block_but_not_its_other_keys() -> None:
    upstream = [
        AIMessageChunk(
            content=[{"type": "text", "text": "a ST", "index": 0, "annotations": [1]}], id="r"
        ),
        AIMessageChunk(content=[{"type": "text", "text": "x", "index": 1}], id="r"),
    ]
    out = list(shape_stream(upstream, stop="STOP", stop_mode="exclude"))
    assert [c.content for c in out] == [
        [{"type": "text", "text": "a ", "index": 0, "annotations": [1]}],
        [{"type": "text", "text": "ST", "index": 0}],
        [{"type": "text", "text": "x", "index": 1}],
    ]
    # str items of list content have no index: the held text goes back into the next one.
    upstream = [AIMessageChunk(content=["a ST"], id="r"), AIMessageChunk(content=["x"], id="r")]
    out = list(shape_stream(upstream, stop="STOP", stop_mode="exclude"))
    assert [c.content for c in out] == [["a "], ["ST"], ["x"]]


@pytest.mark.parametrize("marked", [True, False])
def test_held_text_from_string_content_into_list_content_without_text(marked: bool) -> None:
    image = {"type": "image", "url": "i"}
    upstream = [
        AIMessageChunk(content="a 🇫", id="r"),
        AIMessageChunk(content=[image], id="r", chunk_position="last" if marked else None),
    ]
    out = [c.content for c in shape_stream(upstream)]
    held = {"type": "text", "text": "🇫"}
    assert out == (["a ", [image, held]] if marked else ["a ", [image], [held]])


def test_a_block_with_text_that_is_not_a_text_block_is_kept_as_it_is() -> None:
    # Only {"type": "text"} blocks hold the message's text (BaseMessage.text).
    reasoning = {"type": "reasoning", "text": "hm", "index": 1}
    content: list[Any] = [{"type": "text", "text": "ab", "index": 0}, reasoning]
    out = list(shape_stream([AIMessageChunk(content=content, id="r")], chunk_size=1))
    assert [c.content for c in out] == [
        [{"type": "text", "text": "a", "index": 0}, reasoning],
        [{"type": "text", "text": "b", "index": 0}],
    ]
    reply = ShapeStream(max_graphemes=1).invoke(AIMessage(content=content))
    assert reply.content == [{"type": "text", "text": "a", "index": 0}, reasoning]


def test_the_chunk_a_stop_ends_in_loses_only_its_finish_keys() -> None:
    # Both keys present: both go, the other keys stay.
    info = {"finish_reason": "stop", "stop_sequence": "x", "model_name": "m"}
    out = list(
        shape_stream([AIMessageChunk(content="one STOP", response_metadata=info)], stop="STOP")
    )
    assert [(c.text, c.response_metadata) for c in out] == [
        ("one STO", {"model_name": "m"}),
        ("P", {}),
        ("", {"finish_reason": "stop", "stop_sequence": "STOP"}),
    ]
    generation = GenerationChunk(
        text="aSTOPb", generation_info={"logprobs": [1], "finish_reason": "stop"}
    )
    out = list(shape_stream([generation], stop="STOP"))
    assert [(c.text, c.generation_info) for c in out] == [
        ("aSTOP", {"logprobs": [1]}),
        ("", {"finish_reason": "stop", "stop_sequence": "STOP"}),
    ]
    # A message that is not a chunk (no chunk_position) is cut the same way.
    out = list(shape_stream([AIMessage("say STOP now", response_metadata=info)], stop="STOP"))
    assert [(type(c), c.text, c.response_metadata) for c in out] == [
        (AIMessage, "say STOP", {"model_name": "m"}),
        (AIMessage, "", {"finish_reason": "stop", "stop_sequence": "STOP"}),
    ]


def test_invoke_keeps_the_other_generation_info() -> None:
    generation = GenerationChunk(text="aSTOPb", generation_info={"logprobs": [1]})
    reply = ShapeStream(stop="STOP").invoke(generation)
    assert isinstance(reply, GenerationChunk)
    assert (reply.text, reply.generation_info) == (
        "aSTOP",
        {"logprobs": [1], "finish_reason": "stop", "stop_sequence": "STOP"},
    )


async def test_ashape_stream_takes_every_option() -> None:
    shaped = ashape_stream(["ab👍", "🏽cd ef"], max_graphemes=5, chunk_size=2)
    assert [c async for c in shaped] == ["ab", "👍🏽c", "d"]


def test_a_cut_closes_the_upstream_before_its_first_chunk_goes_out() -> None:
    # The caller still holds the upstream, so only shape_stream can have closed it.
    for kind in ("str", "ai"):
        log: list[Any] = []
        source = recorded(make_chunks(["say STOP now", "never read"], kind), log)
        shaped = shape_stream(source, stop="STOP", stop_mode="exclude")
        assert text_of(next(shaped)) == "say "
        assert log == ["say STOP now", "closed"]


async def test_an_async_cut_closes_the_upstream_before_its_first_chunk_goes_out() -> None:
    for run in ("ashape_stream", "atransform"):
        log: list[Any] = []
        source = arecorded(make_chunks(["say STOP now", "never read"], "ai"), log)
        shape = ShapeStream(stop="STOP", stop_mode="exclude")
        shaped = (
            ashape_stream(source, stop="STOP", stop_mode="exclude")
            if run == "ashape_stream"
            else shape.atransform(source)
        )
        assert text_of(await anext(shaped)) == "say "
        assert log == ["say STOP now", "closed"], run
        await shaped.aclose()


async def test_an_abandoned_atransform_closes_the_upstream_without_draining_it() -> None:
    log: list[Any] = []
    source = arecorded(["ab", "cd", "ef"], log)
    shaped = ShapeStream().atransform(source)
    assert await anext(shaped) == "a"
    await shaped.aclose()
    assert log == ["ab", "closed"]


class SyncCloseFails(Iterator[str]):
    """A sync upstream whose ``close()`` raises."""

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = iter(pieces)

    def __next__(self) -> str:
        return next(self.pieces)

    def close(self) -> None:
        raise RuntimeError("close failed")


class AsyncCloseFails(AsyncIterator[str]):
    """An async upstream whose ``aclose()`` raises as a generator being finalized elsewhere does."""

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = iter(pieces)
        self.closes = 0

    async def __anext__(self) -> str:
        try:
            return next(self.pieces)
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        self.closes += 1
        raise RuntimeError("aclose(): asynchronous generator is already running")


def test_a_sync_upstream_whose_close_fails_raises() -> None:
    # On the sync paths nothing else can be closing the upstream: the error is the caller's.
    with pytest.raises(RuntimeError, match="close failed"):
        list(shape_stream(SyncCloseFails(["ab", "cd"])))
    with pytest.raises(RuntimeError, match="close failed"):
        list(ShapeStream().transform(SyncCloseFails(["ab", "cd"])))


async def test_an_async_upstream_whose_aclose_fails_is_not_an_error() -> None:
    # An abandoned chain's generators are finalized by concurrent tasks: an upstream already
    # being closed is what the close wants anyway.
    upstream = AsyncCloseFails(["ab", "cd"])
    assert [c async for c in ashape_stream(upstream)] == ["a", "bc", "d"]
    assert upstream.closes == 1
    upstream = AsyncCloseFails(["ab", "cd"])
    assert [c async for c in ShapeStream().atransform(upstream)] == ["a", "bc", "d"]
    assert upstream.closes == 1
    for abandon in ("ashape_stream", "atransform"):
        upstream = AsyncCloseFails(["ab", "cd"])
        shaped = (
            ashape_stream(upstream)
            if abandon == "ashape_stream"
            else ShapeStream().atransform(upstream)
        )
        assert await anext(shaped) == "a"
        await shaped.aclose()
        assert upstream.closes == 1


async def test_every_entry_point_runs_with_its_config() -> None:
    shape = ShapeStream(max_graphemes=2)
    for name, run in [
        ("invoke", lambda c: shape.invoke("abc", c)),
        ("stream", lambda c: list(shape.stream("abc", c))),
        ("transform", lambda c: list(shape.transform(iter(["a", "bc"]), c))),
    ]:
        runs = ChainRuns()
        run({"callbacks": [runs], "run_name": name})
        assert runs.ended == [name]
    runs = ChainRuns()
    assert await shape.ainvoke("abc", {"callbacks": [runs], "run_name": "ainvoke"}) == "ab"
    assert runs.ended == ["ainvoke"]
    runs = ChainRuns()
    assert [c async for c in shape.astream("abc", {"callbacks": [runs], "run_name": "a"})] == ["ab"]
    assert runs.ended == ["a"]


def test_held_text_released_in_several_pieces_stays_in_its_block() -> None:
    # "ST" is held (it may start "STOP"); "a" releases it as two pieces, both from block 0.
    upstream = [
        AIMessageChunk(content=[{"type": "text", "text": "xST", "index": 0}], id="r"),
        AIMessageChunk(content=[{"type": "text", "text": "a", "index": 1}], id="r"),
    ]
    out = list(shape_stream(upstream, stop="STOP", stop_mode="exclude", chunk_size=1))
    assert [c.content for c in out] == [
        [{"type": "text", "text": t, "index": i}]
        for t, i in [("x", 0), ("S", 0), ("T", 0), ("a", 1)]
    ]


def test_a_sync_upstream_whose_close_fails_raises_at_a_cut_and_on_abandon() -> None:
    with pytest.raises(RuntimeError, match="close failed"):
        list(shape_stream(SyncCloseFails(["a STOP b", "c"]), stop="STOP"))
    shaped = ShapeStream().transform(SyncCloseFails(["ab", "cd"]))
    assert next(shaped) == "a"
    with pytest.raises(RuntimeError, match="close failed"):
        shaped.close()


async def test_an_async_upstream_without_aclose_is_read_to_its_end() -> None:
    class NoAclose(AsyncIterator[str]):
        def __init__(self) -> None:
            self.pieces = iter(["ab", "cd"])

        async def __anext__(self) -> str:
            try:
                return next(self.pieces)
            except StopIteration:
                raise StopAsyncIteration from None

    assert [c async for c in ashape_stream(NoAclose())] == ["a", "bc", "d"]
    assert [c async for c in ShapeStream().atransform(NoAclose())] == ["a", "bc", "d"]


async def test_an_abandoned_atransform_closes_the_upstream_before_its_run_ends() -> None:
    log: list[Any] = []
    seen: list[list[Any]] = []

    class Ends(BaseCallbackHandler):
        run_inline = True

        def on_chain_error(self, error: BaseException, **kw: Any) -> None:
            seen.append(list(log))

    shaped = ShapeStream().atransform(arecorded(["ab", "cd", "ef"], log), {"callbacks": [Ends()]})
    assert await anext(shaped) == "a"
    await shaped.aclose()
    assert seen == [["ab", "closed"]]


class BothWays(Iterator[str], AsyncIterator[str]):
    """An upstream with both sides, whose async side suspends (as a network stream's would)."""

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = iter(pieces)
        self.calls: list[str] = []

    def __next__(self) -> str:
        self.calls.append("next")
        return next(self.pieces)

    async def __anext__(self) -> str:
        self.calls.append("anext")
        await asyncio.sleep(0)
        try:
            return next(self.pieces)
        except StopIteration:
            raise StopAsyncIteration from None

    def close(self) -> None:
        self.calls.append("close")

    async def aclose(self) -> None:
        self.calls.append("aclose")


def test_the_sync_paths_read_and_close_an_upstream_through_its_sync_side() -> None:
    # A sync call never awaits: an upstream that also reads asynchronously is read with next().
    upstream = BothWays(["a STOP b", "c"])
    assert list(shape_stream(upstream, stop="STOP")) == ["a STOP"]
    assert upstream.calls == ["next", "close"]
    upstream = BothWays(["ab", "cd"])
    assert list(ShapeStream().transform(upstream)) == ["a", "bc", "d"]
    assert set(upstream.calls) == {"next", "close"}
    upstream = BothWays(["a STOP b", "c"])
    assert list(ShapeStream(stop="STOP").transform(upstream)) == ["a STOP"]
    assert "anext" not in upstream.calls
    assert upstream.calls.count("close") == 1
    assert "aclose" not in upstream.calls


async def test_the_async_paths_read_and_close_an_upstream_through_its_async_side() -> None:
    upstream = BothWays(["a STOP b", "c"])
    assert [c async for c in ashape_stream(upstream, stop="STOP")] == ["a STOP"]
    assert upstream.calls[0] == "anext"
    assert set(upstream.calls) == {"anext", "aclose"}
    upstream = BothWays(["a STOP b", "c"])
    assert [c async for c in ShapeStream(stop="STOP").atransform(upstream)] == ["a STOP"]
    assert "next" not in upstream.calls
    assert upstream.calls.count("aclose") == 1
