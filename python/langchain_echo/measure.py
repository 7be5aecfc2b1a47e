"""Measuring a pipeline's streaming overhead with an echo model (SPEC §13).

:func:`measure_stream` (and :func:`ameasure_stream`) builds an echo model, hands it to your
``build`` function to get the pipeline (a chain, an agent, anything with ``stream``/``astream``),
streams an input through it, and reports how long each output chunk took from the moment the
model emitted it to the moment your code received it::

    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_echo.measure import measure_stream

    prompt = ChatPromptTemplate.from_messages([("human", "{question}")])
    report = measure_stream(
        lambda model: prompt | model | StrOutputParser(),
        {"question": "How fast is my chain?"},
        itl=0.01,
    )
    print(report)

How chunks are paired: the model records, per chunk, when it emitted it (just before its
``on_llm_new_token`` callback) and how many code points it had emitted so far. Each chunk the
consumer receives is paired with the emission that released its last character, by text offset,
where the consumer's text is a prefix of the model's output (the pipeline passes text through);
otherwise (parsed objects, dicts, altered text) by order: received chunk ``i`` with emission
``i``. A received chunk with no text is paired with the next emission not yet paired.

The lag is per emitted chunk: from its emission to the receipt of the first received chunk
paired with it or a later emission, that is, until the consumer had all of its text. Where the
pipeline passes each chunk through, that is each received chunk's lag. A pipeline that buffers
shows it: one chunk received, and the lags span the whole stream (the first chunk's is the
longest). Chunks the consumer's text never reaches (a step that drops text) have no lag.
"""

from __future__ import annotations

import bisect
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseLanguageModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import Generation, LLMResult
from langchain_core.runnables import RunnableConfig

from langchain_echo._record import Emission, recording
from langchain_echo.chat_models import ChatEcho

__all__ = ["StreamReport", "ameasure_stream", "measure_stream"]

Build = Callable[[Any], Any]
"""Takes the echo model, returns the pipeline to measure (anything with ``stream``/``astream``)."""


@dataclass(frozen=True)
class StreamReport:
    """What one measured stream showed; times in seconds from the call to ``stream``.

    A value that cannot be measured (no chunk emitted or received) is NaN.
    """

    ttft_model: float
    """When the model emitted its first chunk."""
    ttft_consumer: float
    """When the consumer received its first chunk."""
    lag_p50: float
    """Median lag per emitted chunk, from its emission until the consumer had all its text."""
    lag_p90: float
    """90th percentile of the lag per emitted chunk."""
    lag_p99: float
    """99th percentile of the lag per emitted chunk."""
    lag_max: float
    """Largest lag per emitted chunk."""
    chunks_emitted: int
    """Chunks the model emitted (every model call inside the pipeline)."""
    chunks_received: int
    """Chunks the consumer received."""
    text_intact: bool
    """Whether the text the consumer received, joined, is the model's output."""
    total_model: float
    """When the model emitted its last chunk."""
    total_consumer: float
    """When the consumer received its last chunk."""
    paired_by: Literal["offset", "order"]
    """How received chunks were paired with emissions."""
    lags: tuple[float, ...] = field(default=(), repr=False)
    """Each emitted chunk's lag, in order; NaN where it never arrived (not in :meth:`to_dict`)."""

    def to_dict(self) -> dict[str, Any]:
        """The report's summary fields, JSON-ready (NaN becomes ``None``), without ``lags``."""
        data = asdict(self)
        del data["lags"]
        return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in data.items()}

    def __str__(self) -> str:
        return render([("", self)], title=f"stream report (chunks paired by {self.paired_by})")


def seconds(value: float) -> str:
    """A duration, readable: ``41.2 µs``, ``10.3 ms``, ``1.25 s``; NaN: ``-``."""
    if math.isnan(value):
        return "-"
    magnitude = abs(value)
    if magnitude < 1e-3:
        return f"{value * 1e6:.1f} µs"
    if magnitude < 1:
        return f"{value * 1e3:.2f} ms"
    return f"{value:.3f} s"


_ROWS: list[tuple[str, str]] = [
    ("time to first chunk, model", "ttft_model"),
    ("time to first chunk, consumer", "ttft_consumer"),
    ("last chunk, model", "total_model"),
    ("last chunk, consumer", "total_consumer"),
    ("lag per chunk, p50", "lag_p50"),
    ("lag per chunk, p90", "lag_p90"),
    ("lag per chunk, p99", "lag_p99"),
    ("lag per chunk, max", "lag_max"),
    ("chunks emitted", "chunks_emitted"),
    ("chunks received", "chunks_received"),
    ("text intact", "text_intact"),
]


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return seconds(value)
    return str(value)


