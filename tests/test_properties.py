"""Hypothesis properties: every path of the package against a literal reference of SPEC §3.

The reference below executes the specification as written: emit the graphemes one by one, and
after each one look for every stop sequence in the whole emitted text. It is quadratic and
obviously correct; the package's streaming core must agree with it on every input, every option
and every path (``_core.echo``, ``echo_batch``, ``EchoStream``, ``EchoLLM``, ``ChatEcho``, sync
and async, and ``StreamShaper`` under any split of the input into feeds).
"""

from __future__ import annotations

import asyncio
from itertools import accumulate
from typing import Any, NamedTuple

from _budget import budget
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage

from langchain_echo import ChatEcho, EchoLLM, StreamShaper, _core, count_graphemes, graphemes

# ---------------------------------------------------------------------------------------------
# The reference


class Echo(NamedTuple):
    output: str
    finish_reason: str
    stop_sequence: str | None
    output_graphemes: int
    # Code-point span of the stop occurrence that ended generation, if one did.
    stop_span: tuple[int, int] | None = None


def reference(text: str, n: int | None, stops: list[str], exclude: bool) -> Echo:
    """SPEC §3, literally."""
    gs = graphemes(text)
    limit = len(gs) if n is None else min(n, len(gs))
    out = ""
    bounds = [0]
    for i in range(limit):
        out += gs[i]
        bounds.append(len(out))
        # For one stop, its first occurrence is also the one that ends first.
        hits = [(out.find(s) + len(s), -len(s), s) for s in stops if s in out]
        if hits:
            end, minus_len, stop = min(hits)  # earliest end, then longest
            start = end + minus_len
            kept = max(k for k, b in enumerate(bounds) if b <= start) if exclude else i + 1
            return Echo("".join(gs[:kept]), "stop", stop, kept, (start, end))
    reason = "stop" if limit == len(gs) else "length"
    return Echo(out, reason, None, limit)


def fast_reference(text: str, n: int | None, stops: list[str], exclude: bool) -> Echo:
    """The same, in linear time, for long texts: after each grapheme, only occurrences that end
    inside it are new. Checked against :func:`reference` on every short case."""
    gs = graphemes(text)
    limit = len(gs) if n is None else min(n, len(gs))
    bounds = [0]
    for i in range(limit):
        prev, pos = bounds[-1], bounds[-1] + len(gs[i])
        bounds.append(pos)
        hits = []
        for s in stops:
            start = text.find(s, max(0, prev - len(s) + 1), pos)
            if start >= 0:
                hits.append((start + len(s), -len(s), s))
        if hits:
            end, minus_len, stop = min(hits)
            start = end + minus_len
            kept = max(k for k, b in enumerate(bounds) if b <= start) if exclude else i + 1
            return Echo(text[: bounds[kept]], "stop", stop, kept, (start, end))
    reason = "stop" if limit == len(gs) else "length"
    return Echo(text[: bounds[limit]], reason, None, limit)


def expected(text: str, n: int | None, stops: list[str], exclude: bool) -> Echo:
    """The reference's answer; long texts take the linear one."""
    if len(text) > 2000:
        return fast_reference(text, n, stops, exclude)
    return reference(text, n, stops, exclude)


def boundaries(text: str) -> list[int]:
    """Code-point offsets of every grapheme boundary of ``text``, 0 included."""
    return [0, *accumulate(len(g) for g in graphemes(text))]


