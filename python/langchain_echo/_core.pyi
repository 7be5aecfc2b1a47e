"""The native core of langchain-echo (Rust, PyO3).

Every count is in extended grapheme clusters (UAX #29, Unicode ``UNICODE_VERSION``): an emoji, a
flag or an accented letter is one grapheme and is never split. Lone surrogates in a ``str`` are
carried through unchanged, each a grapheme of its own.
"""

from collections.abc import Iterable, Iterator, Sequence
from typing import Literal, final

from typing_extensions import Self

__all__ = [
    "UNICODE_VERSION",
    "EchoResult",
    "EchoStream",
    "StopSet",
    "StreamShaper",
    "__version__",
    "check_count",
    "check_stop",
    "check_stop_mode",
    "count_graphemes",
    "echo",
    "echo_batch",
    "graphemes",
    "truncate_graphemes",
]

__version__: str
UNICODE_VERSION: tuple[int, int, int]
"""The Unicode version of the segmentation rules: ``(17, 0, 0)``."""

def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of ``text``, in order; ``"".join`` of them is ``text``."""

def truncate_graphemes(text: str, n: int) -> str:
    """The first ``n`` graphemes of ``text`` (all of it if it has fewer).

    Reads only as much of ``text`` as it needs: the first graphemes of a 100 MB string cost what
    they cost for a short one.

    Raises:
        ValueError: ``n`` is negative or not an int.
    """

def count_graphemes(text: str) -> int:
    """The number of graphemes in ``text``."""

# The one validator per option, shared by the models, ``StreamShaper`` and ``ShapeStream``. Each
# raises ``ValueError("<field> must be <expectation>, got <repr(value)>")``.

def check_count(value: object, field: str, minimum: int, optional: bool) -> int | None:
    """``value`` if it is an int (never a bool) ``>= minimum``, or None when ``optional``.

    Raises:
        ValueError: e.g. ``chunk_size must be an int >= 1, got 0``.
    """

def check_stop(value: object, field: str = "stop") -> list[str] | None:
    """Stop sequences as a new list (None for none).

    None stays None, a bare str is one sequence, and a list or tuple must hold non-empty
    strings (an empty one gives ``[]``).

    Raises:
        ValueError: e.g. ``stop[0] must be a non-empty string, got ''``.
    """

def check_stop_mode(value: object) -> Literal["include", "exclude"]:
    """``value`` if it is ``"include"`` or ``"exclude"``.

    Raises:
        ValueError: ``stop_mode must be 'include' or 'exclude', got 'x'``.
    """

@final
class StopSet:
    """A compiled, immutable set of stop sequences, shared by every call that uses it.

    Models compile and cache their stop sequences themselves; build one to search text directly,
    or to pass a large set to ``StreamShaper`` once.
    """

    def __new__(cls, stop: str | list[str] | tuple[str, ...]) -> Self:
        """Compiles ``stop``: one string, or a list or tuple of non-empty strings.

        Raises:
            ValueError: an entry is empty or not a string, or the list is empty (the message
                names the entry, as ``check_stop`` does).
        """

    def find(self, text: str) -> tuple[int, int, str] | None:
        """The occurrence in ``text`` that ends first (of those ending together, the longest).

        Returns ``(start, end, stop)`` in code points, so ``text[start:end] == stop``, or None
        when no stop sequence occurs. One stop is found with SIMD substring search, several with
        an Aho-Corasick automaton: one pass over ``text`` whatever their number.
        """

    @property
    def stops(self) -> tuple[str, ...]:
        """The stop sequences, in the order given."""

    def __len__(self) -> int: ...

@final
class StreamShaper:
    """The incremental engine: feed it text in any pieces, get back the chunks that are final.

    Whatever the split of the input into feeds, the concatenated output equals the output for the
    whole text at once. A grapheme is emitted only once the text after it shows it is complete;
    in ``"exclude"`` mode, text that may still be the start of a stop sequence is held back, and
    nothing more.

    Args:
        stop: stop sequences (one string, a list of strings, or None). The output ends with the
            grapheme that completes the earliest-ending occurrence.
        stop_mode: ``"include"`` keeps the matched stop sequence in the output; ``"exclude"`` ends
            the output at the last grapheme boundary at or before the occurrence's start.
        max_graphemes: at most this many graphemes are emitted; None: no limit.
        chunk_size: graphemes per chunk; None emits everything that is final as one chunk per
            ``feed``.

    Raises:
        ValueError: a bad argument, named with its value.
    """

    def __new__(
        cls,
        *,
        stop: str | Sequence[str] | StopSet | None = None,
        stop_mode: Literal["include", "exclude"] = "include",
        max_graphemes: int | None = None,
        chunk_size: int | None = None,
    ) -> Self: ...
    def feed(self, text: str) -> list[str]:
        """Adds ``text``; returns the chunks that are now final (``[]`` once ``done``)."""

    def finish(self) -> list[str]:
        """Ends the input; returns every chunk still held. Afterwards ``done`` is true."""

    @property
    def done(self) -> bool:
        """Whether the stream has ended (by a stop, ``max_graphemes`` or ``finish()``).

        Further feeds return ``[]``.
        """

    @property
    def finish_reason(self) -> Literal["stop", "length"] | None:
        """Why the stream ended; None until it has.

        ``"stop"`` when a stop sequence ended it or all input was emitted, ``"length"`` when
        ``max_graphemes`` cut it.
        """

    @property
    def stop_sequence(self) -> str | None:
        """The stop sequence that ended the stream, if one did."""

    @property
    def output_graphemes(self) -> int | None:
        """Graphemes in the whole output, once the stream has ended."""

    @property
    def pending_stop(self) -> str | None:
        """A stop sequence already in the text fed, which has not yet ended the stream.

        In ``"include"`` mode the stream ends only once the grapheme that completes the stop
        sequence is known to be complete (a combining mark may still join it), so the stop is
        pending until the next text (or ``finish()``) shows it. ``"exclude"`` mode ends at once,
        so never has one pending. None once the stream has ended.
        """

    @property
    def held(self) -> str:
        """The text fed but not yet emitted (``""`` once the stream has ended).

        That is the last grapheme, which the next text may still extend, and in ``"exclude"``
        mode also what may still be the start of a stop sequence.
        """

@final
class EchoResult:
    """How the echo of one text came out (read-only)."""

    @property
    def text(self) -> str:
        """The output: a prefix of the text that ends on a grapheme boundary."""

    @property
    def finish_reason(self) -> Literal["stop", "length"]:
        """``"stop"`` (a stop sequence ended it, or all the text was echoed) or ``"length"``."""

    @property
    def stop_sequence(self) -> str | None:
        """The stop sequence that ended the echo, if one did."""

    @property
    def output_graphemes(self) -> int:
        """Graphemes in ``text``."""

def echo(text: str, n: int | None, stops: StopSet | None, exclude: bool) -> EchoResult:
    """Echoes ``text``: at most ``n`` graphemes, ended by the earliest-ending stop sequence."""

def echo_batch(
    texts: Iterable[str], n: int | None, stops: StopSet | None, exclude: bool
) -> list[EchoResult]:
    """Echoes every text in one native call: a list of what ``echo`` returns, in order."""

@final
class EchoStream:
    """The chunks of an echo, ``chunk_size`` graphemes each, read from ``text`` as needed.

    ``finish_reason``, ``stop_sequence`` and ``output_graphemes`` are set from the moment the
    last chunk has been returned (the stream looks one chunk ahead), so a consumer can tell the
    last chunk as it gets it.
    """

    def __new__(
        cls,
        text: str,
        n: int | None,
        stops: StopSet | None,
        exclude: bool,
        chunk_size: int,
    ) -> Self: ...
    def __iter__(self) -> Iterator[str]: ...
    def __next__(self) -> str: ...
    @property
    def finish_reason(self) -> Literal["stop", "length"] | None:
        """``"stop"`` or ``"length"`` once the last chunk has been returned, else None."""

    @property
    def stop_sequence(self) -> str | None:
        """The stop sequence that ended the echo, if one did."""

    @property
    def output_graphemes(self) -> int | None:
        """Graphemes in the whole output, once the last chunk has been returned."""
