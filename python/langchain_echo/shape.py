"""Stop sequences and grapheme safety for any model's stream (SPEC section 8).

``shape_stream``, ``ashape_stream`` and the runnable ``ShapeStream`` put a stream of ``str``,
message chunks or ``GenerationChunk`` through a :class:`~langchain_echo.StreamShaper`, which does
all the text work; this module only moves text in and out of chunks. What happens to each chunk
and each of its fields, at the end of a stream and on a cut, is stated once, for users, in the
README section "Shaping any model's stream"; ``tests/test_shape.py`` checks every rule there.
"""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Sequence,
)
from contextlib import aclosing, suppress
from typing import Any, TypeVar, cast

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import GenerationChunk
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import ConfigDict, model_validator

from langchain_echo._core import StreamShaper
from langchain_echo._params import (
    StopMode,
    check_count,
    check_stop_mode,
    compile_stops,
    normalize_stop,
)

__all__ = ["ShapeStream", "ashape_stream", "shape_stream"]

ShapeChunk = str | BaseMessage | GenerationChunk
"""What a shaped stream carries: ``str``, messages (message chunks, in practice), generations."""

ChunkT = TypeVar("ChunkT", bound=ShapeChunk)

Block = str | dict[str, Any]
"""A block of list content, as LangChain types it."""

Placed = tuple[Block, int, int, bool]
"""A block of a chunk, where its share of the released text starts and ends (``-1`` for a
non-text block), and whether the block's own keys belong to this chunk."""

# The keys a closing chunk sets; a cut chunk's own values for them are dropped.
_FINISH_KEYS = ("finish_reason", "stop_sequence")
# Keys of a text block that any piece of its text may carry; others go out once.
_PLAIN_TEXT_KEYS = frozenset(("type", "text", "index"))


def _checked_stops(stop: object) -> tuple[str, ...] | None:
    """``stop`` checked as the models check it: a tuple of sequences, or None for none."""
    stops = normalize_stop(stop)
    return tuple(stops) if stops else None


def _is_cut(shaper: StreamShaper) -> bool:
    """Whether a stop sequence or the budget ended the text (not the input running out)."""
    return shaper.stop_sequence is not None or shaper.finish_reason == "length"


# --- reading and writing the text of a chunk ----------------------------------------------------


def _text_of(chunk: object) -> str:
    if isinstance(chunk, str):
        return chunk
    if isinstance(chunk, BaseMessage):
        content = chunk.content
        return content if isinstance(content, str) else str(chunk.text)
    if isinstance(chunk, GenerationChunk):
        return chunk.text
    msg = (
        "a shaped stream carries str, messages or GenerationChunk, "
        f"got {chunk!r} ({type(chunk).__name__})"
    )
    raise TypeError(msg)


def _is_text_block(block: object) -> bool:
    """Whether a content block holds text, as ``BaseMessage.text`` decides it."""
    return isinstance(block, str) or (
        isinstance(block, dict)
        and block.get("type") == "text"
        and isinstance(block.get("text"), str)
    )


def _is_plain_text_block(block: object) -> bool:
    return isinstance(block, str) or (
        _is_text_block(block) and cast("dict[str, Any]", block).keys() <= _PLAIN_TEXT_KEYS
    )


def _block_text(block: Block) -> str:
    return block if isinstance(block, str) else cast("str", block["text"])


def _index(block: Block) -> object:
    return block.get("index") if isinstance(block, dict) else None


def _last_text_block(content: list[Block]) -> Block | None:
    """The last text block that holds text: where text held back from ``content`` comes from."""
    return next((b for b in reversed(content) if _is_text_block(b) and _block_text(b)), None)


def _with_text(block: Block, text: str, *, full: bool) -> Block:
    """``block`` holding ``text``: all its keys when ``full``, else only type and index."""
    if isinstance(block, str):
        return text
    if full:
        return {**block, "text": text}
    plain: dict[str, Any] = {"type": "text", "text": text}
    if "index" in block:
        plain["index"] = block["index"]
    return plain