def render(columns: Sequence[tuple[str, Any]], *, title: str = "") -> str:
    """A plain-text table of reports (or objects with the same fields), one column each.

    Args:
        columns: ``(heading, report)`` pairs.
        title: A line above the table.
    """
    rows = [["", *(heading for heading, _ in columns)]]
    rows += [[label, *(_cell(getattr(r, name)) for _, r in columns)] for label, name in _ROWS]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    if not any(heading for heading, _ in columns):
        lines = lines[1:]
    return "\n".join([title, *lines] if title else lines)


# --- pairing and the report -----------------------------------------------------------------------


def received_text(chunk: Any) -> str | None:
    """A received chunk's text: a ``str``, a message's ``.text``, a generation's ``.text``.

    ``None`` for anything else (dicts, parsed objects), which is then paired by order.
    """
    if isinstance(chunk, str):
        return chunk
    if isinstance(chunk, BaseMessage):
        return str(chunk.text)
    if isinstance(chunk, Generation):
        return chunk.text
    return None


def _global_offsets(emissions: Sequence[Emission]) -> list[int]:
    """Each model call restarts its offsets at 0: chain the calls into one running offset."""
    out = []
    base = previous = 0
    for _, offset in emissions:
        if offset < previous:
            base += previous
        previous = offset
        out.append(base + offset)
    return out


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0 to 100) of sorted values, linearly interpolated; NaN if empty."""
    if not sorted_values:
        return math.nan
    position = (len(sorted_values) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


def pair(
    offsets: Sequence[int], texts: Sequence[str | None], model_text: str
) -> tuple[list[int], Literal["offset", "order"]]:
    """For each received chunk, the index of the emission paired with it, and how.

    Args:
        offsets: Each emission's running end offset (code points), non-decreasing.
        texts: Each received chunk's text, or ``None`` where it has none.
        model_text: The model's whole output.
    """
    last = len(offsets) - 1
    if last < 0:
        return [], "order"
    strings = [t for t in texts if t is not None]
    if len(strings) < len(texts) or not model_text.startswith("".join(strings)):
        return [min(i, last) for i in range(len(texts))], "order"
    indexes = []
    consumed = 0
    j = -1
    for text in strings:
        consumed += len(text)
        if text:
            # The first emission whose running offset covers this chunk's last character.
            j = max(j, bisect.bisect_left(offsets, consumed, lo=max(j, 0)))
        else:
            j = bisect.bisect_left(offsets, consumed, lo=j + 1)
        j = min(j, last)
        indexes.append(j)
    return indexes, "offset"


def delivery(
    indexes: Sequence[int],
    arrivals: Sequence[float],
    covered: int,
    total: int,
    complete: Sequence[bool] | None = None,
) -> list[float | None]:
    """When each emitted chunk had fully reached the consumer.

    Emission ``i`` arrived with the first received chunk that completes it: one paired with a
    later emission, or with ``i`` itself where that received chunk ends where ``i`` ends. An
    emission no received chunk completes arrived with the last received chunk if it is one of
    the first ``covered`` emissions, else never (``None``).

    Args:
        indexes: For each received chunk, its paired emission (non-decreasing).
        arrivals: For each received chunk, when it was received.
        covered: How many emissions the consumer's whole stream accounts for.
        total: How many chunks were emitted.
        complete: For each received chunk, whether it completes its paired emission (it may
            hold only the first part of it); ``None``: all do.
    """
    out: list[float | None] = []
    for k, (arrived, j) in enumerate(zip(arrivals, indexes, strict=True)):
        upto = j if complete is None or complete[k] else j - 1
        while len(out) <= upto:
            out.append(arrived)
    last = arrivals[-1] if arrivals else None
    out += [last] * max(0, covered - len(out))
    return out[:total] + [None] * max(0, total - len(out))


def report(
    start: float,
    emissions: Sequence[Emission],
    received: Sequence[tuple[float, Any]],
    model_text: str,
) -> StreamReport:
    """Builds the report from what was recorded.

    Args:
        start: When ``stream`` was called (:func:`time.perf_counter` seconds).
        emissions: The model's ``(time, end offset)`` records, every call in order.
        received: ``(time, chunk)`` for each chunk the consumer received.
        model_text: The model's output, every call joined in order.
    """
    texts = [received_text(chunk) for _, chunk in received]
    offsets = _global_offsets(emissions)
    indexes, by = pair(offsets, texts, model_text)
    # Offset pairing: an emission the consumer's text covers arrived with the last chunk at
    # the latest (the closing chunk of a buffered message, say); one past the consumer's text
    # never arrived. Order pairing: the stream's end delivers whatever is left.
    covered = (
        len(emissions)
        if by == "order"
        else bisect.bisect_right(offsets, sum(len(t or "") for t in texts))
    )
    complete = None
    if by == "offset":
        consumed = itertools.accumulate(len(t or "") for t in texts)
        complete = [offsets[j] <= c for j, c in zip(indexes, consumed, strict=True)]
    arrivals = delivery(indexes, [t for t, _ in received], covered, len(emissions), complete)
    lags = tuple(
        math.nan if arrived is None else arrived - emitted
        for (emitted, _), arrived in zip(emissions, arrivals, strict=True)
    )
    ordered = sorted(lag for lag in lags if not math.isnan(lag))
    intact = all(t is not None for t in texts) and "".join(t or "" for t in texts) == model_text
    return StreamReport(
        ttft_model=emissions[0][0] - start if emissions else math.nan,
        ttft_consumer=received[0][0] - start if received else math.nan,
        lag_p50=percentile(ordered, 50),
        lag_p90=percentile(ordered, 90),
        lag_p99=percentile(ordered, 99),
        lag_max=ordered[-1] if ordered else math.nan,
        chunks_emitted=len(emissions),
        chunks_received=len(received),
        text_intact=intact,
        total_model=emissions[-1][0] - start if emissions else math.nan,
        total_consumer=received[-1][0] - start if received else math.nan,
        paired_by=by,
        lags=lags,
    )


# --- running a pipeline -------------------------------------------------------------------------


class _Outputs(BaseCallbackHandler):
    """Collects the model's output of each call, in the order the calls end."""

    def __init__(self) -> None:
        self.texts: list[tuple[UUID, str]] = []

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        generations = response.generations
        text = generations[0][0].text if generations and generations[0] else ""
        self.texts.append((run_id, text))

    @property
    def text(self) -> str:
        return "".join(text for _, text in self.texts)


