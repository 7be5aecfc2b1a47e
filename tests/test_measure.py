"""measure_stream / ameasure_stream and StreamReport (SPEC §13).

Pairing and lag arithmetic are checked exactly on synthetic records; real pipelines are checked
for structure (counts, pairing, text, how the lags relate to the stream's times), never against
a duration.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessageChunk
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, PromptTemplate
from langchain_core.runnables import RunnableLambda

from langchain_echo import ChatEcho, EchoLLM, StreamReport, ameasure_stream, measure_stream
from langchain_echo.measure import delivery, pair, percentile, received_text, report, seconds

CHAT_PROMPT = ChatPromptTemplate.from_messages([("human", "{q}")])
LLM_PROMPT = PromptTemplate.from_template("{q}")
TEXT = "héllo, wörld 👋🏽!"


def plain(model: Any) -> Any:
    return CHAT_PROMPT | model | StrOutputParser()


def buffering(model: Any) -> Any:
    return CHAT_PROMPT | model | (lambda message: message)


def _collect(chunks: Iterator[str]) -> Iterator[str]:
    yield "".join(chunks)


def collecting(model: Any) -> Any:
    return CHAT_PROMPT | model | StrOutputParser() | RunnableLambda(_collect)


def upper(model: Any) -> Any:
    return CHAT_PROMPT | model | StrOutputParser() | (lambda text: text.upper())


# --- synthetic records: exact arithmetic ---------------------------------------------------------


def test_a_pass_through_stream_lags_each_chunk_by_its_own_delay() -> None:
    r = report(
        0.0,
        [(1.0, 1), (2.0, 2), (3.0, 3), (3.0, 3)],
        [(1.25, "a"), (2.5, "b"), (3.75, "c"), (4.0, "")],
        "abc",
    )
    assert r.paired_by == "offset"
    assert r.lags == (0.25, 0.5, 0.75, 1.0)
    assert (r.lag_p50, r.lag_max) == (0.625, 1.0)
    assert (r.ttft_model, r.ttft_consumer, r.total_model, r.total_consumer) == (1.0, 1.25, 3.0, 4.0)
    assert (r.chunks_emitted, r.chunks_received, r.text_intact) == (4, 4, True)


def test_a_buffered_stream_lags_the_whole_stream() -> None:
    r = report(0.0, [(1.0, 1), (2.0, 2), (3.0, 3), (3.0, 3)], [(3.5, "abc")], "abc")
    assert r.paired_by == "offset"
    assert r.lags == (2.5, 1.5, 0.5, 0.5)
    assert r.lag_max == 2.5 == r.total_consumer - r.ttft_model


def test_a_chunk_split_by_the_pipeline_arrives_with_its_last_piece() -> None:
    r = report(0.0, [(1.0, 2), (2.0, 4)], [(1.1, "a"), (1.2, "b"), (2.1, "cd")], "abcd")
    assert r.lags == pytest.approx((0.2, 0.1))


def test_non_text_chunks_are_paired_by_order_and_the_end_delivers_the_rest() -> None:
    r = report(0.0, [(1.0, 1), (2.0, 2), (3.0, 3)], [(1.5, {"x": 1}), (3.5, {"x": 2})], "abc")
    assert r.paired_by == "order"
    assert r.text_intact is False
    assert r.lags == (0.5, 1.5, 0.5)


def test_altered_text_is_paired_by_order() -> None:
    r = report(0.0, [(1.0, 1), (2.0, 2)], [(1.5, "A"), (2.5, "B")], "ab")
    assert (r.paired_by, r.text_intact, r.lags) == ("order", False, (0.5, 0.5))


def test_text_the_consumer_never_gets_has_no_lag() -> None:
    r = report(0.0, [(1.0, 1), (2.0, 2), (3.0, 3)], [(1.5, "a")], "abc")
    assert r.paired_by == "offset"
    assert r.text_intact is False
    assert r.lags[0] == 0.5
    assert all(math.isnan(lag) for lag in r.lags[1:])
    assert r.lag_max == 0.5


def test_several_model_calls_chain_their_offsets() -> None:
    # Two calls: "ab" then "cd"; each restarts its offsets at 0.
    emissions = [(1.0, 1), (2.0, 2), (3.0, 1), (4.0, 2)]
    r = report(
        0.0, emissions, [(t + 0.5, c) for t, c in zip((1, 2, 3, 4), "abcd", strict=True)], "abcd"
    )
    assert r.paired_by == "offset"
    assert r.lags == (0.5, 0.5, 0.5, 0.5)


def test_nothing_recorded_is_nan_and_json_safe() -> None:
    r = report(0.0, [], [], "")
    assert math.isnan(r.ttft_model)
    assert math.isnan(r.lag_p50)
    data = r.to_dict()
    assert data["ttft_model"] is None
    assert "lags" not in data
    json.dumps(data, allow_nan=False)
    assert "-" in str(r)


@pytest.mark.parametrize(
    ("offsets", "texts", "model_text", "expected"),
    [
        ([1, 2, 3], ["a", "b", "c"], "abc", ([0, 1, 2], "offset")),
        ([1, 2, 3, 3], ["a", "b", "c", ""], "abc", ([0, 1, 2, 3], "offset")),
        ([1, 2, 3, 3], ["abc", ""], "abc", ([2, 3], "offset")),
        ([1, 2, 3, 3], ["", "abc"], "abc", ([0, 2], "offset")),
        ([2, 4], ["a", "b", "cd"], "abcd", ([0, 0, 1], "offset")),
        ([1, 2], ["x", "y", "z"], "ab", ([0, 1, 1], "order")),
        ([1, 2], [None, "b"], "ab", ([0, 1], "order")),
        ([], ["a"], "a", ([], "order")),
    ],
)
def test_pair(
    offsets: list[int],
    texts: list[str | None],
    model_text: str,
    expected: tuple[list[int], str],
) -> None:
    assert pair(offsets, texts, model_text) == expected


def test_delivery() -> None:
    assert delivery([0, 2], [5.0, 6.0], 3, 3) == [5.0, 6.0, 6.0]
    assert delivery([2], [9.0], 4, 4) == [9.0, 9.0, 9.0, 9.0]
    assert delivery([0], [9.0], 1, 3) == [9.0, None, None]
    assert delivery([], [], 0, 2) == [None, None]


def test_percentile() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))


def test_received_text() -> None:
    assert received_text("x") == "x"
    assert received_text(AIMessageChunk(content=[{"type": "text", "text": "hi"}])) == "hi"
    assert received_text({"text": "x"}) is None


def test_seconds() -> None:
    assert [seconds(v) for v in (4.12e-5, 0.0103, 1.25, math.nan)] == [
        "41.2 µs",
        "10.30 ms",
        "1.250 s",
        "-",
    ]


# --- real pipelines ------------------------------------------------------------------------------


def _sane(r: StreamReport) -> None:
    assert r.ttft_model <= r.total_model
    assert r.ttft_consumer <= r.total_consumer
    assert r.ttft_model <= r.ttft_consumer
    finite = [lag for lag in r.lags if not math.isnan(lag)]
    assert finite
    assert all(lag >= 0 for lag in finite)
    assert r.lag_p50 <= r.lag_p90 <= r.lag_p99 <= r.lag_max == max(finite)


def test_a_plain_chain_passes_every_chunk_through() -> None:
    r = measure_stream(plain, {"q": TEXT}, chunk_size=2)
    assert len(ChatEcho().invoke(TEXT).content) == 16  # code points; 15 graphemes
    assert r.chunks_emitted == 8 + 1  # 15 graphemes in 2s, and the closing chunk
    assert r.chunks_received == r.chunks_emitted
    assert r.text_intact is True
    assert r.paired_by == "offset"
    assert len(r.lags) == r.chunks_emitted
    _sane(r)


@pytest.mark.parametrize("build", [buffering, collecting], ids=["non-streaming-step", "collector"])
def test_a_buffering_chain_shows_one_chunk_and_the_whole_stream(build: Any) -> None:
    r = measure_stream(build, {"q": "abcdefgh"}, itl=0.001)
    assert r.chunks_emitted == 9
    assert r.chunks_received == 1
    assert r.text_intact is True
    _sane(r)
    # The first chunk waited from its emission to the end: the lag spans the whole stream.
    assert r.lag_max == r.lags[0] == pytest.approx(r.total_consumer - r.ttft_model)
    assert list(r.lags) == sorted(r.lags, reverse=True)
    assert r.lag_max > r.total_model - r.ttft_model  # more than the model's whole stream


def test_a_step_that_alters_text_is_not_intact() -> None:
    r = measure_stream(upper, {"q": "abc"})
    assert r.text_intact is False
    assert r.paired_by == "order"
    assert r.chunks_received == 1  # a plain function buffers as well
    _sane(r)


def test_a_step_that_drops_text_is_not_intact() -> None:
    r = measure_stream(lambda m: plain(m) | (lambda s: s[:1]), {"q": "abc"})
    assert r.text_intact is False


def test_echo_llm() -> None:
    r = measure_stream(
        lambda model: LLM_PROMPT | model | StrOutputParser(),
        {"q": TEXT},
        model_cls=EchoLLM,
        itl=0.0005,
    )
    assert r.chunks_emitted == 15  # graphemes, and no closing chunk
    assert r.chunks_received == 15
    assert r.text_intact is True
    assert r.paired_by == "offset"
    _sane(r)


def test_the_model_itself() -> None:
    r = measure_stream(lambda model: model, TEXT, n=3)
    assert (r.chunks_emitted, r.chunks_received, r.text_intact) == (4, 4, True)


async def test_async_plain_and_buffering() -> None:
    r = await ameasure_stream(plain, {"q": TEXT}, ttft=0.001)
    assert (r.chunks_emitted, r.chunks_received, r.text_intact) == (16, 16, True)
    _sane(r)
    r = await ameasure_stream(buffering, {"q": "abcd"}, itl=0.001)
    assert (r.chunks_emitted, r.chunks_received, r.text_intact) == (5, 1, True)
    assert r.lag_max == r.lags[0] == pytest.approx(r.total_consumer - r.ttft_model)


async def test_async_echo_llm() -> None:
    r = await ameasure_stream(lambda m: m, "abc", model_cls=EchoLLM, chunk_size=2)
    assert (r.chunks_emitted, r.chunks_received, r.text_intact) == (2, 2, True)


def test_a_pipeline_that_calls_the_model_twice() -> None:
    def twice(model: Any) -> Any:
        return plain(model) | (lambda text: {"q": text + "!"}) | plain(model)

    r = measure_stream(twice, {"q": "ab"})
    assert r.chunks_emitted == 3 + 4  # "ab" + closing, then "ab!" + closing
    assert r.text_intact is False  # the consumer sees the second call's text only
    _sane(r)


def test_options_reach_the_model_and_user_callbacks_are_kept() -> None:
    seen: list[str] = []

    class Tokens(BaseCallbackHandler):
        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            seen.append(token)

    models: list[Any] = []

    def build(model: Any) -> Any:
        models.append(model)
        return model

    measure_stream(build, "hello", n=2, chunk_size=1, callbacks=[Tokens()])
    assert models[0].n == 2
    assert seen == ["h", "e", ""]


def test_the_report_prints_as_a_table() -> None:
    text = str(measure_stream(plain, {"q": "abc"}))
    assert text.splitlines()[0] == "stream report (chunks paired by offset)"
    for label in ("time to first chunk, model", "lag per chunk, p99", "text intact"):
        assert label in text
    assert text.splitlines()[-1].split() == ["text", "intact", "yes"]
