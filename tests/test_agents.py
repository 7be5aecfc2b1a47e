"""ChatEcho in the agents users build: LangChain's create_agent and LangGraph's prebuilt agent."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from langchain_echo import ChatEcho

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # create_react_agent is deprecated in favour of create_agent
    from langgraph.prebuilt import create_react_agent

CALLS: list[tuple[str, Any]] = []


@tool
def add(a: int, b: int) -> int:
    """Adds a and b."""
    CALLS.append(("add", (a, b)))
    return a + b


@tool
def shout(text: str) -> str:
    """Shouts the text."""
    CALLS.append(("shout", text))
    return text.upper() + "!"


def _agent(kind: str, model: ChatEcho) -> Any:
    if kind == "create_agent":
        return create_agent(model, tools=[add, shout])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_react_agent(model, tools=[add, shout])


def _check_run(messages: list[Any]) -> None:
    """A first turn calling every tool, the tools run, a second turn echoing the last result."""
    human, first, *results, last = messages
    assert isinstance(human, HumanMessage)
    assert isinstance(first, AIMessage)
    assert [c["name"] for c in first.tool_calls] == ["add", "shout"]
    assert first.tool_calls[1]["args"] == {"text": "hey"}
    assert [type(m) for m in results] == [ToolMessage, ToolMessage]
    assert [m.content for m in results] == ["0", "HEY!"]
    assert isinstance(last, AIMessage)
    assert last.tool_calls == []
    assert last.content == "HEY!"
    # Each tool ran once, with those arguments (an async ToolNode may run them in either order).
    assert sorted(CALLS) == [("add", (0, 0)), ("shout", "hey")]


KINDS = ["create_agent", "create_react_agent"]


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    CALLS.clear()


@pytest.mark.parametrize("kind", KINDS)
def test_agent_invoke(kind):
    result = _agent(kind, ChatEcho()).invoke({"messages": [HumanMessage("hey")]})
    _check_run(result["messages"])


@pytest.mark.parametrize("kind", KINDS)
def test_agent_stream(kind):
    agent = _agent(kind, ChatEcho())
    final: dict[str, Any] = {}
    tokens = []
    for mode, data in agent.stream(
        {"messages": [HumanMessage("hey")]}, stream_mode=["values", "messages"]
    ):
        if mode == "values":
            final = data
        else:
            tokens.append(data[0])
    _check_run(final["messages"])
    # The model's streamed chunks reach the caller, tool-call chunks included.
    assert any(getattr(t, "tool_call_chunks", None) for t in tokens)


@pytest.mark.parametrize("kind", KINDS)
async def test_agent_astream(kind):
    agent = _agent(kind, ChatEcho(chunk_size=3))
    final: dict[str, Any] = {}
    async for data in agent.astream({"messages": [HumanMessage("hey")]}, stream_mode="values"):
        final = data
    _check_run(final["messages"])


@pytest.mark.parametrize("kind", KINDS)
def test_a_scripted_agent_run(kind):
    model = ChatEcho(
        responses=[
            AIMessage("", tool_calls=[{"name": "add", "args": {"a": 2, "b": 3}, "id": "c1"}]),
            AIMessage("", tool_calls=[{"name": "shout", "args": {"text": "five"}, "id": "c2"}]),
            "it is five",
        ]
    )
    messages = _agent(kind, model).invoke({"messages": [HumanMessage("2+3?")]})["messages"]
    assert [m.content for m in messages if isinstance(m, ToolMessage)] == ["5", "FIVE!"]
    assert messages[-1].content == "it is five"
    assert sorted(CALLS) == [("add", (2, 3)), ("shout", "five")]