def _pipeline(
    build: Build, model_cls: type[Any] | None, options: dict[str, Any]
) -> tuple[Any, _Outputs]:
    """The pipeline to measure, built on an echo model, and the recorder of its outputs."""
    model, outputs = _model(_default_cls(model_cls), options)
    return build(model), outputs


def _model(model_cls: type[Any], options: dict[str, Any]) -> tuple[Any, _Outputs]:
    outputs = _Outputs()
    callbacks = options.pop("callbacks", None) or []
    model = model_cls(**options, callbacks=[*callbacks, outputs])
    if not isinstance(model, BaseLanguageModel):
        msg = f"model_cls must make a LangChain language model, got {model_cls!r}"
        raise TypeError(msg)
    return model, outputs


def measure_stream(
    build: Build,
    input: Any,
    *,
    model_cls: type[Any] | None = None,
    config: RunnableConfig | None = None,
    **options: Any,
) -> StreamReport:
    """Streams ``input`` through the pipeline ``build(model)`` and reports its overhead per chunk.

    Args:
        build: Takes the echo model and returns the pipeline to measure, e.g.
            ``lambda model: prompt | model | StrOutputParser()``.
        input: The pipeline's input.
        model_cls: The echo model to build: :class:`~langchain_echo.ChatEcho` (default) or
            :class:`~langchain_echo.EchoLLM`.
        config: The ``RunnableConfig`` for the pipeline's ``stream``.
        **options: The model's fields: ``n``, ``chunk_size``, ``ttft``, ``itl``, ``jitter``,
            ``seed``, ``stop``...

    Returns:
        The report: times to first chunk, lag per chunk, chunk counts, whether the text arrived
        intact.
    """
    pipeline, outputs = _pipeline(build, model_cls, options)
    clock = time.perf_counter
    with recording() as emissions:
        start = clock()
        received = [(clock(), chunk) for chunk in pipeline.stream(input, config)]
    return report(start, emissions, received, outputs.text)


async def ameasure_stream(
    build: Build,
    input: Any,
    *,
    model_cls: type[Any] | None = None,
    config: RunnableConfig | None = None,
    **options: Any,
) -> StreamReport:
    """:func:`measure_stream` through the pipeline's ``astream``, on the running event loop."""
    pipeline, outputs = _pipeline(build, model_cls, options)
    clock = time.perf_counter
    with recording() as emissions:
        start = clock()
        received = [(clock(), chunk) async for chunk in pipeline.astream(input, config)]
    return report(start, emissions, received, outputs.text)


def _default_cls(model_cls: type[Any] | None) -> type[Any]:
    return ChatEcho if model_cls is None else model_cls
