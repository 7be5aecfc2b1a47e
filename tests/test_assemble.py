"""Results and chunks are assembled without re-validation: exactly what pydantic would build.

These run on the locked and on the lowest langchain-core (`make test-lowest`).
"""

from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, GenerationChunk

from langchain_echo import ChatEcho, _assemble

# The import-time check's own comparison: type, equality, repr, field order, fields set, extra
# and dump.
same = _assemble._same


def test_the_assemblers_are_in_use_here():
    # With the pinned langchain-core and pydantic, the import-time check passes; were it to
    # fail, ChatEcho would fall back to the validating constructors (still correct, slower).
    assert _assemble.VERIFIED
    assert _assemble.ai_message is _assemble._fast_ai_message
    assert _assemble.chat_result is _assemble._fast_result
    assert _assemble.text_chunk is _assemble._fast_text_chunk
    assert _assemble.closing_chunk is _assemble._fast_closing_chunk
    assert _assemble.generation_chunk is _assemble._fast_generation_chunk


def test_the_import_check_compares_every_assembler():
    pairs = _assemble._pairs()
    kinds = {type(fast) for fast, _ in pairs}
    assert kinds >= {AIMessage, ChatResult, ChatGeneration, ChatGenerationChunk, AIMessageChunk}
    assert GenerationChunk in kinds
    assert all(same(fast, checked) for fast, checked in pairs)
    # The comparison can fail: a field that differs is seen.
    fast, checked = pairs[0]
    assert not same(fast, checked.model_copy(update={"content": "other"}))


@settings(max_examples=200, deadline=None)
@given(
    content=st.text(),
    reason=st.sampled_from(["stop", "length"]),
    stop=st.none() | st.text(min_size=1),
    counts=st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)),
)
def test_assembled_results_equal_validated_ones(content, reason, stop, counts):
    metadata = {"model_name": "echo", "finish_reason": reason}
    if stop is not None:
        metadata["stop_sequence"] = stop
    usage = {"input_tokens": counts[0], "output_tokens": counts[1], "total_tokens": sum(counts)}
    fast = _assemble._fast_ai_message(content, dict(metadata), dict(usage))
    slow = AIMessage(content=content, response_metadata=dict(metadata), usage_metadata=dict(usage))
    assert same(fast, slow)
    fast_result = _assemble._fast_result(fast)
    slow_result = ChatResult(generations=[ChatGeneration(message=slow)])
    assert same(fast_result, slow_result)
    assert same(fast_result.generations[0], slow_result.generations[0])


def test_assembled_objects_do_not_share_mutable_state():
    a = _assemble.ai_message("a", {}, {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2})
    b = _assemble.ai_message("b", {}, {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2})
    a.tool_calls.append({"name": "x", "args": {}, "id": "1", "type": "tool_call"})
    a.additional_kwargs["k"] = 1
    a.id = "set later"
    assert b.tool_calls == []
    assert b.additional_kwargs == {}
    assert b.id is None
    assert "id" in a.model_fields_set
    assert "id" not in b.model_fields_set


def test_a_chat_echo_reply_is_a_normal_ai_message():
    reply = ChatEcho(n=3).invoke("hello")
    assert same(
        reply,
        AIMessage(
            content="hel",
            response_metadata=reply.response_metadata,
            usage_metadata=reply.usage_metadata,
            id=reply.id,
        ),
    )


@settings(max_examples=200, deadline=None)
@given(text=st.text(), info=st.none() | st.just({"finish_reason": "length"}))
def test_assembled_chunks_equal_validated_ones(text, info):
    assert same(
        _assemble._fast_text_chunk(text), ChatGenerationChunk(message=AIMessageChunk(content=text))
    )
    usage = {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    metadata = {"model_name": "echo", "finish_reason": "stop"}
    assert same(
        _assemble._fast_closing_chunk(dict(metadata), dict(usage)),
        ChatGenerationChunk(
            message=AIMessageChunk(
                content="", chunk_position="last", response_metadata=metadata, usage_metadata=usage
            )
        ),
    )
    assert same(
        _assemble._fast_generation_chunk(GenerationChunk, text, info),
        GenerationChunk(text=text, generation_info=info),
    )


def test_assembled_chunks_do_not_share_mutable_state():
    a, b = _assemble.text_chunk("a"), _assemble.text_chunk("b")
    a.message.response_metadata["k"] = 1
    a.message.tool_call_chunks.append({"name": "x", "args": "", "id": "1", "index": 0})
    assert b.message.response_metadata == {}
    assert b.message.tool_call_chunks == []


def test_streamed_chunks_merge_like_validated_ones():
    chunks = list(ChatEcho(chunk_size=2).stream("hello"))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert merged.content == "hello"
    assert merged.usage_metadata == {"input_tokens": 5, "output_tokens": 5, "total_tokens": 10}
    assert merged.response_metadata["finish_reason"] == "stop"
