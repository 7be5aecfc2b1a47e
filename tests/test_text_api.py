"""The public text API: graphemes, truncate_graphemes, count_graphemes and StreamShaper.

Table-driven: each table row is one case, shown by its id when it fails.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import pytest

import langchain_echo
from langchain_echo import (
    UNICODE_VERSION,
    ChatEcho,
    EchoLLM,
    StreamShaper,
    count_graphemes,
    graphemes,
    truncate_graphemes,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
THUMBS_MEDIUM = "\U0001f44d\U0001f3fd"
FR = "\U0001f1eb\U0001f1f7"
DE = "\U0001f1e9\U0001f1ea"


def test_public_names() -> None:
    for name in (
        "EchoLLM",
        "ChatEcho",
        "graphemes",
        "truncate_graphemes",
        "count_graphemes",
        "StreamShaper",
        "UNICODE_VERSION",
    ):
        assert name in langchain_echo.__all__
        assert getattr(langchain_echo, name) is not None
    assert UNICODE_VERSION == (17, 0, 0)


# ---------------------------------------------------------------------------------------------
# graphemes / count_graphemes / truncate_graphemes

GRAPHEMES = [
    ("empty", "", []),
    ("ascii", "abc", ["a", "b", "c"]),
    ("crlf", "\r\n\n\r", ["\r\n", "\n", "\r"]),
    ("combining", "e\u0301x", ["e\u0301", "x"]),
    ("many-combining", "a\u0301\u0302\u0303\u0304b", ["a\u0301\u0302\u0303\u0304", "b"]),
    ("zwj-family", FAMILY + "!", [FAMILY, "!"]),
    ("flags", FR + DE + "\U0001f1ee", [FR, DE, "\U0001f1ee"]),
    ("skin-tone", THUMBS_MEDIUM + "\U0001f44d", [THUMBS_MEDIUM, "\U0001f44d"]),
    ("keycap", "1\ufe0f\u20e3#", ["1\ufe0f\u20e3", "#"]),
    ("heart-vs16", "\u2764\ufe0f", ["\u2764\ufe0f"]),
    ("hangul-syllables", "\uac01\ud55c", ["\uac01", "\ud55c"]),
    ("hangul-jamo", "\u1100\u1161\u11a8\u1100", ["\u1100\u1161\u11a8", "\u1100"]),
    ("devanagari-conjunct", "\u0915\u094d\u0937\u093f", ["\u0915\u094d\u0937\u093f"]),
    (
        "devanagari-two",
        "\u0928\u092e\u0938\u094d\u0924\u0947",
        ["\u0928", "\u092e", "\u0938\u094d\u0924\u0947"],
    ),
    ("prepend", "\u0600a", ["\u0600a"]),
    ("spacing-mark", "\u0915\u0903", ["\u0915\u0903"]),
    ("zwj-alone", "\u200d", ["\u200d"]),
    ("lone-high-surrogate", "a\ud800b", ["a", "\ud800", "b"]),
    ("lone-low-surrogate", "\udfff", ["\udfff"]),
    # A surrogate is Control: a combining mark after it stands alone.
    ("surrogate-then-mark", "a\ud800\u0301b", ["a", "\ud800", "\u0301", "b"]),
    # A surrogate pair held as two code points is two lone surrogates, not one emoji.
    ("surrogate-pair-halves", "\ud83d\ude00", ["\ud83d", "\ude00"]),
    ("surrogates-in-a-row", "\ud800\ud800\udc00", ["\ud800", "\ud800", "\udc00"]),
    ("nul", "a\x00\u0301", ["a", "\x00", "\u0301"]),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in GRAPHEMES], ids=[c[0] for c in GRAPHEMES]
)
def test_graphemes(text: str, expected: list[str]) -> None:
    assert graphemes(text) == expected
    assert all(type(g) is str for g in graphemes(text))
    assert count_graphemes(text) == len(expected)
    for n in range(len(expected) + 2):
        assert truncate_graphemes(text, n) == "".join(expected[:n])


TRUNCATE = [
    ("héllo wörld", 2, "hé"),
    ("héllo wörld", 0, ""),
    ("héllo wörld", 1000, "héllo wörld"),
    ("e\u0301e", 1, "e\u0301"),
    (FR + DE + " and more", 1, FR),
    (FAMILY * 3, 2, FAMILY * 2),
    ("", 0, ""),
    ("", 5, ""),
    ("\ud800\u0301", 1, "\ud800"),
    ("This is a foobar thing", 5, "This "),
    ("abc", 2**63, "abc"),
    ("abc", 2**64 + 1, "abc"),
    ("abc", 10**40, "abc"),
]


@pytest.mark.parametrize(("text", "n", "expected"), TRUNCATE)
def test_truncate_graphemes(text: str, n: int, expected: str) -> None:
    assert truncate_graphemes(text, n) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", 0), ("abc", 3), (FAMILY, 1), ("\r\n", 1), ("\ud800\udc00", 2), ("🇫🇷🇩", 2)],
)
def test_count_graphemes(text: str, expected: int) -> None:
    assert count_graphemes(text) == expected


# ---------------------------------------------------------------------------------------------
# Lone surrogates and str subclasses: nothing is altered, nothing is lost

SURROGATE_TEXTS = [
    "\ud800",
    "a\udc00b",
    "\ud83d\ude00",
    "x\udfff\u0301y\ud800",
    "\ud800" * 300,
    # Long enough (over 16,384 code points) to be read in windows rather than converted whole.
    "a\ud800\u00e9\U0001f44d\u0301" * 4000,
]


@pytest.mark.parametrize("text", SURROGATE_TEXTS)
def test_lone_surrogates_are_echoed_unchanged(text: str) -> None:
    assert "".join(graphemes(text)) == text
    assert truncate_graphemes(text, 10**6) == text
    shaper = StreamShaper(chunk_size=1)
    chunks = [c for ch in text for c in shaper.feed(ch)] + shaper.finish()
    assert "".join(chunks) == text
    assert "\ufffd" not in "".join(chunks)
    assert EchoLLM().invoke(text) == text
    assert ChatEcho().invoke(text).content == text
    assert "".join(EchoLLM().stream(text)) == text


def test_lone_surrogates_in_stop_sequences() -> None:
    shaper = StreamShaper(stop=["\ude00"], stop_mode="exclude")
    assert shaper.feed("ok \ud83d") == ["ok "]
    assert shaper.feed("\ude00 tail") == ["\ud83d"]
    assert (shaper.done, shaper.stop_sequence) == (True, "\ude00")
    # A real U+1F600 is not its own surrogate halves.
    shaper = StreamShaper(stop=["\U0001f600"])
    assert "".join(shaper.feed("\ud83d\ude00!") + shaper.finish()) == "\ud83d\ude00!"
    assert shaper.stop_sequence is None


class Text(str):
    """A str subclass, such as ``markupsafe.Markup``: the API must treat it as a plain str."""


@pytest.mark.parametrize("n", [0, 2, 3, 100])
def test_a_str_subclass_is_read_as_a_str(n: int) -> None:
    text = Text("ab\u0301c")
    assert graphemes(text) == ["a", "b\u0301", "c"]
    assert all(type(g) is str for g in graphemes(text))
    assert count_graphemes(text) == 3
    out = truncate_graphemes(text, n)
    assert out == "ab\u0301c"[: [0, 1, 3, 4][min(n, 3)]]
    # Builtins return exact str whatever the input's class; the result must not depend on
    # whether the text was cut.
    assert type(out) is str
    shaper = StreamShaper(stop=Text("c"))
    chunks = shaper.feed(text) + shaper.finish()
    assert chunks == ["ab\u0301", "c"]
    assert all(type(c) is str for c in chunks)
    assert shaper.stop_sequence == "c"


# ---------------------------------------------------------------------------------------------
# StreamShaper


class Feeds(NamedTuple):
    """A StreamShaper scenario: options, the feeds with the chunks and done expected after each,
    what finish() returns, and how the stream ended."""

    options: dict[str, Any]
    steps: list[tuple[str, list[str], bool]]
    finish: list[str]
    reason: str
    stop_sequence: str | None
    output_graphemes: int


SHAPER = {
    # A grapheme is emitted once the text after it shows it is complete.
    "accent-follows": Feeds(
        {"chunk_size": 1},
        [("e", [], False), ("\u0301!", ["e\u0301"], False)],
        ["!"],
        "stop",
        None,
        2,
    ),
    "whole-feed-one-chunk": Feeds({}, [("hello", ["hell"], False)], ["o"], "stop", None, 5),
    "zwj-family-built-up": Feeds(
        {"chunk_size": 1},
        [
            ("\U0001f468", [], False),
            ("\u200d", [], False),
            ("\U0001f469", [], False),
            ("!", ["\U0001f468\u200d\U0001f469"], False),
        ],
        ["!"],
        "stop",
        None,
        2,
    ),
    "flags-pair-up": Feeds(
        {"chunk_size": 1},
        [(FR + "\U0001f1e9", [FR], False), ("\U0001f1ea", [], False)],
        [DE],
        "stop",
        None,
        2,
    ),
    "hangul-jamo": Feeds(
        {"chunk_size": 1},
        [
            ("\u1100", [], False),
            ("\u1161", [], False),
            ("\u11a8", [], False),
            ("\uac00", ["\u1100\u1161\u11a8"], False),
        ],
        ["\uac00"],
        "stop",
        None,
        2,
    ),
    "cr-lf-across-feeds": Feeds(
        {"chunk_size": 1}, [("a\r", ["a"], False), ("\nb", ["\r\n"], False)], ["b"], "stop", None, 3
    ),
    "surrogate-halves-across-feeds": Feeds(
        {"chunk_size": 1},
        [("\ud83d", [], False), ("\ude00", ["\ud83d"], False)],
        ["\ude00"],
        "stop",
        None,
        2,
    ),
    "empty-feed": Feeds(
        {}, [("", [], False), ("ab", ["a"], False), ("", [], False)], ["b"], "stop", None, 2
    ),
    "nothing-fed": Feeds({}, [], [], "stop", None, 0),
    "chunks-of-three": Feeds(
        {"chunk_size": 3},
        [("abcdefg", ["abc", "def"], False), ("h", [], False)],
        ["gh"],
        "stop",
        None,
        8,
    ),
    "chunks-of-two-graphemes": Feeds(
        {"chunk_size": 2},
        [
            (
                "e\u0301" + FAMILY + "x" + THUMBS_MEDIUM + "y",
                ["e\u0301" + FAMILY, "x" + THUMBS_MEDIUM],
                False,
            )
        ],
        ["y"],
        "stop",
        None,
        5,
    ),
    # max_graphemes: done once it is reached and more text shows up.
    "budget-then-more": Feeds(
        {"max_graphemes": 2, "chunk_size": 1},
        [("abc", ["a", "b"], True), ("more", [], True)],
        [],
        "length",
        None,
        2,
    ),
    "budget-exactly-the-input": Feeds(
        {"max_graphemes": 2, "chunk_size": 1}, [("ab", ["a"], False)], ["b"], "stop", None, 2
    ),
    "budget-reached-by-a-later-feed": Feeds(
        {"max_graphemes": 2}, [("ab", ["a"], False), ("c", ["b"], True)], [], "length", None, 2
    ),
    "budget-zero": Feeds({"max_graphemes": 0}, [("a", [], True)], [], "length", None, 0),
    "budget-zero-nothing-fed": Feeds({"max_graphemes": 0}, [], [], "stop", None, 0),
    "budget-waits-for-the-grapheme": Feeds(
        {"max_graphemes": 1},
        [("e", [], False), ("\u0301", [], False), ("x", ["e\u0301"], True)],
        [],
        "length",
        None,
        1,
    ),
    # Stops, include mode (the default).
    "include-newline": Feeds(
        {"stop": "\n"}, [("line one\nline two", ["line one\n"], True)], [], "stop", "\n", 9
    ),
    "include-waits-for-the-stop-grapheme": Feeds(
        {"stop": ["e"]}, [("ae", ["a"], False), ("\u0301z", ["e\u0301"], True)], [], "stop", "e", 2
    ),
    "include-stop-inside-crlf": Feeds(
        {"stop": "\r"}, [("a\r\nb", ["a\r\n"], True)], [], "stop", "\r", 2
    ),
    "include-earliest-ending": Feeds(
        {"stop": ["END", "N"]}, [("say END", ["say EN"], True)], [], "stop", "N", 6
    ),
    "include-stop-at-the-end": Feeds(
        {"stop": ["lo"]}, [("hello", ["hell"], False)], ["o"], "stop", "lo", 5
    ),
    "include-stop-beyond-budget": Feeds(
        {"stop": ["cd"], "max_graphemes": 3}, [("abcdef", ["abc"], True)], [], "length", None, 3
    ),
    "include-stop-within-budget": Feeds(
        {"stop": ["cd"], "max_graphemes": 4}, [("abcdef", ["abcd"], True)], [], "stop", "cd", 4
    ),
    # Stops, exclude mode: what may still start a stop is held back, and nothing more.
    "exclude-holds-a-possible-stop": Feeds(
        {"stop": ["STOP"], "stop_mode": "exclude"},
        [
            ("abcST", ["abc"], False),
            ("x", ["ST"], False),
            ("STO", ["x"], False),
            ("P tail", [], True),
        ],
        [],
        "stop",
        "STOP",
        6,
    ),
    "exclude-releases-a-false-start": Feeds(
        {"stop": ["<|end|>"], "stop_mode": "exclude"},
        [("hello <|en", ["hello "], False), ("d>", ["<|end"], False), (" ok", ["> o"], False)],
        ["k"],
        "stop",
        None,
        15,
    ),
    "exclude-stop-inside-crlf": Feeds(
        {"stop": "\r", "stop_mode": "exclude"}, [("a\r\nb", ["a"], True)], [], "stop", "\r", 1
    ),
    "exclude-stop-inside-a-grapheme": Feeds(
        {"stop": ["\u0301z"], "stop_mode": "exclude"},
        [("ae\u0301z", ["a"], True)],
        [],
        "stop",
        "\u0301z",
        1,
    ),
    "exclude-longest-of-the-earliest": Feeds(
        {"stop": ["bc", "abc"], "stop_mode": "exclude"},
        [("xabc", ["x"], True)],
        [],
        "stop",
        "abc",
        1,
    ),
    "exclude-flag-pair": Feeds(
        {"stop": ["\U0001f1f7\U0001f1e9"], "stop_mode": "exclude"},
        [(FR + DE, [], True)],
        [],
        "stop",
        "\U0001f1f7\U0001f1e9",
        0,
    ),
    "exclude-chunked": Feeds(
        {"stop": ["STOP"], "stop_mode": "exclude", "chunk_size": 2},
        [("abcST", ["ab"], False), ("OP", ["c"], True)],
        [],
        "stop",
        "STOP",
        3,
    ),
    "exclude-stop-beyond-budget": Feeds(
        {"stop": ["cd"], "stop_mode": "exclude", "max_graphemes": 3},
        [("abc", ["ab"], False), ("def", ["c"], True)],
        [],
        "length",
        None,
        3,
    ),
    "empty-stop-list-means-none": Feeds(
        {"stop": []}, [("ab", ["a"], False)], ["b"], "stop", None, 2
    ),
}


@pytest.mark.parametrize("case", list(SHAPER.values()), ids=list(SHAPER))
def test_stream_shaper(case: Feeds) -> None:
    shaper = StreamShaper(**case.options)
    assert not shaper.done
    assert shaper.finish_reason is None
    assert shaper.stop_sequence is None
    for text, chunks, done in case.steps:
        assert shaper.feed(text) == chunks, f"feed({text!r})"
        assert shaper.done is done, f"done after feed({text!r})"
        if not done:
            assert shaper.finish_reason is None
    assert shaper.finish() == case.finish
    assert shaper.done
    assert shaper.finish_reason == case.reason
    assert shaper.stop_sequence == case.stop_sequence
    assert shaper.output_graphemes == case.output_graphemes
    # Once done: further feeds and finishes return nothing and change nothing.
    assert shaper.feed("more text") == []
    assert shaper.finish() == []
    assert (shaper.finish_reason, shaper.stop_sequence) == (case.reason, case.stop_sequence)


def test_stream_shaper_repr() -> None:
    shaper = StreamShaper(stop=["x"], stop_mode="exclude", max_graphemes=3, chunk_size=2)
    text = repr(shaper)
    assert text.startswith("StreamShaper(")
    # A Python repr: Python literals, not the Rust Debug form (`Some(3)`, `false`).
    assert "Some(" not in text
    assert re.search(r"stop_mode=['\"]exclude['\"]", text), text
    assert "max_graphemes=3" in text, text
    assert "chunk_size=2" in text, text
    assert "done=False" in text, text
    shaper.finish()
    assert "done=True" in repr(shaper), repr(shaper)
    default = repr(StreamShaper())
    assert "max_graphemes=None" in default, default
    assert "chunk_size=None" in default, default
    assert re.search(r"stop_mode=['\"]include['\"]", default), default


def test_stream_shaper_arguments_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        StreamShaper(["x"])  # type: ignore[misc]


@pytest.mark.parametrize("big", [2**64, 10**40])
def test_models_accept_huge_counts(big: int) -> None:
    # n and chunk_size are ints with a lower bound only: a huge one means "no limit".
    assert EchoLLM(n=big).invoke("abc") == "abc"
    assert list(EchoLLM(n=big).stream("abc")) == ["a", "b", "c"]
    assert ChatEcho(max_tokens=big).invoke("abc").content == "abc"
    assert list(EchoLLM(chunk_size=big).stream("abc")) == ["abc"]
    assert [c.content for c in ChatEcho(chunk_size=big).stream("abc")] == ["abc", ""]


def test_stream_shaper_accepts_huge_counts() -> None:
    for big in (2**64, 10**40):
        shaper = StreamShaper(max_graphemes=big, chunk_size=big)
        assert shaper.feed("abc") == []
        assert shaper.finish() == ["abc"]
        assert shaper.finish_reason == "stop"


# ---------------------------------------------------------------------------------------------
# Bad arguments: a ValueError naming the argument and the value, before any work


class Bad(NamedTuple):
    call: Any
    field: str
    value: str  # how the value shows in the message


def shown(error: BaseException) -> str:
    """The message and its notes, as a traceback shows them."""
    return "\n".join([str(error), *getattr(error, "__notes__", [])])


def names(message: str, field: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(field)}(?!\w)", message) is not None


BAD = {
    "truncate-n-negative": Bad(lambda: truncate_graphemes("abc", -1), "n", "-1"),
    "truncate-n-none": Bad(lambda: truncate_graphemes("abc", None), "n", "None"),
    "truncate-n-bool": Bad(lambda: truncate_graphemes("abc", True), "n", "True"),
    "truncate-n-float": Bad(lambda: truncate_graphemes("abc", 2.0), "n", "2.0"),
    "truncate-n-str": Bad(lambda: truncate_graphemes("abc", "2"), "n", "'2'"),
    "shaper-max-negative": Bad(lambda: StreamShaper(max_graphemes=-1), "max_graphemes", "-1"),
    "shaper-max-bool": Bad(lambda: StreamShaper(max_graphemes=False), "max_graphemes", "False"),
    "shaper-max-float": Bad(lambda: StreamShaper(max_graphemes=1.5), "max_graphemes", "1.5"),
    "shaper-chunk-zero": Bad(lambda: StreamShaper(chunk_size=0), "chunk_size", "0"),
    "shaper-chunk-negative": Bad(lambda: StreamShaper(chunk_size=-3), "chunk_size", "-3"),
    "shaper-chunk-bool": Bad(lambda: StreamShaper(chunk_size=True), "chunk_size", "True"),
    "shaper-stop-empty": Bad(lambda: StreamShaper(stop=""), "stop", "empty"),
    "shaper-stop-empty-item": Bad(lambda: StreamShaper(stop=["a", ""]), "stop[1]", "empty"),
    "shaper-stop-int-item": Bad(lambda: StreamShaper(stop=["a", 1]), "stop[1]", "1"),
    "shaper-stop-none-item": Bad(lambda: StreamShaper(stop=[None]), "stop[0]", "None"),
    "shaper-stop-int": Bad(lambda: StreamShaper(stop=5), "stop", "5"),
    "shaper-stop-bytes": Bad(lambda: StreamShaper(stop=b"ab"), "stop", "b'ab'"),
    "shaper-mode-unknown": Bad(lambda: StreamShaper(stop_mode="Include"), "stop_mode", "Include"),
}


@pytest.mark.parametrize("bad", list(BAD.values()), ids=list(BAD))
def test_bad_arguments(bad: Bad) -> None:
    with pytest.raises(ValueError) as info:  # noqa: PT011 - the message is checked below
        bad.call()
    message = shown(info.value)
    assert names(message, bad.field), message
    assert bad.value in message, message


# A value of the wrong type may be a TypeError (as for builtins); it still names the argument
# (in its message or in a note, as PyO3 adds them) and the value.
WRONG_TYPE = {
    "graphemes-bytes": Bad(lambda: graphemes(b"abc"), "text", "bytes"),
    "count-none": Bad(lambda: count_graphemes(None), "text", "None"),
    "truncate-int": Bad(lambda: truncate_graphemes(1, 1), "text", "int"),
    "feed-bytes": Bad(lambda: StreamShaper().feed(b"abc"), "text", "bytes"),
    "shaper-mode-none": Bad(lambda: StreamShaper(stop_mode=None), "stop_mode", "None"),
}


@pytest.mark.parametrize("bad", list(WRONG_TYPE.values()), ids=list(WRONG_TYPE))
def test_arguments_of_the_wrong_type(bad: Bad) -> None:
    with pytest.raises((TypeError, ValueError)) as info:
        bad.call()
    message = shown(info.value)
    assert names(message, bad.field), message
    assert bad.value in message, message


def test_a_bad_argument_leaves_the_shaper_usable() -> None:
    shaper = StreamShaper(chunk_size=1)
    assert shaper.feed("ab") == ["a"]
    with pytest.raises((TypeError, ValueError)):
        shaper.feed(b"c")  # type: ignore[arg-type]
    assert shaper.feed("c") == ["b"]
    assert shaper.finish() == ["c"]


# ---------------------------------------------------------------------------------------------
# Very long inputs: correctness only (never timing)

MB = 1 << 20
ASCII_UNIT = "hello world. "
# 14 graphemes in 15 code points and 26 bytes; safe to repeat (it starts and ends on a break).
NON_ASCII_UNIT = "héllo wörld " + THUMBS_MEDIUM + " "


@pytest.fixture(scope="module", params=["ascii", "non-ascii"])
def long_text(request: pytest.FixtureRequest) -> tuple[str, str, int]:
    """A text of about 10 MB (UTF-8), its repeated unit, and the number of repeats."""
    unit = ASCII_UNIT if request.param == "ascii" else NON_ASCII_UNIT
    repeat = 10 * MB // len(unit.encode())
    return unit * repeat, unit, repeat


def test_long_graphemes_and_count(long_text: tuple[str, str, int]) -> None:
    text, unit, repeat = long_text
    per_unit = graphemes(unit)
    assert count_graphemes(text) == len(per_unit) * repeat
    got = graphemes(text)
    assert len(got) == len(per_unit) * repeat
    assert got == per_unit * repeat


def test_long_truncate(long_text: tuple[str, str, int]) -> None:
    text, unit, repeat = long_text
    per_unit = len(graphemes(unit))
    assert truncate_graphemes(text, 0) == ""
    assert truncate_graphemes(text, 5) == "".join(graphemes(unit)[:5])
    assert truncate_graphemes(text, per_unit * 1000) == unit * 1000
    assert truncate_graphemes(text, per_unit * repeat - 1) == text[: -len(graphemes(unit)[-1])]
    assert truncate_graphemes(text, per_unit * repeat) == text
    assert truncate_graphemes(text, 10**9) == text


def test_long_stream_shaper(long_text: tuple[str, str, int]) -> None:
    text, _, _ = long_text
    tail = "<|end|> not this"
    source = text + tail
    step = 65_537  # pieces cut inside graphemes and across the shaper's buffers
    for mode, expected in (("include", text + "<|end|>"), ("exclude", text)):
        shaper = StreamShaper(stop=["<|end|>", "never"], stop_mode=mode, chunk_size=7)
        chunks: list[str] = []
        for i in range(0, len(source), step):
            chunks += shaper.feed(source[i : i + step])
        chunks += shaper.finish()
        out = "".join(chunks)
        assert len(out) == len(expected), mode
        assert out == expected, mode
        assert (shaper.finish_reason, shaper.stop_sequence) == ("stop", "<|end|>"), mode
        assert count_graphemes(chunks[0]) == 7, mode
        assert shaper.output_graphemes == count_graphemes(expected), mode


def test_long_models(long_text: tuple[str, str, int]) -> None:
    text, unit, _ = long_text
    assert EchoLLM(n=5).invoke(text) == "".join(graphemes(unit)[:5])
    assert EchoLLM().invoke(text) == text
    assert EchoLLM(stop=["<|end|>"]).invoke(text + "<|end|>tail") == text + "<|end|>"
    assert EchoLLM(stop=["<|end|>"], stop_mode="exclude").invoke(text + "<|end|>tail") == text
    message = ChatEcho(stop="never").invoke(text)
    assert message.content == text
    assert message.usage_metadata["output_tokens"] == count_graphemes(text)
    streamed = "".join(EchoLLM(chunk_size=1 << 20).stream(text))
    assert streamed == text


# ---------------------------------------------------------------------------------------------
# The private core API the models and ShapeStream stand on: one validator per option, EchoResult


CHECKS = {
    "count-zero": (
        lambda: langchain_echo._core.check_count(0, "chunk_size", 1, False),
        "chunk_size must be an int >= 1, got 0",
    ),
    "count-negative": (
        lambda: langchain_echo._core.check_count(-1, "n (max_tokens)", 0, True),
        "n (max_tokens) must be a non-negative int or None, got -1",
    ),
    "count-bool": (
        lambda: langchain_echo._core.check_count(True, "n", 0, True),
        "n must be a non-negative int or None, got True",
    ),
    "count-none": (
        lambda: langchain_echo._core.check_count(None, "chunk_size", 1, False),
        "chunk_size must be an int >= 1, got None",
    ),
    "stop-empty-item": (
        lambda: langchain_echo._core.check_stop([""]),
        "stop[0] must be a non-empty string, got ''",
    ),
    "stop-int-item": (
        lambda: langchain_echo._core.check_stop(("a", 1), "stops"),
        "stops[1] must be a non-empty string, got 1",
    ),
    "stop-empty-string": (
        lambda: langchain_echo._core.check_stop(""),
        "stop must be a non-empty string, got ''",
    ),
    "stop-int": (
        lambda: langchain_echo._core.check_stop(5),
        "stop must be a string, a list of strings or None, got 5",
    ),
    "stop-mode": (
        lambda: langchain_echo._core.check_stop_mode("x"),
        "stop_mode must be 'include' or 'exclude', got 'x'",
    ),
}


@pytest.mark.parametrize(("call", "message"), list(CHECKS.values()), ids=list(CHECKS))
def test_one_message_style(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        call()


def test_checks_return_the_value() -> None:
    core = langchain_echo._core
    big = 1 << 70
    assert core.check_count(big, "n", 0, True) is big
    assert core.check_count(None, "n", 0, True) is None
    assert core.check_stop(None) is None
    assert core.check_stop("a") == ["a"]
    assert core.check_stop(("a", "b")) == ["a", "b"]
    assert core.check_stop([]) == []
    assert core.check_stop_mode("exclude") == "exclude"
    # The shaper and the models say the same thing about the same value.
    messages = []
    for call in (
        lambda: StreamShaper(chunk_size=0),
        lambda: EchoLLM(chunk_size=0),
        lambda: core.check_count(0, "chunk_size", 1, True),
    ):
        with pytest.raises(ValueError) as info:  # noqa: PT011 - compared below
            call()
        messages.append(re.search(r"chunk_size must be [^,]*, got 0", str(info.value)))
    assert all(messages), messages


def test_echo_result_is_a_frozen_record() -> None:
    core = langchain_echo._core
    result = core.echo("say STOP now", 6, core.StopSet(["STOP"]), False)
    assert (result.text, result.finish_reason, result.stop_sequence, result.output_graphemes) == (
        "say ST",
        "length",
        None,
        6,
    )
    with pytest.raises(AttributeError):
        result.text = "x"  # type: ignore[misc]
    stopped = core.echo_batch(["say STOP now", "none"], None, core.StopSet("STOP"), True)
    assert [(r.text, r.finish_reason, r.stop_sequence) for r in stopped] == [
        ("say ", "stop", "STOP"),
        ("none", "stop", None),
    ]
    assert "EchoResult(text='say '" in repr(stopped[0])


def test_the_shaper_shows_what_it_holds() -> None:
    shaper = StreamShaper(stop=["STOP", "e"], stop_mode="include")
    assert (shaper.feed("abST"), shaper.held, shaper.pending_stop) == (["abS"], "T", None)
    # "e" completes a stop, but a combining mark may still join it: pending, and held.
    assert (shaper.feed("xe"), shaper.held, shaper.pending_stop) == (["Tx"], "e", "e")
    assert shaper.feed("\u0301z") == ["e\u0301"]
    assert (shaper.done, shaper.held, shaper.pending_stop) == (True, "", None)
    exclude = StreamShaper(stop="STOP", stop_mode="exclude")
    assert (exclude.feed("abST"), exclude.held, exclude.pending_stop) == (["ab"], "ST", None)
