"""The one generation pipeline behind both models.

A call's resolved options (:class:`~langchain_echo._params.CallOptions`) and its reply source
give neutral events: text pieces (``str``), tool-call deltas (:class:`ToolDelta`) and, last, the
:class:`Finish` with its reason and usage. The models are adapters that map those events to
LangChain objects; the two drivers below run the adapted chunks, and own what happens between
one chunk and the next (the callback today; waiting and emission timestamps plug in here too).

Reading order: :func:`events` (a streamed reply), :func:`whole` (the same reply at once), then
:func:`drive` and :func:`adrive`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, NamedTuple, TypeVar

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk

from langchain_echo import _core
from langchain_echo._params import CallOptions


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
"""What a reply is made of, in order: text pieces or tool-call deltas, then one ``Finish``."""


def events(options: CallOptions, source: str) -> Iterator[Event]:
    """The echo of ``source`` (SPEC 3) as ``chunk_size``-grapheme pieces, then its finish."""
    stream = _core.EchoStream(source, options.n, options.stops, options.exclude, options.chunk_size)
    yield from stream
    yield Finish(stream.finish_reason or "stop", stream.stop_sequence, stream.output_graphemes or 0)


def whole(options: CallOptions, source: str) -> tuple[str, Finish]:
    """The same reply as :func:`events`, at once: its text and its finish."""
    text, reason, stop_sequence, output_tokens = _core.echo(
        source, options.n, options.stops, options.exclude
    )
    return text, Finish(reason, stop_sequence, output_tokens)


def whole_batch(options: CallOptions, sources: list[str]) -> list[tuple[str, Finish]]:
    """:func:`whole` for many sources, in one native call."""
    return [
        (text, Finish(reason, stop_sequence, output_tokens))
        for text, reason, stop_sequence, output_tokens in _core.echo_batch(
            sources, options.n, options.stops, options.exclude
        )
    ]


_Chunk = TypeVar("_Chunk", bound=GenerationChunk | ChatGenerationChunk)


def drive(
    chunks: Iterable[_Chunk], run_manager: CallbackManagerForLLMRun | None
) -> Iterator[_Chunk]:
    """The sync driver: each chunk's callback fires before the consumer receives the chunk."""
    for chunk in chunks:
        if run_manager:
            run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk


async def adrive(
    chunks: Iterable[_Chunk], run_manager: AsyncCallbackManagerForLLMRun | None
) -> AsyncIterator[_Chunk]:
    """The async driver: as :func:`drive`, awaiting the callback on the event loop."""
    for chunk in chunks:
        if run_manager:
            await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk
