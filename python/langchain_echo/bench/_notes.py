"""The words of ``PERFORMANCE.md``: the baselines, what makes ours fast, why a row misses.

``NOTES`` is keyed by scenario key, ``MISSES`` by (key, title) as the report shows them (the
schedule rows' titles are :func:`schedule_title`'s). A missed row without a ``MISSES`` entry is
reported as "(reason not recorded)": add its reason here.
"""

from __future__ import annotations

BASELINES = """\
The baselines ("floor" means the same here, in the report and in the issues):

- the *floor* (P1 to P4, P6): a model of the same base class whose `_generate`/`_stream`/
  `_astream` hand out results and chunks built in advance, firing `on_llm_new_token` where
  LangChain passes a run manager: the least any subclass can cost on that path, which is
  LangChain's own per-chunk charge. Its async methods are native.
- the *fresh-chunk floor* (shown beside P1 and P3): the floor, but handing out a new chunk per
  piece, assembled without validation as `ChatEcho` assembles its own: the least a model whose
  chunks are new objects can cost (LangChain keeps a stream's chunks alive until it merges them,
  so new objects also cost collector time).
- the *fresh-result floor* (P5): a chat model whose `_generate` builds a plain `AIMessage` per
  input and does nothing else.
- *seed-like*: the pure-Python model of LangChain's how-to guides (`astream`/`ainvoke` through
  LangChain's thread pool).
- the grapheme libraries `ugrapheme`, `regex`'s `\\X` and `grapheme` (P7, P8), and a
  straightforward pure-Python shaper on `regex`'s `\\X` (P10, S2).
"""

_STREAMING = (
    "Streaming costs one chunk object per chunk and the Rust iterator's `__next__` (about 80 ns); "
    "callbacks fire with the chunk LangChain would build anyway."
)
_ASSEMBLED = (
    "`ChatEcho` results are assembled from values this package built, instead of having pydantic "
    "validate them again (about 5 µs per message). At import, each assembler's output is compared "
    "with pydantic's for the same values (equality, fields set, repr, dump); on any difference "
    "the validating constructors are used, so this can only change speed."
)
_ACCUMULATOR = (
    "`EchoLLM`'s chunks hand LangChain a private accumulator on their first `+=`, which appends "
    "in place: LangChain's `LLM.stream` adds every chunk to the first, copying the text so far "
    "each time (quadratic: 1,000,000 chunks take hours)."
)
_ASYNC = "Async paths are native (`_astream`, `_agenerate`, `_acall`): no thread-pool hop."
_BATCH = (
    "Batches with one config run as one `generate()` call: LangChain sets up callbacks once, not "
    "once per input (each input still gets its own run)."
)
_SEGMENTATION = (
    "Segmentation runs a quick path for the graphemes two or three code points decide (ASCII, "
    "Latin with combining marks, CJK, Hangul syllables, emoji with skin tones, VS16, keycaps, ZWJ "
    "sequences of pictographs, flags), from a table of 16-code-point blocks; the rest goes to "
    "`unicode-segmentation`'s full rules. Tests check every code point the quick path accepts "
    "against the full rules, and 100,000 random strings against `unicode-segmentation`."
)

NOTES: dict[str, str] = {
    "P1": f"{_STREAMING} {_ASSEMBLED}",
    "P2": f"{_STREAMING} {_ACCUMULATOR}",
    "P3": f"{_ASYNC} {_STREAMING} {_ASSEMBLED}",
    "P4": f"{_ASYNC} {_ASSEMBLED}",
    "P5": f"{_BATCH} {_ASSEMBLED}",
    "P6": f"{_BATCH} `EchoLLM` echoes all prompts in one native call.",
    "P7": f"{_SEGMENTATION} `graphemes()` lists ASCII runs at C speed and makes each distinct "
    "grapheme string once per call.",
    "P8": "The per-version build reads each of CPython's three string layouts (PEP 393) in place; "
    "a long string is read in place (ASCII) or in small growing windows, never whole, so a "
    f"100 MB source costs about what a short one does. {_SEGMENTATION}",
    "P9": "Stops are found by `memchr`'s SIMD substring search (one) or an Aho-Corasick automaton "
    "(several), in one pass whatever their number; positions are counted back to code points "
    "eight bytes at a time.",
    "P10": "`StreamShaper` is the Rust engine: it keeps byte positions into its buffer (the "
    "graphemes accepted so far, how far stops have been looked for), so each feed reads only "
    "what is new and the cost per grapheme does not grow with the stream. The baseline "
    "re-segments its pending text with `regex`'s `\\X` and searches it for every stop on each "
    "feed.",
    "P11": f"{_ACCUMULATOR} So `EchoLLM.stream` of a 1 MB output costs per chunk what a 1 KB one "
    "does.",
    "S1": "What `ShapeStream` costs in a chain: most of it is what LangChain charges any streaming "
    "step (a do-nothing `RunnableGenerator` in its place costs that: tracing copies and merges of "
    "every chunk); the shaping itself is the engine of P10.",
    "S2": "The `StreamShaper` engine against a straightforward pure-Python shaper that gives the "
    "same chunks (`tests/test_shape.py` checks that on random input).",
}
"""What makes each scenario fast, by scenario key."""

_FRESH_CHUNKS = (
    "a model whose chunks are new objects cannot reach a floor that reuses prebuilt chunks: the "
    "fresh-chunk floor, which does no model work at all, is shown beside it and misses the same "
    "way; the gap between the two floors is LangChain's handling of new chunk objects and the "
    "collector's time for them (LangChain keeps a stream's chunks until it merges them)"
)
_PYO3_CALL = (
    "PyO3's per-call argument handling and creating the result str cost about 44 ns against "
    "ugrapheme's 30 ns for an empty call; closing it needs a hand-written C-API entry point"
)
_ONE_LOOP = (
    "1,000 streams at 50 chunks/s are 50,000 LangChain astream chunks a second on one event "
    "loop; above what one core does, the schedule slips"
)

MISSES: dict[tuple[str, str], str] = {
    **dict.fromkeys([("P1", "ChatEcho.stream"), ("P3", "ChatEcho.astream")], _FRESH_CHUNKS),
    **dict.fromkeys(
        [
            ("P8", f"truncate_graphemes(n=5), {corpus} {size}")
            for corpus in ("ascii", "mixed", "emoji")
            for size in ("1 KiB", "100 MB")
        ],
        _PYO3_CALL,
    ),
    ("SA", "ChatEcho.astream, paced, 1,000 streams"): _ONE_LOOP,
}
"""Why a row misses its target, by (key, title)."""

NO_REASON = "(reason not recorded)"


def schedule_title(case: str, streams: int) -> str:
    """A schedule-accuracy row's title, as ``MISSES`` and the report name it."""
    return f"{case}, {streams:,} stream{'s' if streams != 1 else ''}"