def check_chunks(
    chunks: list[str], text: str, output: str, chunk_size: int | None, what: str
) -> None:
    """SPEC §3 invariants 1-3 for the chunks of one stream of ``text``."""
    index = {b: i for i, b in enumerate(boundaries(text))}
    # 1. A prefix of the source that ends on a grapheme boundary.
    assert text.startswith(output), what
    assert len(output) in index, what
    # 2. The chunks make up the output.
    assert "".join(chunks) == output, what
    # 3. No chunk splits a grapheme; all but the last non-empty one hold chunk_size graphemes.
    sizes = []
    pos = 0
    for chunk in chunks:
        end = pos + len(chunk)
        assert end in index, f"chunk {chunk!r} splits a grapheme; {what}"
        sizes.append(index[end] - index[pos])
        pos = end
    sizes = [s for s in sizes if s]
    if chunk_size is not None and sizes:
        assert all(s == chunk_size for s in sizes[:-1]), f"sizes {sizes}; {what}"
        assert 1 <= sizes[-1] <= chunk_size, f"sizes {sizes}; {what}"


# ---------------------------------------------------------------------------------------------
# Strategies

# Code points that make segmentation hard: combining marks, ZWJ/ZWNJ, variation selectors, emoji
# and their modifiers, regional indicators, CR/LF and controls, Hangul jamo and syllables, Indic
# consonants, viramas and vowel signs (GB9c conjuncts), prepend and spacing marks, lone
# surrogates (halves of a pair too).
ALPHABET = [
    "a",
    "b",
    " ",
    ".",
    "\r",
    "\n",
    "\x00",
    "e",
    "\u0301",
    "\u0308",
    "\u200d",
    "\u200c",
    "\ufe0f",
    "\U0001f44d",  # thumbs up
    "\U0001f3fd",  # skin tone modifier
    "\U0001f469",  # woman
    "\U0001f468",  # man
    "\u2764",  # heart
    "\U0001f1eb",  # regional indicator F
    "\U0001f1f7",  # regional indicator R
    "\U0001f1e9",  # regional indicator D
    "\u1100",  # Hangul L
    "\u1161",  # Hangul V
    "\u11a8",  # Hangul T
    "\uac00",  # Hangul LV syllable
    "\uac01",  # Hangul LVT syllable
    "\u0915",  # Devanagari KA
    "\u0937",  # Devanagari SSA
    "\u094d",  # Devanagari virama
    "\u093f",  # Devanagari vowel sign I
    "\u0995",  # Bengali KA
    "\u09cd",  # Bengali virama
    "\u0600",  # Arabic number sign (Prepend)
    "\u0903",  # Devanagari visarga (SpacingMark)
    "\ud800",
    "\udbff",
    "\udc00",
    "\ud83d",
    "\ude00",
    # Code points the native quick path decides alone, and the exceptions at its edges.
    "\u00e9",
    "\u00a9",  # Extended_Pictographic in Latin-1
    "\u00ad",  # soft hyphen: Control
    "\u0085",  # C1 control
    "\u2060",  # word joiner: Control
    "\u4e2d",
    "\u30a2",
    "\u3099",  # kana voicing mark (Extend)
    "\uff76",  # halfwidth katakana
    "\uff9e",  # halfwidth voicing mark (Extend)
    "\u0416",
    "\u0483",  # combining Cyrillic (Extend)
    "\u302a",  # ideographic tone mark (Extend)
    "1",
    "#",
    "\u20e3",  # combining enclosing keycap
    "\U0001f3f4",  # black flag
    "\U000e0067",  # tag g
    "\U000e007f",  # cancel tag
    "\U0001f600",
    "\U0001fae8",
]
# Sequences that only join whole: ZWJ emoji, keycaps, tag flags, conjuncts, Hangul LVT.
FRAGMENTS = [
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\u2764\ufe0f\u200d\U0001f525",
    "\u00a9\u200d\U0001f44d",
    "\U0001f44d\U0001f3fd\u200d",
    "1\ufe0f\u20e3",
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "\u0915\u094d\u0937",
    "\u0915\u094d\u200d\u0937",
    "\u1100\u1161\u11a8",
    "\U0001f1eb\U0001f1f7",
    "\r\n",
]

