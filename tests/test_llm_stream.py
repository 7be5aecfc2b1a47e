"""EchoLLM's streamed chunks: LangChain's accumulation stays exact, and chunks never change."""

import asyncio

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd
from langchain_core.outputs import GenerationChunk

from langchain_echo import EchoLLM


class Recorder(BaseCallbackHandler):
    def __init__(self):
        self.tokens = []
        self.ends = []
        self.errors = []

    def on_llm_new_token(self, token, *, chunk=None, **kwargs):
        self.tokens.append((token, chunk, None if chunk is None else chunk.text))

    def on_llm_end(self, response, **kwargs):
        self.ends.append(response)

    def on_llm_error(self, error, *, response=None, **kwargs):
        self.errors.append((error, response))


TEXT = "héllo wörld 👨‍👩‍👧‍👦 " * 300


@pytest.mark.parametrize("chunk_size", [1, 7])
def test_the_end_result_is_the_whole_output_and_chunks_are_unchanged(chunk_size):
    llm = EchoLLM(stop=["👧"], chunk_size=chunk_size)
    rec = Recorder()
    streamed = list(llm.stream(TEXT, config={"callbacks": [rec]}))
    expected = llm.invoke(TEXT)
    assert "".join(streamed) == expected
    (end,) = rec.ends
    (generation,) = end.generations[0]
    assert isinstance(generation, GenerationChunk)
    assert generation.text == expected
    assert generation.generation_info == {"finish_reason": "stop", "stop_sequence": "👧"}
    # Every chunk a callback saw still holds the text it had then.
    assert [t for t, _, _ in rec.tokens] == streamed
    assert all(chunk.text == seen for _, chunk, seen in rec.tokens)
    assert dumpd(generation)["id"] == ["langchain", "schema", "output", "GenerationChunk"]
    assert repr(generation).startswith("GenerationChunk(")


def test_async_stream_accumulates_the_same():
    llm = EchoLLM(n=1000)
    rec = Recorder()

    async def run():
        return [t async for t in llm.astream(TEXT, config={"callbacks": [rec]})]

    streamed = asyncio.run(run())
    assert rec.ends[0].generations[0][0].text == "".join(streamed) == llm.invoke(TEXT)


def test_an_abandoned_stream_reports_exactly_what_was_received():
    rec = Recorder()
    stream = EchoLLM().stream(TEXT, config={"callbacks": [rec]})
    received = [next(stream) for _ in range(25)]
    stream.close()
    ((error, response),) = rec.errors
    assert isinstance(error, GeneratorExit)
    # LangChain adds a chunk to its total only once the consumer asks for the next one.
    assert response.generations[0][0].text == "".join(received[:-1])


def test_adding_chunks_by_hand_still_works():
    chunks = list(EchoLLM(n=3)._stream("abc"))
    total = chunks[0] + chunks[1] + chunks[2]
    assert total.text == "abc"
    assert [c.text for c in chunks] == ["a", "b", "c"]
    running = chunks[0]
    running += chunks[1]
    running += chunks[2]
    assert running.text == "abc"
    assert [c.text for c in chunks] == ["a", "b", "c"]
    assert running.generation_info == {"finish_reason": "stop"}
