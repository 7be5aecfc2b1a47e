"""SPEC section 6: on_llm_new_token exactly once per yielded chunk, before the consumer gets it,
on every streaming path; native async paths; thread safety; abandoned streams."""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
import weakref
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import pytest
from _compat import V2Handler, requires_events_v3, requires_v2_streaming_handler
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk
from langchain_core.prompts import ChatPromptTemplate, PromptTemplate
from langchain_core.runnables import RunnableLambda

from langchain_echo import ChatEcho, EchoLLM

pytestmark = pytest.mark.filterwarnings("ignore::langchain_core._api.LangChainBetaWarning")

# --------------------------------------------------------------------------------------------
# Recording handlers
# --------------------------------------------------------------------------------------------


class _Record:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: list[Any] = []
        self.chunks: list[Any] = []
        self.run_ids: list[UUID] = []
        self.events: list[str] = []

    def _token(self, token: Any, chunk: Any, run_id: UUID) -> None:
        with self.lock:
            self.tokens.append(token)
            self.chunks.append(chunk)
            self.run_ids.append(run_id)
            self.events.append("token")

    def _event(self, name: str) -> None:
        with self.lock:
            self.events.append(name)

    def by_run(self) -> dict[UUID, list[Any]]:
        out: dict[UUID, list[Any]] = defaultdict(list)
        for run_id, token in zip(self.run_ids, self.tokens, strict=True):
            out[run_id].append(token)
        return dict(out)


class SyncRecorder(BaseCallbackHandler, _Record):
    def __init__(self) -> None:
        _Record.__init__(self)

    def on_llm_new_token(
        self, token: Any, *, chunk: Any = None, run_id: UUID, **kwargs: Any
    ) -> None:
        self._token(token, chunk, run_id)

    def on_llm_start(self, *args: Any, **kwargs: Any) -> None:
        self._event("start")

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self._event("start")

    def on_llm_end(self, *args: Any, **kwargs: Any) -> None:
        self._event("end")

    def on_llm_error(self, *args: Any, **kwargs: Any) -> None:
        self._event("error")


class AsyncRecorder(AsyncCallbackHandler, _Record):
    def __init__(self) -> None:
        _Record.__init__(self)

    async def on_llm_new_token(
        self, token: Any, *, chunk: Any = None, run_id: UUID, **kwargs: Any
    ) -> None:
        self._token(token, chunk, run_id)

    async def on_llm_start(self, *args: Any, **kwargs: Any) -> None:
        self._event("start")

    async def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self._event("start")

    async def on_llm_end(self, *args: Any, **kwargs: Any) -> None:
        self._event("end")

    async def on_llm_error(self, *args: Any, **kwargs: Any) -> None:
        self._event("error")


class SyncV2Recorder(SyncRecorder, V2Handler):
    """A v2 streaming handler: LangChain serves invoke through `_iter_v2_events`."""


class AsyncV2Recorder(AsyncRecorder, V2Handler):
    pass


RECORDERS = [SyncRecorder, AsyncRecorder]


@pytest.fixture(params=RECORDERS, ids=["sync", "async"])
def recorder(request: pytest.FixtureRequest) -> _Record:
    return request.param()


def _ordered_with_streamer(rec: _Record) -> bool:
    """Whether LangChain has run ``rec`` before astream_events' own handler queues a token.

    Where an ``on_*_stream`` event is produced by astream_events' handler from the token
    callback itself (model nested in a chain, or invoked inside a lambda), both handlers receive
    the same callback. ``ahandle_event`` (callbacks/manager.py:482-497) runs ``run_inline``
    handlers first, then gathers the others; a sync non-inline handler goes through
    ``run_in_executor`` (manager.py:430) while ``_AstreamEventsCallbackHandler.on_llm_new_token``
    (tracers/event_stream.py:426) queues the event at once, so the consumer may see that event
    before such a handler's thread has run. That ordering is LangChain's, not the model's; the
    model's own guarantee (the callback is awaited before the chunk is yielded) is checked on
    the events that follow the yield (``on_chain_stream``, root ``on_*_stream``, chain output).
    An async handler is gathered as a task created before the streamer's, so it has run by
    then. A ``run_inline`` sync handler is no way out: ``AsyncCallbackManager.on_llm_start``
    (manager.py:1911-1940) then skips every non-inline handler, the streamer included, and an
    LLM's stream events are lost.
    """
    return isinstance(rec, AsyncCallbackHandler)


