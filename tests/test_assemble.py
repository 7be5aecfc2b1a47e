"""ChatEcho's results are assembled without re-validation: exactly what pydantic would build."""

from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from langchain_echo import ChatEcho, _assemble

# The import-time check's own comparison: type, equality, repr, field order, fields set, extra
# and dump.
same = _assemble._same


def test_the_assemblers_are_in_use_here():
    # With the pinned langchain-core and pydantic, the import-time check passes; were it to
    # fail, ChatEcho would fall back to the validating constructors (still correct, slower).
    assert _assemble.VERIFIED
    assert _assemble.ai_message is _assemble._fast_ai_message


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
