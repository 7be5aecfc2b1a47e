"""Tool binding for ``ChatEcho`` (SPEC §10): conversion, ``tool_choice``, and which reply to give.

Everything here is neutral data (OpenAI tool dicts, small frozen dataclasses, plain dicts); the
model turns a :class:`ReplyPlan` into LangChain messages and chunks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_echo._schema import arguments, check_parameters

__all__ = [
    "PlannedCall",
    "ReplyPlan",
    "ToolChoice",
    "args_json",
    "check_calls",
    "convert_tools",
    "plan_reply",
    "resolve_tool_choice",
    "tool_call_id",
]

ToolLike = Mapping[str, Any] | type | Callable[..., Any] | BaseTool
"""What ``bind_tools`` accepts: what LangChain's ``convert_to_openai_tool`` accepts."""


def _describe(tool: object) -> str:
    text = repr(tool)
    return text if len(text) <= 120 else f"{text[:117]}..."


def convert_tools(tools: Sequence[ToolLike]) -> list[dict[str, Any]]:
    """OpenAI tool dicts (``{"type": "function", "function": {"name", "parameters", ...}}``).

    A Responses-API style function tool (``{"type": "function", "name": ...}``, which LangChain
    passes through unchanged) is put in the nested form, so the model reads one shape.

    Args:
        tools: pydantic models, TypedDicts, functions, ``BaseTool`` objects, OpenAI tool dicts...

    Returns:
        One dict per tool, in order.

    Raises:
        ValueError: ``tools`` is not a sequence; a tool cannot be converted (naming its position,
            its repr and LangChain's reason); it converts to something other than a function
            (a built-in tool such as ``web_search_preview``, which an echo model cannot call);
            or its parameter schema is unusable (a ``$ref`` that does not resolve...). Names
            may repeat: a ``tool_choice`` by name then calls the first so named.
    """
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Sequence):
        msg = f"tools must be a list of tools, got {_describe(tools)}"
        raise ValueError(msg)
    out: list[dict[str, Any]] = []
    for i, tool in enumerate(tools):
        try:
            converted = convert_to_openai_tool(dict(tool) if isinstance(tool, Mapping) else tool)
        except Exception as e:  # LangChain raises ValueError, TypeError, pydantic errors...
            # LangChain's reason quotes the whole tool; once, shortened, is enough.
            reason = " ".join(str(e).replace(f"\n\n{tool}\n\n", ". ").split())
            msg = f"tools[{i}] ({_describe(tool)}) cannot be converted to an OpenAI tool: {reason}"
            raise ValueError(msg) from e
        if converted.get("type") == "function" and "function" not in converted:
            flat = {k: v for k, v in converted.items() if k != "type"}
            converted = {"type": "function", "function": flat}
        function = converted.get("function")
        if converted.get("type") != "function" or not isinstance(function, Mapping):
            msg = (
                f"tools[{i}] ({_describe(tool)}) is a {converted.get('type')!r} tool, not a "
                "function: ChatEcho can only call function tools"
            )
            raise ValueError(msg)
        name = function.get("name")
        if not isinstance(name, str) or not name:
            msg = f"tools[{i}] ({_describe(tool)}) has no name (got {name!r})"
            raise ValueError(msg)
        try:
            check_parameters(function.get("parameters", {}))
        except ValueError as e:
            msg = f"tools[{i}] ({name!r}) has an unusable parameter schema: {e}"
            raise ValueError(msg) from e
        out.append(converted)
    return out


def tool_names(tools: Sequence[Mapping[str, Any]]) -> list[str]:
    """The names of converted tools, in order."""
    return [str(t["function"]["name"]) for t in tools]


@dataclass(frozen=True)
class ToolChoice:
    """A resolved ``tool_choice``.

    Attributes:
        mode: ``"auto"`` (tools may be called; text after a tool result), ``"none"`` (text
            only), ``"any"`` (every bound tool is called) or ``"tool"`` (``name`` is called).
        name: the tool's name for ``"tool"``, else ``None``.
    """

    mode: Literal["auto", "none", "any", "tool"]
    name: str | None = None


AUTO = ToolChoice("auto")


def resolve_tool_choice(choice: object, names: Sequence[str]) -> ToolChoice:
    """Normalizes SPEC §10's ``tool_choice`` forms against the bound tools' names.

    ``None`` and ``"auto"`` give ``auto``; ``"none"`` gives ``none``; ``"any"`` and
    ``"required"`` give ``any``; a bound tool's name, ``{"type": "function", "function":
    {"name": NAME}}`` (or the Responses API's ``{"type": "function", "name": NAME}``) give that
    tool; ``True`` gives the one bound tool. The strings keep their meaning even when a tool
    has that name; the dict form names any tool unambiguously.

    (A :class:`ToolChoice` rather than a string, so that a tool named ``"auto"`` and the
    ``auto`` mode cannot be confused.)

    Raises:
        ValueError: naming the choice: a name or dict that names no bound tool (listing the
            bound names), ``True`` with other than one tool bound, a choice that asks for a
            call with no tools bound, or any other value.
    """
    bound = list(names)
    listed = ", ".join(repr(n) for n in bound) or "none"
    if choice is None or choice == "auto":
        return AUTO
    if choice == "none":
        return ToolChoice("none")
    if choice is True:
        if len(bound) != 1:
            msg = (
                f"tool_choice=True needs exactly one bound tool, but {len(bound)} are bound "
                f"({listed}); name the tool instead"
            )
            raise ValueError(msg)
        return ToolChoice("tool", bound[0])
    if choice in ("any", "required"):
        if not bound:
            msg = f"tool_choice={choice!r} needs bound tools, but none are bound"
            raise ValueError(msg)
        return ToolChoice("any")
    name: object = choice
    if isinstance(choice, Mapping):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else choice.get("name")
        if choice.get("type") != "function" or not isinstance(name, str):
            msg = (
                f"tool_choice {choice!r} is not one of the accepted forms: None, 'auto', 'none', "
                "'any', 'required', a tool name, True, or "
                "{'type': 'function', 'function': {'name': NAME}}"
            )
            raise ValueError(msg)
    if isinstance(name, str) and not isinstance(choice, bool):
        if name not in bound:
            msg = f"tool_choice names {name!r}, which is not a bound tool (bound: {listed})"
            raise ValueError(msg)
        return ToolChoice("tool", name)
    msg = (
        f"tool_choice {choice!r} is not one of the accepted forms: None, 'auto', 'none', 'any', "
        "'required', a tool name, True, or {'type': 'function', 'function': {'name': NAME}}"
    )
    raise ValueError(msg)


