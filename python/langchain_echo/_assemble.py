"""LangChain's result objects, assembled from values this package built and knows are valid.

Validation is most of what a ``ChatEcho`` call costs: pydantic takes about 5 µs to validate an
``AIMessage`` and 2 µs for its ``ChatGeneration``, against well under 1 µs to assemble them, and
LangChain then validates the result again on its side. The values here are built by this
package and already valid, so each object is filled the way pydantic's own constructor fills
it. At import, each assembler's output is compared with the validating constructor's for the
same values (equality, fields set, extra, repr); if they differ in any way (say, with a future
pydantic or langchain-core), the validating constructor is used instead, so the only thing this
module can change is speed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from langchain_core.messages import AIMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatResult

_new = object.__new__
_set = object.__setattr__


def _assemble(cls: type[Any], values: dict[str, Any], fields_set: set[str]) -> Any:
    obj = _new(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_extra__", {} if cls.model_config.get("extra") == "allow" else None)
    _set(obj, "__pydantic_private__", None)
    return obj


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


def _checked_ai_message(
    content: str, response_metadata: dict[str, Any], usage_metadata: UsageMetadata
) -> AIMessage:
    return AIMessage(
        content=content, response_metadata=response_metadata, usage_metadata=usage_metadata
    )


def _checked_result(message: AIMessage) -> ChatResult:
    return ChatResult(generations=[ChatGeneration(message=message)])


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


def _verified() -> bool:
    metadata = {"model_name": "echo", "finish_reason": "stop", "stop_sequence": "."}
    usage: UsageMetadata = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    try:
        fast = _fast_ai_message("hé.", dict(metadata), dict(usage))  # type: ignore[arg-type]
        checked = _checked_ai_message("hé.", dict(metadata), dict(usage))  # type: ignore[arg-type]
        return (
            _same(fast, checked)
            and _same(_fast_result(fast), _checked_result(checked))
            and _same(_fast_result(fast).generations[0], _checked_result(checked).generations[0])
        )
    except Exception:
        return False


VERIFIED = _verified()
"""Whether the assemblers give exactly what the validating constructors give, here."""

ai_message: Callable[[str, dict[str, Any], UsageMetadata], AIMessage] = (
    _fast_ai_message if VERIFIED else _checked_ai_message
)
"""``AIMessage(content=..., response_metadata=..., usage_metadata=...)``."""

chat_result: Callable[[AIMessage], ChatResult] = _fast_result if VERIFIED else _checked_result
"""``ChatResult(generations=[ChatGeneration(message=message)])``."""
