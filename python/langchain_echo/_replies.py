"""Which reply a call gives: the reply source of the pipeline, for each model.

In order: a scripted reply when the model has ``responses`` (SPEC 11: the script decides every
reply, tools bound or not); else, for ``ChatEcho``, structured output as JSON text when the call
asks for a ``response_format``, tool calls when tools are bound and the rule of SPEC 10 says so;
else the echo of the input (SPEC 3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from langchain_echo import _pipeline, _schema, _tools
from langchain_echo._params import CallOptions
from langchain_echo._pipeline import Source
from langchain_echo._script import Reply, Script


def _scripted(reply: Reply, turn: int, tools: Sequence[Mapping[str, Any]]) -> Source:
    if reply.error is not None:
        # Raised by the call before any output, as a provider's 429 is.
        raise reply.error
    calls = [
        {**c, "id": c["id"] or _tools.tool_call_id(turn, i)} for i, c in enumerate(reply.tool_calls)
    ]
    if tools:
        _tools.check_calls(calls, _tools.tool_names(tools))
    return Source(reply.text, tuple(calls), reply.fault_error, reply.fault_after)


# OpenAI's `response_format` types that ask for JSON text (`with_structured_output`'s
# "json_schema" and "json_mode").
_JSON_FORMATS = ("json_schema", "json_object")


def _turn(messages: Sequence[BaseMessage]) -> int:
    return sum(isinstance(m, AIMessage) for m in messages)


def chat_source(
    messages: Sequence[BaseMessage],
    options: CallOptions,
    kwargs: Mapping[str, Any],
    script: Script | None,
) -> Source:
    """The reply source of one ``ChatEcho`` call.

    Raises:
        ValueError: an empty message list; a scripted call to a tool that is not bound; a
            ``tool_choice`` naming no bound tool.
        Exception: a scripted exception (the call's own error).
    """
    if not messages:
        msg = "ChatEcho needs at least one message to echo, got an empty message list"
        raise ValueError(msg)
    tools = _bound_tools(kwargs.get("tools"))
    choice = kwargs.get("tool_choice")
    if choice is not None and not tools:
        # Bound with `bind(tool_choice=...)` and no tools: a choice that names a tool (or asks
        # for a call) names nothing here, which is the caller's mistake, not an echo.
        _tools.resolve_tool_choice(choice, ())
    if script is not None:
        return _scripted(script.take(), _turn(messages), tools)
    text = _tools.message_text(messages[-1])
    response_format = kwargs.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") in _JSON_FORMATS:
        # Structured output as JSON text (method "json_schema" or "json_mode").
        schema = _response_schema(response_format)
        echo_text, _ = _pipeline.whole(options, Source(text))
        return Source(_tools.args_json(_schema.arguments(schema, text, echo_text)), exact=True)
    if tools:
        choice = _tools.resolve_tool_choice(kwargs.get("tool_choice"), _tools.tool_names(tools))
        plan = _tools.plan_reply(messages, tools, choice)
        if plan is not None:
            echo_text, _ = _pipeline.whole(options, Source(plan.source_text))
            return Source("", tuple(plan.tool_calls(echo_text)))
    return Source(text)


def _bound_tools(tools: object) -> Sequence[Mapping[str, Any]]:
    """The call's tools in the form ``bind_tools`` gives them.

    ``bind_tools`` converts and checks them at bind time; tools bound with ``bind(tools=...)``
    or passed to a call directly are converted (and checked) here, before any output.
    """
    if not tools:
        return ()
    if isinstance(tools, list) and all(_converted(t) for t in tools):
        return tools
    return _tools.convert_tools(tools)  # type: ignore[arg-type]


def _converted(tool: object) -> bool:
    if not isinstance(tool, Mapping) or tool.get("type") != "function":
        return False
    function = tool.get("function")
    return isinstance(function, Mapping) and isinstance(function.get("name"), str)


def _response_schema(response_format: Mapping[str, Any]) -> Mapping[str, Any]:
    """The JSON schema of an OpenAI-style ``response_format`` (``{}`` for plain JSON mode)."""
    json_schema = response_format.get("json_schema")
    if isinstance(json_schema, Mapping):
        schema = json_schema.get("schema")
        if isinstance(schema, Mapping):
            return schema
    return {}


def llm_source(prompt: str, script: Script | None) -> Source:
    """The reply source of one ``EchoLLM`` prompt."""
    if script is None:
        return Source(prompt)
    return _scripted(script.take(), 0, ())