def tool_call_id(t: int, i: int) -> str:
    """The deterministic id of call ``i`` in the reply after ``t`` AI messages: ``call_{t}_{i}``."""
    return f"call_{t}_{i}"


def message_text(message: BaseMessage) -> str:
    """A message's text: string content as is, the text blocks of list content joined."""
    content = message.content
    return content if isinstance(content, str) else str(message.text)


@dataclass(frozen=True)
class PlannedCall:
    """One tool to call: its name and parameter schema (``{}`` when the tool has none)."""

    name: str
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class ReplyPlan:
    """A reply of tool calls and no text (SPEC §10).

    Attributes:
        source_text: the source ``T`` (the last message's text): the arguments when it is a JSON
            object the schema accepts; else its echo output fills the built arguments' strings.
        calls: the tools to call, in order.
        turn: the number of AI messages in the input, the ``t`` of ``call_{t}_{i}``.
    """

    source_text: str
    calls: tuple[PlannedCall, ...]
    turn: int

    def tool_calls(self, echo_text: str) -> list[dict[str, Any]]:
        """The calls as ``{"name", "args", "id"}`` dicts (LangChain's ``ToolCall`` keys).

        Args:
            echo_text: the echo output of :attr:`source_text` (§3: ``n``, stops), which string
                arguments get when the source itself is not valid arguments.
        """
        return [
            {
                "name": call.name,
                "args": arguments(call.schema, self.source_text, echo_text),
                "id": tool_call_id(self.turn, i),
            }
            for i, call in enumerate(self.calls)
        ]


def plan_reply(
    messages: Sequence[BaseMessage], tools: Sequence[Mapping[str, Any]], choice: ToolChoice
) -> ReplyPlan | None:
    """Which reply an unscripted call gives (SPEC §10 "Which reply").

    Args:
        messages: the conversation (not empty).
        tools: the bound tools, as :func:`convert_tools` gives them.
        choice: the resolved ``tool_choice``.

    Returns:
        ``None`` for a text reply: the echo of §3 of the last message. That is the reply with
        no tools bound, with ``tool_choice`` ``none``, and after a ``ToolMessage`` under
        ``auto`` (the agent loop ends by echoing the last tool result). Otherwise a
        :class:`ReplyPlan`: one call to the chosen tool, or one to each bound tool in order.

    Raises:
        ValueError: ``messages`` is empty, or ``choice`` names a tool that is not in ``tools``.
    """
    if not messages:
        msg = "ChatEcho needs at least one message to echo, got an empty message list"
        raise ValueError(msg)
    if not tools or choice.mode == "none":
        return None
    if choice.mode == "auto" and isinstance(messages[-1], ToolMessage):
        return None
    functions = [t["function"] for t in tools]
    if choice.mode == "tool":
        # Names may repeat (LangChain's standard suite binds a model and its JSON schema under
        # one name, as providers accept until a request): the first so named is called.
        functions = [f for f in functions if f["name"] == choice.name][:1]
        if not functions:
            msg = f"tool_choice names {choice.name!r}, which is not a bound tool"
            raise ValueError(msg)
    calls = tuple(PlannedCall(f["name"], f.get("parameters") or {}) for f in functions)
    turn = sum(isinstance(m, AIMessage) for m in messages)
    return ReplyPlan(message_text(messages[-1]), calls, turn)


def check_calls(calls: Sequence[Mapping[str, Any]], names: Sequence[str]) -> None:
    """Checks a scripted reply's tool calls against the bound tools (SPEC §11).

    Args:
        calls: ``{"name", ...}`` dicts.
        names: the bound tools' names; empty when none are bound (then any call goes).

    Raises:
        ValueError: naming the first call to a tool that is not bound, and the bound names.
    """
    if not names:
        return
    for i, call in enumerate(calls):
        if call.get("name") not in names:
            listed = ", ".join(repr(n) for n in names)
            msg = (
                f"the scripted reply calls {call.get('name')!r} (tool call {i}), which is not a "
                f"bound tool (bound: {listed})"
            )
            raise ValueError(msg)


def args_json(args: Mapping[str, Any]) -> str:
    """A call's arguments as the JSON text streamed in ``tool_call_chunks``.

    Non-ASCII text stays as is (so grapheme counts are of the text, not of escapes); parsing it
    back gives ``args`` again.
    """
    return json.dumps(args, ensure_ascii=False, allow_nan=False)
