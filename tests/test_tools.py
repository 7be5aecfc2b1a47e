"""SPEC 10 and 11 on every path: tools, structured output, scripted replies and faults."""

from __future__ import annotations

import asyncio
import json
import operator
import threading
from functools import reduce
from typing import Any

import jsonschema
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_echo import ChatEcho, EchoLLM, Fault, ScriptExhaustedError


@tool
def add(a: int, b: int) -> int:
    """Adds a and b."""
    return a + b


class Person(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0)


class Movie(TypedDict):
    """A movie."""

    title: str
    year: int


PATHS = ["invoke", "stream", "astream", "batch"]


async def _reply(model: Any, value: Any, path: str) -> AIMessage:
    """The reply on one path, as one message (streams merged)."""
    if path == "invoke":
        return await asyncio.to_thread(model.invoke, value)
    if path == "batch":
        return (await asyncio.to_thread(model.batch, [value]))[0]
    if path == "stream":
        chunks = await asyncio.to_thread(lambda: list(model.stream(value)))
    else:
        chunks = [c async for c in model.astream(value)]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    return reduce(operator.add, chunks)


def _calls(message: AIMessage) -> list[dict[str, Any]]:
    return [{k: c[k] for k in ("name", "args", "id")} for c in message.tool_calls]


# --- SPEC 10: tools ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
async def test_a_human_turn_calls_every_bound_tool_in_order(path):
    model = ChatEcho().bind_tools([add, Person])
    reply = await _reply(model, "Ann", path)
    assert reply.content == ""
    assert _calls(reply) == [
        {"name": "add", "args": {"a": 0, "b": 0}, "id": "call_0_0"},
        {"name": "Person", "args": {"name": "Ann", "age": 0}, "id": "call_0_1"},
    ]
    assert reply.response_metadata["finish_reason"] == "tool_calls"
    args = [json.dumps(c["args"], ensure_ascii=False) for c in reply.tool_calls]
    assert reply.usage_metadata["output_tokens"] == sum(len(a) for a in args)
    assert reply.usage_metadata["input_tokens"] == 3


@pytest.mark.parametrize("path", PATHS)
async def test_json_input_that_the_schema_accepts_is_echoed_as_arguments(path):
    model = ChatEcho().bind_tools([add], tool_choice="add")
    reply = await _reply(model, '{"a": 2, "b": 3}', path)
    assert _calls(reply) == [{"name": "add", "args": {"a": 2, "b": 3}, "id": "call_0_0"}]


@pytest.mark.parametrize("path", PATHS)
async def test_a_tool_turn_echoes_the_tool_result(path):
    model = ChatEcho(n=3).bind_tools([add])
    conversation = [
        HumanMessage("add"),
        AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "call_0_0"}]),
        ToolMessage("3000", tool_call_id="call_0_0"),
    ]
    reply = await _reply(model, conversation, path)
    assert reply.content == "300"
    assert reply.tool_calls == []
    assert reply.response_metadata["finish_reason"] == "length"


@pytest.mark.parametrize(
    ("choice", "names"),
    [
        (None, ["add", "Person"]),
        ("auto", ["add", "Person"]),
        ("any", ["add", "Person"]),
        ("required", ["add", "Person"]),
        ("Person", ["Person"]),
        ({"type": "function", "function": {"name": "add"}}, ["add"]),
    ],
)
def test_every_tool_choice_form(choice, names):
    reply = ChatEcho().bind_tools([add, Person], tool_choice=choice).invoke("x")
    assert [c["name"] for c in reply.tool_calls] == names


def test_tool_choice_none_and_true():
    assert ChatEcho().bind_tools([add], tool_choice="none").invoke("hi").content == "hi"
    assert [
        c["name"] for c in ChatEcho().bind_tools([add], tool_choice=True).invoke("x").tool_calls
    ] == ["add"]
    with pytest.raises(ValueError, match="tool_choice=True needs exactly one bound tool"):
        ChatEcho().bind_tools([add, Person], tool_choice=True)


