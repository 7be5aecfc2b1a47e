"""Scripted replies and faults (SPEC §11): ``responses=[...]`` and :class:`Fault`.

A :class:`Script` validates every entry when it is made, normalizes each to a neutral
:class:`Reply`, and hands them out once each, in order, to whichever call (thread or task)
asks next.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage
from pydantic import ValidationError

__all__ = ["Fault", "Reply", "Script", "ScriptExhaustedError"]


def _is_error(value: object) -> bool:
    """Whether ``value`` is an exception instance or class.

    ``BaseException``, not just ``Exception``: a scripted ``CancelledError`` or
    ``KeyboardInterrupt`` tests how a pipeline handles them.
    """
    return isinstance(value, BaseException) or (
        isinstance(value, type) and issubclass(value, BaseException)
    )


@dataclass(frozen=True)
class Fault:
    """A reply that fails part-way: its first ``after`` chunks stream, then ``error`` is raised.

    ``invoke`` raises ``error`` (having produced no message). Use it to test what a pipeline
    does with a stream that breaks: partial output, retries, callbacks' ``on_llm_error``.

    Args:
        reply: the reply as a script entry gives it: a ``str`` (both models), an ``AIMessage``
            or a dict of ``AIMessage`` fields (``ChatEcho``).
        error: the exception to raise: an instance (raised as is) or a class (instantiated with
            no arguments each time).
        after: how many chunks stream before ``error``; ``0`` raises before the first.

    Example:
        .. code-block:: python

            ChatEcho(responses=[Fault("hello", TimeoutError, after=2), "hello"])
    """

    reply: str | AIMessage | Mapping[str, Any]
    error: BaseException | type[BaseException]
    after: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.after, bool) or not isinstance(self.after, int) or self.after < 0:
            msg = f"Fault after must be a non-negative int, got {self.after!r}"
            raise ValueError(msg)
        if not _is_error(self.error):
            msg = (
                f"Fault error must be an exception instance or class, got {self.error!r} "
                f"({type(self.error).__name__})"
            )
            raise ValueError(msg)
        if not isinstance(self.reply, (str, AIMessage, Mapping)):
            msg = (
                f"Fault reply must be a str, an AIMessage or a dict of AIMessage fields, got "
                f"{self.reply!r} ({type(self.reply).__name__})"
            )
            raise ValueError(msg)


@dataclass(frozen=True)
class Reply:
    """One scripted reply, normalized.

    Attributes:
        text: the source ``T`` of §3 (``n``, stops and ``chunk_size`` apply to it).
        tool_calls: ``{"name", "args", "id"}`` dicts; ``id`` is ``None`` where the script gave
            none (the model then assigns ``call_{t}_{i}``).
        error: raised by the call before any output (an instance: a scripted class is
            instantiated when the reply is taken).
        fault_error: raised after ``fault_after`` chunks of this reply (a :class:`Fault`).
        fault_after: see ``fault_error``.
    """

    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    error: BaseException | None = None
    fault_error: BaseException | None = None
    fault_after: int = 0


class ScriptExhaustedError(RuntimeError):
    """A call came after every scripted reply was used.

    A ``RuntimeError``: the script's state, not the call's arguments, is what is wrong (so not
    ``ValueError``), and ``IndexError``/``StopIteration`` would be mistaken for the end of an
    iteration by the code around a model call (a ``StopIteration`` inside a generator even
    becomes a different ``RuntimeError``).
    """


def _allowed(chat: bool) -> str:
    if chat:
        return (
            "a str, an AIMessage, a dict of AIMessage fields, an exception instance or class, "
            "or a Fault"
        )
    return "a str, an exception instance or class, or a Fault"


def _instance(error: BaseException | type[BaseException]) -> BaseException:
    # An instance raised again keeps its old traceback and Python prepends the new frames to it:
    # a script entry shared by many models (or a soak) would grow it, with every frame's
    # locals, on each raise. Each call's raise starts a traceback of its own.
    return error() if isinstance(error, type) else error.with_traceback(None)


class Script:
    """Scripted replies, validated up front and taken once each, in order.

    Safe to share between threads and tasks: each :meth:`take` gets a different entry, and no
    entry is given twice (a lock guards the position; taking never awaits, so a task cannot be
    interrupted in the middle of it).

    Args:
        entries: the script (see SPEC §11).
        chat: ``True`` for ``ChatEcho`` (str, ``AIMessage``, dict of its fields, exception,
            :class:`Fault`), ``False`` for ``EchoLLM`` (str, exception, :class:`Fault`).

    Raises:
        ValueError: ``entries`` is not a list (or tuple), or an entry is not allowed: the
            message names its index, its type and what is allowed.
    """

    def __init__(self, entries: Sequence[object], *, chat: bool) -> None:
        if isinstance(entries, (str, bytes, Mapping)) or not isinstance(entries, Sequence):
            msg = f"responses must be a list of replies, got {entries!r:.80}"
            raise ValueError(msg)
        self._chat = chat
        self._entries = tuple(entries)
        # Entries as replies; errors stay as given, since classes are instantiated at take time.
        self._replies = tuple(self._normalize(i, e) for i, e in enumerate(self._entries))
        self._lock = threading.Lock()
        self._taken = 0

    @property
    def entries(self) -> tuple[object, ...]:
        """The entries as given."""
        return self._entries

    @property
    def used(self) -> int:
        """How many calls have taken a reply (or found the script exhausted)."""
        return self._taken

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Script({list(self._entries)!r}, chat={self._chat})"

    def take(self) -> Reply:
        """The next reply, for one model call.

        Raises:
            ScriptExhaustedError: every reply was used; the message says how many were
                scripted and which call this is.
        """
        with self._lock:
            index = self._taken
            self._taken += 1
        if index >= len(self._replies):
            count = len(self._replies)
            replies = "no replies" if count == 0 else f"{count} repl{'y' if count == 1 else 'ies'}"
            used = "" if count == 0 else f" and {'it was' if count == 1 else 'all were'} used"
            msg = f"the script has {replies}{used} (call {index + 1})"
            raise ScriptExhaustedError(msg)
        reply, error, fault = self._replies[index]
        if error is None and fault is None:
            return reply
        # Fresh instances of scripted classes: each call raises its own exception.
        return Reply(
            text=reply.text,
            tool_calls=[dict(c) for c in reply.tool_calls],
            error=None if error is None else _instance(error),
            fault_error=None if fault is None else _instance(fault),
            fault_after=reply.fault_after,
        )

    # --- validation -----------------------------------------------------------------------

    def _bad(self, where: str, entry: object) -> ValueError:
        return ValueError(
            f"{where} is {type(entry).__name__} {entry!r:.80}; "
            f"{'a ChatEcho' if self._chat else 'an EchoLLM'} script entry must be "
            f"{_allowed(self._chat)}"
        )

    def _normalize(
        self, i: int, entry: object
    ) -> tuple[Reply, BaseException | type[BaseException] | None, BaseException | type | None]:
        where = f"responses[{i}]"
        if _is_error(entry):
            _check_instantiable(where, entry)
            return Reply(), entry, None  # type: ignore[return-value]
        if isinstance(entry, Fault):
            _check_instantiable(f"{where}.error", entry.error)
            reply = self._reply(f"{where}.reply", entry.reply)
            faulty = Reply(reply.text, reply.tool_calls, fault_after=entry.after)
            return faulty, None, entry.error
        return self._reply(where, entry), None, None

    def _reply(self, where: str, entry: object) -> Reply:
        if isinstance(entry, str):
            return Reply(text=entry)
        if not self._chat:
            raise self._bad(where, entry)
        if isinstance(entry, Mapping):
            try:
                message = AIMessage(**entry)
            except (ValidationError, TypeError, ValueError) as e:
                msg = f"{where} is a dict that is not valid AIMessage fields: {e}"
                raise ValueError(msg) from e
        elif isinstance(entry, AIMessage):
            message = entry
        else:
            raise self._bad(where, entry)
        content = message.content
        text = content if isinstance(content, str) else str(message.text)
        calls = [
            {"name": c["name"], "args": dict(c["args"]), "id": c.get("id")}
            for c in message.tool_calls
        ]
        return Reply(text=text, tool_calls=calls)


def _check_instantiable(where: str, error: object) -> None:
    """A scripted exception class must build with no arguments; find out now, not mid-test."""
    if isinstance(error, type):
        try:
            error()
        except Exception as e:
            msg = (
                f"{where} is the exception class {error.__name__}, which cannot be made with no "
                f"arguments ({type(e).__name__}: {e}); script an instance instead"
            )
            raise ValueError(msg) from e
