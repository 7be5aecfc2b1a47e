"""SPEC sections 3-5: response metadata, usage, call options, tracing params, message content."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

import pytest
from _compat import requires_events_v3
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_echo import ChatEcho, EchoLLM

# Graphemes: "e\u0301" (e + combining acute) is 1, a skin-toned thumb is 1, a ZWJ family is 1,
# a flag is 1, "\r\n" is 1.
E_ACUTE = "e\u0301"
THUMB = "\U0001f44d\U0001f3fd"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
FLAG = "\U0001f1eb\U0001f1f7"


def merged(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    return reduce(operator.add, chunks)


class MetadataRecorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.start_metadata: list[dict[str, Any]] = []
        self.invocation_params: list[dict[str, Any]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.start_metadata.append(kwargs.get("metadata") or {})
        self.invocation_params.append(kwargs.get("invocation_params") or {})

    def on_llm_start(self, serialized: Any, prompts: Any, **kwargs: Any) -> None:
        self.start_metadata.append(kwargs.get("metadata") or {})
        self.invocation_params.append(kwargs.get("invocation_params") or {})


# --------------------------------------------------------------------------------------------
# response_metadata: model_name, finish_reason, stop_sequence
# --------------------------------------------------------------------------------------------

FINISH_CASES = [
    # (source, fields, call kwargs, output, finish_reason, stop_sequence)
    pytest.param("hello", {}, {}, "hello", "stop", None, id="whole-source"),
    pytest.param("hello", {"n": 5}, {}, "hello", "stop", None, id="n-equals-length"),
    pytest.param("hello", {"n": 9}, {}, "hello", "stop", None, id="n-above-length"),
    pytest.param("hello", {"n": 3}, {}, "hel", "length", None, id="n-cuts"),
    pytest.param("hello", {"n": 0}, {}, "", "length", None, id="n-zero"),
    pytest.param("", {"n": 0}, {}, "", "stop", None, id="empty-source-n-zero"),
    pytest.param("", {}, {}, "", "stop", None, id="empty-source"),
    pytest.param("ab,cd", {}, {"stop": [","]}, "ab,", "stop", ",", id="stop-hit"),
    pytest.param("ab,cd", {"n": 3}, {"stop": [","]}, "ab,", "stop", ",", id="stop-at-n"),
    pytest.param("ab,cd", {"n": 2}, {"stop": [","]}, "ab", "length", None, id="n-before-stop"),
    pytest.param("abcd", {}, {"stop": ["x"]}, "abcd", "stop", None, id="stop-not-hit"),
    pytest.param(
        "one. two! three", {}, {"stop": ["!", "."]}, "one.", "stop", ".", id="earliest-ends"
    ),
    pytest.param("abcdef", {}, {"stop": ["cdef", "de"]}, "abcde", "stop", "de", id="ends-first"),
    pytest.param(
        f"{THUMB}{FAMILY}{FLAG}x", {"n": 2}, {}, f"{THUMB}{FAMILY}", "length", None, id="emoji"
    ),
    pytest.param(f"h{E_ACUTE}llo", {"n": 2}, {}, f"h{E_ACUTE}", "length", None, id="combining"),
    pytest.param("ab\r\ncd", {}, {"stop": "\n"}, "ab\r\n", "stop", "\n", id="crlf-include"),
]


@pytest.mark.parametrize(
    ("source", "fields", "call", "output", "reason", "stop_sequence"), FINISH_CASES
)
def test_chat_invoke_response_metadata(
    source: str,
    fields: dict,
    call: dict,
    output: str,
    reason: str,
    stop_sequence: str | None,
) -> None:
    result = ChatEcho(**fields).invoke(source, **call)
    assert result.content == output
    meta = result.response_metadata
    assert meta["model_name"] == "echo"
    assert meta["finish_reason"] == reason
    if stop_sequence is None:
        assert "stop_sequence" not in meta
    else:
        assert meta["stop_sequence"] == stop_sequence


@pytest.mark.parametrize(
    ("source", "fields", "call", "output", "reason", "stop_sequence"), FINISH_CASES
)
def test_chat_stream_response_metadata(
    source: str,
    fields: dict,
    call: dict,
    output: str,
    reason: str,
    stop_sequence: str | None,
) -> None:
    chunks = list(ChatEcho(**fields).stream(source, **call))
    # Metadata only on the closing chunk, so merging cannot double it.
    *body, last = chunks
    assert last.chunk_position == "last"
    assert last.content == ""
    for chunk in body:
        assert chunk.response_metadata == {}
        assert chunk.usage_metadata is None
    whole = merged(chunks)
    assert whole.content == output
    meta = whole.response_metadata
    assert meta["model_name"] == "echo"
    assert meta["finish_reason"] == reason
    assert meta.get("stop_sequence") == stop_sequence
    assert whole.response_metadata == last.response_metadata


@pytest.mark.parametrize(
    ("source", "fields", "call", "output", "reason", "stop_sequence"), FINISH_CASES
)
async def test_chat_astream_matches_ainvoke(
    source: str,
    fields: dict,
    call: dict,
    output: str,
    reason: str,
    stop_sequence: str | None,
) -> None:
    model = ChatEcho(**fields)
    whole = merged([c async for c in model.astream(source, **call)])
    result = await model.ainvoke(source, **call)
    assert whole.content == result.content == output
    assert whole.usage_metadata == result.usage_metadata
    for key in ("model_name", "finish_reason", "stop_sequence"):
        assert whole.response_metadata.get(key) == result.response_metadata.get(key)


@pytest.mark.parametrize(
    ("source", "fields", "call", "output", "reason", "stop_sequence"), FINISH_CASES
)
def test_llm_generation_info(
    source: str,
    fields: dict,
    call: dict,
    output: str,
    reason: str,
    stop_sequence: str | None,
) -> None:
    llm = EchoLLM(**fields)
    assert llm.invoke(source, **call) == output
    generation = llm.generate([source], **call).generations[0][0]
    assert generation.text == output
    expected_info = {"finish_reason": reason}
    if stop_sequence is not None:
        expected_info["stop_sequence"] = stop_sequence
    assert generation.generation_info == expected_info
    # stream: exactly the output's chunks, the last one carries finish_reason.
    chunks = list(llm._stream(source, **call))
    assert "".join(c.text for c in chunks) == output
    assert chunks[-1].generation_info == expected_info
    for chunk in chunks[:-1]:
        assert chunk.generation_info is None
        assert chunk.text != ""
    if output == "":
        assert [c.text for c in chunks] == [""]
    assert list(llm.stream(source, **call)) == [c.text for c in chunks]


def test_llm_output_model_name() -> None:
    llm = EchoLLM(model="my-llm")
    assert llm.generate(["abc"]).llm_output == {"model_name": "my-llm"}
    assert llm.generate(["abc"], model="other").llm_output == {"model_name": "other"}


# --------------------------------------------------------------------------------------------
# usage_metadata
# --------------------------------------------------------------------------------------------

CONVERSATION: list[BaseMessage] = [
    SystemMessage("you are a bot"),  # 13
    HumanMessage(f"h{E_ACUTE}llo {THUMB}"),  # 7
    AIMessage(f"{FAMILY}{FLAG}"),  # 2
    HumanMessage("Meow!"),  # 5
]
CONVERSATION_INPUT = 13 + 7 + 2 + 5


@pytest.mark.parametrize(
    ("fields", "output"),
    [({}, "Meow!"), ({"n": 3}, "Meo"), ({"stop": ["o"]}, "Meo"), ({"n": 0}, "")],
)
def test_chat_usage_invoke(fields: dict, output: str) -> None:
    result = ChatEcho(**fields).invoke(CONVERSATION)
    assert result.content == output
    assert result.usage_metadata == {
        "input_tokens": CONVERSATION_INPUT,
        "output_tokens": len(output),
        "total_tokens": CONVERSATION_INPUT + len(output),
    }


@pytest.mark.parametrize("chunk_size", [1, 2, 7])
def test_chat_usage_stream_no_doubling(chunk_size: int) -> None:
    model = ChatEcho(chunk_size=chunk_size)
    chunks = list(model.stream(CONVERSATION))
    assert [c.usage_metadata is not None for c in chunks] == [False] * (len(chunks) - 1) + [True]
    whole = merged(chunks)
    assert whole.usage_metadata == {
        "input_tokens": CONVERSATION_INPUT,
        "output_tokens": 5,
        "total_tokens": CONVERSATION_INPUT + 5,
    }
    assert whole.usage_metadata == model.invoke(CONVERSATION).usage_metadata
    assert whole.response_metadata["model_name"] == "echo"
    assert whole.response_metadata["finish_reason"] == "stop"


def test_chat_usage_streaming_invoke_no_doubling() -> None:
    # invoke served by streaming merges the chunks itself.
    result = ChatEcho(streaming=True).invoke(CONVERSATION)
    assert result.content == "Meow!"
    assert result.usage_metadata == {
        "input_tokens": CONVERSATION_INPUT,
        "output_tokens": 5,
        "total_tokens": CONVERSATION_INPUT + 5,
    }
    assert result.response_metadata["model_name"] == "echo"
    assert result.response_metadata["finish_reason"] == "stop"


def test_chat_usage_graphemes_in_output() -> None:
    text = f"{THUMB}{FAMILY}{FLAG}{E_ACUTE}"
    result = ChatEcho().invoke(text)
    assert result.content == text
    assert result.usage_metadata == {"input_tokens": 4, "output_tokens": 4, "total_tokens": 8}
    whole = merged(list(ChatEcho().stream(text)))
    assert whole.usage_metadata == result.usage_metadata


def test_chat_usage_counts_list_content_and_tool_messages() -> None:
    messages = [
        HumanMessage(
            content=[
                {"type": "text", "text": "ab"},
                {"type": "image", "url": "https://example.com/x.png"},
                {"type": "text", "text": "cd"},
            ]
        ),  # 4
        AIMessage(content="", tool_calls=[{"name": "f", "args": {}, "id": "1"}]),  # 0
        ToolMessage(content="result", tool_call_id="1"),  # 6
        HumanMessage("xyz"),  # 3
    ]
    result = ChatEcho().invoke(messages)
    assert result.content == "xyz"
    assert result.usage_metadata == {"input_tokens": 13, "output_tokens": 3, "total_tokens": 16}


def test_chat_batch_usage_per_input() -> None:
    results = ChatEcho(n=2).batch(["abc", "de", "f"])
    assert [r.content for r in results] == ["ab", "de", "f"]
    assert [r.usage_metadata["input_tokens"] for r in results] == [3, 2, 1]
    assert [r.usage_metadata["output_tokens"] for r in results] == [2, 2, 1]
    assert [r.response_metadata["finish_reason"] for r in results] == ["length", "stop", "stop"]


# --------------------------------------------------------------------------------------------
# Call options: model=, stop=, stop_mode, max_tokens
# --------------------------------------------------------------------------------------------


def test_chat_model_override_per_call() -> None:
    model = ChatEcho(model="base-model")
    assert model.invoke("a").response_metadata["model_name"] == "base-model"
    assert model.invoke("a", model="other").response_metadata["model_name"] == "other"
    whole = merged(list(model.stream("ab", model="other")))
    assert whole.response_metadata["model_name"] == "other"
    assert model.bind(model="bound").invoke("a").response_metadata["model_name"] == "bound"
    results = model.batch(["a", "b"], model="other")
    assert [r.response_metadata["model_name"] for r in results] == ["other", "other"]
    # The field itself is unchanged.
    assert model.model_name == "base-model"
    assert model.invoke("a").response_metadata["model_name"] == "base-model"


async def test_chat_model_override_per_call_async() -> None:
    model = ChatEcho(model="base-model")
    assert (await model.ainvoke("a", model="other")).response_metadata["model_name"] == "other"
    whole = merged([c async for c in model.astream("ab", model="other")])
    assert whole.response_metadata["model_name"] == "other"


def test_model_override_reaches_tracing() -> None:
    rec = MetadataRecorder()
    ChatEcho(model="base").invoke("a", config={"callbacks": [rec]}, model="other")
    list(ChatEcho(model="base").stream("a", config={"callbacks": [rec]}, model="other"))
    EchoLLM(model="base").invoke("a", config={"callbacks": [rec]}, model="other")
    assert [m["ls_model_name"] for m in rec.start_metadata] == ["other"] * 3
    assert [m["ls_provider"] for m in rec.start_metadata] == ["echo"] * 3


def test_call_stop_replaces_default_stop_in_batch() -> None:
    model = ChatEcho(stop=[","])
    assert [m.content for m in model.batch(["a,b;c", "x;y"], stop=[";"])] == ["a,b;", "x;"]
    assert [m.content for m in model.batch(["a,b;c", "x;y"])] == ["a,", "x;y"]
    assert EchoLLM(stop=[","]).batch(["a,b;c", "x;y"], stop=[";"]) == ["a,b;", "x;"]


def test_call_stop_replaces_default_stop() -> None:
    for model in (ChatEcho(stop=[","]), EchoLLM(stop=[","])):

        def text(out: Any) -> str:
            return out if isinstance(out, str) else out.content

        assert text(model.invoke("a,b;c")) == "a,"
        assert text(model.invoke("a,b;c", stop=[";"])) == "a,b;"
        assert text(model.invoke("a,b;c", stop=";")) == "a,b;"
        # An explicit empty list replaces the default with no stop sequences.
        assert text(model.invoke("a,b;c", stop=[])) == "a,b;c"
        assert "".join(text(c) for c in model.stream("a,b;c", stop=[";"])) == "a,b;"


def test_stop_newline_string_is_one_sequence() -> None:
    assert ChatEcho(stop="\n").stop == ["\n"]
    assert EchoLLM(stop="\n").stop == ["\n"]
    assert ChatEcho(stop="\n").invoke("ab\ncd").content == "ab\n"
    assert ChatEcho().invoke("ab\ncd", stop="\n").content == "ab\n"
    assert EchoLLM().invoke("ab\ncd", stop="\n") == "ab\n"
    assert "".join(EchoLLM().stream("ab\ncd", stop="\n")) == "ab\n"
    chunks = list(ChatEcho().stream("ab\ncd", stop="\n"))
    assert [c.content for c in chunks] == ["a", "b", "\n", ""]
    assert chunks[-1].response_metadata["stop_sequence"] == "\n"
    # a multi-character string is one sequence, not a set of characters
    assert ChatEcho(stop="cd").invoke("abcdc").content == "abcd"
    assert ChatEcho().invoke("abdcd", stop="cd").content == "abdcd"


@pytest.mark.parametrize(
    ("source", "stop", "include", "exclude", "sequence"),
    [
        ("one. two.", ["."], "one.", "one", "."),
        ("Human: hi\nAI:", ["\nAI:"], "Human: hi\nAI:", "Human: hi", "\nAI:"),
        ("xabc", ["b", "ab"], "xab", "x", "ab"),
        ("ab\r\ncd", ["\n"], "ab\r\n", "ab", "\n"),
        (f"{E_ACUTE}x", ["\u0301x"], f"{E_ACUTE}x", "", "\u0301x"),
        ("stop", ["stop"], "stop", "", "stop"),
        ("abc", ["x"], "abc", "abc", None),
    ],
)
def test_stop_mode(
    source: str, stop: list[str], include: str, exclude: str, sequence: str | None
) -> None:
    assert ChatEcho().invoke(source, stop=stop).content == include
    assert ChatEcho(stop_mode="exclude").invoke(source, stop=stop).content == exclude
    assert ChatEcho().invoke(source, stop=stop, stop_mode="exclude").content == exclude
    assert EchoLLM(stop_mode="exclude").invoke(source, stop=stop) == exclude
    assert "".join(EchoLLM(stop_mode="exclude").stream(source, stop=stop)) == exclude
    chunks = list(ChatEcho(stop_mode="exclude", stop=stop).stream(source))
    whole = merged(chunks)
    assert whole.content == exclude
    assert whole.response_metadata["finish_reason"] == "stop"
    assert whole.response_metadata.get("stop_sequence") == sequence
    assert exclude.isascii()
    assert whole.usage_metadata["output_tokens"] == len(exclude)


def test_stop_mode_exclude_usage_counts_output_graphemes() -> None:
    result = ChatEcho(stop_mode="exclude").invoke(f"{THUMB}{THUMB}.rest", stop=["."])
    assert result.content == f"{THUMB}{THUMB}"
    assert result.usage_metadata["output_tokens"] == 2
    assert result.usage_metadata["input_tokens"] == 2 + 5


def test_max_tokens_alias() -> None:
    for cls in (ChatEcho, EchoLLM):
        model = cls(max_tokens=2)
        assert model.n == 2
        assert cls(n=2).n == 2
        out = model.invoke("hello")
        assert (out if isinstance(out, str) else out.content) == "he"
        out = model.invoke("hello", max_tokens=4)
        assert (out if isinstance(out, str) else out.content) == "hell"
        out = model.invoke("hello", n=1)
        assert (out if isinstance(out, str) else out.content) == "h"
        assert model._get_ls_params()["ls_max_tokens"] == 2
        assert model._get_ls_params(max_tokens=4)["ls_max_tokens"] == 4
    chunks = list(ChatEcho().stream("hello", max_tokens=3))
    assert [c.content for c in chunks] == ["h", "e", "l", ""]
    assert chunks[-1].response_metadata["finish_reason"] == "length"


# --------------------------------------------------------------------------------------------
# identifying params and tracing params
# --------------------------------------------------------------------------------------------


def test_identifying_params() -> None:
    for cls in (ChatEcho, EchoLLM):
        model = cls(model="m", n=4, stop=["x"], stop_mode="exclude", chunk_size=2)
        params = model._identifying_params
        assert params["model_name"] == "m"
        assert params["n"] == 4
        assert params["stop"] == ["x"]
        assert params["stop_mode"] == "exclude"
        assert params["chunk_size"] == 2
        assert cls()._identifying_params["model_name"] == "echo"
        assert cls()._identifying_params["n"] is None


@pytest.mark.parametrize(("cls", "model_type"), [(ChatEcho, "chat"), (EchoLLM, "llm")])
def test_ls_params(cls: type, model_type: str) -> None:
    params = cls()._get_ls_params()
    assert params["ls_provider"] == "echo"
    assert params["ls_model_name"] == "echo"
    assert params["ls_model_type"] == model_type
    assert "ls_max_tokens" not in params
    assert "ls_stop" not in params

    params = cls(model="m", max_tokens=7, stop=["a", "b"])._get_ls_params()
    assert params["ls_model_name"] == "m"
    assert params["ls_max_tokens"] == 7
    assert params["ls_stop"] == ["a", "b"]

    # a call's stop replaces the default, a call's model overrides
    params = cls(model="m", stop=["a"])._get_ls_params(stop=["z"], model="o")
    assert params["ls_stop"] == ["z"]
    assert params["ls_model_name"] == "o"

    assert cls(n=0)._get_ls_params()["ls_max_tokens"] == 0


@pytest.mark.parametrize("cls", [ChatEcho, EchoLLM])
def test_ls_stop_bare_string_is_one_sequence(cls: type) -> None:
    # SPEC 3: a bare str counts as one sequence; LangSmithParams.ls_stop is a list[str].
    assert cls()._get_ls_params(stop="\n")["ls_stop"] == ["\n"]
    rec = MetadataRecorder()
    cls().invoke("a\nb", config={"callbacks": [rec]}, stop="\n")
    assert rec.start_metadata[0]["ls_stop"] == ["\n"]


def test_ls_params_reach_tracing_metadata() -> None:
    rec = MetadataRecorder()
    ChatEcho(model="m", n=3, stop=[","]).invoke("a,b", config={"callbacks": [rec]})
    EchoLLM(model="m", n=3, stop=[","]).invoke("a,b", config={"callbacks": [rec]})
    ChatEcho(model="m").invoke("a,b", config={"callbacks": [rec]}, stop=[";"], max_tokens=2)
    for meta in rec.start_metadata[:2]:
        assert meta["ls_provider"] == "echo"
        assert meta["ls_model_name"] == "m"
        assert meta["ls_max_tokens"] == 3
        assert meta["ls_stop"] == [","]
    assert rec.start_metadata[2]["ls_stop"] == [";"]
    assert rec.start_metadata[2]["ls_max_tokens"] == 2
    assert rec.invocation_params[0]["model_name"] == "m"


# --------------------------------------------------------------------------------------------
# Message content
# --------------------------------------------------------------------------------------------


def test_list_content_text_blocks_joined() -> None:
    message = HumanMessage(
        content=[
            {"type": "text", "text": "ab"},
            {"type": "image", "url": "https://example.com/x.png"},
            {"type": "text", "text": f"c{THUMB}"},
        ]
    )
    model = ChatEcho()
    assert model.invoke([message]).content == f"abc{THUMB}"
    assert [c.content for c in model.stream([message])] == ["a", "b", "c", THUMB, ""]
    assert ChatEcho(n=3).invoke([message]).content == "abc"
    assert ChatEcho().invoke([message], stop=["bc"]).content == "abc"


@pytest.mark.parametrize(
    "content",
    [
        [{"type": "image", "url": "https://example.com/x.png"}],
        [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}],
        [{"type": "image", "base64": "AAAA", "mime_type": "image/png"}],
        [],
    ],
)
def test_last_message_without_text(content: list, capsys: pytest.CaptureFixture[str]) -> None:
    model = ChatEcho()
    messages = [HumanMessage("earlier text"), HumanMessage(content=content)]
    result = model.invoke(messages)
    assert result.content == ""
    assert result.response_metadata["finish_reason"] == "stop"
    assert result.usage_metadata == {"input_tokens": 12, "output_tokens": 0, "total_tokens": 12}
    for chunk in model.stream(messages):
        print(chunk.content, end="|")
    assert capsys.readouterr().out == "|"


async def test_last_message_without_text_async(capsys: pytest.CaptureFixture[str]) -> None:
    messages = [HumanMessage(content=[{"type": "image", "url": "https://example.com/x.png"}])]
    assert (await ChatEcho().ainvoke(messages)).content == ""
    async for chunk in ChatEcho().astream(messages):
        print(chunk.content, end="|")
    assert capsys.readouterr().out == "|"


def test_empty_message_list_is_value_error() -> None:
    model = ChatEcho()
    with pytest.raises(ValueError, match="message"):
        model.invoke([])
    with pytest.raises(ValueError, match="message"):
        list(model.stream([]))
    with pytest.raises(ValueError, match="message"):
        model.batch([[]])
    # the model still works afterwards
    assert model.invoke("ok").content == "ok"


async def test_empty_message_list_is_value_error_async() -> None:
    model = ChatEcho()
    with pytest.raises(ValueError, match="message"):
        await model.ainvoke([])
    with pytest.raises(ValueError, match="message"):
        _ = [c async for c in model.astream([])]
    with pytest.raises(ValueError, match="message"):
        await model.abatch([[]])


# --------------------------------------------------------------------------------------------
# invoke, stream, generate and stream_events v3 agree, for every option combination
# --------------------------------------------------------------------------------------------

SOURCES = ["", "a", "abcd", "ab,cd", ",", f"{THUMB}x{E_ACUTE}", "ab\r\n", "xxcdcd"]


@pytest.mark.parametrize("chunk_size", [1, 2, 3])
@pytest.mark.parametrize("n", [None, 0, 1, 2, 4])
@pytest.mark.parametrize("stop", [None, [","], ["\n"], ["cd", "c"]])
@pytest.mark.parametrize("stop_mode", ["include", "exclude"])
def test_paths_agree(chunk_size: int, n: int | None, stop: Any, stop_mode: str) -> None:
    fields = {"chunk_size": chunk_size, "n": n, "stop": stop, "stop_mode": stop_mode}
    llm = EchoLLM(**fields)
    chat = ChatEcho(**fields)
    for source in SOURCES:
        out = llm.invoke(source)
        info = llm.generate([source]).generations[0][0].generation_info
        chunks = list(llm._stream(source))
        assert "".join(c.text for c in chunks) == out
        assert chunks[-1].generation_info == info
        assert all(c.generation_info is None and c.text for c in chunks[:-1])

        result = chat.invoke(source)
        assert result.content == out
        assert result.response_metadata["finish_reason"] == info["finish_reason"]
        assert result.response_metadata.get("stop_sequence") == info.get("stop_sequence")
        streamed = list(chat.stream(source))
        assert all(c.content for c in streamed[:-1])
        whole = merged(streamed)
        assert whole.content == out
        assert whole.usage_metadata == result.usage_metadata
        for key in ("model_name", "finish_reason", "stop_sequence"):
            assert whole.response_metadata.get(key) == result.response_metadata.get(key)


@requires_events_v3
@pytest.mark.filterwarnings("ignore::langchain_core._api.LangChainBetaWarning")
def test_stream_events_v3_metadata() -> None:
    model = ChatEcho(model="m", n=3)
    stream = model.stream_events(CONVERSATION, version="v3", stop=["e"])
    message = stream.output
    assert message.text == "Me"
    assert message.usage_metadata == {
        "input_tokens": CONVERSATION_INPUT,
        "output_tokens": 2,
        "total_tokens": CONVERSATION_INPUT + 2,
    }
    assert message.response_metadata["model_name"] == "m"
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.response_metadata["stop_sequence"] == "e"


@requires_events_v3
@pytest.mark.filterwarnings("ignore::langchain_core._api.LangChainBetaWarning")
async def test_astream_events_v3_metadata() -> None:
    model = ChatEcho(n=3)
    message = await (await model.astream_events(CONVERSATION, version="v3", model="other"))
    assert message.text == "Meo"
    assert message.usage_metadata == {
        "input_tokens": CONVERSATION_INPUT,
        "output_tokens": 3,
        "total_tokens": CONVERSATION_INPUT + 3,
    }
    assert message.response_metadata["model_name"] == "other"
    assert message.response_metadata["finish_reason"] == "length"
