"""The seed documents' printed outputs, reproduced exactly (shared/seeds/000_*, 001_*)."""

from __future__ import annotations

import ast
import re

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.outputs import GenerationChunk
from langchain_core.prompts import ChatPromptTemplate

from langchain_echo import ChatEcho, EchoLLM

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# --------------------------------------------------------------------------------------------
# 000: custom LLM, EchoLLM(n=5)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def llm() -> EchoLLM:
    return EchoLLM(n=5)


def test_llm_print(llm: EchoLLM, capsys: pytest.CaptureFixture[str]) -> None:
    print(llm)
    out = ANSI.sub("", capsys.readouterr().out)
    lines = out.splitlines()
    assert lines[0] == "EchoLLM"
    assert lines[1].startswith("Params: ")
    params = ast.literal_eval(lines[1][len("Params: ") :])
    assert params["model_name"] == "echo"
    assert params["n"] == 5
    assert len(lines) == 2


def test_llm_print_custom_model_name(capsys: pytest.CaptureFixture[str]) -> None:
    print(EchoLLM(n=5, model_name="CustomChatModel"))
    out = ANSI.sub("", capsys.readouterr().out)
    params = ast.literal_eval(out.splitlines()[1][len("Params: ") :])
    assert params["model_name"] == "CustomChatModel"
    assert params["n"] == 5


def test_llm_invoke(llm: EchoLLM) -> None:
    assert llm.invoke("This is a foobar thing") == "This "


async def test_llm_ainvoke(llm: EchoLLM) -> None:
    assert await llm.ainvoke("world") == "world"


def test_llm_batch(llm: EchoLLM) -> None:
    assert llm.batch(["woof woof woof", "meow meow meow"]) == ["woof ", "meow "]


async def test_llm_abatch(llm: EchoLLM) -> None:
    assert await llm.abatch(["woof woof woof", "meow meow meow"]) == ["woof ", "meow "]


async def test_llm_astream_printed(llm: EchoLLM, capsys: pytest.CaptureFixture[str]) -> None:
    async for token in llm.astream("hello"):
        print(token, end="|", flush=True)
    assert capsys.readouterr().out == "h|e|l|l|o|"


def test_llm_stream_printed(llm: EchoLLM, capsys: pytest.CaptureFixture[str]) -> None:
    for token in llm.stream("hello"):
        print(token, end="|", flush=True)
    assert capsys.readouterr().out == "h|e|l|l|o|"


async def test_llm_chain_astream_events_v2() -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "you are a bot"), ("human", "{input}")])
    chain = prompt | EchoLLM(n=7)
    events = [e async for e in chain.astream_events({"input": "hello there!"}, version="v2")]
    kinds = [e["event"] for e in events]

    assert kinds[0] == "on_chain_start"
    assert events[0]["data"]["input"] == {"input": "hello there!"}
    assert kinds[1:3] == ["on_prompt_start", "on_prompt_end"]

    starts = [e for e in events if e["event"] == "on_llm_start"]
    assert len(starts) == 1
    assert starts[0]["name"] == "EchoLLM"
    assert starts[0]["tags"] == ["seq:step:2"]
    assert starts[0]["data"]["input"]["prompts"] == ["System: you are a bot\nHuman: hello there!"]

    llm_stream = [e for e in events if e["event"] == "on_llm_stream"]
    chunks = [e["data"]["chunk"] for e in llm_stream]
    assert all(isinstance(c, GenerationChunk) for c in chunks)
    assert [c.text for c in chunks] == ["S", "y", "s", "t", "e", "m", ":"]
    # on_llm_start precedes every on_llm_stream; each llm chunk is followed by its chain chunk.
    first_stream = kinds.index("on_llm_stream")
    assert kinds.index("on_llm_start") < first_stream
    pairs = kinds[first_stream : first_stream + 14]
    assert pairs == ["on_llm_stream", "on_chain_stream"] * 7
    chain_chunks = [e["data"]["chunk"] for e in events if e["event"] == "on_chain_stream"]
    assert chain_chunks == ["S", "y", "s", "t", "e", "m", ":"]

    assert kinds[-1] == "on_chain_end"
    assert events[-1]["data"]["output"] == "System:"
    assert kinds.count("on_llm_end") == 1


async def test_llm_chain_ainvoke_and_invoke() -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "you are a bot"), ("human", "{input}")])
    chain = prompt | EchoLLM(n=7)
    assert chain.invoke({"input": "hello there!"}) == "System:"
    assert await chain.ainvoke({"input": "hello there!"}) == "System:"


# --------------------------------------------------------------------------------------------
# 001: custom chat model, ChatEcho(n=3, model_name="my_custom_model")
# --------------------------------------------------------------------------------------------


@pytest.fixture(params=["model_name", "model"])
def chat(request: pytest.FixtureRequest) -> ChatEcho:
    return ChatEcho(n=3, **{request.param: "my_custom_model"})


def test_chat_model_alias(chat: ChatEcho) -> None:
    assert chat.model_name == "my_custom_model"
    assert chat.n == 3