# (prompt, fields, LLM chunks, chat chunks incl. closing empty chunk)
CASES = [
    pytest.param("cat", {}, ["c", "a", "t"], ["c", "a", "t", ""], id="cat"),
    pytest.param("hello", {"chunk_size": 2}, ["he", "ll", "o"], ["he", "ll", "o", ""], id="chunk2"),
    pytest.param("hello", {"n": 3}, ["h", "e", "l"], ["h", "e", "l", ""], id="n3"),
    pytest.param("ab, cd", {"stop": [","]}, ["a", "b", ","], ["a", "b", ",", ""], id="stop"),
    pytest.param(
        "\U0001f44d\U0001f3fdok", {}, ["\U0001f44d\U0001f3fd", "o", "k"], None, id="emoji"
    ),
    pytest.param("cat", {"n": 0}, [""], [""], id="empty"),
]


def _chat_expected(llm_chunks: list[str], chat_chunks: list[str] | None) -> list[str]:
    return chat_chunks if chat_chunks is not None else [*llm_chunks, ""]


def _check_before(rec: _Record, received: list[str], *, strict: bool) -> None:
    """The handler has already seen every chunk the consumer holds, in order."""
    k = len(received)
    seen = list(rec.tokens)
    if strict:
        assert len(seen) == k, f"handler saw {seen!r} when consumer held {received!r}"
    else:
        assert len(seen) >= k, f"handler saw {seen!r} when consumer held {received!r}"
    assert seen[:k] == received


def _texts(chunks: list[Any]) -> list[str]:
    return [c.text if isinstance(c, GenerationChunk) else c.message.content for c in chunks]


