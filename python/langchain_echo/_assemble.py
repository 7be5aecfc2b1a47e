"""LangChain's results and chunks, assembled from values this package built and knows are valid.

Validation is most of what an echo costs: pydantic takes about 5 µs to validate an ``AIMessage``
(or an ``AIMessageChunk``) and 2 µs for its ``ChatGeneration``, against well under 1 µs to
assemble them, and LangChain validates results again on its side. The values here are built by
this package and already valid, so each object is filled the way pydantic's own constructor fills
it. At import, each assembler's output is compared with the validating constructor's for the same
values (equality, fields set, extra, repr, dump); if any differs (say, with a future pydantic or
langchain-core), the validating constructors are used instead and a warning is logged, so the only
thing this module can change is speed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
    GenerationChunk,
)

_new = object.__new__
_set = object.__setattr__


def _assemble(cls: type[Any], values: dict[str, Any], fields_set: set[str]) -> Any:
    obj = _new(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_extra__", {} if cls.model_config.get("extra") == "allow" else None)
    _set(obj, "__pydantic_private__", None)
    return obj


# --- the assemblers ------------------------------------------------------------------------------


def _fast_ai_message(
    content: str, response_metadata: dict[str, Any], usage_metadata: UsageMetadata
) -> AIMessage:
    return cast(
        "AIMessage",
        _assemble(
            AIMessage,
            {
                "content": content,
                "additional_kwargs": {},
                "response_metadata": response_metadata,
                "type": "ai",
                "name": None,
                "id": None,
                "tool_calls": [],
                "invalid_tool_calls": [],
                "usage_metadata": usage_metadata,
            },
            {"content", "response_metadata", "usage_metadata"},
        ),
    )


def _fast_result(message: AIMessage) -> ChatResult:
    generation = _assemble(
        ChatGeneration,
        {
            "text": message.content,
            "generation_info": None,
            "type": "ChatGeneration",
            "message": message,
        },
        {"message", "text"},
    )
    return cast(
        "ChatResult",
        _assemble(ChatResult, {"generations": [generation], "llm_output": None}, {"generations"}),
    )


def _chunk_of(message: AIMessageChunk) -> ChatGenerationChunk:
    return cast(
        "ChatGenerationChunk",
        _assemble(
            ChatGenerationChunk,
            {
                "text": message.content,
                "generation_info": None,
                "type": "ChatGenerationChunk",
                "message": message,
            },
            {"message", "text"},
        ),
    )


def _fast_text_chunk(text: str) -> ChatGenerationChunk:
    return _chunk_of(
        _assemble(
            AIMessageChunk,
            {
                "content": text,
                "additional_kwargs": {},
                "response_metadata": {},
                "type": "AIMessageChunk",
                "name": None,
                "id": None,
                "tool_calls": [],
                "invalid_tool_calls": [],
                "usage_metadata": None,
                "tool_call_chunks": [],
                "chunk_position": None,
            },
            {"content"},
        )
    )


def _fast_closing_chunk(
    response_metadata: dict[str, Any], usage_metadata: UsageMetadata
) -> ChatGenerationChunk:
    return _chunk_of(
        _assemble(
            AIMessageChunk,
            {
                "content": "",
                "additional_kwargs": {},
                "response_metadata": response_metadata,
                "type": "AIMessageChunk",
                "name": None,
                "id": None,
                "tool_calls": [],
                "invalid_tool_calls": [],
                "usage_metadata": usage_metadata,
                "tool_call_chunks": [],
                "chunk_position": "last",
            },
            {"content", "chunk_position", "response_metadata", "usage_metadata"},
        )
    )


def _fast_generation_chunk(
    cls: type[GenerationChunk], text: str, generation_info: dict[str, Any] | None
) -> GenerationChunk:
    return cast(
        "GenerationChunk",
        _assemble(
            cls,
            {"text": text, "generation_info": generation_info, "type": "Generation"},
            {"text", "generation_info"},
        ),
    )


# --- their validating twins ----------------------------------------------------------------------


def _checked_ai_message(
    content: str, response_metadata: dict[str, Any], usage_metadata: UsageMetadata
) -> AIMessage:
    return AIMessage(
        content=content, response_metadata=response_metadata, usage_metadata=usage_metadata
    )


def _checked_result(message: AIMessage) -> ChatResult:
    return ChatResult(generations=[ChatGeneration(message=message)])


def _checked_text_chunk(text: str) -> ChatGenerationChunk:
    return ChatGenerationChunk(message=AIMessageChunk(content=text))


def _checked_closing_chunk(
    response_metadata: dict[str, Any], usage_metadata: UsageMetadata
) -> ChatGenerationChunk:
    return ChatGenerationChunk(
        message=AIMessageChunk(
            content="",
            chunk_position="last",
            response_metadata=response_metadata,
            usage_metadata=usage_metadata,
        )
    )


def _checked_generation_chunk(
    cls: type[GenerationChunk], text: str, generation_info: dict[str, Any] | None
) -> GenerationChunk:
    return cls(text=text, generation_info=generation_info)


# --- the comparison at import --------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Whether two pydantic objects are the same in every way a user could see."""
    return (
        type(a) is type(b)
        and a == b
        and repr(a) == repr(b)
        and list(a.__dict__) == list(b.__dict__)
        and a.model_fields_set == b.model_fields_set
        and a.__pydantic_extra__ == b.__pydantic_extra__
        and a.model_dump() == b.model_dump()
    )