units = st.one_of(st.sampled_from(ALPHABET), st.sampled_from(FRAGMENTS))
rich_text = st.lists(units, max_size=24).map("".join)
texts = st.one_of(
    st.lists(units, min_size=1, max_size=24).map("".join),
    st.lists(units, min_size=8, max_size=30).map("".join),
    st.text(max_size=24),
    st.text(alphabet="ab.\r\n", max_size=16),
    st.just(""),
)


@st.composite
def stop_sequences(draw: st.DrawFn, text: str) -> list[str]:
    bounds = boundaries(text)

    def one() -> st.SearchStrategy[str]:
        options = [
            st.lists(units, min_size=1, max_size=3).map("".join),
            st.text(min_size=1, max_size=3),
        ]
        if text:
            # Any substring: it may start or end inside a grapheme, or inside a surrogate pair.
            options.append(
                st.integers(0, len(text) - 1).flatmap(
                    lambda i: st.integers(i + 1, min(len(text), i + 6)).map(lambda j: text[i:j])
                )
            )
            # A run of whole graphemes.
            options.append(
                st.integers(0, len(bounds) - 2).flatmap(
                    lambda i: st.integers(i + 1, min(len(bounds) - 1, i + 3)).map(
                        lambda j: text[bounds[i] : bounds[j]]
                    )
                )
            )
        return st.one_of(options)

    return draw(st.lists(one(), max_size=3))


class Case(NamedTuple):
    text: str
    stops: list[str]
    n: int | None
    exclude: bool
    chunk_size: int

    @property
    def ref(self) -> Echo:
        return expected(self.text, self.n, self.stops, self.exclude)

    @property
    def stop_set(self) -> Any:
        return _core.StopSet(self.stops) if self.stops else None

    @property
    def mode(self) -> str:
        return "exclude" if self.exclude else "include"


@st.composite
def cases(draw: st.DrawFn) -> Case:
    text = draw(texts)
    return Case(
        text=text,
        stops=draw(stop_sequences(text)),
        n=draw(st.one_of(st.none(), st.integers(0, 6), st.integers(0, 60))),
        exclude=draw(st.booleans()),
        chunk_size=draw(st.integers(1, 4)),
    )


# A marker that the repeated body cannot hold, so that a stop can end a long text late.
MARKERS = ["Z", "\u0301Z", "\ud800Z", "\U0001f44dZ\u200d", "Z\r"]


