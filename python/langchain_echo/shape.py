"""Stop sequences and grapheme safety for any model's stream: ``shape_stream`` and ``ShapeStream``.

Real providers split emoji and accented letters across stream chunks, and many of their APIs lack
stop sequences or leak a stop that spans two chunks. The functions and the runnable here put any
stream of ``str``, message chunks or ``GenerationChunk`` through a
:class:`~langchain_echo.StreamShaper`, which gives it the semantics of the echo models: no chunk
splits a grapheme, the earliest-ending stop sequence ends the stream (kept in the text with
``stop_mode="include"``, cut with ``"exclude"``), ``max_graphemes`` caps it, and ``chunk_size``
re-chunks it. All text work is done by the native shaper; this module only moves text in and out of
chunks.

What happens to a chunk
-----------------------

* **Text.** A ``str`` chunk is its text; a message's text is its string content, or the text blocks
  (``str`` items and ``{"type": "text"}`` dicts) of list content, joined; a ``GenerationChunk``'s
  is its ``text``. The text goes through the shaper; an upstream chunk gives as many output chunks
  as the shaper releases for it (with ``chunk_size=None``, at most one).
* **Everything else passes through, once.** Ids and names stay on every output chunk. The other
  fields of an upstream chunk (``usage_metadata``, ``response_metadata``, ``additional_kwargs``,
  tool-call chunks, ``chunk_position``, ``generation_info``, non-text content blocks, keys of a
  text block other than ``type``/``text``/``index``) go on the *last* output chunk made from it.
  When the shaper holds back all of that chunk's text (an emoji still incomplete, a possible stop
  prefix), the fields go out at once on a chunk with empty text, so they are never delayed behind
  held text, lost, or duplicated: merging the output chunks gives what merging the upstream chunks
  gives, with the text shaped. A chunk with no such fields whose text is all held back gives no
  output chunk. Released text goes into the chunk's first text block (its keys kept) and the
  chunk's other text blocks are dropped; a chunk with list content and no text block that still
  releases text (the final flush) gets a plain text block modelled on the last one seen.
* **The end.** When the upstream ends, the shaper's held text is flushed in chunks modelled on the
  last upstream chunk (id kept, nothing else). A message chunk with ``chunk_position="last"``
  (LangChain's chat models end every stream with one) is the end: the shaper is finished on it, so
  the flushed text rides on that chunk, and the upstream is then read to its natural end so the
  model's run completes normally.
* **A cut.** When a stop sequence or ``max_graphemes`` ends the text before the upstream ends, the
  output is the text the shaper releases, then (for message and generation chunks) a closing chunk
  with empty text that carries ``finish_reason`` (``"stop"`` or ``"length"``) and, when a stop
  ended it, ``stop_sequence``, in ``response_metadata`` (messages) or ``generation_info``
  (``GenerationChunk``); a message closing chunk is an ``AIMessageChunk`` with
  ``chunk_position="last"`` when the stream was of those, and is the only chunk so marked. Any
  ``finish_reason``/``stop_sequence`` on the chunk that was cut is dropped in favour of the closing
  chunk's. The upstream iterator is then closed (``close()`` / ``aclose()``), not drained: the
  provider stops generating, and what it would have sent later (a final usage chunk, say) is never
  seen (unless the cut chunk is the one marked last: that upstream has nothing left to send, so it
  is read to its end). A ``str`` stream just ends.
* **Abandonment.** A consumer that stops reading and closes the shaped stream closes the upstream
  too.
"""

from __future__ import annotations

from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Generator,
    Iterable,
    Iterator,
    Sequence,
)
from typing import Any, Literal, TypeVar, cast

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import GenerationChunk
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import ConfigDict, model_validator

from langchain_echo._core import StreamShaper
from langchain_echo._params import compile_stops

__all__ = ["ShapeStream", "ashape_stream", "shape_stream"]

ShapeChunk = str | BaseMessage | GenerationChunk
"""What a shaped stream carries: ``str``, messages (message chunks, in practice), generations."""