def _usage() -> UsageMetadata:
    return {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}


def _metadata() -> dict[str, Any]:
    return {"model_name": "echo", "finish_reason": "stop", "stop_sequence": "."}


def _pairs() -> list[tuple[Any, Any]]:
    """Each assembler's output beside the validating constructor's, for the same values."""
    fast_message = _fast_ai_message("hé.", _metadata(), _usage())
    checked_message = _checked_ai_message("hé.", _metadata(), _usage())
    fast_result, checked_result = _fast_result(fast_message), _checked_result(checked_message)
    pairs: list[tuple[Any, Any]] = [
        (fast_message, checked_message),
        (fast_result, checked_result),
        (fast_result.generations[0], checked_result.generations[0]),
    ]
    for text in ("hé", ""):
        fast, checked = _fast_text_chunk(text), _checked_text_chunk(text)
        pairs += [(fast, checked), (fast.message, checked.message)]
    fast, checked = (
        _fast_closing_chunk(_metadata(), _usage()),
        _checked_closing_chunk(_metadata(), _usage()),
    )
    pairs += [(fast, checked), (fast.message, checked.message)]
    for info in (None, {"finish_reason": "stop"}):
        pairs.append(
            (
                _fast_generation_chunk(GenerationChunk, "hé", info),
                _checked_generation_chunk(GenerationChunk, "hé", info),
            )
        )
    return pairs


def _verified() -> bool:
    try:
        return all(_same(fast, checked) for fast, checked in _pairs())
    except Exception:
        return False


VERIFIED = _verified()
"""Whether the assemblers give exactly what the validating constructors give, here."""

if not VERIFIED:  # pragma: no cover - depends on the installed pydantic and langchain-core
    logging.getLogger("langchain_echo").warning(
        "langchain-echo: assembled results differ from validated ones with this pydantic or "
        "langchain-core; using the validating constructors (same results, slower)"
    )

ai_message: Callable[[str, dict[str, Any], UsageMetadata], AIMessage] = (
    _fast_ai_message if VERIFIED else _checked_ai_message
)
"""``AIMessage(content=..., response_metadata=..., usage_metadata=...)``."""

chat_result: Callable[[AIMessage], ChatResult] = _fast_result if VERIFIED else _checked_result
"""``ChatResult(generations=[ChatGeneration(message=message)])``."""

text_chunk: Callable[[str], ChatGenerationChunk] = (
    _fast_text_chunk if VERIFIED else _checked_text_chunk
)
"""``ChatGenerationChunk(message=AIMessageChunk(content=text))``."""

closing_chunk: Callable[[dict[str, Any], UsageMetadata], ChatGenerationChunk] = (
    _fast_closing_chunk if VERIFIED else _checked_closing_chunk
)
"""The closing chunk: empty, ``chunk_position="last"``, with the call's metadata and usage."""

generation_chunk: Callable[[type[GenerationChunk], str, dict[str, Any] | None], GenerationChunk] = (
    _fast_generation_chunk if VERIFIED else _checked_generation_chunk
)
"""``cls(text=text, generation_info=generation_info)`` for a ``GenerationChunk`` class."""