@st.composite
def long_cases(draw: st.DrawFn, min_length: int, max_repeat: int) -> Case:
    """Long texts (a repeated body, a marker, a tail) cross the native code's read windows (256
    bytes first, then doubling; long non-ASCII strings are read in code-point windows)."""
    body = "".join(draw(st.lists(units, min_size=1, max_size=12)))
    marker = draw(st.sampled_from(MARKERS))
    tail = draw(rich_text)
    repeat = -(-min_length // len(body)) + draw(st.integers(0, max_repeat))
    text = body * repeat + marker + tail
    stop = st.one_of(
        st.just(marker),
        st.integers(1, 4).map(lambda k: (marker + tail)[:k]),
        st.just(marker[-1:] + tail),
        st.lists(units, min_size=2, max_size=4).map("".join),
        st.text(min_size=1, max_size=3),
        # Long stops, longer than the first read windows, anywhere in the text.
        st.integers(0, len(text) - 1).flatmap(
            lambda i: st.integers(i + 1, min(len(text), i + 2000)).map(lambda j: text[i:j])
        ),
    )
    return Case(
        text=text,
        stops=draw(st.one_of(st.lists(stop, max_size=2), st.lists(stop, max_size=12))),
        n=draw(st.one_of(st.none(), st.integers(0, len(text) + 5))),
        exclude=draw(st.booleans()),
        chunk_size=draw(st.integers(1, 4)),
    )


long_texts = long_cases(64, 200)


# ---------------------------------------------------------------------------------------------
# The reference itself, on cases worked out by hand (the same as the Rust reference's table)

REFERENCE_TABLE = [
    # (text, stops, n, exclude, expected Echo without span)
    ("This is a foobar thing", [], 5, False, ("This ", "length", None, 5)),
    ("world", [], 5, False, ("world", "stop", None, 5)),
    ("hello", [], 0, False, ("", "length", None, 0)),
    ("", [], 0, False, ("", "stop", None, 0)),
    ("", ["x"], None, False, ("", "stop", None, 0)),
    ("a, b. c", ["."], None, False, ("a, b.", "stop", ".", 5)),
    ("a, b. c", ["."], None, True, ("a, b", "stop", ".", 4)),
    ("abcd", ["abcd", "bc"], None, False, ("abc", "stop", "bc", 3)),
    ("abcd", ["abcd", "bc"], None, True, ("a", "stop", "bc", 1)),
    ("xabc", ["bc", "abc"], None, True, ("x", "stop", "abc", 1)),
    ("ae\u0301z", ["e"], None, False, ("ae\u0301", "stop", "e", 2)),
    ("ae\u0301z", ["e"], None, True, ("a", "stop", "e", 1)),
    ("ae\u0301z", ["\u0301z"], None, True, ("a", "stop", "\u0301z", 1)),
    ("abcdef", ["cd"], 3, False, ("abc", "length", None, 3)),
    ("abcdef", ["cd"], 4, False, ("abcd", "stop", "cd", 4)),
    ("abcdef", ["cd"], 4, True, ("ab", "stop", "cd", 2)),
    ("abcdef", ["cd"], 3, True, ("abc", "length", None, 3)),
    ("🇫🇷🇩🇪", ["🇷🇩"], None, False, ("🇫🇷🇩🇪", "stop", "🇷🇩", 2)),
    ("🇫🇷🇩🇪", ["🇷🇩"], None, True, ("", "stop", "🇷🇩", 0)),
    ("say END", ["END", "N"], None, False, ("say EN", "stop", "N", 6)),
]


def fields(result: _core.EchoResult) -> tuple[str, str, str | None, int]:
    """An ``EchoResult``'s attributes, in the order the reference gives them."""
    return (result.text, result.finish_reason, result.stop_sequence, result.output_graphemes)


def test_the_reference_on_hand_worked_cases() -> None:
    for text, stops, n, exclude, expected in REFERENCE_TABLE:
        assert reference(text, n, stops, exclude)[:4] == expected, (text, stops, n, exclude)
        got = _core.echo(text, n, _core.StopSet(stops) if stops else None, exclude)
        assert fields(got) == expected, (text, stops, n, exclude)


@budget(300)
@given(cases())
def test_the_fast_reference_is_the_reference(case: Case) -> None:
    assert fast_reference(case.text, case.n, case.stops, case.exclude) == reference(
        case.text, case.n, case.stops, case.exclude
    ), case


# ---------------------------------------------------------------------------------------------
# The native core


def check_core(case: Case) -> None:
    ref = case.ref
    what = repr(case)
    got = _core.echo(case.text, case.n, case.stop_set, case.exclude)
    assert fields(got) == ref[:4], what
    check_chunks([got.text], case.text, got.text, None, what)

    # The stream: the same answer, in chunks; the finish is known as the last chunk is handed out.
    stream = _core.EchoStream(case.text, case.n, case.stop_set, case.exclude, case.chunk_size)
    chunks = []
    length = 0
    while True:
        try:
            chunk = next(stream)
        except StopIteration:
            break
        chunks.append(chunk)
        length += len(chunk)
        if length < len(ref.output):
            assert stream.finish_reason is None, f"finished early after {chunks}; {what}"
        else:
            assert stream.finish_reason == ref.finish_reason, what
    assert all(chunks), f"empty chunk in {chunks}; {what}"
    check_chunks(chunks, case.text, ref.output, case.chunk_size, what)
    assert (stream.finish_reason, stream.stop_sequence, stream.output_graphemes) == (
        ref.finish_reason,
        ref.stop_sequence,
        ref.output_graphemes,
    ), what


@budget(800)
@given(cases())
def test_core_echo_and_stream_match_the_reference(case: Case) -> None:
    check_core(case)


@budget(40)
@given(long_texts)
def test_core_on_long_texts(case: Case) -> None:
    check_core(case)


@budget(4)
@given(long_cases((1 << 14) + 1, 400).filter(lambda c: not c.text.isascii()))
def test_core_on_texts_beyond_the_whole_string_limit(case: Case) -> None:
    # Over 16,384 code points and not ASCII: read in code-point windows, not converted whole.
    check_core(case)


@budget(100)
@given(st.lists(texts, max_size=5), st.data())
def test_core_echo_batch_matches_the_reference(batch: list[str], data: st.DataObject) -> None:
    stops = data.draw(stop_sequences("".join(batch)))
    n = data.draw(st.one_of(st.none(), st.integers(0, 8)))
    exclude = data.draw(st.booleans())
    got = _core.echo_batch(batch, n, _core.StopSet(stops) if stops else None, exclude)
    assert [fields(g) for g in got] == [reference(t, n, stops, exclude)[:4] for t in batch]


# ---------------------------------------------------------------------------------------------
# The models


class Options(NamedTuple):
    """How a case is handed to a model: stops as a field or per call, as a list or a string."""

    case: Case
    stops_per_call: bool
    bare_string: bool
    history: str | None  # text of an earlier message, for ChatEcho
    other: str  # a second input for batches


@st.composite
def model_options(draw: st.DrawFn, case_strategy: st.SearchStrategy[Case] | None = None) -> Options:
    return Options(
        case=draw(cases() if case_strategy is None else case_strategy),
        stops_per_call=draw(st.booleans()),
        bare_string=draw(st.booleans()),
        history=draw(st.one_of(st.none(), texts)),
        other=draw(texts),
    )


def build(cls: Any, o: Options, **extra: Any) -> tuple[Any, dict[str, Any]]:
    """The model, and the keyword arguments of each call."""
    c = o.case
    stop: Any = c.stops or None
    if stop and o.bare_string and len(stop) == 1:
        stop = stop[0]
    fields = {"n": c.n, "stop_mode": c.mode, "chunk_size": c.chunk_size, **extra}
    if o.stops_per_call and stop:
        # A call's stop= replaces the default: a decoy default must have no effect.
        return cls(stop=["a", "\n"], **fields), {"stop": stop}
    return cls(stop=stop, **fields), {}


def chat_input(o: Options, text: str) -> list[Any]:
    if o.history is None:
        return [HumanMessage(text)]
    return [SystemMessage(o.history), HumanMessage(text)]


def input_tokens(o: Options, text: str) -> int:
    return count_graphemes(text) + (0 if o.history is None else count_graphemes(o.history))


def check_message(message: Any, o: Options, text: str, what: str) -> None:
    ref = expected(text, o.case.n, o.case.stops, o.case.exclude)
    assert isinstance(message, AIMessage), what
    assert message.content == ref.output, what
    meta = message.response_metadata
    assert meta["finish_reason"] == ref.finish_reason, what
    assert meta.get("stop_sequence") == ref.stop_sequence, what
    assert meta["model_name"] == "echo", what
    tokens = input_tokens(o, text)
    assert message.usage_metadata == {
        "input_tokens": tokens,
        "output_tokens": ref.output_graphemes,
        "total_tokens": tokens + ref.output_graphemes,
    }, what


def check_chat_stream(chunks: list[Any], o: Options, what: str) -> None:
    c = o.case
    ref = c.ref
    assert chunks, what
    *content, last = chunks
    assert all(isinstance(x, AIMessageChunk) for x in chunks), what
    texts_ = [x.content for x in content]
    assert all(isinstance(t, str) and t for t in texts_), f"{texts_}; {what}"
    check_chunks(texts_, c.text, ref.output, c.chunk_size, what)
    # Exactly one closing chunk: empty, last, carrying usage and metadata (and no other does).
    assert last.content == "", what
    assert last.chunk_position == "last", what
    assert all(x.chunk_position != "last" for x in content), what
    assert all(x.usage_metadata is None for x in content), what
    assert all("finish_reason" not in x.response_metadata for x in content), what
    tokens = input_tokens(o, c.text)
    assert last.usage_metadata == {
        "input_tokens": tokens,
        "output_tokens": ref.output_graphemes,
        "total_tokens": tokens + ref.output_graphemes,
    }, what
    meta = last.response_metadata
    assert meta["finish_reason"] == ref.finish_reason, what
    assert meta.get("stop_sequence") == ref.stop_sequence, what
    assert meta["model_name"] == "echo", what
    # Merged, the chunks are the invoke message.
    merged = chunks[0]
    for x in chunks[1:]:
        merged = merged + x
    assert merged.content == ref.output, what
    assert merged.usage_metadata == last.usage_metadata, what


def check_llm_stream(chunks: list[str], o: Options, what: str) -> None:
    c = o.case
    ref = c.ref
    if ref.output == "":
        assert chunks == [""], f"an empty output streams one empty chunk; {chunks}; {what}"
    else:
        assert all(chunks), f"{chunks}; {what}"
    check_chunks(chunks, c.text, ref.output, c.chunk_size, what)


class Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.chunks: list[Any] = []

    def on_llm_new_token(self, token: Any, *, chunk: Any = None, **kwargs: Any) -> None:
        self.tokens.append(token)
        self.chunks.append(chunk)


@budget(250)
@given(model_options())
def test_echo_llm_matches_the_reference(o: Options) -> None:
    c = o.case
    ref = c.ref
    what = repr(o)
    llm, kw = build(EchoLLM, o)

    assert llm.invoke(c.text, **kw) == ref.output, what
    other = reference(o.other, c.n, c.stops, c.exclude)
    assert llm.batch([c.text, o.other, c.text], **kw) == [ref.output, other.output, ref.output]

    result = llm.generate([c.text, o.other], **kw)
    for gens, r in zip(result.generations, [ref, other], strict=True):
        assert gens[0].text == r.output, what
        info = gens[0].generation_info
        assert info["finish_reason"] == r.finish_reason, what
        assert info.get("stop_sequence") == r.stop_sequence, what

    handler = Tokens()
    chunks = list(llm.stream(c.text, config={"callbacks": [handler]}, **kw))
    check_llm_stream(chunks, o, what)
    assert handler.tokens == chunks, what
    # The callback sees the GenerationChunks: the last one says how generation ended.
    info = handler.chunks[-1].generation_info
    assert info is not None, what
    assert info["finish_reason"] == ref.finish_reason, what
    assert info.get("stop_sequence") == ref.stop_sequence, what

    # The last chunk carries how generation ended; the others carry nothing.
    raw = list(llm._stream(c.text, **kw))
    assert [g.text for g in raw] == chunks, what
    assert all(g.generation_info is None for g in raw[:-1]), what
    info = raw[-1].generation_info
    assert info is not None, what
    assert info["finish_reason"] == ref.finish_reason, what
    assert info.get("stop_sequence") == ref.stop_sequence, what


@budget(250)
@given(model_options())
def test_chat_echo_matches_the_reference(o: Options) -> None:
    c = o.case
    what = repr(o)
    chat, kw = build(ChatEcho, o)

    check_message(chat.invoke(chat_input(o, c.text), **kw), o, c.text, what)
    batch = chat.batch([chat_input(o, c.text), chat_input(o, o.other)], **kw)
    assert len(batch) == 2, what
    check_message(batch[0], o, c.text, what)
    check_message(batch[1], o, o.other, what)

    handler = Tokens()
    chunks = list(chat.stream(chat_input(o, c.text), config={"callbacks": [handler]}, **kw))
    check_chat_stream(chunks, o, what)
    assert handler.tokens == [x.content for x in chunks], what

    # An invoke that LangChain serves by streaming gives the same message.
    streaming, kw = build(ChatEcho, o, streaming=True)
    check_message(streaming.invoke(chat_input(o, c.text), **kw), o, c.text, what)


@budget(15)
@given(model_options(long_texts))
def test_models_on_long_texts(o: Options) -> None:
    c = o.case
    what = repr(o)
    llm, kw = build(EchoLLM, o)
    assert llm.invoke(c.text, **kw) == c.ref.output, what
    check_llm_stream(list(llm.stream(c.text, **kw)), o, what)
    chat, kw = build(ChatEcho, o)
    check_message(chat.invoke(chat_input(o, c.text), **kw), o, c.text, what)
    check_chat_stream(list(chat.stream(chat_input(o, c.text), **kw)), o, what)


async def check_async(o: Options) -> None:
    c = o.case
    what = repr(o)
    llm, kw = build(EchoLLM, o)
    ref = c.ref
    other = reference(o.other, c.n, c.stops, c.exclude)
    assert await llm.ainvoke(c.text, **kw) == ref.output, what
    assert await llm.abatch([c.text, o.other], **kw) == [ref.output, other.output], what
    check_llm_stream([x async for x in llm.astream(c.text, **kw)], o, what)

    chat, kw = build(ChatEcho, o)
    check_message(await chat.ainvoke(chat_input(o, c.text), **kw), o, c.text, what)
    batch = await chat.abatch([chat_input(o, c.text), chat_input(o, o.other)], **kw)
    check_message(batch[0], o, c.text, what)
    check_message(batch[1], o, o.other, what)
    check_chat_stream([x async for x in chat.astream(chat_input(o, c.text), **kw)], o, what)
    streaming, kw = build(ChatEcho, o, streaming=True)
    check_message(await streaming.ainvoke(chat_input(o, c.text), **kw), o, c.text, what)


@budget(150)
@given(model_options())
def test_async_paths_match_the_reference(o: Options) -> None:
    # Hypothesis drives sync tests; each example runs its coroutine on a fresh event loop.
    asyncio.run(check_async(o))


# ---------------------------------------------------------------------------------------------
# StreamShaper: any split of the input into feeds


def expected_done(received: str, case: Case, max_graphemes: int | None) -> bool:
    """Whether the received text already decides the end (the design taken for ``done``)."""
    ref = reference(received, max_graphemes, case.stops, case.exclude)
    m = len(graphemes(received))
    if ref.stop_sequence is not None:
        # Exclude: the stop is seen. Include: the grapheme that completes it is complete too.
        return case.exclude or ref.output_graphemes < m
    return max_graphemes is not None and m > max_graphemes


def expected_emitted(received: str, case: Case, chunk_size: int | None) -> str:
    """What a shaper that is not done has emitted after receiving ``received``: everything but
    the last (possibly incomplete) grapheme and, in exclude mode, the longest suffix that is a
    prefix of a stop (aligned down to a grapheme boundary); with ``chunk_size``, whole chunks."""
    bounds = boundaries(received)
    if len(bounds) == 1:
        return ""
    cut = bounds[-2]
    if case.exclude and case.stops:
        held = next(
            (
                i
                for i in range(len(received))
                if any(s.startswith(received[i:]) for s in case.stops)
            ),
            len(received),
        )
        cut = min(cut, max(b for b in bounds if b <= held))
    k = bounds.index(cut)
    if chunk_size is not None:
        k -= k % chunk_size
    return received[: bounds[k]]


def make_shaper(case: Case, chunk_size: int | None) -> StreamShaper:
    return StreamShaper(
        stop=case.stops or None,
        stop_mode=case.mode,
        max_graphemes=case.n,
        chunk_size=chunk_size,
    )


def run_shaper(case: Case, pieces: list[str], chunk_size: int | None) -> tuple[Any, list[str]]:
    shaper = make_shaper(case, chunk_size)
    chunks: list[str] = []
    for piece in pieces:
        new = shaper.feed(piece)
        chunks += new
    chunks += shaper.finish()
    return shaper, chunks


@budget(800)
@given(cases(), st.lists(st.integers(0, 64), max_size=8), st.booleans())
def test_stream_shaper_any_split(case: Case, cuts: list[int], sized: bool) -> None:
    text = case.text
    ref = case.ref
    chunk_size = case.chunk_size if sized else None
    points = sorted({min(c, len(text)) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    what = f"{case!r} chunk_size={chunk_size} pieces={pieces!r}"

    shaper = make_shaper(case, chunk_size)
    chunks: list[str] = []
    received = ""
    for piece in pieces:
        was_done = shaper.done
        new = shaper.feed(piece)
        received += piece
        if was_done:
            assert new == [], what
        if chunk_size is None:
            assert len(new) <= 1, f"more than one chunk per feed: {new}; {what}"
        assert all(new), f"empty chunk in {new}; {what}"
        chunks += new
        emitted = "".join(chunks)
        # What is out is final: a prefix of the whole-text answer.
        assert ref.output.startswith(emitted), f"emitted {emitted!r}; {what}"
        if case.exclude and ref.stop_span is not None:
            # The consumer never sees any part of the stop that ends the stream.
            assert len(emitted) <= ref.stop_span[0], f"emitted {emitted!r}; {what}"
        assert shaper.done == expected_done(received, case, case.n), f"after {received!r}; {what}"
        if not shaper.done:
            assert shaper.finish_reason is None, what
            # Nothing is held back but what may still change (or fill a chunk).
            expected = expected_emitted(received, case, chunk_size)
            assert emitted == expected, f"after {received!r}: emitted {emitted!r}; {what}"

    chunks += shaper.finish()
    assert shaper.done, what
    assert all(chunks), what
    check_chunks(chunks, text, ref.output, chunk_size, what)
    assert (shaper.finish_reason, shaper.stop_sequence, shaper.output_graphemes) == (
        ref.finish_reason,
        ref.stop_sequence,
        ref.output_graphemes,
    ), what
    assert shaper.feed("more") == [], what
    assert shaper.finish() == [], what

    # The whole text at once gives the same answer, and with chunk_size the same chunks.
    whole, whole_chunks = run_shaper(case, [text], chunk_size)
    assert "".join(whole_chunks) == "".join(chunks), what
    if chunk_size is not None:
        assert whole_chunks == chunks, what
    assert (whole.done, whole.finish_reason, whole.stop_sequence) == (
        shaper.done,
        shaper.finish_reason,
        shaper.stop_sequence,
    ), what


@budget(300)
@given(cases(), st.booleans())
def test_stream_shaper_one_code_point_at_a_time(case: Case, sized: bool) -> None:
    """The finest split: every code point its own feed, surrogate halves included."""
    chunk_size = case.chunk_size if sized else None
    shaper, chunks = run_shaper(case, list(case.text), chunk_size)
    ref = case.ref
    what = f"{case!r} chunk_size={chunk_size}"
    check_chunks(chunks, case.text, ref.output, chunk_size, what)
    assert (shaper.finish_reason, shaper.stop_sequence, shaper.output_graphemes) == ref[1:4], what


@budget(40)
@given(long_texts, st.integers(1, 40))
def test_stream_shaper_long_texts_in_even_pieces(case: Case, step: int) -> None:
    text = case.text
    pieces = [text[i : i + step] for i in range(0, len(text), step)]
    shaper, chunks = run_shaper(case, pieces, case.chunk_size)
    ref = case.ref
    what = f"{case!r} step={step}"
    check_chunks(chunks, text, ref.output, case.chunk_size, what)
    assert (shaper.finish_reason, shaper.stop_sequence, shaper.output_graphemes) == ref[1:4], what
