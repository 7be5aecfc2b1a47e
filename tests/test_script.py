"""_script: scripted replies and faults (SPEC §11), validated up front and taken once each."""

from __future__ import annotations

import asyncio
import re
import threading
import traceback
from collections import Counter
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from langchain_echo import ChatEcho, EchoLLM
from langchain_echo._script import Fault, Reply, Script, ScriptExhaustedError


class RateLimited(Exception):
    pass


class NeedsArgs(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)


# --- Fault ------------------------------------------------------------------------------------


def test_fault_is_frozen_and_keeps_its_fields() -> None:
    fault = Fault("hello", TimeoutError, after=2)
    assert (fault.reply, fault.error, fault.after) == ("hello", TimeoutError, 2)
    assert Fault("x", TimeoutError()).after == 0
    with pytest.raises(AttributeError):
        fault.after = 3  # type: ignore[misc]
    assert Fault("a", KeyError, 1) == Fault("a", KeyError, 1)


@pytest.mark.parametrize("after", [-1, 1.5, True, "2", None])
def test_fault_after_must_be_a_non_negative_int(after: Any) -> None:
    with pytest.raises(ValueError, match=r"Fault after must be a non-negative int, got "):
        Fault("x", TimeoutError, after=after)


@pytest.mark.parametrize("error", ["boom", 42, None, int, Fault("x", KeyError)])
def test_fault_error_must_be_an_exception(error: Any) -> None:
    with pytest.raises(ValueError, match="Fault error must be an exception instance or class"):
        Fault("x", error)


@pytest.mark.parametrize("reply", [42, None, ValueError(), Fault("x", KeyError), HumanMessage("x")])
def test_fault_reply_must_be_a_reply(reply: Any) -> None:
    with pytest.raises(ValueError, match="Fault reply must be a str, an AIMessage or a dict"):
        Fault(reply, KeyError)


def test_fault_accepts_base_exceptions() -> None:
    # A scripted cancellation tests how a pipeline handles one.
    assert Fault("x", asyncio.CancelledError).error is asyncio.CancelledError


# --- normalization ----------------------------------------------------------------------------


def test_chat_entries_normalize() -> None:
    calls = [{"name": "f", "args": {"a": 1}, "id": "c1"}]
    error = RateLimited("slow down")
    script = Script(
        [
            "plain",
            AIMessage(content="from message"),
            AIMessage(content=[{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]),
            {"content": "from dict", "tool_calls": calls},
            AIMessage(content="", tool_calls=[{"name": "g", "args": {}, "id": None}]),
            error,
            Fault({"content": "broken"}, TimeoutError, after=3),
            AIMessageChunk(content="chunk"),
        ],
        chat=True,
    )
    assert len(script) == 8
    assert script.take() == Reply(text="plain")
    assert script.take() == Reply(text="from message")
    assert script.take().text == "ab"
    assert script.take() == Reply(text="from dict", tool_calls=calls)
    assert script.take().tool_calls == [{"name": "g", "args": {}, "id": None}]
    raised = script.take()
    assert raised.error is error
    assert (raised.text, raised.tool_calls, raised.fault_error) == ("", [], None)
    faulty = script.take()
    assert faulty.text == "broken"
    assert isinstance(faulty.fault_error, TimeoutError)
    assert faulty.fault_after == 3
    assert faulty.error is None
    assert script.take().text == "chunk"


def test_llm_entries_normalize() -> None:
    script = Script(["a", KeyError, Fault("b", KeyError("k"), after=1)], chat=False)
    assert script.take() == Reply(text="a")
    assert isinstance(script.take().error, KeyError)
    faulty = script.take()
    assert (faulty.text, faulty.fault_after) == ("b", 1)
    assert isinstance(faulty.fault_error, KeyError)


def test_exception_classes_are_instantiated_at_take_time() -> None:
    script = Script([RateLimited, Fault("x", RateLimited)], chat=True)
    first = script.take()
    assert type(first.error) is RateLimited
    assert type(script.take().fault_error) is RateLimited
    # Two scripts from one entry list get two instances: nothing shared between calls.
    again = Script([RateLimited], chat=True).take()
    assert again.error is not first.error


def test_exception_instances_are_raised_as_is() -> None:
    error = RateLimited("429")
    fault = TimeoutError("mid-stream")
    script = Script([error, Fault("x", fault)], chat=False)
    assert script.take().error is error
    assert script.take().fault_error is fault


def test_a_taken_reply_is_the_callers() -> None:
    message = AIMessage(content="", tool_calls=[{"name": "f", "args": {"a": [1]}, "id": "1"}])
    reply = Script([message], chat=True).take()
    reply.tool_calls[0]["args"]["a"].append(2)
    reply.tool_calls[0]["args"]["b"] = 1
    assert message.tool_calls[0]["args"] == {"a": [1, 2]}  # the list is shared, the dict is not
    assert "b" not in message.tool_calls[0]["args"]


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        (42, "int"),
        (None, "NoneType"),
        (HumanMessage("x"), "HumanMessage"),
        (["nested"], "list"),
        (b"bytes", "bytes"),
    ],
)
def test_bad_chat_entry_names_index_type_and_allowed(entry: Any, kind: str) -> None:
    with pytest.raises(ValueError, match=r"^responses\[1\] is " + kind) as info:
        Script(["fine", entry], chat=True)
    message = str(info.value)
    assert (
        "a ChatEcho script entry must be a str, an AIMessage, a dict of AIMessage fields" in message
    )
    assert "an exception instance or class, or a Fault" in message