def _layout(content: list[Block], lead: int, template: Block | None) -> list[Placed]:
    """Where the text released for a chunk with list ``content`` goes, block by block.

    The released text is a prefix of the ``lead`` characters held back from earlier chunks and
    then the chunk's own text. The held characters go at the front of the chunk's first text block,
    or into a plain block of their own modelled on ``template`` (the block they came from) when its
    ``index`` differs or the chunk has no text block; each text block then holds its own text.
    """
    layout: list[Placed] = []
    end = lead
    placed = lead == 0
    for block in content:
        if not _is_text_block(block):
            layout.append((block, -1, -1, True))
            continue
        start = end
        end += len(_block_text(block))
        if not placed:
            placed = True
            if template is None or _index(template) == _index(block):
                start = 0
            else:
                layout.append((template, 0, lead, False))
        layout.append((block, start, end, True))
    if not placed:
        layout.append((template if template is not None else {"type": "text"}, 0, lead, False))
    return layout


def _render(layout: list[Placed], text: str, start: int, end: int, *, full: bool) -> list[Block]:
    """The content that holds ``text[start:end]``, each text block its share of it.

    With ``full``, also the non-text blocks, and the keys of the text blocks (kept even when the
    block's share is empty); otherwise plain text blocks only.
    """
    blocks: list[Block] = []
    for block, lo, hi, own in layout:
        if lo < 0:
            if full:
                blocks.append(block)
            continue
        part = text[max(start, lo) : min(end, hi)]
        keys = full and own
        if part or (keys and not _is_plain_text_block(block)):
            blocks.append(_with_text(block, part, full=keys))
    return blocks


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
    """One stream: its shaper, what it has seen of the upstream, and how the stream ended."""

    __slots__ = (
        "cut",
        "join",
        "last",
        "marked_last",
        "shaper",
        "stopped",
        "template",
    )

    def __init__(
        self,
        stop: tuple[str, ...] | None,
        stop_mode: StopMode,
        max_graphemes: int | None,
        chunk_size: int | None,
    ) -> None:
        # The compiled stop set is cached by value: every stream with the same stops shares one
        # automaton. The shaper checks the other options.
        self.shaper = StreamShaper(
            stop=compile_stops(stop) if stop else None,
            stop_mode=stop_mode,
            max_graphemes=max_graphemes,
            chunk_size=chunk_size,
        )
        # With chunk_size=None, the text of a chunk marked last and the final flush go out as one.
        self.join = chunk_size is None
        # The last upstream chunk: the model for the final flush and the closing chunk.
        self.last: object = None
        # The text block the held characters come from (list content).
        self.template: Block | None = None
        # Whether a stop sequence or the budget ended the text: a closing chunk went out.
        self.cut = False
        # Whether a stop sequence has been seen (``shaper.pending_stop``) before it ended the text:
        # in include mode the shaper waits for the text after the stop's last grapheme, and the
        # chunks after this one pass only that text.
        self.stopped = False
        # Whether the upstream marked a chunk as its last (``chunk_position="last"``).
        self.marked_last = False

    def push(self, chunk: object) -> list[Any]:
        """Shapes one upstream chunk: the output chunks it gives, closing chunk included."""
        self.last = chunk
        shaper = self.shaper
        if isinstance(chunk, str):
            pieces = shaper.feed(chunk) if chunk else []
            self.cut = shaper.done
            return pieces
        text = _text_of(chunk)
        chunk = cast("BaseMessage | GenerationChunk", chunk)
        if shaper.done:
            # Only after a chunk marked last: after a cut nothing more passes, else the fields do.
            return [] if self.cut else self._emit(chunk, [], 0, full=True)
        # Characters fed but not yet released: the front of what this chunk releases.
        held = len(shaper.held)
        pieces = shaper.feed(text) if text else []
        if getattr(chunk, "chunk_position", None) == "last":
            self.marked_last = True
            if not shaper.done:
                pieces += shaper.finish()
                if self.join and len(pieces) > 1:
                    pieces = ["".join(pieces)]
        released = len(pieces[0]) if len(pieces) == 1 else sum(map(len, pieces))
        lead = min(held, released)
        self.cut = shaper.done and _is_cut(shaper)
        if self.stopped:
            # Past the stop: only the text that completes its last grapheme, on bare chunks.
            out = self._emit(chunk, pieces, lead, full=False)
        else:
            self.stopped = shaper.pending_stop is not None
            out = self._emit(chunk, pieces, lead, full=True)
            if out and (self.cut or self.stopped):
                # The chunk the text ends in: its own finish reason gives way to the closing one.
                tail = self._strip_finish(out.pop())
                if _text_of(tail) or _carries_fields(tail):
                    out.append(tail)
        if self.cut:
            out.append(self._closing(chunk))
        if isinstance(chunk, BaseMessage) and not isinstance(chunk.content, str):
            self.template = _last_text_block(chunk.content) or self.template
        return out

    def end(self) -> list[Any]:
        """The held text, flushed when the upstream ends of itself; a closing chunk on a cut."""
        shaper = self.shaper
        if shaper.done:
            return []
        pieces = shaper.finish()
        last = self.last
        if last is None or isinstance(last, str):
            return pieces
        chunk = cast("BaseMessage | GenerationChunk", last)
        out = self._emit(chunk, pieces, sum(map(len, pieces)), full=False)
        if _is_cut(shaper):
            out.append(self._closing(chunk))
        return out

    def _emit(
        self,
        chunk: BaseMessage | GenerationChunk,
        pieces: list[str],
        lead: int,
        *,
        full: bool,
    ) -> list[Any]:
        """Chunks like ``chunk`` holding ``pieces``; with ``full``, the last one carries its fields.

        ``pieces`` is what the shaper released while reading ``chunk``, of which the first
        ``lead`` characters were held back from earlier chunks. Without pieces, a chunk with
        empty text carries the fields (when ``full`` and there are any).
        """
        if not pieces:
            if not (full and _carries_fields(chunk)):
                return []
            pieces = [""]
        if isinstance(chunk, BaseMessage) and isinstance(chunk.content, list):
            return self._emit_blocks(chunk, chunk.content, pieces, lead, full=full)
        if len(pieces) == 1:
            return [self._piece(chunk, pieces[0], full=full)]
        last = len(pieces) - 1
        return [self._piece(chunk, p, full=full and i == last) for i, p in enumerate(pieces)]

    def _emit_blocks(
        self,
        message: BaseMessage,
        content: list[Block],
        pieces: list[str],
        lead: int,
        *,
        full: bool,
    ) -> list[Any]:
        """:meth:`_emit` for list content: each text block gets its share of the pieces."""
        released = "".join(pieces)
        layout = _layout(content, lead, self.template)
        last = len(pieces) - 1
        out: list[Any] = []
        start = 0
        for i, piece in enumerate(pieces):
            whole = full and i == last
            update = {} if whole else _cleared(message)
            end = start + len(piece)
            update["content"] = _render(layout, released, start, end, full=whole)
            out.append(message.model_copy(update=update))
            start = end
        return out

    @staticmethod
    def _piece(
        chunk: BaseMessage | GenerationChunk, text: str, *, full: bool
    ) -> BaseMessage | GenerationChunk:
        """A chunk like ``chunk`` (text content) holding ``text``: with its fields when ``full``."""
        if isinstance(chunk, GenerationChunk):
            if full:
                return chunk if text == chunk.text else chunk.model_copy(update={"text": text})
            return chunk.model_copy(update={"text": text, "generation_info": None})
        if full:
            return chunk if text == chunk.content else chunk.model_copy(update={"content": text})
        update = _cleared(chunk)
        update["content"] = text
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
    if not shaper.done:
        pieces += shaper.finish()
    output = "".join(pieces)
    if isinstance(value, str):
        return cast("ChunkT", output)
    if not _is_cut(shaper):
        return value  # the whole text passed
    info = _finish_info(shaper)
    chunk = cast("BaseMessage | GenerationChunk", value)
    if isinstance(chunk, GenerationChunk):
        info = {**(_without_finish(chunk.generation_info) or {}), **info}
        return cast("ChunkT", chunk.model_copy(update={"text": output, "generation_info": info}))
    content = chunk.content
    update: dict[str, Any] = {
        # The output is a prefix of the text: each text block keeps its share, keys and place.
        "content": output
        if isinstance(content, str)
        else _render(_layout(content, 0, None), output, 0, len(output), full=True),
        "response_metadata": {**(_without_finish(chunk.response_metadata) or {}), **info},
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


async def _shaped(
    shaping: _Shaping, chunks: AsyncIterator[Any], upstream: object, *, quiet: bool
) -> AsyncGenerator[Any, None]:
    """Shapes ``chunks``; closes ``upstream`` on a cut, or when the consumer closes this.

    The one shaping loop of every path: the sync ones run it through :func:`_run_sync`.
    ``quiet``: a ``RuntimeError`` from the final close is ignored (see :func:`_aclose`).
    """
    try:
        async for chunk in chunks:
            out = shaping.push(chunk)
            cut = shaping.cut and not shaping.marked_last
            if cut:
                # Stop the provider first: the consumer may never ask for the next chunk.
                await _aclose(upstream)
            for piece in out:
                yield piece
            if cut:
                return
        for piece in shaping.end():
            yield piece
    finally:
        await _aclose(upstream, quiet=quiet)


async def _forward(
    run: AsyncIterator[Any], upstream: _Upstream, *, quiet: bool
) -> AsyncGenerator[Any, None]:
    """A runnable's shaped chunks, then the source and ``run`` closed.

    At the end, or when the consumer stops, the source is closed first (before LangChain drains
    its traced copy of the input), then ``run``, so that this run's end is recorded now, not when
    the abandoned generator is collected.
    """
    try:
        async for chunk in run:
            yield chunk
    finally:
        await _aclose(upstream, quiet=quiet)
        await _aclose(run, quiet=quiet)


def _run_sync(stream: AsyncGenerator[Any, None]) -> Iterator[Any]:
    """Runs ``stream`` as a plain generator, with no event loop.

    On the sync paths every await in ``stream`` completes at once (it reads and closes sync
    iterators through :class:`_Upstream`), so each step runs to its next ``yield`` in one
    ``send``. Closing this generator closes ``stream``.
    """
    try:
        while True:
            step = stream.__anext__()
            try:
                awaited = step.send(None)
            except StopIteration as yielded:
                value = yielded.value
            except StopAsyncIteration:
                return
            else:
                step.close()
                msg = f"a sync shaped stream awaited {awaited!r}"
                raise RuntimeError(msg)
            yield value
    finally:
        with suppress(StopIteration):
            cast("Coroutine[Any, Any, Any]", stream.aclose()).send(None)


class _Upstream(Iterator[Any], AsyncIterator[Any]):
    """An upstream that, once closed, closes its source and reads as exhausted.

    LangChain tees a runnable's input to trace it and drains the tracing copy after the
    transform ends; reading as exhausted once closed stops that drain at what was read. A sync
    source reads both ways, so the one async shaping loop serves the sync paths too. With
    ``sync=True`` (the sync paths) the source is read and closed through its sync side even when
    it also has an async one: a sync call never awaits its upstream.
    """

    def __init__(self, source: AsyncIterator[Any] | Iterator[Any], *, sync: bool = False) -> None:
        self._source: AsyncIterator[Any] | Iterator[Any] | None = source
        self._reads_async = not sync and isinstance(source, AsyncIterator)

    def __next__(self) -> Any:
        if self._source is None:
            raise StopIteration
        return next(cast("Iterator[Any]", self._source))

    async def __anext__(self) -> Any:
        source = self._source
        if source is None:
            raise StopAsyncIteration
        if self._reads_async:
            return await cast("AsyncIterator[Any]", source).__anext__()
        try:
            return next(cast("Iterator[Any]", source))
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        source, self._source = self._source, None
        if self._reads_async:
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
    (the README section "Shaping any model's stream" states the exact rules), and a cut ends
    message and generation streams with a closing chunk that carries ``finish_reason`` and
    ``stop_sequence``. On a cut the upstream iterator is closed, not drained.

    Options are checked before anything is read.

    Args:
        chunks: any iterable of ``str``, messages (``AIMessageChunk`` in practice) or
            ``GenerationChunk``; each output chunk has the type of the upstream chunk it comes from.
        stop: stop sequences: one string, a list or tuple of non-empty strings, or None.
        stop_mode: ``"include"`` keeps the matched stop sequence in the text; ``"exclude"`` cuts
            the text at the last grapheme boundary at or before it.
        max_graphemes: at most this many graphemes pass; None: no limit.
        chunk_size: graphemes per output chunk; None releases everything that is final as it
            comes: at most one chunk per upstream chunk, besides the flush when the upstream ends
            without marking a chunk last, and the closing chunk of a cut.

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
    shaping = _Shaping(_checked_stops(stop), stop_mode, max_graphemes, chunk_size)
    upstream = _Upstream(iter(chunks), sync=True)
    return _run_sync(_shaped(shaping, upstream, upstream, quiet=False))


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
        stop: stop sequences: one string, a list or tuple of non-empty strings, or None.
        stop_mode: ``"include"`` or ``"exclude"``, as in :func:`shape_stream`.
        max_graphemes: at most this many graphemes pass; None: no limit.
        chunk_size: graphemes per output chunk; None: what is final, as in :func:`shape_stream`.

    Returns:
        The shaped async stream.

    Raises:
        ValueError: a bad option, named with its value.

    Example:
        .. code-block:: python

            async def shorten(model, prompt):
                return [c async for c in ashape_stream(model.astream(prompt), max_graphemes=10)]
    """
    shaping = _Shaping(_checked_stops(stop), stop_mode, max_graphemes, chunk_size)
    upstream = aiter(chunks) if isinstance(chunks, AsyncIterable) else _Upstream(iter(chunks))
    return _shaped(shaping, upstream, upstream, quiet=True)


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
    content: the shaped text is a prefix of the text, so each text block keeps its share of it,
    its keys and its place, and non-text blocks are kept) and, when a stop sequence or the budget
    cut the text, ``finish_reason`` and ``stop_sequence`` set in ``response_metadata`` /
    ``generation_info``. An input the shaper leaves whole is returned as is.

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

    stop: tuple[str, ...] | None = None
    """Stop sequences; a bare string (one sequence) or a list is accepted and made a tuple. None
    (or an empty list): none."""

    stop_mode: StopMode = "include"
    """``"include"`` keeps the matched stop sequence in the text; ``"exclude"`` cuts it."""

    max_graphemes: int | None = None
    """At most this many graphemes pass; None: no limit."""

    chunk_size: int | None = None
    """Graphemes per output chunk; None: what is final, as :func:`shape_stream` releases it."""

    @model_validator(mode="before")
    @classmethod
    def _check_options(cls, values: Any) -> Any:
        # The models' validators, before pydantic converts anything (``chunk_size=True`` stays an
        # error, as it is for the models); ``stop`` is stored as a tuple, or None for none.
        if isinstance(values, dict):
            check_stop_mode(values.get("stop_mode", "include"))
            check_count(values.get("max_graphemes"), "max_graphemes", 0, optional=True)
            check_count(values.get("chunk_size"), "chunk_size", 1, optional=True)
            values = {**values, "stop": _checked_stops(values.get("stop"))}
        return values

    def _shaping(self) -> _Shaping:
        return _Shaping(self.stop, self.stop_mode, self.max_graphemes, self.chunk_size)

    def _shape(
        self, upstream: _Upstream, *, quiet: bool
    ) -> Callable[[AsyncIterator[Any]], AsyncGenerator[Any, None]]:
        """One run's shaping of its (traced) input; a cut closes ``upstream``, the source."""
        shaping = self._shaping()
        return lambda chunks: _shaped(shaping, chunks, upstream, quiet=quiet)

    # --- whole inputs -------------------------------------------------------------------------

    def _invoke(self, value: ShapeChunk) -> ShapeChunk:
        return _shape_whole(self._shaping().shaper, value)

    async def _ainvoke(self, value: ShapeChunk) -> ShapeChunk:
        return self._invoke(value)

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
        """:meth:`invoke`, natively async (no thread hop)."""
        return await self._acall_with_config(self._ainvoke, input, config)

    # --- streams: one shaping loop (``_shaped``), run by sync and async drivers -----------------

    def transform(
        self, input: Iterator[ShapeChunk], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[ShapeChunk]:
        """Shapes a stream of chunks as it arrives (how a chain streams through this step).

        Args:
            input: the upstream chunks.
            config: the runnable config.
            **kwargs: ignored.

        Yields:
            The shaped chunks.
        """
        # The input is the caller's, and may also read asynchronously; LangChain's copy of it
        # (``chunks``) and ``run`` are its own sync generators.
        upstream = _Upstream(input, sync=True)
        shape = self._shape(upstream, quiet=False)
        run = self._transform_stream_with_config(
            upstream, lambda chunks: _run_sync(shape(_Upstream(chunks))), config
        )
        # Not ``yield from run``: closing this would close ``run`` (which drains the input) before
        # the source; ``_forward`` closes the source first.
        yield from _run_sync(_forward(_Upstream(run), upstream, quiet=False))

    async def atransform(
        self, input: AsyncIterator[ShapeChunk], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[ShapeChunk]:
        """:meth:`transform` for an async stream of chunks."""
        upstream = _Upstream(input)
        run = self._atransform_stream_with_config(
            upstream, self._shape(upstream, quiet=True), config
        )
        async with aclosing(_forward(run, upstream, quiet=True)) as shaped:
            async for chunk in shaped:
                yield chunk

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
        """:meth:`stream`, as an async stream."""
        chunks = self.atransform(_Upstream(iter((input,))), config)
        async with aclosing(cast("AsyncGenerator[ShapeChunk, None]", chunks)) as shaped:
            async for chunk in shaped:
                yield chunk
