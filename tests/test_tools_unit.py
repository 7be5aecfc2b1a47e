"""_tools: conversion, tool_choice, which reply (SPEC §10), without a model."""
# ruff: noqa: E501  (tables and messages keep one case a line)

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_echo._schema import accepts
from langchain_echo._tools import (
    PlannedCall,
    ReplyPlan,
    ToolChoice,
    args_json,
    check_calls,
    convert_tools,
    plan_reply,
    resolve_tool_choice,
    tool_call_id,
    tool_names,
)


class Person(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


class Movie(TypedDict):
    """A movie."""

    title: Annotated[str, ..., "The title"]


@tool
def magic_function(input: int) -> int:
    """Applies a magic function to an input."""
    return input + 2


def add(a: int, b: int) -> int:
    """Adds a and b."""
    return a + b


OPENAI = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "The weather.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


# --- convert_tools ----------------------------------------------------------------------------


def test_convert_every_kind_in_order() -> None:
    anthropic = {"name": "lookup", "input_schema": {"type": "object", "properties": {}}}
    converted = convert_tools([Person, Movie, magic_function, add, OPENAI, anthropic])
    assert tool_names(converted) == [
        "Person",
        "Movie",
        "magic_function",
        "add",
        "weather",
        "lookup",
    ]
    assert all(t["type"] == "function" for t in converted)
    assert converted[0]["function"]["parameters"]["required"] == ["name", "age"]
    assert converted[4] == OPENAI


def test_responses_api_function_tool_is_nested() -> None:
    flat = {"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}}
    assert convert_tools([flat]) == [
        {"type": "function", "function": {"name": "f", "parameters": flat["parameters"]}}
    ]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (42, "cannot be converted to an OpenAI tool: Unsupported function"),
        ({"type": "object", "properties": {}}, "top-level 'title'"),
        ({"type": "web_search_preview"}, "is a 'web_search_preview' tool, not a function"),
        ({"type": "file_search", "vector_store_ids": []}, "ChatEcho can only call function tools"),
    ],
)
def test_unconvertible_tool_names_position_repr_and_reason(bad: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=r"^tools\[1\] \(") as info:
        convert_tools([add, bad])
    assert repr(bad)[:40] in str(info.value)
    assert reason in str(info.value)


def test_long_repr_is_shortened() -> None:
    bad = {"junk": "x" * 1000}
    with pytest.raises(ValueError, match=r"\.\.\.\) cannot be converted") as info:
        convert_tools([bad])
    assert len(str(info.value)) < 1000


def test_unusable_schema_fails_at_bind_time() -> None:
    broken = {
        "name": "f",
        "parameters": {"type": "object", "properties": {"a": {"$ref": "#/$defs/X"}}},
    }
    with pytest.raises(
        ValueError, match=r"tools\[0\] \('f'\) has an unusable parameter schema: .*does not resolve"
    ):
        convert_tools([broken])


def test_duplicate_names_are_accepted_and_a_named_choice_calls_the_first() -> None:
    tools = convert_tools([add, Person, add])
    assert [t["function"]["name"] for t in tools] == ["add", "Person", "add"]
    plan = plan_reply([HumanMessage("hi")], tools, resolve_tool_choice("add", tool_names(tools)))
    assert plan is not None
    assert [c.name for c in plan.calls] == ["add"]


@pytest.mark.parametrize("tools", [add, Person, OPENAI, "add", None])
def test_tools_must_be_a_list(tools: Any) -> None:
    with pytest.raises(ValueError, match="tools must be a list of tools"):
        convert_tools(tools)


def test_empty_list_is_fine() -> None:
    assert convert_tools([]) == []


# --- resolve_tool_choice ----------------------------------------------------------------------

NAMES = ["add", "Person"]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, ToolChoice("auto")),
        ("auto", ToolChoice("auto")),
        ("none", ToolChoice("none")),
        ("any", ToolChoice("any")),
        ("required", ToolChoice("any")),
        ("Person", ToolChoice("tool", "Person")),
        ({"type": "function", "function": {"name": "add"}}, ToolChoice("tool", "add")),
        ({"type": "function", "name": "add"}, ToolChoice("tool", "add")),
    ],
)
def test_choice_forms(choice: Any, expected: ToolChoice) -> None:
    assert resolve_tool_choice(choice, NAMES) == expected


def test_true_is_the_one_bound_tool() -> None:
    assert resolve_tool_choice(True, ["add"]) == ToolChoice("tool", "add")
    with pytest.raises(
        ValueError,
        match=r"tool_choice=True needs exactly one bound tool, but 2 are bound \('add', 'Person'\)",
    ):
        resolve_tool_choice(True, NAMES)
    with pytest.raises(ValueError, match="but 0 are bound"):
        resolve_tool_choice(True, [])


def test_a_tool_named_like_a_mode_is_reachable_by_dict() -> None:
    names = ["auto", "none"]
    assert resolve_tool_choice("auto", names) == ToolChoice("auto")
    by_dict = {"type": "function", "function": {"name": "auto"}}
    assert resolve_tool_choice(by_dict, names) == ToolChoice("tool", "auto")


@pytest.mark.parametrize("choice", ["nope", {"type": "function", "function": {"name": "nope"}}])
def test_unbound_name_is_named_with_the_bound_ones(choice: Any) -> None:
    with pytest.raises(
        ValueError,
        match=r"tool_choice names 'nope', which is not a bound tool \(bound: 'add', 'Person'\)",
    ):
        resolve_tool_choice(choice, NAMES)