def test_chat_conversation(chat: ChatEcho) -> None:
    result = chat.invoke(
        [
            HumanMessage(content="hello!"),
            AIMessage(content="Hi there human!"),
            HumanMessage(content="Meow!"),
        ]
    )
    assert isinstance(result, AIMessage)
    assert result.content == "Meo"
    assert result.response_metadata["model_name"] == "my_custom_model"


def test_chat_invoke(chat: ChatEcho) -> None:
    result = chat.invoke("hello")
    assert isinstance(result, AIMessage)
    assert result.content == "hel"


async def test_chat_ainvoke(chat: ChatEcho) -> None:
    result = await chat.ainvoke("hello")
    assert result.content == "hel"


def test_chat_batch(chat: ChatEcho) -> None:
    results = chat.batch(["hello", "goodbye"])
    assert [r.content for r in results] == ["hel", "goo"]
    assert all(isinstance(r, AIMessage) for r in results)


async def test_chat_abatch(chat: ChatEcho) -> None:
    results = await chat.abatch(["hello", "goodbye"])
    assert [r.content for r in results] == ["hel", "goo"]


def test_chat_stream_printed(chat: ChatEcho, capsys: pytest.CaptureFixture[str]) -> None:
    for chunk in chat.stream("cat"):
        print(chunk.content, end="|")
    assert capsys.readouterr().out == "c|a|t||"


async def test_chat_astream_printed(chat: ChatEcho, capsys: pytest.CaptureFixture[str]) -> None:
    async for chunk in chat.astream("cat"):
        print(chunk.content, end="|")
    assert capsys.readouterr().out == "c|a|t||"


def test_chat_stream_empty_output_printed(capsys: pytest.CaptureFixture[str]) -> None:
    for chunk in ChatEcho(n=0).stream("cat"):
        print(chunk.content, end="|")
    assert capsys.readouterr().out == "|"


async def test_chat_astream_empty_output_printed(capsys: pytest.CaptureFixture[str]) -> None:
    async for chunk in ChatEcho(n=0).astream("cat"):
        print(chunk.content, end="|")
    assert capsys.readouterr().out == "|"


def test_chat_stream_closing_chunk(chat: ChatEcho) -> None:
    chunks = list(chat.stream("cat"))
    assert [c.chunk_position for c in chunks] == [None, None, None, "last"]
    assert chunks[-1].response_metadata["model_name"] == "my_custom_model"
    assert len({c.id for c in chunks}) == 1


async def test_chat_astream_events_v2(chat: ChatEcho) -> None:
    events = [e async for e in chat.astream_events("cat", version="v2")]
    kinds = [e["event"] for e in events]
    assert kinds == ["on_chat_model_start"] + ["on_chat_model_stream"] * 4 + ["on_chat_model_end"]
    assert events[0]["name"] == "ChatEcho"
    assert events[0]["data"]["input"] == "cat"
    assert len({e["run_id"] for e in events}) == 1

    chunks = [e["data"]["chunk"] for e in events[1:5]]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert [c.content for c in chunks] == ["c", "a", "t", ""]
    assert chunks[-1].chunk_position == "last"
    assert chunks[-1].response_metadata["model_name"] == "my_custom_model"

    output = events[-1]["data"]["output"]
    assert isinstance(output, AIMessageChunk)
    assert output.content == "cat"
    assert output.response_metadata["model_name"] == "my_custom_model"
    assert output.response_metadata["finish_reason"] == "stop"


# --------------------------------------------------------------------------------------------
# Both checklists: "Stop token should be respected / included as part of the response."
# --------------------------------------------------------------------------------------------


def test_llm_honours_stop_where_the_seed_refused() -> None:
    llm = EchoLLM(n=5)
    # The seed's LLM raised ValueError("stop kwargs are not permitted.") here.
    assert llm.invoke("ab, cd", stop=[","]) == "ab,"
    assert list(llm.stream("ab, cd", stop=[","])) == ["a", "b", ","]
    assert llm.invoke("abc", stop=[","]) == "abc"
    assert EchoLLM().invoke("one. two.", stop=["."]) == "one."


async def test_llm_honours_stop_async() -> None:
    llm = EchoLLM(n=5)
    assert await llm.ainvoke("ab, cd", stop=[","]) == "ab,"
    assert [t async for t in llm.astream("ab, cd", stop=[","])] == ["a", "b", ","]


def test_chat_honours_stop() -> None:
    chat = ChatEcho(n=3, model_name="my_custom_model")
    assert chat.invoke("a!bc", stop=["!"]).content == "a!"
    chunks = list(chat.stream("a!bc", stop=["!"]))
    assert [c.content for c in chunks] == ["a", "!", ""]
    assert chunks[-1].response_metadata["stop_sequence"] == "!"
    assert chunks[-1].response_metadata["finish_reason"] == "stop"


async def test_chat_honours_stop_async() -> None:
    chat = ChatEcho(n=3, model_name="my_custom_model")
    assert (await chat.ainvoke("a!bc", stop=["!"])).content == "a!"
    assert [c.content async for c in chat.astream("a!bc", stop=["!"])] == ["a", "!", ""]
