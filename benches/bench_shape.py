"""Benchmarks of stream shaping (SPEC section 8), each paired with its baseline in one group.

* ``chain-sync`` / ``chain-async``: a chat model streaming one grapheme per chunk, through
  ``model | StrOutputParser()`` and through ``model | ShapeStream(...) | StrOutputParser()``; the
  difference divided by ``CHUNKS`` is ShapeStream's per-chunk overhead in a chain. A third chain
  with a do-nothing streaming step (``RunnableGenerator``) in its place shows how much of that is
  what LangChain charges any streaming step (tracing copies and merges of every chunk).
* ``shape_stream-str`` / ``shape_stream-message``: ``shape_stream`` on its own, over the same
  stream (one grapheme per chunk, as ``str`` or as ``AIMessageChunk``) in each stop mode, against
  a plain pass-through generator over those chunks; the difference divided by ``CHUNKS`` is its
  cost per chunk.
* ``shaper-pieces-N``: the native ``StreamShaper`` against ``PyShaper``, a straightforward
  pure-Python shaper with the same semantics (re-segments the unreleased window with ``regex``'s
  ``\\X`` on every feed), over the same text fed in pieces of N code points; both must give
  StreamShaper's chunks.

Every benchmark checks its output inside the timed function. Run with
``.venv/bin/python -m pytest benches/bench_shape.py --benchmark-enable``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import RunnableGenerator

from langchain_echo import ChatEcho, ShapeStream, StreamShaper, graphemes, shape_stream
from langchain_echo.bench._pyshaper import PyShaper

UNIT = "Hello 👋🏽 wörld! 👨\u200d👩\u200d👧 e\u0301te\u0301 🇫🇷🇩🇪 ok. "
TEXT = UNIT * 80
CHUNKS = len(graphemes(TEXT))
STOPS = ["STOP", "\n\nUser:"]

# --- ShapeStream in a chain ----------------------------------------------------------------------

MODEL = ChatEcho(chunk_size=1)  # streams one grapheme per chunk, then a closing chunk
PLAIN = MODEL | StrOutputParser()
SHAPED = MODEL | ShapeStream(stop=STOPS, stop_mode="exclude") | StrOutputParser()


def _pass_through(chunks: Iterator[Any]) -> Iterator[Any]:
    yield from chunks


async def _apass_through(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for chunk in chunks:
        yield chunk


PASS_THROUGH = MODEL | RunnableGenerator(_pass_through, _apass_through) | StrOutputParser()
CHAINS = [PLAIN, PASS_THROUGH, SHAPED]
CHAIN_IDS = ["without-ShapeStream", "with-pass-through-step", "with-ShapeStream"]


def _stream(chain: Any) -> str:
    return "".join(chain.stream(TEXT))


async def _astream(chain: Any) -> str:
    return "".join([c async for c in chain.astream(TEXT)])


@pytest.mark.parametrize("chain", CHAINS, ids=CHAIN_IDS)
def test_chain_sync(benchmark: Any, chain: Any) -> None:
    benchmark.group = "chain-sync"
    benchmark.extra_info["chunks"] = CHUNKS

    def run() -> None:
        assert _stream(chain) == TEXT

    benchmark(run)


@pytest.mark.parametrize("chain", CHAINS, ids=CHAIN_IDS)
def test_chain_async(benchmark: Any, chain: Any) -> None:
    benchmark.group = "chain-async"
    benchmark.extra_info["chunks"] = CHUNKS
    loop = asyncio.new_event_loop()

    def run() -> None:
        assert loop.run_until_complete(_astream(chain)) == TEXT

    try:
        benchmark(run)
    finally:
        loop.close()


# --- shape_stream on its own, against a pass-through generator -----------------------------------

STREAMS = {
    "str": graphemes(TEXT),
    "message": [AIMessageChunk(content=g, id="run-1") for g in graphemes(TEXT)],
}


def _text(chunk: Any) -> Any:
    return chunk if isinstance(chunk, str) else chunk.content


@pytest.mark.parametrize(
    "step",
    [
        _pass_through,
        lambda chunks: shape_stream(chunks, stop=STOPS, stop_mode="include"),
        lambda chunks: shape_stream(chunks, stop=STOPS, stop_mode="exclude"),
    ],
    ids=["pass-through", "shape_stream-include", "shape_stream-exclude"],
)
@pytest.mark.parametrize("kind", list(STREAMS))
def test_shape_stream(benchmark: Any, kind: str, step: Callable[[Iterator[Any]], Any]) -> None:
    benchmark.group = f"shape_stream-{kind}"
    benchmark.extra_info["chunks"] = CHUNKS
    chunks = STREAMS[kind]

    def run() -> None:
        # No stop occurs in TEXT: both give all of it, the shaped stream in whole graphemes.
        assert "".join([_text(c) for c in step(iter(chunks))]) == TEXT

    benchmark(run)


# --- StreamShaper against a pure-Python shaper ----------------------------------------------------

SHAPED_TEXT = TEXT + "and a STOP the consumer never sees"
SHAPED_EXPECTED = TEXT + "and a "


def _pieces(size: int) -> list[str]:
    return [SHAPED_TEXT[i : i + size] for i in range(0, len(SHAPED_TEXT), size)]


def _native() -> Any:
    return StreamShaper(stop=STOPS, stop_mode="exclude")


def _python() -> Any:
    return PyShaper(STOPS, "exclude")


def _shape(make: Callable[[], Any], pieces: list[str]) -> Iterator[str]:
    shaper = make()
    for piece in pieces:
        yield from shaper.feed(piece)
        if shaper.done:
            return
    yield from shaper.finish()


@pytest.mark.parametrize("size", [1, 4, 16])
@pytest.mark.parametrize("make", [_native, _python], ids=["StreamShaper", "pure-Python"])
def test_shaper(benchmark: Any, make: Callable[[], Any], size: int) -> None:
    benchmark.group = f"shaper-pieces-{size}"
    pieces = _pieces(size)
    benchmark.extra_info["feeds"] = len(pieces)
    native = list(_shape(_native, pieces))
    assert "".join(native) == SHAPED_EXPECTED

    def run() -> None:
        # The same chunks as StreamShaper's, feed by feed.
        assert list(_shape(make, pieces)) == native

    benchmark(run)
