"""The one generation pipeline: options resolved once, one validator, strict arguments."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig

from langchain_echo import ChatEcho, EchoLLM, _pipeline
from langchain_echo._params import STANDARD_PARAMS

MODELS = [ChatEcho, EchoLLM]


def _text(reply: object) -> str:
    return reply if isinstance(reply, str) else reply.content  # type: ignore[attr-defined,return-value]


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [("max_token", "max_tokens"), ("chunksize", "chunk_size"), ("stop_mod", "stop_mode")],
)
def test_an_unknown_argument_is_named_with_the_closest_field(cls, typo, suggestion):
    pattern = rf"unknown argument '{typo}'.*did you mean '{suggestion}'"
    with pytest.raises(ValueError, match=pattern):
        cls(**{typo: 5})


@pytest.mark.parametrize("cls", MODELS)
def test_an_unknown_argument_with_no_close_field_is_named(cls):
    with pytest.raises(ValueError, match=r"unknown argument 'zzzzzz' \[") as info:
        cls(zzzzzz=1)
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize("cls", MODELS)
def test_standard_parameters_are_accepted_and_change_nothing(cls):
    values = {
        "temperature": 0.7,
        "top_p": 0.9,
        "timeout": 30,
        "max_retries": 2,
        "api_key": "sk-test",
        "base_url": "http://127.0.0.1:1",
    }
    assert set(values) == set(STANDARD_PARAMS)
    model = cls(n=3, **values)
    assert _text(model.invoke("hello")) == "hel"
    assert "sk-test" not in repr(model)


@pytest.mark.parametrize("value", ["yes", 1, "true", None])
def test_streaming_is_a_strict_bool(value):
    with pytest.raises(ValueError, match="streaming"):
        ChatEcho(streaming=value)


@pytest.mark.parametrize("cls", MODELS)
def test_unknown_call_arguments_are_ignored(cls):
    # Providers pass arguments on; an echo ignores those it does not know.
    assert _text(cls(n=2).invoke("hello", frequency_penalty=1.0, logprobs=True)) == "he"


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize("key", ["max_tokens", "n"])
def test_tracing_reads_the_options_generation_uses(cls, key):
    seen: list[dict] = []
    model = cls(n=9)
    original = model._get_ls_params

    def spy(stop=None, **kwargs):
        params = original(stop=stop, **kwargs)
        seen.append(dict(params))
        return params

    object.__setattr__(model, "_get_ls_params", spy)
    reply = model.invoke("hello world", **{key: 3})
    assert _text(reply) == "hel"
    assert seen[-1]["ls_max_tokens"] == 3


@pytest.mark.parametrize("cls", MODELS)
def test_n_and_max_tokens_together_must_agree(cls):
    with pytest.raises(ValueError, match="n and max_tokens are one option"):
        cls().invoke("hello", max_tokens=3, n=5)
    assert _text(cls().invoke("hello", max_tokens=3, n=3)) == "hel"


def test_the_pipeline_events_are_text_pieces_then_the_finish():
    options = ChatEcho(n=4, chunk_size=3, stop=["l"])._call_options(None, {})
    source = _pipeline.Source("hello")
    events = list(_pipeline.events(options, source))
    assert events == ["hel", _pipeline.Finish("stop", "l", 3)]
    assert _pipeline.whole(options, source) == ("hel", _pipeline.Finish("stop", "l", 3))
    assert _pipeline.whole_batch(options, ["hello", "ab"]) == [
        ("hel", _pipeline.Finish("stop", "l", 3)),
        ("ab", _pipeline.Finish("stop", None, 2)),
    ]


def test_finish_metadata_and_generation_info():
    finish = _pipeline.Finish("length", None, 2)
    assert finish.metadata("m") == {"model_name": "m", "finish_reason": "length"}
    assert finish.generation_info() == {"finish_reason": "length"}
    stopped = _pipeline.Finish("stop", "\n", 2)
    assert stopped.metadata("m")["stop_sequence"] == "\n"
    assert stopped.generation_info()["stop_sequence"] == "\n"


@pytest.mark.parametrize("cls", MODELS)
async def test_batch_and_abatch_agree_with_invoke(cls):
    inputs = ["hello", "goodbye", "hi"]
    model = cls(n=3)
    expected = [_text(model.invoke(i)) for i in inputs]
    assert [_text(r) for r in model.batch(inputs)] == expected
    assert [_text(r) for r in await model.abatch(inputs)] == expected
    configs: list[RunnableConfig] = [{"tags": [str(i)]} for i in range(3)]
    assert [_text(r) for r in model.batch(inputs, configs)] == expected
    assert [_text(r) for r in await model.abatch(inputs, configs)] == expected


def test_chat_batch_keeps_message_lists_as_they_are():
    model = ChatEcho()
    assert [m.content for m in model.batch([[HumanMessage("a")], "b"])] == ["a", "b"]