ChunkT = TypeVar("ChunkT", bound=ShapeChunk)

StopMode = Literal["include", "exclude"]

# The keys a closing chunk sets; a cut chunk's own values for them are dropped.
_FINISH_KEYS = ("finish_reason", "stop_sequence")
# Keys of a text block that any piece of its text may carry; others go out once.
_PLAIN_TEXT_KEYS = frozenset(("type", "text", "index"))


# --- reading and writing the text of a chunk ----------------------------------------------------


def _is_text_block(block: object) -> bool:
    """Whether a content block is text, as ``BaseMessage.text`` decides it."""
    return isinstance(block, str) or (
        isinstance(block, dict)
        and block.get("type") == "text"
        and isinstance(block.get("text"), str)
    )


def _is_plain_text_block(block: object) -> bool:
    return isinstance(block, str) or (
        _is_text_block(block) and cast("dict[str, Any]", block).keys() <= _PLAIN_TEXT_KEYS
    )


def _text_of(chunk: object) -> str:
    if isinstance(chunk, str):
        return chunk
    if isinstance(chunk, BaseMessage):
        content = chunk.content
        if isinstance(content, str):
            return content
        return "".join(
            block if isinstance(block, str) else cast("str", block["text"])
            for block in content
            if _is_text_block(block)
        )
    if isinstance(chunk, GenerationChunk):
        return chunk.text
    msg = (
        "a shaped stream carries str, messages or GenerationChunk, "
        f"got {chunk!r} ({type(chunk).__name__})"
    )
    raise TypeError(msg)


def _with_text(block: str | dict[str, Any], text: str, *, full: bool) -> str | dict[str, Any]:
    """``block`` holding ``text``: all its keys when ``full``, else only type and index."""
    if isinstance(block, str):
        return text
    if full:
        return {**block, "text": text}
    plain: dict[str, Any] = {"type": "text", "text": text}
    if "index" in block:
        plain["index"] = block["index"]
    return plain


def _content(
    content: str | list[str | dict[str, Any]],
    text: str,
    template: str | dict[str, Any] | None,
    *,
    full: bool,
) -> str | list[str | dict[str, Any]]:
    """New content holding ``text``; with ``full``, the non-text blocks and text-block keys too."""
    if isinstance(content, str):
        return text
    blocks: list[str | dict[str, Any]] = []
    placed = False
    for block in content:
        if _is_text_block(block):
            if not placed:
                placed = True
                if text or (full and not _is_plain_text_block(block)):
                    blocks.append(_with_text(block, text, full=full))
        elif full:
            blocks.append(block)
    if not placed and text:
        blocks.append(_with_text(template or {"type": "text"}, text, full=False))
    return blocks


def _first_text_block(content: str | list[str | dict[str, Any]]) -> str | dict[str, Any] | None:
    if isinstance(content, str):
        return None
    return next((b for b in content if _is_text_block(b)), None)


def _carries_fields(chunk: BaseMessage | GenerationChunk) -> bool:
    """Whether ``chunk`` has anything besides its text, id and name to pass through."""
    if isinstance(chunk, GenerationChunk):
        return bool(chunk.generation_info)
    if chunk.additional_kwargs or chunk.response_metadata:
        return True
    if isinstance(chunk, AIMessage) and (
        chunk.usage_metadata or chunk.tool_calls or chunk.invalid_tool_calls
    ):
        return True
    if isinstance(chunk, AIMessageChunk) and (chunk.tool_call_chunks or chunk.chunk_position):
        return True
    content = chunk.content
    return not isinstance(content, str) and not all(_is_plain_text_block(b) for b in content)


def _cleared(message: BaseMessage) -> dict[str, Any]:
    """The update that empties every pass-through field of ``message`` (fresh containers)."""
    update: dict[str, Any] = {"additional_kwargs": {}, "response_metadata": {}}
    if isinstance(message, AIMessage):
        update.update(tool_calls=[], invalid_tool_calls=[], usage_metadata=None)
    if isinstance(message, AIMessageChunk):
        update.update(tool_call_chunks=[], chunk_position=None)
    return update


