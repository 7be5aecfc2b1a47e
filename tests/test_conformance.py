"""The official Unicode grapheme-break conformance file, through the Python API.

Every test line of ``GraphemeBreakTest-17.0.0.txt`` is one test case, identified by its line
number; a failure shows the line's comment (character names and the rule that applies). Lone
surrogates are Control in UAX #29, so each line holding a Control (U+0000) is also run with the
Control replaced by a lone surrogate, which a Python ``str`` may hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from langchain_echo import (
    UNICODE_VERSION,
    StreamShaper,
    count_graphemes,
    graphemes,
    truncate_graphemes,
)

DATA = Path(__file__).parent / "data" / "unicode" / "GraphemeBreakTest-17.0.0.txt"


class Case(NamedTuple):
    line: int
    clusters: list[str]
    comment: str

    @property
    def text(self) -> str:
        return "".join(self.clusters)


NO_BREAK = "\u00d7"  # MULTIPLICATION SIGN


def parse_line(spec: str) -> list[str]:
    """``÷ 0061 \u00d7 0308 ÷ 0062 ÷`` -> ``["a\u0308", "b"]`` (``\u00d7``: no break)."""
    tokens = spec.split()
    assert tokens, "empty test line"
    assert tokens[0] == "÷", f"a line starts with a break: {spec!r}"
    assert tokens[-1] == "÷", f"a line ends with a break: {spec!r}"
    clusters: list[str] = []
    current = ""
    for i, token in enumerate(tokens[1:], start=1):
        if token == "÷":
            clusters.append(current)
            current = ""
        elif token == NO_BREAK:
            pass
        else:
            assert tokens[i - 1] in ("÷", NO_BREAK), f"two code points in a row: {spec!r}"
            current += chr(int(token, 16))
    assert current == ""
    assert all(clusters), f"empty cluster in {spec!r}"
    return clusters


def load_cases() -> list[Case]:
    cases = []
    for number, raw in enumerate(DATA.read_text(encoding="utf-8").splitlines(), start=1):
        spec, _, comment = raw.partition("#")
        if not spec.strip():
            continue
        cases.append(Case(number, parse_line(spec), comment.strip()))
    return cases


CASES = load_cases()

SURROGATES = ("\ud800", "\udbff", "\udc00", "\udfff")


def surrogate_cases() -> list[Case]:
    """Lines holding U+0000 (Control), with it replaced by a lone surrogate (also Control)."""
    out = []
    for case in CASES:
        if "\x00" not in case.text:
            continue
        surrogate = SURROGATES[case.line % len(SURROGATES)]
        clusters = [c.replace("\x00", surrogate) for c in case.clusters]
        out.append(Case(case.line, clusters, f"U+0000 -> {surrogate!r}: {case.comment}"))
    return out


SURROGATE_CASES = surrogate_cases()


def case_id(case: Case) -> str:
    return f"line{case.line}"


def check(case: Case) -> None:
    text = case.text
    what = f"line {case.line}: {text!r}\n  # {case.comment}"
    assert graphemes(text) == case.clusters, what
    assert count_graphemes(text) == len(case.clusters), what
    for k in range(len(case.clusters) + 2):
        assert truncate_graphemes(text, k) == "".join(case.clusters[:k]), f"n={k}, {what}"


def test_unicode_version() -> None:
    assert UNICODE_VERSION == (17, 0, 0)
    assert isinstance(UNICODE_VERSION, tuple)


def test_the_file_is_complete() -> None:
    # The file's own trailer states its number of test lines.
    assert "# Lines: 766" in DATA.read_text(encoding="utf-8")
    assert len(CASES) == 766
    assert len(SURROGATE_CASES) > 50


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_line(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", SURROGATE_CASES, ids=case_id)
def test_line_with_a_lone_surrogate_as_control(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_line_through_the_stream_shaper(case: Case) -> None:
    """Fed one code point at a time, the shaper emits exactly the file's clusters."""
    shaper = StreamShaper(chunk_size=1)
    chunks: list[str] = []
    for ch in case.text:
        chunks += shaper.feed(ch)
    chunks += shaper.finish()
    assert chunks == case.clusters, f"line {case.line}: {case.text!r}\n  # {case.comment}"


# A Control separator breaks on both sides (GB4, GB5), so joining every line with it keeps every
# line's clusters. Repeated, the joined text is long and non-ASCII, which the native code reads in
# windows: clusters must not change across window edges.
SEPARATOR = "\x00"


def joined(cases: list[Case], repeat: int) -> tuple[str, list[str]]:
    clusters: list[str] = []
    for _ in range(repeat):
        for case in cases:
            clusters += [*case.clusters, SEPARATOR]
    return "".join(clusters), clusters


@pytest.mark.parametrize(
    ("name", "cases", "repeat"),
    [
        ("short", CASES[:40], 1),
        ("all", CASES, 1),
        ("all-long", CASES, 8),
        ("surrogates-long", SURROGATE_CASES, 40),
    ],
)
def test_all_lines_in_one_text(name: str, cases: list[Case], repeat: int) -> None:
    text, clusters = joined(cases, repeat)
    got = graphemes(text)
    if got != clusters:
        i = next(i for i, (a, b) in enumerate(zip(got, clusters, strict=False)) if a != b)
        pytest.fail(f"{name}: cluster {i} is {got[i]!r}, expected {clusters[i]!r}")
    assert len(got) == len(clusters)
    assert count_graphemes(text) == len(clusters)
    for k in (0, 1, len(clusters) // 3, len(clusters) - 1, len(clusters), len(clusters) + 1):
        assert truncate_graphemes(text, k) == "".join(clusters[:k]), f"{name}: n={k}"
