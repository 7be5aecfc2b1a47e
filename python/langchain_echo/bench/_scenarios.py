"""The benchmark scenarios: P1 to P11 of the project's targets, and stream shaping.

Each builder returns scenarios whose cases run on the same inputs; the harness checks that their
outputs are equal before timing them. Inputs are built when a builder runs, not at import.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser

from langchain_echo import (
    ChatEcho,
    EchoLLM,
    ShapeStream,
    StopSet,
    StreamShaper,
    count_graphemes,
    graphemes,
    truncate_graphemes,
)
from langchain_echo.bench._corpora import CORPORA, ascii_prose
from langchain_echo.bench._harness import Case, Scenario, optional, unavailable
from langchain_echo.bench._models import (
    FloorChat,
    FloorLLM,
    FreshChat,
    FreshChunkChat,
    SeedChat,
    SeedLLM,
)
from langchain_echo.bench._pipelines import agent, chains
from langchain_echo.bench._pyshaper import PyShaper

STREAM_CHUNKS = 1000
"""Graphemes (so chunks) in the streamed texts of P1 to P3."""


@functools.cache
def _corpus(name: str) -> str:
    return CORPORA[name]()


def _stream_text(chunks: int = STREAM_CHUNKS) -> str:
    # ASCII without CR, so that every code point is a grapheme and the floor's pieces are exact.
    text = _corpus("ascii").replace("\r", "")[:chunks]
    assert len(graphemes(text)) == chunks
    return text


# --- P1 to P4: streaming and calls ---------------------------------------------------------------


def _chat_stream(model: Any, text: str) -> Callable[[], str]:
    def run() -> str:
        return "".join(str(c.content) for c in model.stream(text))

    return run


def _chat_astream(model: Any, text: str) -> Callable[[], Any]:
    async def run() -> str:
        return "".join([str(c.content) async for c in model.astream(text)])

    return run


def _llm_stream(model: Any, text: str) -> Callable[[], str]:
    def run() -> str:
        return "".join(model.stream(text))

    return run


def _llm_astream(model: Any, text: str) -> Callable[[], Any]:
    async def run() -> str:
        return "".join([c async for c in model.astream(text)])

    return run


def streaming() -> list[Scenario]:
    """P1 to P3: per-chunk cost of ``stream`` and ``astream``, both models."""
    text = _stream_text()
    pieces = list(text)
    chat, llm = ChatEcho(), EchoLLM()
    floor_chat = FloorChat(texts=[text], pieces=pieces)
    fresh_chunks = FreshChunkChat(texts=[text], pieces=pieces)
    floor_llm = FloorLLM(texts=[text], pieces=pieces)
    seed_chat, seed_llm = SeedChat(n=len(text)), SeedLLM(n=len(text))
    n = float(len(pieces))
    return [
        Scenario(
            "P1",
            "ChatEcho.stream",
            "us/chunk",
            n,
            Case("ChatEcho", _chat_stream(chat, text)),
            Case("floor (prebuilt chunks)", _chat_stream(floor_chat, text)),
            1.5,
            "<= 1.5x floor",
            others=[
                Case("fresh-chunk floor", _chat_stream(fresh_chunks, text)),
                Case("seed-like", _chat_stream(seed_chat, text)),
            ],
        ),
        Scenario(
            "P2",
            "EchoLLM.stream",
            "us/chunk",
            n,
            Case("EchoLLM", _llm_stream(llm, text)),
            Case("floor", _llm_stream(floor_llm, text)),
            1.10,
            "<= 1.10x floor",
            others=[Case("seed-like", _llm_stream(seed_llm, text))],
        ),
        Scenario(
            "P3",
            "ChatEcho.astream",
            "us/chunk",
            n,
            Case("ChatEcho", afn=_chat_astream(chat, text)),
            Case("native-async floor (prebuilt chunks)", afn=_chat_astream(floor_chat, text)),
            1.5,
            "<= 1.5x floor",
            others=[
                Case("fresh-chunk floor", afn=_chat_astream(fresh_chunks, text)),
                Case("seed-like (executor)", afn=_chat_astream(seed_chat, text)),
            ],
        ),
        Scenario(
            "P3",
            "EchoLLM.astream",
            "us/chunk",
            n,
            Case("EchoLLM", afn=_llm_astream(llm, text)),
            Case("native-async floor", afn=_llm_astream(floor_llm, text)),
            1.25,
            "<= 1.25x floor",
            others=[Case("seed-like (executor)", afn=_llm_astream(seed_llm, text))],
        ),
    ]


def calls() -> list[Scenario]:
    """P4: ``ainvoke`` per call against a native-async floor; ``invoke`` shown beside it."""
    prompt = "Hello, world! How are you today?"
    chat, llm = ChatEcho(), EchoLLM()
    floor_chat = FloorChat(texts=[prompt], pieces=[prompt])
    floor_llm = FloorLLM(texts=[prompt], pieces=[prompt])
    seed_chat, seed_llm = SeedChat(n=len(prompt)), SeedLLM(n=len(prompt))

    def chat_call(model: Any) -> Callable[[], str]:
        return lambda: str(model.invoke(prompt).content)

    def chat_acall(model: Any) -> Callable[[], Any]:
        async def run() -> str:
            return str((await model.ainvoke(prompt)).content)

        return run

    def llm_call(model: Any) -> Callable[[], str]:
        return lambda: str(model.invoke(prompt))

    def llm_acall(model: Any) -> Callable[[], Any]:
        async def run() -> str:
            return str(await model.ainvoke(prompt))

        return run

    return [
        Scenario(
            "P4",
            "ChatEcho.ainvoke",
            "us/call",
            1.0,
            Case("ChatEcho", afn=chat_acall(chat)),
            Case("native-async floor", afn=chat_acall(floor_chat)),
            1.10,
            "<= 1.10x floor",
            others=[
                Case("fresh-result model", afn=chat_acall(FreshChat())),
                Case("seed-like (executor)", afn=chat_acall(seed_chat)),
            ],
        ),
        Scenario(
            "P4",
            "EchoLLM.ainvoke",
            "us/call",
            1.0,
            Case("EchoLLM", afn=llm_acall(llm)),
            Case("native-async floor", afn=llm_acall(floor_llm)),
            1.10,
            "<= 1.10x floor",
            others=[Case("seed-like (executor)", afn=llm_acall(seed_llm))],
        ),
        Scenario(
            "-",
            "ChatEcho.invoke",
            "us/call",
            1.0,
            Case("ChatEcho", chat_call(chat)),
            Case("floor", chat_call(floor_chat)),
            None,
            others=[Case("seed-like", chat_call(seed_chat))],
        ),
        Scenario(
            "-",
            "EchoLLM.invoke",
            "us/call",
            1.0,
            Case("EchoLLM", llm_call(llm)),
            Case("floor", llm_call(floor_llm)),
            None,
            others=[Case("seed-like", llm_call(seed_llm))],
        ),
    ]


# --- P5, P6: batches -----------------------------------------------------------------------------


def batches() -> list[Scenario]:
    """P5 and P6: per-item cost of ``batch`` and ``abatch``, both models."""
    chat_inputs: list[list[BaseMessage]] = [
        [HumanMessage(f"input number {i}")] for i in range(1000)
    ]
    chat_outputs = [str(m[0].content) for m in chat_inputs]
    prompts = [f"prompt number {i}" for i in range(10_000)]
    chat = ChatEcho()
    floor_chat = FloorChat(texts=chat_outputs, pieces=["-"])
    seed_chat = SeedChat(n=100)
    llm, floor_llm, seed_llm = EchoLLM(), FloorLLM(texts=prompts, pieces=["-"]), SeedLLM(n=100)

    def contents(messages: list[Any]) -> list[str]:
        return [str(m.content) for m in messages]

    def floor_generate() -> list[str]:
        result = floor_chat.generate(chat_inputs)
        return [g[0].text for g in result.generations]

    fresh = FreshChat()

    def fresh_generate() -> list[str]:
        return [g[0].text for g in fresh.generate(chat_inputs).generations]

    async def floor_agenerate() -> list[str]:
        result = await floor_chat.agenerate(chat_inputs)
        return [g[0].text for g in result.generations]

    async def chat_abatch() -> list[str]:
        return contents(await chat.abatch(chat_inputs))

    def llm_generate() -> list[str]:
        return [g[0].text for g in floor_llm.generate(prompts).generations]

    return [
        Scenario(
            "P5",
            "ChatEcho.batch(1000)",
            "us/item",
            1000.0,
            Case("ChatEcho", lambda: contents(chat.batch(chat_inputs))),
            Case("fresh-result floor generate()", fresh_generate),
            1.10,
            "<= 1.10x fresh-result floor",
            others=[
                Case("prebuilt-result generate()", floor_generate),
                Case("seed-like batch", lambda: contents(seed_chat.batch(chat_inputs))),  # type: ignore[arg-type]
            ],
        ),
        Scenario(
            "-",
            "ChatEcho.abatch(1000)",
            "us/item",
            1000.0,
            Case("ChatEcho", afn=chat_abatch),
            Case("floor agenerate()", afn=floor_agenerate),
            None,
        ),
        Scenario(
            "P6",
            "EchoLLM.batch(10000)",
            "us/item",
            10_000.0,
            Case("EchoLLM", lambda: llm.batch(prompts)),
            Case("floor batch", lambda: floor_llm.batch(prompts)),  # type: ignore[arg-type]
            0.5,
            "<= 0.5x floor batch",
            others=[
                Case("floor generate(), one callbacks", llm_generate),
                Case("seed-like batch", lambda: seed_llm.batch(prompts)),  # type: ignore[arg-type]
            ],
        ),
    ]


# --- P7 to P10: the core -------------------------------------------------------------------------


def _listed(split: Callable[[str], Any], text: str) -> list[str]:
    return list(split(text))


def _prefix(text: str, n: int) -> str:
    return text[:n]


def segmentation() -> list[Scenario]:
    """P7: ``graphemes()`` throughput on each corpus, against the grapheme libraries."""
    grapheme, regex, ugrapheme = optional("grapheme"), optional("regex"), optional("ugrapheme")
    scenarios = []
    for name in CORPORA:
        text = _corpus(name)
        mb = len(text.encode("utf-8")) / 1e6
        scenarios.append(
            Scenario(
                "P7",
                f"graphemes(), {name} ~1 MB",
                "MB/s",
                mb,
                Case("graphemes()", partial(graphemes, text)),
                Case("ugrapheme", partial(_listed, ugrapheme.graphemes, text))
                if ugrapheme
                else unavailable("ugrapheme", "ugrapheme"),
                1.0,
                ">= 1.0x ugrapheme",
                others=[
                    # Older Unicode tables: timed, not compared.
                    Case("regex \\X", partial(regex.compile(r"\X").findall, text), check=False)
                    if regex
                    else unavailable("regex \\X", "regex"),
                    Case("grapheme", partial(_listed, grapheme.graphemes, text), check=False)
                    if grapheme
                    else unavailable("grapheme", "grapheme"),
                ],
            )
        )
    return scenarios


def truncation() -> list[Scenario]:
    """P8: ``truncate_graphemes()`` at n=5 and n=1000, on 1 KiB and 100 MB sources.

    Every corpus (ASCII prose, mixed scripts, emoji) is judged against the same targets: the
    per-version build reads each of CPython's three string layouts in place.
    """
    ugrapheme = optional("ugrapheme")

    def sources(text: str) -> tuple[str, str]:
        data = text.encode("utf-8")
        small = data[:1024].decode("utf-8", "ignore")
        large = (data * (100_000_000 // len(data) + 1))[:100_000_000].decode("utf-8", "ignore")
        return small, large

    scenarios = []
    for corpus in CORPORA:
        small, large = sources(_corpus(corpus))
        for n in (5, 1000):
            for label, text in (("1 KiB", small), ("100 MB", large)):
                scenarios.append(
                    Scenario(
                        "P8",
                        f"truncate_graphemes(n={n}), {corpus} {label}",
                        "ns/call",
                        1.0,
                        Case("truncate_graphemes", partial(truncate_graphemes, text, n)),
                        Case(
                            "ugrapheme.grapheme_slice",
                            partial(ugrapheme.grapheme_slice, text, 0, n),
                        )
                        if ugrapheme
                        else unavailable("ugrapheme.grapheme_slice", "ugrapheme"),
                        1.0,
                        "<= 1.0x ugrapheme",
                        others=[
                            Case("s[:n] (code points)", partial(_prefix, text, n), check=False)
                        ],
                    )
                )
            # A short source that still holds more than n graphemes (1 KiB of mixed scripts or
            # emoji holds fewer than 1000, which truncation returns whole without reading it).
            short = small if count_graphemes(small) > n else truncate_graphemes(large, 2 * n)
            kib = f"{len(short.encode('utf-8')) / 1024:.0f} KiB"
            scenarios.append(
                Scenario(
                    "P8",
                    f"truncate_graphemes(n={n}), {corpus} 100 MB vs {kib}",
                    "ns/call",
                    1.0,
                    Case("100 MB source", partial(truncate_graphemes, large, n)),
                    Case(f"{kib} source", partial(truncate_graphemes, short, n), check=False),
                    1.5,
                    "<= 1.5x the short source",
                )
            )
    return scenarios


def stop_search() -> list[Scenario]:
    """P9: the earliest of k stop sequences in 1 MB, against ``str.find`` and ``re``."""
    base = ascii_prose()
    scenarios = []
    for k in (1, 10, 100, 1000):
        stops = [f"<|stop-{i}|>" for i in range(k)]
        # The one occurrence sits near the end, so every search reads almost the whole text.
        text = base[:-2000] + stops[-1] + base[-2000:]
        compiled = StopSet(stops)
        alternation = re.compile("|".join(map(re.escape, stops)))

        def ours(c: StopSet = compiled, t: str = text) -> int:
            found = c.find(t)
            return -1 if found is None else found[0]

        def finds(s: list[str] = stops, t: str = text) -> int:
            return min((i for i in map(t.find, s) if i >= 0), default=-1)

        def regex_search(p: re.Pattern[str] = alternation, t: str = text) -> int:
            m = p.search(t)
            return -1 if m is None else m.start()

        target, text_ = (
            (1.0, "<= 1.0x str.find")
            if k == 1
            else (0.01, ">= 100x faster")
            if k >= 100
            else (None, "")
        )
        scenarios.append(
            Scenario(
                "P9",
                f"earliest of {k} stop{'s' if k > 1 else ''}, 1 MB",
                "us/call",
                1.0,
                Case("StopSet.find", ours),
                Case("str.find" if k == 1 else "min(str.find)", finds),
                target,
                text_,
                others=[Case("re alternation", regex_search)],
            )
        )
    return scenarios


def _feed_all(shaper: Any, pieces: list[str]) -> str:
    out: list[str] = []
    for piece in pieces:
        out += shaper.feed(piece)
    out += shaper.finish()
    return "".join(out)


def shaper() -> list[Scenario]:
    """P10: ``StreamShaper`` fed one grapheme at a time: linear, and against a Python scanner."""
    stops = ["<|im_end|>", "\n\nUser:", "STOP"]
    text = _corpus("mixed")
    sizes = {"10 KB": 10_000, "100 KB": 100_000, "1 MB": 1_000_000}
    data = text.encode("utf-8")
    pieces = {
        label: graphemes(data[:size].decode("utf-8", "ignore")) for label, size in sizes.items()
    }

    def native(label: str) -> Callable[[], str]:
        return lambda: _feed_all(StreamShaper(stop=stops, stop_mode="exclude"), pieces[label])

    has_regex = optional("regex") is not None

    def python(label: str) -> Case:
        name = "windowed Python scanner"
        if not has_regex:  # PyShaper's graphemes are regex's \X
            return unavailable(name, "regex")
        return Case(name, lambda: _feed_all(PyShaper(stops, "exclude"), pieces[label]))

    scenarios = [
        Scenario(
            "P10",
            f"StreamShaper, 1-grapheme feeds, {label}",
            "us/chunk",
            float(len(pieces[label])),
            Case("StreamShaper", native(label)),
            python(label),
            1.0,
            "<= 1.0x Python",
            quick=label != "1 MB",
        )
        for label in sizes
    ]
    scenarios.append(
        Scenario(
            "P10",
            "StreamShaper, 1-grapheme feeds, 1 MB vs 100 KB",
            "us/chunk",
            float(len(pieces["1 MB"])),
            Case("1 MB", native("1 MB")),
            Case(
                "100 KB (x10)", lambda: "".join(native("100 KB")() for _ in range(10)), check=False
            ),
            1.1,
            "linear: <= 1.1x",
        )
    )
    return scenarios


def long_streams() -> list[Scenario]:
    """P11: ``EchoLLM.stream`` of a 1 MB output, per chunk, against a 1 KB output."""
    text = _corpus("ascii")
    small = _stream_text()
    llm = EchoLLM()
    return [
        Scenario(
            "P11",
            "EchoLLM.stream, 1 MB output",
            "us/chunk",
            float(len(graphemes(text))),
            Case("1 MB output", _llm_stream(llm, text)),
            Case(
                "1 KB output (x1000)",
                lambda: "".join(_llm_stream(llm, small)() for _ in range(1000)),
                check=False,
            ),
            1.5,
            "<= 1.5x the 1 KB output",
        )
    ]


# --- Stream shaping (SPEC section 8) -------------------------------------------------------------


def _pass_through(chunks: Iterator[Any]) -> Iterator[Any]:
    yield from chunks


def shaping() -> list[Scenario]:
    """``ShapeStream`` in a chain, and ``StreamShaper`` against a pure-Python shaper."""
    text = _stream_text()
    model = ChatEcho()
    plain = model | StrOutputParser()
    shaper_step: Any = ShapeStream(stop=["<|im_end|>"], stop_mode="exclude")
    shaped = model | shaper_step | StrOutputParser()
    pieces = graphemes(_corpus("emoji")[:20_000])
    stops = ["<|im_end|>", "STOP"]
    return [
        Scenario(
            "S1",
            "chain with ShapeStream, per chunk",
            "us/chunk",
            float(len(text)),
            Case("model | ShapeStream | parser", lambda: "".join(shaped.stream(text))),
            Case("model | parser", lambda: "".join(plain.stream(text))),
            None,
        ),
        Scenario(
            "S2",
            "StreamShaper vs pure-Python shaper, emoji",
            "us/chunk",
            float(len(pieces)),
            Case("StreamShaper", lambda: _feed_all(StreamShaper(stop=stops), pieces)),
            Case("pure-Python shaper", lambda: _feed_all(PyShaper(stops), pieces))
            if optional("regex")
            else unavailable("pure-Python shaper", "regex"),
            None,
        ),
    ]


BUILDERS: list[tuple[tuple[str, ...], Callable[[], list[Scenario]]]] = [
    (("P1", "P2", "P3"), streaming),
    (("P4", "-"), calls),
    (("P5", "P6", "-"), batches),
    (("P7",), segmentation),
    (("P8",), truncation),
    (("P9",), stop_search),
    (("P10",), shaper),
    (("P11",), long_streams),
    (("S1", "S2"), shaping),
    (("O1", "O2"), chains),
    (("O3",), agent),
]
"""Every group of scenarios, in report order, with the keys each group's scenarios carry."""