def test_a_choice_naming_nothing_and_a_bad_tool_are_errors_at_bind_time():
    with pytest.raises(ValueError, match="tool_choice names 'nope', which is not a bound tool"):
        ChatEcho().bind_tools([add], tool_choice="nope")
    with pytest.raises(ValueError, match=r"tools\[1\]"):
        ChatEcho().bind_tools([add, 42])


def test_ids_count_the_ai_messages_of_the_input():
    model = ChatEcho().bind_tools([add], tool_choice="any")
    history = [
        HumanMessage("a"),
        AIMessage("b"),
        HumanMessage("c"),
        AIMessage("d"),
        HumanMessage("e"),
    ]
    assert model.invoke(history).tool_calls[0]["id"] == "call_2_0"


class Nested(BaseModel):
    class Inner(BaseModel):
        kind: str = Field(json_schema_extra={"enum": ["x", "y"]})
        weight: float = Field(ge=2.5)

    inner: Inner
    tags: list[str] = Field(min_length=2)
    maybe: int | None
    fixed: str = Field(json_schema_extra={"const": "c"})
    mode: str = "fast"


@pytest.mark.parametrize("schema", [add, Person, Movie, Nested])
@pytest.mark.parametrize("text", ["hello", "🇫🇷 é", ""])
def test_built_arguments_validate_against_the_schema(schema, text):
    parameters = convert_to_openai_tool(schema)["function"]["parameters"]
    reply = ChatEcho().bind_tools([schema], tool_choice="any").invoke(text)
    (call,) = reply.tool_calls
    jsonschema.validate(call["args"], parameters)


def test_streamed_tool_call_chunks_carry_id_and_name_first_and_fire_callbacks_first():
    seen: list[Any] = []

    class Recorder(BaseCallbackHandler):
        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            seen.append(kwargs["chunk"].message)

    model = ChatEcho(chunk_size=4).bind_tools([Person])
    received = []
    for chunk in model.stream("Ann", config={"callbacks": [Recorder()]}):
        assert len(seen) == len(received) + 1  # the callback ran before the chunk arrived
        received.append(chunk)
    pieces = [c.tool_call_chunks[0] for c in received if c.tool_call_chunks]
    assert pieces[0]["id"] == "call_0_0"
    assert pieces[0]["name"] == "Person"
    assert all(p["id"] is None and p["name"] is None for p in pieces[1:])
    assert all(p["index"] == 0 for p in pieces)
    assert "".join(p["args"] for p in pieces) == '{"name": "Ann", "age": 0}'
    assert received[-1].chunk_position == "last"


# --- structured output ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
@pytest.mark.parametrize("path", ["invoke", "batch"])
def test_structured_output_from_json_input(method, path):
    model = ChatEcho().with_structured_output(Person, method=method)
    value = '{"name": "Ann", "age": 3}'
    result = model.invoke(value) if path == "invoke" else model.batch([value])[0]
    assert result == Person(name="Ann", age=3)


@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
async def test_structured_output_typed_dict_and_json_schema(method):
    typed = ChatEcho().with_structured_output(Movie, method=method)
    assert await typed.ainvoke('{"title": "Up", "year": 2009}') == {"title": "Up", "year": 2009}
    schema = convert_to_openai_tool(Person)["function"] | {"title": "Person"}
    as_schema = ChatEcho().with_structured_output(schema, method=method)
    assert as_schema.invoke("Bo") == {"name": "Bo", "age": 0}


def test_structured_output_include_raw():
    model = ChatEcho().with_structured_output(Person, include_raw=True)
    out = model.invoke("Ann")
    assert out["parsed"] == Person(name="Ann", age=0)
    assert out["parsing_error"] is None
    assert out["raw"].tool_calls[0]["name"] == "Person"
    streamed = list(ChatEcho().with_structured_output(Person).stream('{"name": "A", "age": 1}'))
    assert streamed[-1] == Person(name="A", age=1)


def test_structured_output_bad_arguments():
    with pytest.raises(ValueError, match="method must be one of"):
        ChatEcho().with_structured_output(Person, method="xml")
    with pytest.raises(ValueError, match="schema is needed"):
        ChatEcho().with_structured_output(None)