@pytest.mark.parametrize(
    ("entry", "where", "kind"),
    [
        (AIMessage("x"), "responses[0]", "AIMessage"),
        ({"content": "x"}, "responses[0]", "dict"),
        (Fault(AIMessage("x"), KeyError), "responses[0].reply", "AIMessage"),
        (3.5, "responses[0]", "float"),
    ],
)
def test_bad_llm_entry(entry: Any, where: str, kind: str) -> None:
    with pytest.raises(ValueError, match=rf"^{re.escape(where)} is {kind}") as info:
        Script([entry], chat=False)
    allowed = "an EchoLLM script entry must be a str, an exception instance or class, or a Fault"
    assert allowed in str(info.value)


def test_bad_dict_is_validated_as_an_ai_message() -> None:
    with pytest.raises(ValueError, match=r"responses\[0\] is a dict that is not valid AIMessage"):
        Script([{"content": 42}], chat=True)
    with pytest.raises(ValueError, match=r"responses\[1\].reply is a dict that is not valid"):
        Script(["ok", Fault({"tool_calls": [{"args": {}}]}, KeyError)], chat=True)


def test_exception_class_that_needs_arguments_is_caught_at_construction() -> None:
    with pytest.raises(ValueError, match=r"responses\[0\] is the exception class NeedsArgs, which"):
        Script([NeedsArgs], chat=True)
    with pytest.raises(ValueError, match=r"responses\[0\].error is the exception class NeedsArgs"):
        Script([Fault("x", NeedsArgs)], chat=False)
    assert Script([NeedsArgs(3)], chat=True).take().error is not None


@pytest.mark.parametrize("entries", ["hello", {"content": "x"}, 42, None])
def test_entries_must_be_a_list(entries: Any) -> None:
    with pytest.raises(ValueError, match="responses must be a list of replies"):
        Script(entries, chat=True)


def test_tuple_of_entries_is_fine() -> None:
    assert Script(("a", "b"), chat=False).take().text == "a"


# --- order and exhaustion ---------------------------------------------------------------------


def test_replies_come_in_order_then_exhaustion_says_how_many() -> None:
    script = Script(["a", "b"], chat=True)
    assert [script.take().text, script.take().text] == ["a", "b"]
    with pytest.raises(
        ScriptExhaustedError, match=r"^the script has 2 replies and all were used \(call 3\)$"
    ):
        script.take()
    with pytest.raises(ScriptExhaustedError, match=r"\(call 4\)$"):
        script.take()
    assert script.used == 4


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (["a"], r"^the script has 1 reply and it was used \(call 2\)$"),
        ([], r"^the script has no replies \(call 1\)$"),
    ],
)
def test_exhaustion_message_counts(entries: list[Any], message: str) -> None:
    script = Script(entries, chat=False)
    for _ in entries:
        script.take()
    with pytest.raises(ScriptExhaustedError, match=message):
        script.take()


def test_exhausted_error_is_a_runtime_error() -> None:
    assert issubclass(ScriptExhaustedError, RuntimeError)
    assert not issubclass(ScriptExhaustedError, (ValueError, StopIteration, IndexError))


# --- concurrency ------------------------------------------------------------------------------


def test_threads_take_each_reply_exactly_once() -> None:
    threads, per_thread = 16, 400
    total = threads * per_thread
    script = Script([str(i) for i in range(total)], chat=True)
    seen: list[list[str]] = [[] for _ in range(threads)]
    exhausted = Counter[int]()
    start = threading.Barrier(threads)

    def worker(k: int) -> None:
        start.wait()  # all at once, so that takes really contend
        for _ in range(per_thread + 2):  # 2 more each: 32 calls find the script exhausted
            try:
                seen[k].append(script.take().text)
            except ScriptExhaustedError:
                exhausted[k] += 1

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    taken = [text for texts in seen for text in texts]
    assert sorted(taken, key=int) == [str(i) for i in range(total)]
    assert sum(exhausted.values()) == 2 * threads
    # Each thread sees its own replies in script order.
    assert all(texts == sorted(texts, key=int) for texts in seen)
    assert script.used == total + 2 * threads


async def test_tasks_take_each_reply_exactly_once() -> None:
    count = 2000
    script = Script([str(i) for i in range(count)], chat=False)

    async def call() -> str:
        await asyncio.sleep(0)  # interleave the tasks
        return script.take().text

    results = await asyncio.gather(*(call() for _ in range(count)))
    assert sorted(results, key=int) == [str(i) for i in range(count)]
    with pytest.raises(ScriptExhaustedError, match=f"has {count} replies"):
        await call()


def _depth(error: BaseException) -> int:
    return len(traceback.extract_tb(error.__traceback__))


def test_an_instance_raised_by_many_calls_does_not_grow_its_traceback() -> None:
    error = RateLimited("429")
    depths = []
    for _ in range(3):
        with pytest.raises(RateLimited) as info:
            ChatEcho(responses=[error]).invoke("x")
        assert info.value is error
        depths.append(_depth(error))
    assert depths[0] == depths[1] == depths[2]


def test_a_fault_instance_raised_by_many_streams_does_not_grow_its_traceback() -> None:
    fault = Fault("hello", TimeoutError("slow"), after=2)
    depths = []
    for _ in range(3):
        with pytest.raises(TimeoutError):
            list(EchoLLM(responses=[fault]).stream("x"))
        depths.append(_depth(fault.error))  # type: ignore[arg-type]
    assert depths[0] == depths[1] == depths[2]