def test_choices_that_need_tools() -> None:
    with pytest.raises(ValueError, match="tool_choice='any' needs bound tools, but none are bound"):
        resolve_tool_choice("any", [])
    with pytest.raises(ValueError, match=r"which is not a bound tool \(bound: none\)"):
        resolve_tool_choice("add", [])
    assert resolve_tool_choice("none", []) == ToolChoice("none")
    assert resolve_tool_choice(None, []) == ToolChoice("auto")


@pytest.mark.parametrize(
    "choice",
    [
        False,
        1,
        2.5,
        ["add"],
        {"type": "tool", "name": "add"},
        {"type": "function", "function": {}},
        {"function": {"name": "add"}},
    ],
)
def test_other_values_list_the_accepted_forms(choice: Any) -> None:
    with pytest.raises(ValueError, match=r"is not one of the accepted forms: None, 'auto', 'none'"):
        resolve_tool_choice(choice, NAMES)


# --- plan_reply -------------------------------------------------------------------------------

TOOLS = convert_tools([add, Person])


def test_no_tools_or_none_gives_text() -> None:
    messages = [HumanMessage("hi")]
    assert plan_reply(messages, [], ToolChoice("auto")) is None
    assert plan_reply(messages, TOOLS, ToolChoice("none")) is None


def test_after_a_tool_message_auto_echoes_it() -> None:
    messages = [
        HumanMessage("hi"),
        AIMessage("", tool_calls=[{"name": "add", "args": {}, "id": "1"}]),
        ToolMessage("3", tool_call_id="1"),
    ]
    assert plan_reply(messages, TOOLS, ToolChoice("auto")) is None
    # A forced choice calls again, even after a tool result.
    forced = plan_reply(messages, TOOLS, ToolChoice("any"))
    assert forced is not None
    assert forced.source_text == "3"


def test_auto_calls_every_tool_in_bound_order() -> None:
    plan = plan_reply([SystemMessage("sys"), HumanMessage("hi")], TOOLS, ToolChoice("auto"))
    assert plan == ReplyPlan(
        source_text="hi",
        calls=(
            PlannedCall("add", TOOLS[0]["function"]["parameters"]),
            PlannedCall("Person", TOOLS[1]["function"]["parameters"]),
        ),
        turn=0,
    )


def test_a_named_choice_calls_that_tool_only() -> None:
    plan = plan_reply([HumanMessage("hi")], TOOLS, ToolChoice("tool", "Person"))
    assert plan is not None
    assert [c.name for c in plan.calls] == ["Person"]
    with pytest.raises(ValueError, match="'ghost', which is not a bound tool"):
        plan_reply([HumanMessage("hi")], TOOLS, ToolChoice("tool", "ghost"))


def test_turn_counts_ai_messages_and_ids_follow() -> None:
    messages = [
        HumanMessage("a"),
        AIMessage("b"),
        HumanMessage("c"),
        AIMessage("d"),
        HumanMessage('{"a": 1, "b": 2}'),
    ]
    plan = plan_reply(messages, TOOLS, ToolChoice("any"))
    assert plan is not None
    assert plan.turn == 2
    calls = plan.tool_calls("echo")
    assert [c["id"] for c in calls] == ["call_2_0", "call_2_1"]
    # The source fits add's schema: echoed as its arguments. Person's needs a name: built.
    assert calls[0] == {"name": "add", "args": {"a": 1, "b": 2}, "id": "call_2_0"}
    assert calls[1] == {"name": "Person", "args": {"name": "echo", "age": 0}, "id": "call_2_1"}
    for call, t in zip(calls, TOOLS, strict=True):
        assert accepts(t["function"]["parameters"], call["args"])


def test_list_content_text_is_the_source() -> None:
    message = HumanMessage(
        content=[
            {"type": "text", "text": "a"},
            {"type": "image_url", "image_url": {"url": "x"}},
            {"type": "text", "text": "b"},
        ]
    )
    plan = plan_reply([message], TOOLS, ToolChoice("auto"))
    assert plan is not None
    assert plan.source_text == "ab"


def test_tool_without_parameters() -> None:
    bare = convert_tools([{"name": "ping"}])
    plan = plan_reply([HumanMessage("x")], bare, ToolChoice("auto"))
    assert plan is not None
    assert plan.calls == (PlannedCall("ping", {}),)
    assert plan.tool_calls("x") == [{"name": "ping", "args": {}, "id": "call_0_0"}]
    # Any JSON object is valid arguments for it.
    assert ReplyPlan('{"k": 1}', plan.calls, 0).tool_calls("x")[0]["args"] == {"k": 1}


def test_empty_messages_are_an_error() -> None:
    with pytest.raises(ValueError, match="empty message list"):
        plan_reply([], TOOLS, ToolChoice("auto"))


# --- ids, scripted calls, JSON ----------------------------------------------------------------


def test_tool_call_id() -> None:
    assert tool_call_id(0, 0) == "call_0_0"
    assert tool_call_id(3, 12) == "call_3_12"


def test_check_calls() -> None:
    check_calls([{"name": "add"}, {"name": "Person"}], NAMES)
    check_calls([{"name": "anything"}], [])  # no tools bound: any call goes
    with pytest.raises(
        ValueError,
        match=r"calls 'ghost' \(tool call 1\), which is not a bound tool \(bound: 'add', 'Person'\)",
    ):
        check_calls([{"name": "add"}, {"name": "ghost"}], NAMES)


def test_args_json_round_trips_and_keeps_text() -> None:
    args = {"name": "Zoë 👍🏽", "n": [1, 2.5, None, True]}
    text = args_json(args)
    assert "Zoë 👍🏽" in text
    assert json.loads(text) == args
    with pytest.raises(ValueError, match="Out of range float"):
        args_json({"x": float("nan")})