# --- SPEC 11: scripted replies and faults -----------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
async def test_a_script_gives_its_replies_in_order(path):
    model = ChatEcho(
        n=4,
        responses=[
            AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "t1"}]),
            {"content": "the answer is 3"},
            "done",
        ],
    )
    first = await _reply(model, "hi", path)
    assert _calls(first) == [{"name": "add", "args": {"a": 1, "b": 2}, "id": "t1"}]
    assert first.response_metadata["finish_reason"] == "tool_calls"
    assert (await _reply(model, "hi", path)).content == "the "
    assert (await _reply(model, "hi", path)).content == "done"
    with pytest.raises(ScriptExhaustedError, match="the script has 3 replies and all were used"):
        await _reply(model, "hi", path)


def test_scripted_calls_get_ids_and_must_name_bound_tools():
    model = ChatEcho(
        responses=[{"content": "", "tool_calls": [{"name": "add", "args": {}, "id": None}]}] * 2
    )
    assert model.invoke("x").tool_calls[0]["id"] == "call_0_0"
    with pytest.raises(ValueError, match="Person"):
        ChatEcho(
            responses=[{"content": "", "tool_calls": [{"name": "Person", "args": {}, "id": None}]}]
        ).bind_tools([add]).invoke("x")


class RateLimited(Exception):
    pass


@pytest.mark.parametrize("path", PATHS)
async def test_a_scripted_exception_is_raised_before_any_output(path):
    model = ChatEcho(responses=[RateLimited("429"), "ok"])
    with pytest.raises(RateLimited, match="429"):
        await _reply(model, "x", path)
    assert (await _reply(model, "x", path)).content == "ok"


@pytest.mark.parametrize("model_cls", [ChatEcho, EchoLLM])
def test_a_fault_streams_its_first_chunks_then_raises(model_cls):
    model = model_cls(responses=[Fault("hello", TimeoutError, after=2)] * 2)
    received: list[str] = []

    def consume() -> None:
        for chunk in model.stream("x"):
            received.append(chunk if isinstance(chunk, str) else chunk.content)

    with pytest.raises(TimeoutError):
        consume()
    assert received == ["h", "e"]
    with pytest.raises(TimeoutError):
        model.invoke("x")


async def test_a_fault_on_astream():
    model = ChatEcho(chunk_size=2, responses=[Fault("hello", ValueError("boom"), after=1)])
    received: list[str] = []

    async def consume() -> None:
        async for chunk in model.astream("x"):
            received.append(chunk.content)

    with pytest.raises(ValueError, match="boom"):
        await consume()
    assert received == ["he"]


def test_with_retry_over_a_scripted_429():
    model = ChatEcho(responses=[RateLimited(), RateLimited(), "ok"]).with_retry(
        retry_if_exception_type=(RateLimited,), stop_after_attempt=3, wait_exponential_jitter=False
    )
    assert model.invoke("x").content == "ok"


def test_with_fallbacks_over_a_scripted_failure():
    model = ChatEcho(responses=[RuntimeError("down")]).with_fallbacks([ChatEcho(n=2)])
    assert model.invoke("hello").content == "he"


def test_llm_script_and_batch_order():
    llm = EchoLLM(n=3, responses=["alpha", "beta", RateLimited()])
    assert llm.batch(["x", "y"]) == ["alp", "bet"]
    with pytest.raises(RateLimited):
        llm.invoke("z")


def test_bad_script_entries_are_errors_naming_the_index():
    with pytest.raises(ValueError, match=r"responses\[1\] is int"):
        ChatEcho(responses=["a", 3])
    with pytest.raises(ValueError, match=r"responses\[0\] is AIMessage"):
        EchoLLM(responses=[AIMessage("a")])


def test_replies_are_taken_exactly_once_under_threads_and_asyncio():
    model = ChatEcho(responses=[str(i) for i in range(400)])
    got: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            text = model.invoke("x").content
            with lock:
                got.append(text)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    async def many() -> list[str]:
        return [m.content for m in await asyncio.gather(*(model.ainvoke("x") for _ in range(200)))]

    got += asyncio.run(many())
    assert sorted(got, key=int) == [str(i) for i in range(400)]