# --------------------------------------------------------------------------------------------
# EchoLLM: the LLM framework never fires the callback; EchoLLM._stream/_astream must.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
def test_llm_stream(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    llm = EchoLLM(**fields)
    received: list[str] = []
    for token in llm.stream(prompt, config={"callbacks": [recorder]}):
        received.append(token)
        _check_before(recorder, received, strict=True)
    assert received == llm_chunks
    assert recorder.tokens == llm_chunks
    assert all(isinstance(c, GenerationChunk) for c in recorder.chunks)
    assert _texts(recorder.chunks) == llm_chunks
    assert recorder.events == ["start", *["token"] * len(llm_chunks), "end"]


@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
async def test_llm_astream(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    llm = EchoLLM(**fields)
    received: list[str] = []
    async for token in llm.astream(prompt, config={"callbacks": [recorder]}):
        received.append(token)
        _check_before(recorder, received, strict=True)
    assert received == llm_chunks
    assert recorder.tokens == llm_chunks
    assert all(isinstance(c, GenerationChunk) for c in recorder.chunks)
    assert _texts(recorder.chunks) == llm_chunks
    assert recorder.events == ["start", *["token"] * len(llm_chunks), "end"]


@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
async def test_llm_astream_events_v2_root(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    llm = EchoLLM(**fields)
    received: list[str] = []
    async for event in llm.astream_events(prompt, {"callbacks": [recorder]}, version="v2"):
        if event["event"] == "on_llm_stream":
            chunk = event["data"]["chunk"]
            received.append(chunk if isinstance(chunk, str) else chunk.text)
            _check_before(recorder, received, strict=False)
    assert received == llm_chunks
    assert recorder.tokens == llm_chunks


@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
async def test_llm_astream_events_v2_in_chain(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    chain = PromptTemplate.from_template("{x}") | EchoLLM(**fields)
    received: list[str] = []
    chain_chunks: list[str] = []
    async for event in chain.astream_events({"x": prompt}, {"callbacks": [recorder]}, version="v2"):
        if event["event"] == "on_llm_stream":
            received.append(event["data"]["chunk"].text)
            if _ordered_with_streamer(recorder):
                _check_before(recorder, received, strict=False)
        elif event["event"] == "on_chain_stream":
            chain_chunks.append(event["data"]["chunk"])
            _check_before(recorder, chain_chunks, strict=False)
        elif event["event"] == "on_chain_end":
            assert event["data"]["output"] == "".join(llm_chunks)
    assert received == llm_chunks
    assert chain_chunks == llm_chunks
    assert recorder.tokens == llm_chunks


def test_llm_invoke_does_not_stream(recorder: _Record) -> None:
    # The LLM framework never serves invoke by streaming: no token callbacks, one start/end.
    llm = EchoLLM()
    assert llm.invoke("cat", config={"callbacks": [recorder]}) == "cat"
    assert recorder.tokens == []
    assert recorder.events == ["start", "end"]


# --------------------------------------------------------------------------------------------
# ChatEcho: the framework fires the callback itself where it passes no run manager.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
def test_chat_stream(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    expected = _chat_expected(llm_chunks, chat_chunks)
    model = ChatEcho(**fields)
    received: list[str] = []
    for chunk in model.stream(prompt, config={"callbacks": [recorder]}):
        received.append(chunk.content)
        _check_before(recorder, received, strict=True)
        # The very chunk object the handler saw is the one the consumer got.
        assert recorder.chunks[-1].message is chunk
    assert received == expected
    assert recorder.tokens == expected
    assert all(isinstance(c, ChatGenerationChunk) for c in recorder.chunks)
    assert recorder.events == ["start", *["token"] * len(expected), "end"]


@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
async def test_chat_astream(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    expected = _chat_expected(llm_chunks, chat_chunks)
    model = ChatEcho(**fields)
    received: list[str] = []
    async for chunk in model.astream(prompt, config={"callbacks": [recorder]}):
        received.append(chunk.content)
        _check_before(recorder, received, strict=True)
        assert recorder.chunks[-1].message is chunk
    assert received == expected
    assert recorder.tokens == expected
    assert recorder.events == ["start", *["token"] * len(expected), "end"]


@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
async def test_chat_astream_events_v2_root(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    expected = _chat_expected(llm_chunks, chat_chunks)
    model = ChatEcho(**fields)
    received: list[str] = []
    async for event in model.astream_events(prompt, {"callbacks": [recorder]}, version="v2"):
        if event["event"] == "on_chat_model_stream":
            received.append(event["data"]["chunk"].content)
            _check_before(recorder, received, strict=False)
        elif event["event"] == "on_chat_model_end":
            assert event["data"]["output"].content == "".join(expected)
    assert received == expected
    assert recorder.tokens == expected


@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
async def test_chat_astream_events_v2_in_chain(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    expected = _chat_expected(llm_chunks, chat_chunks)
    chain = ChatPromptTemplate.from_messages([("human", "{x}")]) | ChatEcho(**fields)
    received: list[str] = []
    chain_chunks: list[str] = []
    async for event in chain.astream_events({"x": prompt}, {"callbacks": [recorder]}, version="v2"):
        if event["event"] == "on_chain_stream" and event["name"] == "RunnableSequence":
            chain_chunks.append(event["data"]["chunk"].content)
            _check_before(recorder, chain_chunks, strict=False)
        elif event["event"] == "on_chat_model_stream":
            received.append(event["data"]["chunk"].content)
            if _ordered_with_streamer(recorder):
                _check_before(recorder, received, strict=False)
        elif event["event"] == "on_chain_end" and event["name"] == "RunnableSequence":
            assert event["data"]["output"].content == "".join(expected)
    assert received == expected
    assert chain_chunks == expected
    assert recorder.tokens == expected


@requires_events_v3
@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
def test_chat_stream_events_v3(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    # v3 passes run_manager to _stream: ChatEcho fires the callback itself.
    expected = _chat_expected(llm_chunks, chat_chunks)
    model = ChatEcho(**fields)
    stream = model.stream_events(prompt, {"callbacks": [recorder]}, version="v3")
    received: list[str] = []
    for delta in stream.text:
        received.append(delta)
        _check_before(recorder, received, strict=False)
    assert received == [t for t in expected if t]
    output = stream.output
    assert output.text == "".join(expected)
    assert recorder.tokens == expected
    assert recorder.events == ["start", *["token"] * len(expected), "end"]


@requires_events_v3
@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
async def test_chat_astream_events_v3(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    expected = _chat_expected(llm_chunks, chat_chunks)
    model = ChatEcho(**fields)
    stream = await model.astream_events(prompt, {"callbacks": [recorder]}, version="v3")
    received: list[str] = []
    async for delta in stream.text:
        received.append(delta)
        _check_before(recorder, received, strict=False)
    assert received == [t for t in expected if t]
    message = await stream
    assert message.text == "".join(expected)
    assert recorder.tokens == expected
    assert recorder.events == ["start", *["token"] * len(expected), "end"]


@requires_events_v3
def test_chat_stream_events_v3_raw_events_follow_callbacks() -> None:
    # Each content-block-delta event is produced after its chunk's callback.
    recorder = SyncRecorder()
    stream = ChatEcho().stream_events("cat", {"callbacks": [recorder]}, version="v3")
    deltas: list[str] = []
    for event in stream:
        if event["event"] == "content-block-delta":
            deltas.append(event["delta"]["text"])
            _check_before(recorder, deltas, strict=True)
    assert deltas == ["c", "a", "t"]
    assert recorder.tokens == ["c", "a", "t", ""]


# --- invoke served by streaming ------------------------------------------------------------


@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
def test_chat_invoke_streaming_true(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    expected = _chat_expected(llm_chunks, chat_chunks)
    model = ChatEcho(streaming=True, **fields)
    result = model.invoke(prompt, config={"callbacks": [recorder]})
    assert isinstance(result, AIMessage)
    assert result.content == "".join(expected)
    assert recorder.tokens == expected
    assert recorder.events == ["start", *["token"] * len(expected), "end"]
    assert result.usage_metadata is not None
    assert result.response_metadata["model_name"] == "echo"


@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
async def test_chat_ainvoke_streaming_true(
    recorder: _Record, prompt: str, fields: dict, llm_chunks: list[str], chat_chunks: Any
) -> None:
    expected = _chat_expected(llm_chunks, chat_chunks)
    model = ChatEcho(streaming=True, **fields)
    result = await model.ainvoke(prompt, config={"callbacks": [recorder]})
    assert result.content == "".join(expected)
    assert recorder.tokens == expected
    assert recorder.events == ["start", *["token"] * len(expected), "end"]


def test_chat_invoke_stream_kwarg(recorder: _Record) -> None:
    result = ChatEcho().invoke("cat", config={"callbacks": [recorder]}, stream=True)
    assert result.content == "cat"
    assert recorder.tokens == ["c", "a", "t", ""]


async def test_chat_ainvoke_stream_kwarg(recorder: _Record) -> None:
    result = await ChatEcho().ainvoke("cat", config={"callbacks": [recorder]}, stream=True)
    assert result.content == "cat"
    assert recorder.tokens == ["c", "a", "t", ""]


def test_chat_invoke_not_streaming_fires_nothing(recorder: _Record) -> None:
    assert ChatEcho().invoke("cat", config={"callbacks": [recorder]}).content == "cat"
    assert recorder.tokens == []
    assert recorder.events == ["start", "end"]


def test_chat_batch_streaming_true_each_run(recorder: _Record) -> None:
    model = ChatEcho(streaming=True, chunk_size=2)
    results = model.batch(["abc", "defg", "h"], config={"callbacks": [recorder]})
    assert [r.content for r in results] == ["abc", "defg", "h"]
    runs = sorted(recorder.by_run().values())
    assert runs == sorted([["ab", "c", ""], ["de", "fg", ""], ["h", ""]])


async def test_chat_abatch_streaming_true_each_run(recorder: _Record) -> None:
    model = ChatEcho(streaming=True, chunk_size=2)
    results = await model.abatch(["abc", "defg", "h"], config={"callbacks": [recorder]})
    assert [r.content for r in results] == ["abc", "defg", "h"]
    runs = sorted(recorder.by_run().values())
    assert runs == sorted([["ab", "c", ""], ["de", "fg", ""], ["h", ""]])


@requires_v2_streaming_handler
@pytest.mark.parametrize("recorder_cls", [SyncV2Recorder, AsyncV2Recorder], ids=["sync", "async"])
def test_chat_stream_with_v2_streaming_handler(recorder_cls: type[_Record]) -> None:
    # stream() never passes run_manager to _stream, v2 handler or not: fired once, by LangChain.
    recorder = recorder_cls()
    received: list[str] = []
    for chunk in ChatEcho(chunk_size=2).stream("hello", config={"callbacks": [recorder]}):
        received.append(chunk.content)
        _check_before(recorder, received, strict=True)
    assert recorder.tokens == ["he", "ll", "o", ""]


@requires_v2_streaming_handler
@pytest.mark.parametrize("recorder_cls", [SyncV2Recorder, AsyncV2Recorder], ids=["sync", "async"])
def test_chat_invoke_with_v2_streaming_handler(recorder_cls: type[_Record]) -> None:
    # A _V2StreamingCallbackHandler routes invoke through _iter_v2_events, which passes
    # run_manager to _stream: ChatEcho fires the callback, LangChain does not.
    recorder = recorder_cls()
    result = ChatEcho(chunk_size=2).invoke("hello", config={"callbacks": [recorder]})
    assert result.text == "hello"
    assert recorder.tokens == ["he", "ll", "o", ""]
    assert recorder.events == ["start", "token", "token", "token", "token", "end"]


@requires_v2_streaming_handler
@pytest.mark.parametrize("recorder_cls", [SyncV2Recorder, AsyncV2Recorder], ids=["sync", "async"])
async def test_chat_ainvoke_with_v2_streaming_handler(recorder_cls: type[_Record]) -> None:
    recorder = recorder_cls()
    result = await ChatEcho(chunk_size=2).ainvoke("hello", config={"callbacks": [recorder]})
    assert result.text == "hello"
    assert recorder.tokens == ["he", "ll", "o", ""]


@pytest.mark.parametrize("kind", ["sync_lambda", "async_lambda"])
@pytest.mark.parametrize(("prompt", "fields", "llm_chunks", "chat_chunks"), CASES)
async def test_chat_invoke_in_lambda_under_astream_events(
    recorder: _Record,
    kind: str,
    prompt: str,
    fields: dict,
    llm_chunks: list[str],
    chat_chunks: Any,
) -> None:
    expected = _chat_expected(llm_chunks, chat_chunks)
    model = ChatEcho(**fields)

    if kind == "sync_lambda":

        def call(x: str) -> AIMessage:
            return model.invoke(x)

    else:

        async def call(x: str) -> AIMessage:  # type: ignore[misc]
            return await model.ainvoke(x)

    runnable = RunnableLambda(call)
    received: list[str] = []
    output = None
    async for event in runnable.astream_events(prompt, {"callbacks": [recorder]}, version="v2"):
        if event["event"] == "on_chat_model_stream":
            received.append(event["data"]["chunk"].content)
            if _ordered_with_streamer(recorder):
                _check_before(recorder, received, strict=False)
        elif event["event"] == "on_chain_end":
            output = event["data"]["output"]
            assert recorder.tokens == expected
    assert received == expected
    assert recorder.tokens == expected
    assert isinstance(output, AIMessage)
    assert output.content == "".join(expected)


async def test_llm_invoke_in_lambda_under_astream_events(recorder: _Record) -> None:
    # No streaming path for an LLM invoke: one start, one end, no tokens, correct output.
    llm = EchoLLM(n=2)
    runnable = RunnableLambda(lambda x: llm.invoke(x))
    kinds = []
    async for event in runnable.astream_events("cat", {"callbacks": [recorder]}, version="v2"):
        kinds.append(event["event"])
        if event["event"] == "on_chain_end":
            assert event["data"]["output"] == "ca"
    assert "on_llm_stream" not in kinds
    assert recorder.tokens == []


# --------------------------------------------------------------------------------------------
# Native async: no thread-pool hop on ainvoke / astream / abatch / astream_events.
# --------------------------------------------------------------------------------------------


@pytest.fixture
async def no_executor(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def forbid(name: str) -> Any:
        def raiser(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            msg = f"{name} was called: the async path hopped to a thread pool"
            raise AssertionError(msg)

        return raiser

    async def forbid_async(*args: Any, **kwargs: Any) -> Any:
        calls.append("langchain run_in_executor")
        msg = "langchain run_in_executor was called: the async path hopped to a thread pool"
        raise AssertionError(msg)

    import langchain_core.language_models.chat_models as chat_models_mod
    import langchain_core.language_models.llms as llms_mod
    import langchain_core.runnables as runnables_mod
    import langchain_core.runnables.base as runnables_base_mod
    import langchain_core.runnables.config as config_mod

    for mod in (config_mod, llms_mod, chat_models_mod, runnables_base_mod, runnables_mod):
        monkeypatch.setattr(mod, "run_in_executor", forbid_async)
    for cls in {asyncio.AbstractEventLoop, asyncio.BaseEventLoop, type(asyncio.get_running_loop())}:
        monkeypatch.setattr(cls, "run_in_executor", forbid(f"{cls.__name__}.run_in_executor"))
    monkeypatch.setattr(asyncio, "to_thread", forbid("asyncio.to_thread"))
    return calls


async def test_no_executor_fixture_bites(no_executor: list[str]) -> None:
    # Sanity: the patches really catch both LangChain's hop and the loop's executor.
    import langchain_core.runnables.config as config_mod

    with pytest.raises(AssertionError, match="thread pool"):
        await asyncio.get_running_loop().run_in_executor(None, print)
    with pytest.raises(AssertionError, match="thread pool"):
        await config_mod.run_in_executor(None, print)
    assert len(no_executor) == 2


async def test_native_async_llm(no_executor: list[str]) -> None:
    llm = EchoLLM(n=5)
    recorder = AsyncRecorder()
    config = {"callbacks": [recorder]}
    assert await llm.ainvoke("This is a foobar thing", config) == "This "
    assert [t async for t in llm.astream("hello", config)] == ["h", "e", "l", "l", "o"]
    assert await llm.abatch(["woof woof woof", "meow meow meow"], config) == ["woof ", "meow "]
    assert await llm.abatch(["woof woof woof", "meow"], [config, config]) == ["woof ", "meow"]
    events = [e async for e in llm.astream_events("hello", config, version="v2")]
    # At the root, on_llm_stream carries what astream yields: the strings.
    assert [e["data"]["chunk"] for e in events if e["event"] == "on_llm_stream"] == list("hello")
    chain = ChatPromptTemplate.from_messages([("system", "you are a bot"), ("human", "{input}")])
    events = [
        e
        async for e in (chain | EchoLLM(n=7)).astream_events(
            {"input": "hello there!"}, version="v2"
        )
    ]
    assert events[-1]["data"]["output"] == "System:"
    assert recorder.tokens == list("hello") * 2
    assert no_executor == []


async def test_native_async_chat(no_executor: list[str]) -> None:
    model = ChatEcho(n=3, model_name="my_custom_model")
    recorder = AsyncRecorder()
    config = {"callbacks": [recorder]}
    assert (await model.ainvoke("hello", config)).content == "hel"
    assert [c.content async for c in model.astream("cat", config)] == ["c", "a", "t", ""]
    assert [m.content for m in await model.abatch(["hello", "goodbye"], config)] == ["hel", "goo"]
    assert [m.content for m in await model.abatch(["hello", "goodbye"], [config, config])] == [
        "hel",
        "goo",
    ]
    events = [e async for e in model.astream_events("cat", config, version="v2")]
    assert [e["event"] for e in events].count("on_chat_model_stream") == 4
    assert events[-1]["data"]["output"].content == "cat"
    if hasattr(model, "stream_events"):  # the v3 path, langchain-core >= 1.4 (tests/_compat.py)
        stream = await model.astream_events("cat", config, version="v3")
        assert [d async for d in stream.text] == ["c", "a", "t"]
        assert (await stream).text == "cat"
    streaming = ChatEcho(n=3, streaming=True)
    assert (await streaming.ainvoke("hello", config)).content == "hel"
    assert (await ChatEcho(n=3).ainvoke("hello", config, stream=True)).content == "hel"
    chain = ChatPromptTemplate.from_messages([("human", "{x}")]) | model
    events = [e async for e in chain.astream_events({"x": "cat"}, config, version="v2")]
    assert events[-1]["data"]["output"].content == "cat"
    assert no_executor == []


# --------------------------------------------------------------------------------------------
# Threads
# --------------------------------------------------------------------------------------------


def _words(i: int) -> str:
    return f"prompt-{i}-" + "\U0001f44d\U0001f3fd" * (i % 5) + "é" * (i % 3) + "xyz" * i


def test_llm_from_8_threads() -> None:
    llm = EchoLLM(n=12, chunk_size=2)
    barrier = threading.Barrier(8)

    def work(i: int) -> tuple[str, list[str], list[str]]:
        barrier.wait()
        prompt = _words(i)
        got = []
        for _ in range(50):
            got.append(llm.invoke(prompt))
        chunks = list(llm.stream(prompt))
        batch = llm.batch([_words(i + j) for j in range(4)])
        return got[0] if len(set(got)) == 1 else "MISMATCH", chunks, batch

    from langchain_echo import truncate_graphemes

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    for i, (text, chunks, batch) in enumerate(results):
        expected = truncate_graphemes(_words(i), 12)
        assert text == expected
        assert "".join(chunks) == expected
        assert batch == [truncate_graphemes(_words(i + j), 12) for j in range(4)]


def test_chat_from_8_threads_with_callbacks() -> None:
    model = ChatEcho(n=10, chunk_size=3, model_name="m")
    barrier = threading.Barrier(8)
    from langchain_echo import truncate_graphemes

    def work(i: int) -> tuple[Any, ...]:
        barrier.wait()
        rec = SyncRecorder()
        prompt = _words(i)
        invoked = [model.invoke(prompt).content for _ in range(30)]
        streamed = [c.content for c in model.stream(prompt, config={"callbacks": [rec]})]
        batched = [m.content for m in model.batch([prompt, _words(i + 1)])]
        return invoked, streamed, rec.tokens, batched

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    for i, (invoked, streamed, tokens, batched) in enumerate(results):
        expected = truncate_graphemes(_words(i), 10)
        assert set(invoked) == {expected}
        assert "".join(streamed) == expected
        assert streamed[-1] == ""
        assert tokens == streamed
        assert batched == [expected, truncate_graphemes(_words(i + 1), 10)]


def test_batch_thread_pool_many_inputs() -> None:
    from langchain_echo import truncate_graphemes

    prompts = [_words(i) for i in range(64)]
    chat = ChatEcho(n=7)
    llm = EchoLLM(n=7)
    expected = [truncate_graphemes(p, 7) for p in prompts]
    # Per-input configs and max_concurrency take LangChain's thread-pool batch.
    assert [m.content for m in chat.batch(prompts, [{}] * 64)] == expected
    assert [m.content for m in chat.batch(prompts, {"max_concurrency": 8})] == expected
    assert llm.batch(prompts, {"max_concurrency": 8}) == expected
    assert llm.batch(prompts, [{}] * 64) == expected


# --------------------------------------------------------------------------------------------
# Abandoned streams
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model_cls", [EchoLLM, ChatEcho])
def test_abandon_stream_break(model_cls: type) -> None:
    model = model_cls(chunk_size=1)
    rec = SyncRecorder()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i, chunk in enumerate(model.stream("hello world", config={"callbacks": [rec]})):
            assert chunk
            if i == 2:
                break
        gc.collect()
    assert rec.tokens == ["h", "e", "l"]
    again = list(model.stream("hello world"))
    text = [c if isinstance(c, str) else c.content for c in again]
    assert "".join(text) == "hello world"
    out = model.invoke("abc")
    assert (out if isinstance(out, str) else out.content) == "abc"


@pytest.mark.parametrize("model_cls", [EchoLLM, ChatEcho])
def test_abandon_stream_close(model_cls: type) -> None:
    model = model_cls()
    rec = SyncRecorder()
    gen = model.stream("hello", config={"callbacks": [rec]})
    first = next(gen)
    assert (first if isinstance(first, str) else first.content) == "h"
    gen.close()  # no error raised
    gen.close()  # idempotent
    with pytest.raises(StopIteration):
        next(gen)
    # LangChain records the abandoned run as ended with an error (GeneratorExit); nothing leaks.
    assert rec.events[0] == "start"
    assert rec.tokens == ["h"]
    assert "end" not in rec.events
    assert [c if isinstance(c, str) else c.content for c in model.stream("hi")][:2] == ["h", "i"]


@pytest.mark.parametrize("model_cls", [EchoLLM, ChatEcho])
def test_abandoned_private_stream_is_collected(model_cls: type) -> None:
    model = model_cls()

    def source(text: str) -> Any:
        return text if model_cls is EchoLLM else [HumanMessage(text)]

    gen = model._stream(source("hello world"))
    next(gen)
    ref = weakref.ref(gen)
    gen.close()
    del gen
    gc.collect()
    assert ref() is None
    # Many abandoned streams of a large prompt, then a normal call.
    big = "x" * 1_000_000
    for _ in range(200):
        g = model._stream(source(big))
        next(g)
        g.close()
    assert next(model._stream(source("ok"))).text == "o"


@pytest.mark.parametrize("model_cls", [EchoLLM, ChatEcho])
async def test_abandon_astream(model_cls: type) -> None:
    model = model_cls()
    rec = AsyncRecorder()
    agen = model.astream("hello", config={"callbacks": [rec]})
    first = await agen.__anext__()
    assert (first if isinstance(first, str) else first.content) == "h"
    await agen.aclose()
    await agen.aclose()
    assert rec.tokens == ["h"]
    # break out of async for (generator finalised by the loop's asyncgen hooks)
    async for chunk in model.astream("world"):
        assert chunk
        break
    gc.collect()
    await asyncio.sleep(0)
    got = [c if isinstance(c, str) else c.content async for c in model.astream("again")]
    assert "".join(got) == "again"


async def test_abandon_astream_events(recorder: _Record) -> None:
    for model in (EchoLLM(), ChatEcho()):
        agen = model.astream_events("hello", {"callbacks": [recorder]}, version="v2")
        async for event in agen:
            if event["event"].endswith("_stream"):
                break
        await agen.aclose()
        events = [e async for e in model.astream_events("abc", version="v2")]
        assert events[-1]["event"].endswith("_end")


@requires_events_v3
def test_abandon_stream_events_v3() -> None:
    model = ChatEcho()
    stream = model.stream_events("hello", version="v3")
    for delta in stream.text:
        assert delta == "h"
        break
    del stream
    gc.collect()
    again = model.stream_events("hello", version="v3")
    assert "".join(again.text) == "hello"


@requires_events_v3
async def test_abandon_astream_events_v3() -> None:
    model = ChatEcho()
    async with await model.astream_events("hello", version="v3") as stream:
        async for delta in stream.text:
            assert delta == "h"
            break
    again = await model.astream_events("hello", version="v3")
    assert await again.text == "hello"


def test_chunk_types_in_recorded_callbacks() -> None:
    rec = SyncRecorder()
    list(ChatEcho().stream([HumanMessage("ab")], config={"callbacks": [rec]}))
    assert all(isinstance(c.message, AIMessageChunk) for c in rec.chunks)
    assert rec.chunks[-1].message.chunk_position == "last"
    rec2 = SyncRecorder()
    list(EchoLLM().stream("ab", config={"callbacks": [rec2]}))
    assert rec2.chunks[-1].generation_info == {"finish_reason": "stop"}
    assert rec2.chunks[0].generation_info is None