def _finish_info(shaper: StreamShaper) -> dict[str, Any]:
    info: dict[str, Any] = {"finish_reason": shaper.finish_reason}
    if shaper.stop_sequence is not None:
        info["stop_sequence"] = shaper.stop_sequence
    return info


def _without_finish(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    if not metadata or not any(k in metadata for k in _FINISH_KEYS):
        return metadata
    return {k: v for k, v in metadata.items() if k not in _FINISH_KEYS}


# --- one stream's state -------------------------------------------------------------------------


class _Shaping:
    """One stream: its shaper, the last upstream chunk, and how the stream ended."""

    __slots__ = ("cut", "last", "marked_last", "shaper", "template")

    def __init__(self, shaper: StreamShaper) -> None:
        self.shaper = shaper
        # The last upstream chunk: the model for the final flush and the closing chunk.
        self.last: object = None
        # The last text block seen in list content, for text flushed into a chunk without one.
        self.template: str | dict[str, Any] | None = None
        # Whether the shaper ended the text while the upstream still had more (a stop, the budget).
        self.cut = False
        # Whether the upstream marked a chunk as its last (``chunk_position="last"``).
        self.marked_last = False

    def push(self, chunk: object) -> list[Any]:
        """Shapes one upstream chunk: the output chunks it gives, closing chunk included."""
        self.last = chunk
        if isinstance(chunk, str):
            pieces = self.shaper.feed(chunk) if chunk else []
            self.cut = self.shaper.done
            return pieces
        text = _text_of(chunk)
        chunk = cast("BaseMessage | GenerationChunk", chunk)
        if self.shaper.done:
            # Only after a chunk marked last finished the shaper: the fields still pass.
            return [self._piece(chunk, "", full=True)] if _carries_fields(chunk) else []
        pieces = self.shaper.feed(text) if text else []
        if isinstance(chunk, BaseMessage):
            block = _first_text_block(chunk.content)
            if block is not None:
                self.template = block
        self.cut = self.shaper.done
        if getattr(chunk, "chunk_position", None) == "last":
            self.marked_last = True
            if not self.cut:
                pieces += self.shaper.finish()
        out = self._pieces(chunk, pieces)
        if self.cut:
            if out:
                out[-1] = self._strip_finish(out[-1])
            out.append(self._closing(chunk))
        return out

    def end(self) -> list[Any]:
        """The held text, flushed when the upstream ends of itself."""
        if self.shaper.done:
            return []
        pieces = self.shaper.finish()
        last = self.last
        if not pieces or last is None or isinstance(last, str):
            return pieces
        return [self._piece(cast("BaseMessage | GenerationChunk", last), p) for p in pieces]

    def _pieces(self, chunk: BaseMessage | GenerationChunk, pieces: list[str]) -> list[Any]:
        if not pieces:
            return [self._piece(chunk, "", full=True)] if _carries_fields(chunk) else []
        out = [self._piece(chunk, p) for p in pieces[:-1]]
        out.append(self._piece(chunk, pieces[-1], full=True))
        return out

    def _piece(
        self, chunk: BaseMessage | GenerationChunk, text: str, *, full: bool = False
    ) -> BaseMessage | GenerationChunk:
        """A chunk like ``chunk`` holding ``text``: with its fields when ``full``, else bare."""
        if isinstance(chunk, GenerationChunk):
            if full:
                return chunk if text == chunk.text else chunk.model_copy(update={"text": text})
            return chunk.model_copy(update={"text": text, "generation_info": None})
        content = chunk.content
        if full and isinstance(content, str) and text == content:
            return chunk
        update = {} if full else _cleared(chunk)
        update["content"] = _content(content, text, self.template, full=full)
        return chunk.model_copy(update=update)

    @staticmethod
    def _strip_finish(
        chunk: BaseMessage | GenerationChunk,
    ) -> BaseMessage | GenerationChunk:
        if isinstance(chunk, GenerationChunk):
            info = _without_finish(chunk.generation_info)
            if info is chunk.generation_info:
                return chunk
            return chunk.model_copy(update={"generation_info": info})
        metadata = _without_finish(chunk.response_metadata)
        position = getattr(chunk, "chunk_position", None)
        if metadata is chunk.response_metadata and position is None:
            return chunk
        update: dict[str, Any] = {"response_metadata": metadata}
        if position is not None:
            update["chunk_position"] = None
        return chunk.model_copy(update=update)

    def _closing(self, chunk: BaseMessage | GenerationChunk) -> BaseMessage | GenerationChunk:
        info = _finish_info(self.shaper)
        if isinstance(chunk, GenerationChunk):
            return chunk.model_copy(update={"text": "", "generation_info": info})
        update = _cleared(chunk)
        update["content"] = "" if isinstance(chunk.content, str) else []
        update["response_metadata"] = info
        if isinstance(chunk, AIMessageChunk):
            update["chunk_position"] = "last"
        return chunk.model_copy(update=update)


def _shape_whole(shaper: StreamShaper, value: ChunkT) -> ChunkT:
    """``value`` shaped as one whole: its text, and ``finish_reason`` when the shaper cut it."""
    text = _text_of(value)
    pieces = shaper.feed(text) if text else []
    cut = shaper.done
    if not cut:
        pieces += shaper.finish()
    output = "".join(pieces)
    if isinstance(value, str):
        return cast("ChunkT", output)
    if not cut and output == text:
        return value
    chunk = cast("BaseMessage | GenerationChunk", value)
    if isinstance(chunk, GenerationChunk):
        info = {**(_without_finish(chunk.generation_info) or {}), **_finish_info(shaper)}
        return cast("ChunkT", chunk.model_copy(update={"text": output, "generation_info": info}))
    update: dict[str, Any] = {"content": _content(chunk.content, output, None, full=True)}
    if cut:
        update["response_metadata"] = {
            **(_without_finish(chunk.response_metadata) or {}),
            **_finish_info(shaper),
        }
    return cast("ChunkT", chunk.model_copy(update=update))


# --- driving a stream ---------------------------------------------------------------------------


def _close(upstream: object) -> None:
    close = getattr(upstream, "close", None)
    if close is not None:
        close()


async def _aclose(upstream: object, *, quiet: bool = False) -> None:
    aclose = getattr(upstream, "aclose", None)
    if aclose is None:
        return
    try:
        await aclose()
    except RuntimeError:
        # An abandoned chain's generators are finalized by concurrent tasks: the upstream may be
        # closing already ("already running"), which is what this close wants anyway.
        if not quiet:
            raise


def _shaped(shaping: _Shaping, chunks: Iterator[Any], upstream: object) -> Iterator[Any]:
    """Shapes ``chunks``; closes ``upstream`` on a cut, or when the consumer closes this."""
    try:
        for chunk in chunks:
            out = shaping.push(chunk)
            if shaping.cut and not shaping.marked_last:
                # Stop the provider first: the consumer may never ask for the next chunk.
                _close(upstream)
                yield from out
                return
            yield from out
        yield from shaping.end()
    finally:
        _close(upstream)


async def _ashaped(
    shaping: _Shaping, chunks: AsyncIterator[Any], upstream: object
) -> AsyncIterator[Any]:
    try:
        async for chunk in chunks:
            out = shaping.push(chunk)
            if shaping.cut and not shaping.marked_last:
                await _aclose(upstream)
                for piece in out:
                    yield piece
                return
            for piece in out:
                yield piece
        for piece in shaping.end():
            yield piece
    finally:
        await _aclose(upstream, quiet=True)


class _Upstream(Iterator[Any]):
    """The upstream of a runnable; once closed, it closes its source and reads as exhausted.

    LangChain tees a runnable's input to trace it and drains the tracing copy after the
    transform ends; reading as exhausted once closed stops that drain at what was read.
    """

    def __init__(self, source: Iterator[Any]) -> None:
        self._source: Iterator[Any] | None = source

    def __next__(self) -> Any:
        if self._source is None:
            raise StopIteration
        return next(self._source)

    def close(self) -> None:
        source, self._source = self._source, None
        _close(source)


class _AsyncUpstream(AsyncIterator[Any]):
    """The async twin of :class:`_Upstream`; also adapts a sync iterator."""

    def __init__(self, source: AsyncIterator[Any] | Iterator[Any]) -> None:
        self._source: AsyncIterator[Any] | Iterator[Any] | None = source

    async def __anext__(self) -> Any:
        source = self._source
        if source is None:
            raise StopAsyncIteration
        if isinstance(source, AsyncIterator):
            return await source.__anext__()
        try:
            return next(source)
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        source, self._source = self._source, None
        if isinstance(source, AsyncIterator):
            await _aclose(source)
        else:
            _close(source)


# --- the public API -----------------------------------------------------------------------------


def shape_stream(
    chunks: Iterable[ChunkT],
    *,
    stop: str | Sequence[str] | None = None,
    stop_mode: StopMode = "include",
    max_graphemes: int | None = None,
    chunk_size: int | None = None,
) -> Iterator[ChunkT]:
    """Shapes a stream of text: whole graphemes only, stop sequences, a grapheme budget.

    The options are :class:`~langchain_echo.StreamShaper`'s, and so are the semantics: whatever
    the split of the text into chunks, the shaped text is what the echo models would give for the
    whole text (SPEC §3). No output chunk splits a grapheme; the stream ends at the earliest-ending
    stop sequence, which stays in the text with ``stop_mode="include"`` and is cut with
    ``"exclude"`` (no part of it ever reaches the consumer, and no more text than may still start
    one is held back); ``max_graphemes`` caps it. Message chunks keep everything but their text
    (see the module docs for the exact rules), and a cut ends message and generation streams with
    a closing chunk that carries ``finish_reason`` and ``stop_sequence``. On a cut the upstream
    iterator is closed, not drained.

    Options are checked before anything is read.

    Args:
        chunks: any iterable of ``str``, messages (``AIMessageChunk`` in practice) or
            ``GenerationChunk``; each output chunk has the type of the upstream chunk it comes from.
        stop: stop sequences: one string, a sequence of non-empty strings, or None.
        stop_mode: ``"include"`` keeps the matched stop sequence in the text; ``"exclude"`` cuts
            the text at the last grapheme boundary at or before it.
        max_graphemes: at most this many graphemes pass; None: no limit.
        chunk_size: graphemes per output chunk; None releases everything that is final, at most one
            chunk per upstream chunk.

    Returns:
        The shaped stream.

    Raises:
        ValueError: a bad option, named with its value.

    Example:
        .. code-block:: python

            from langchain_echo import shape_stream

            pieces = ["Hi \U0001f44b", "\U0001f3fd! STO", "P and more"]  # an emoji split in two
            shaped = list(shape_stream(pieces, stop="STOP", stop_mode="exclude"))
            assert shaped == ["Hi ", "\U0001f44b\U0001f3fd! "]
    """
    shaper = StreamShaper(
        stop=stop, stop_mode=stop_mode, max_graphemes=max_graphemes, chunk_size=chunk_size
    )
    iterator = iter(chunks)
    return cast("Iterator[ChunkT]", _shaped(_Shaping(shaper), iterator, iterator))


def ashape_stream(
    chunks: AsyncIterable[ChunkT] | Iterable[ChunkT],
    *,
    stop: str | Sequence[str] | None = None,
    stop_mode: StopMode = "include",
    max_graphemes: int | None = None,
    chunk_size: int | None = None,
) -> AsyncIterator[ChunkT]:
    """The async :func:`shape_stream`: shapes an async (or sync) iterable of chunks.

    Same options and semantics as :func:`shape_stream`; on a cut the upstream is closed with
    ``aclose()`` (``close()`` for a sync iterator).

    Args:
        chunks: an async iterable (or an iterable) of ``str``, messages or ``GenerationChunk``.
        stop: stop sequences: one string, a sequence of non-empty strings, or None.
        stop_mode: ``"include"`` or ``"exclude"``, as in :func:`shape_stream`.
        max_graphemes: at most this many graphemes pass; None: no limit.
        chunk_size: graphemes per output chunk; None: at most one chunk per upstream chunk.

    Returns:
        The shaped async stream.

    Raises:
        ValueError: a bad option, named with its value.

    Example:
        .. code-block:: python

            async def shorten(model, prompt):
                return [c async for c in ashape_stream(model.astream(prompt), max_graphemes=10)]
    """
    shaper = StreamShaper(
        stop=stop, stop_mode=stop_mode, max_graphemes=max_graphemes, chunk_size=chunk_size
    )
    upstream = aiter(chunks) if isinstance(chunks, AsyncIterable) else _AsyncUpstream(iter(chunks))
    return cast("AsyncIterator[ChunkT]", _ashaped(_Shaping(shaper), upstream, upstream))


class ShapeStream(RunnableSerializable[ShapeChunk, ShapeChunk]):
    """A runnable that shapes a model's stream: whole graphemes, stop sequences, a budget.

    ``model | ShapeStream(stop=["User:"])`` gives any chat model or LLM the stop-sequence and
    grapheme semantics of the echo models, even where the provider's API has no stop sequences,
    leaks a stop that spans two chunks, or splits an emoji across chunks. It streams in chains:
    ``stream``, ``astream``, ``transform``, ``astream_events`` shape chunk by chunk, exactly as
    :func:`shape_stream` does (message fields pass through, a cut adds a closing chunk with
    ``finish_reason`` and ``stop_sequence`` and closes the upstream instead of draining it).

    ``invoke``/``ainvoke`` (and so ``batch``/``abatch``) shape a whole input at once: a ``str``
    gives a ``str``; a message or ``GenerationChunk`` gives a copy with its text shaped (list
    content: the text goes into the first text block, the other text blocks are dropped,
    non-text blocks are kept) and, when the shaper cut the text, ``finish_reason`` and
    ``stop_sequence`` set in ``response_metadata`` / ``generation_info``. An input the shaper
    leaves whole is returned as is.

    Each run gets its own :class:`~langchain_echo.StreamShaper` (the compiled stop set is shared),
    so one ``ShapeStream`` serves many threads and runs at once. Options are checked at
    construction (a ``ValueError`` naming the option); unknown keywords are an error.

    Example:
        .. code-block:: python

            from langchain_core.output_parsers import StrOutputParser
            from langchain_echo import ShapeStream

            chain = prompt | model | ShapeStream(stop=["User:"], stop_mode="exclude")
            for text in (chain | StrOutputParser()).stream({"question": "..."}):
                print(text, end="")

            ShapeStream(max_graphemes=3).invoke("🇫🇷 flag")  # '🇫🇷 f'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    stop: list[str] | None = None
    """Stop sequences (a bare string is one sequence); None: none."""

    stop_mode: StopMode = "include"
    """``"include"`` keeps the matched stop sequence in the text; ``"exclude"`` cuts it."""

    max_graphemes: int | None = None
    """At most this many graphemes pass; None: no limit."""

    chunk_size: int | None = None
    """Graphemes per output chunk; None: what is final, at most one chunk per upstream chunk."""

    @model_validator(mode="before")
    @classmethod
    def _check_options(cls, values: Any) -> Any:
        # The native shaper checks every option and names the bad one; checking before pydantic
        # converts anything keeps e.g. ``chunk_size=True`` an error, as it is for the models.
        if isinstance(values, dict):
            stop = values.get("stop")
            StreamShaper(
                stop=stop,
                stop_mode=values.get("stop_mode", "include"),
                max_graphemes=values.get("max_graphemes"),
                chunk_size=values.get("chunk_size"),
            )
            if isinstance(stop, str):
                values = {**values, "stop": [stop]}
        return values

    def _shaper(self) -> StreamShaper:
        # The compiled stop set is cached by value: every run of this (or an equal) ShapeStream
        # shares one automaton, and the runnable itself stays a plain, picklable model.
        return StreamShaper(
            stop=compile_stops(tuple(self.stop)) if self.stop else None,
            stop_mode=self.stop_mode,
            max_graphemes=self.max_graphemes,
            chunk_size=self.chunk_size,
        )

    # --- whole inputs -------------------------------------------------------------------------

    def _invoke(self, value: ShapeChunk) -> ShapeChunk:
        return _shape_whole(self._shaper(), value)

    async def _ainvoke(self, value: ShapeChunk) -> ShapeChunk:
        return _shape_whole(self._shaper(), value)

    def invoke(
        self, input: ShapeChunk, config: RunnableConfig | None = None, **kwargs: Any
    ) -> ShapeChunk:
        """Shapes a whole ``str``, message or ``GenerationChunk`` at once.

        Args:
            input: the text or chunk to shape.
            config: the runnable config.
            **kwargs: ignored.

        Returns:
            ``input`` with its text shaped, and ``finish_reason``/``stop_sequence`` set when the
            shaper cut it.
        """
        return self._call_with_config(self._invoke, input, config)

    async def ainvoke(
        self, input: ShapeChunk, config: RunnableConfig | None = None, **kwargs: Any
    ) -> ShapeChunk:
        """Shapes a whole ``str``, message or ``GenerationChunk`` at once; native async.

        Args:
            input: the text or chunk to shape.
            config: the runnable config.
            **kwargs: ignored.

        Returns:
            What :meth:`invoke` returns.
        """
        return await self._acall_with_config(self._ainvoke, input, config)

    # --- streams ------------------------------------------------------------------------------

    def transform(
        self,
        input: Iterator[ShapeChunk],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Iterator[ShapeChunk]:
        """Shapes a stream of chunks as it arrives (how a chain streams through this step).

        Args:
            input: the upstream chunks.
            config: the runnable config.
            **kwargs: ignored.

        Yields:
            The shaped chunks.
        """
        upstream = _Upstream(input)
        shaping = _Shaping(self._shaper())

        def shape(chunks: Iterator[ShapeChunk]) -> Iterator[ShapeChunk]:
            return _shaped(shaping, chunks, upstream)

        run = cast(
            "Generator[ShapeChunk, None, None]",
            self._transform_stream_with_config(upstream, shape, config),
        )
        try:
            # Not ``yield from``: it would close ``run`` (which drains the input) before this
            # ``finally`` could close the source.
            for chunk in run:  # noqa: UP028
                yield chunk
        finally:
            # Close the source before LangChain drains its traced copy of the input.
            upstream.close()
            run.close()

    async def atransform(
        self,
        input: AsyncIterator[ShapeChunk],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ShapeChunk]:
        """Shapes an async stream of chunks as it arrives.

        Args:
            input: the upstream chunks.
            config: the runnable config.
            **kwargs: ignored.

        Yields:
            The shaped chunks.
        """
        upstream = _AsyncUpstream(input)
        shaping = _Shaping(self._shaper())

        def shape(chunks: AsyncIterator[ShapeChunk]) -> AsyncIterator[ShapeChunk]:
            return _ashaped(shaping, chunks, upstream)

        run = self._atransform_stream_with_config(upstream, shape, config)
        try:
            async for chunk in run:
                yield chunk
        finally:
            # Unlike the sync helper, the async one does not drain its input when closed, and
            # it closes ``shape`` (so the source) itself.
            await _aclose(upstream, quiet=True)

    def stream(
        self, input: ShapeChunk, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[ShapeChunk]:
        """Shapes one input as a stream: ``chunk_size`` pieces, or what is final at once.

        Args:
            input: the text or chunk to shape.
            config: the runnable config.
            **kwargs: ignored.

        Yields:
            The shaped chunks.
        """
        yield from self.transform(iter((input,)), config)

    async def astream(
        self, input: ShapeChunk, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[ShapeChunk]:
        """Shapes one input as an async stream.

        Args:
            input: the text or chunk to shape.
            config: the runnable config.
            **kwargs: ignored.

        Yields:
            The shaped chunks.
        """
        async for chunk in self.atransform(_AsyncUpstream(iter((input,))), config):
            yield chunk
