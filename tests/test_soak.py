"""The soak (``make soak``), scaled down to a few seconds: every path, every output checked.

Asserts what must hold at any scale: no wrong output, no error but the script's, no file
descriptor, thread or task left behind. The memory goal (RSS growth after warm-up) belongs to
the full run and is not asserted here.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_echo import ChatEcho, EchoLLM
from langchain_echo._soak import (
    Counts,
    SoakReport,
    prefix_ok,
    same_invoke,
    same_stream,
    settled_blocks,
    soak,
)

SMALL = Counts(
    invokes=2_000,
    streams=300,
    abandoned=400,
    scripted=350,
    tool_streams=200,
    threads=16,
    thread_calls=800,
    paced=200,
    paced_rounds=1,
)


def test_a_small_soak_finds_nothing_wrong() -> None:
    report = soak(SMALL, seed=1)
    assert report.wrong == {}, report.first_problems
    assert report.errors == {}, report.first_problems
    assert set(report.scripted_errors) <= {"RateLimited", "TimeoutError", "ScriptExhaustedError"}
    assert report.scripted_errors["RateLimited"] > 0
    assert report.scripted_errors["TimeoutError"] > 0
    assert report.leaks == []
    assert report.fds_after == report.fds_before
    assert report.threads_after == report.threads_before
    assert report.tasks_left == 0
    assert dict(report.calls) == {
        "invoke": 2_000,
        "stream": 300,
        "astream": 300,
        "abandoned": 400,
        "scripted": 350,
        "tool streams": 200,
        "threads": 800,
        "paced": 200,
    }
    assert report.ok


# The checks themselves must see what they guard against.


def test_same_invoke_and_same_stream_see_a_wrong_output() -> None:
    chat = ChatEcho(chunk_size=2)
    expected = chat.invoke("hello")
    chunks = list(chat.stream("hello"))
    assert same_invoke(chat.invoke("hello"), expected)
    assert same_stream(chunks, expected)
    assert not same_invoke(chat.invoke("hellO"), expected)
    assert not same_stream(chunks[1:], expected)  # a chunk lost
    assert not same_stream(chunks[:-1], expected)  # no closing chunk: no usage
    assert not same_stream([*chunks[:-1], AIMessageChunk(content="")], expected)
    assert not same_stream([], expected)
    assert same_stream(list(EchoLLM().stream("hey")), "hey")
    assert not same_stream(["h", "e"], "hey")


def test_same_stream_merges_tool_calls() -> None:
    def add(a: int, b: int) -> int:
        """Adds."""
        return a + b

    model = ChatEcho(chunk_size=3).bind_tools([add])
    expected = model.invoke('{"a": 1, "b": 2}')
    chunks = list(model.stream('{"a": 1, "b": 2}'))
    assert same_stream(chunks, expected)
    other = list(model.stream('{"a": 1, "b": 3}'))
    assert not same_stream(other, expected)


@pytest.mark.parametrize(
    ("chunks", "expected", "ok"),
    [
        (["he"], "hello", True),
        ([], "hello", True),
        (["hx"], "hello", False),
        ([AIMessageChunk(content="he")], "hello", True),
    ],
)
def test_prefix_ok(chunks: list[Any], expected: Any, ok: bool) -> None:
    assert prefix_ok(chunks, expected) is ok


def test_the_report_names_what_was_left_behind() -> None:
    report = SoakReport(SMALL, fds_before=5, fds_after=7, threads_before=["a"])
    report.threads_after = ["a", "b"]
    report.tasks_left = 3
    assert report.leaks == ["2 file descriptors", "threads ['b']", "3 tasks"]
    assert not report.ok
    report = SoakReport(SMALL)
    report.wrong["invoke"] += 1
    assert not report.ok
    assert "wrong outputs         1" in str(report)


def test_scaled_counts_keep_threads_and_concurrency() -> None:
    scaled = Counts().scaled(0.001)
    assert (scaled.invokes, scaled.streams, scaled.threads, scaled.paced) == (1_000, 100, 16, 1_000)
    assert scaled.paced_rounds == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--scale", "0"], "--scale must be > 0"), (["--invokes", "0"], "--invokes must be >= 1")],
)
def test_bad_command_options_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from langchain_echo.__main__ import main

    assert main(["soak", *args]) == 2
    assert message in capsys.readouterr().err


def test_settled_blocks_counts_what_is_kept_alive() -> None:
    before = settled_blocks()
    kept = [object() for _ in range(10_000)]
    during = settled_blocks()
    del kept
    after = settled_blocks()
    assert during - before >= 10_000
    assert after - before < 1_000


def test_the_report_names_the_allocator_and_the_blocks_growth() -> None:
    report = SoakReport(Counts(), blocks_baseline=1_000, blocks_final=1_250, allocator="malloc")
    assert report.blocks_growth == 250
    assert "allocated blocks      +250 (objects still alive; allocator: malloc)" in str(report)
