"""Benchmarks of stream shaping (SPEC section 8), each paired with its baseline in one group.

* ``chain-sync`` / ``chain-async``: a chat model streaming one grapheme per chunk, through
  ``model | StrOutputParser()`` and through ``model | ShapeStream(...) | StrOutputParser()``; the
  difference divided by ``CHUNKS`` is ShapeStream's per-chunk overhead in a chain. A third chain
  with a do-nothing streaming step (``RunnableGenerator``) in its place shows how much of that is
  what LangChain charges any streaming step (tracing copies and merges of every chunk).
* ``shaper-pieces-N``: the native ``StreamShaper`` against ``PyShaper``, a straightforward
  pure-Python shaper with the same semantics (re-segments the unreleased window with ``regex``'s
  ``\\X`` on every feed), over the same text fed in pieces of N code points.

Every benchmark checks its output inside the timed function. Run with
``.venv/bin/python -m pytest benches/bench_shape.py --benchmark-enable``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import RunnableGenerator

from langchain_echo import ChatEcho, ShapeStream, StreamShaper, graphemes
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

    def run() -> None:
        chunks = list(_shape(make, pieces))
        assert "".join(chunks) == SHAPED_EXPECTED

    benchmark(run)
