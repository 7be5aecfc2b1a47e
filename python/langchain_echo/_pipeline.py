"""The one generation pipeline behind both models.

A call's resolved options (:class:`~langchain_echo._params.CallOptions`) and its reply source
give neutral events: text pieces (``str``), tool-call deltas (:class:`ToolDelta`) and, last, the
:class:`Finish` with its reason and usage. The models are adapters that map those events to
LangChain objects; the two drivers below run the adapted chunks, and own what happens between
one chunk and the next: waiting for a paced chunk's deadline, recording its emission for a
measurement, then its callback.

Reading order: :func:`events` (a streamed reply), :func:`whole` (the same reply at once), then
:func:`drive` and :func:`adrive`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, NamedTuple, TypeVar

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk

from langchain_echo import _core
from langchain_echo._core import StopSet
from langchain_echo._emit import Emitter
from langchain_echo._params import CallOptions
from langchain_echo._tools import args_json


class Finish(NamedTuple):
    """How a reply ended: ``finish_reason``, the stop sequence that ended it, output tokens."""

    reason: str
    stop_sequence: str | None
    output_tokens: int

    def metadata(self, model_name: str) -> dict[str, Any]:
        """The ``response_metadata`` (chat) of a reply that ended so."""
        metadata: dict[str, Any] = {"model_name": model_name, "finish_reason": self.reason}
        if self.stop_sequence is not None:
            metadata["stop_sequence"] = self.stop_sequence
        return metadata

    def generation_info(self) -> dict[str, Any]:
        """The ``generation_info`` (LLM) of a reply that ended so."""
        info: dict[str, Any] = {"finish_reason": self.reason}
        if self.stop_sequence is not None:
            info["stop_sequence"] = self.stop_sequence
        return info


class ToolDelta(NamedTuple):
    """A piece of tool call ``call``: the first piece of each call carries its id and name."""

    call: int
    id: str | None
    name: str | None
    args: str


Event = str | ToolDelta | Finish
"""What a reply is made of, in order: text pieces, tool-call deltas, then one ``Finish``."""


class Source(NamedTuple):
    """What one call replies, before SPEC 3 applies: the reply source the events come from.

    ``text`` is the source ``T`` of SPEC 3 (``n``, stops and ``chunk_size`` apply to it, unless
    ``exact``, for text that must stay whole, such as JSON); ``tool_calls`` are
    ``{"name", "args", "id"}`` dicts, streamed after the text; ``fault`` is raised once
    ``fault_after`` chunks have been emitted (a scripted ``Fault``).
    """

    text: str
    tool_calls: tuple[dict[str, Any], ...] = ()
    fault: BaseException | None = None
    fault_after: int = 0
    exact: bool = False


def _echo(options: CallOptions, source: Source) -> tuple[int | None, StopSet | None, bool]:
    """``n``, stops and mode for ``source``: none of them for exact text."""
    if source.exact:
        return (None, None, False)
    return (options.n, options.stops, options.exclude)


def _finish(source: Source, reason: str, stop_sequence: str | None, text_tokens: int) -> Finish:
    if not source.tool_calls:
        return Finish(reason, stop_sequence, text_tokens)
    # Output tokens of a tool-call reply: its text's and its calls' JSON arguments' graphemes.
    args = sum(_core.count_graphemes(args_json(c["args"])) for c in source.tool_calls)
    return Finish("tool_calls", None, text_tokens + args)


def _pieces(options: CallOptions, source: Source) -> Iterator[Event]:
    n, stops, exclude = _echo(options, source)
    stream = _core.EchoStream(source.text, n, stops, exclude, options.chunk_size)
    yield from stream
    for i, call in enumerate(source.tool_calls):
        # Each call's JSON arguments in chunk_size-grapheme pieces; the first carries id and name.
        pieces = _core.EchoStream(args_json(call["args"]), None, None, False, options.chunk_size)
        for j, piece in enumerate(pieces):
            yield (
                ToolDelta(i, call["id"], call["name"], piece)
                if j == 0
                else ToolDelta(i, None, None, piece)
            )
    yield _finish(
        source, stream.finish_reason or "stop", stream.stop_sequence, stream.output_graphemes or 0
    )


def events(options: CallOptions, source: Source) -> Iterator[Event]:
    """The reply as events: ``chunk_size``-grapheme text pieces, tool-call deltas, the finish.

    A fault is raised in place of the chunk after the first ``fault_after`` ones.
    """
    pieces = _pieces(options, source)
    if source.fault is None:
        return pieces
    return _faulted(pieces, source.fault, source.fault_after)


def _faulted(pieces: Iterator[Event], fault: BaseException, after: int) -> Iterator[Event]:
    for emitted, event in enumerate(pieces):
        if emitted == after or isinstance(event, Finish):
            raise fault
        yield event


def whole(options: CallOptions, source: Source) -> tuple[str, Finish]:
    """The same reply as :func:`events`, at once: its text and its finish (a fault raises)."""
    if source.fault is not None:
        raise source.fault
    n, stops, exclude = _echo(options, source)
    echo = _core.echo(source.text, n, stops, exclude)
    return echo.text, _finish(source, echo.finish_reason, echo.stop_sequence, echo.output_graphemes)


def whole_batch(options: CallOptions, sources: list[str]) -> list[tuple[str, Finish]]:
    """:func:`whole` for many plain text sources, in one native call."""
    return [
        (e.text, Finish(e.finish_reason, e.stop_sequence, e.output_graphemes))
        for e in _core.echo_batch(sources, options.n, options.stops, options.exclude)
    ]


_Chunk = TypeVar("_Chunk", bound=GenerationChunk | ChatGenerationChunk)


def chunk_total(options: CallOptions, source: Source, finish: Finish) -> int:
    """How many chunks (closing chunk aside) :func:`events` gives for a reply that ended so."""
    args = [_core.count_graphemes(args_json(c["args"])) for c in source.tool_calls]
    pieces = [finish.output_tokens - sum(args), *args]
    return max(1, sum(-(-g // options.chunk_size) for g in pieces))


def _closing(chunk: Any) -> bool:
    message = getattr(chunk, "message", None)
    return getattr(message, "chunk_position", None) == "last"


def drive(
    chunks: Iterable[_Chunk],
    emitter: Emitter | None,
    run_manager: CallbackManagerForLLMRun | None,
) -> Iterator[_Chunk]:
    """The sync driver: each chunk waits for its deadline, is recorded, then fires its callback.

    (Waiting where the call paces, recording where it is measured.) All of it happens before the
    consumer receives the chunk.
    """
    for chunk in chunks:
        if emitter is not None:
            emitter.emit(chunk.text, closing=_closing(chunk))
        if run_manager:
            run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk


async def adrive(
    chunks: Iterable[_Chunk],
    emitter: Emitter | None,
    run_manager: AsyncCallbackManagerForLLMRun | None,
) -> AsyncIterator[_Chunk]:
    """The async driver: as :func:`drive`, waiting and awaiting the callback on the event loop."""
    for chunk in chunks:
        if emitter is not None:
            await emitter.aemit(chunk.text, closing=_closing(chunk))
        if run_manager:
            await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk
