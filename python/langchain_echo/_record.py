"""The emission recorder: when the model emitted each chunk, for measurement (SPEC §13).

While :data:`EMISSIONS` holds a list, the models' stream drivers append, for every chunk they
emit and just before its ``on_llm_new_token`` callback fires, ``(time.perf_counter(),
end_offset)``: ``end_offset`` is the number of code points of output text emitted so far in
that call, this chunk included (a chunk with no text repeats the previous offset). Drivers read
the variable once per call (``rec = EMISSIONS.get()``) and skip all of this when it is ``None``,
the default, so recording costs nothing when no one measures.

A context variable, so that each thread and task sees its own recorder; the list itself is
shared by the copies of the context that LangChain makes for a pipeline's steps, so emissions
from anywhere inside the measured pipeline land in it. Each model call restarts its offsets at
0; a pipeline that calls the model more than once appends the calls one after another.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["EMISSIONS", "Emission", "recording"]

Emission = tuple[float, int]
"""``(perf_counter seconds, end offset in code points)`` of one emitted chunk."""

EMISSIONS: ContextVar[list[Emission] | None] = ContextVar("langchain_echo_emissions", default=None)
"""The current recorder, or ``None`` when nothing records."""


@contextmanager
def recording() -> Iterator[list[Emission]]:
    """Records the emissions of every model call made inside the block.

    Yields:
        The list the emissions are appended to; it stays readable after the block.

    Example:
        >>> from langchain_echo import ChatEcho
        >>> with recording() as emissions:
        ...     _ = list(ChatEcho().stream("hi"))
        >>> [offset for _, offset in emissions]
        [1, 2, 2]
    """
    emissions: list[Emission] = []
    token = EMISSIONS.set(emissions)
    try:
        yield emissions
    finally:
        EMISSIONS.reset(token)
