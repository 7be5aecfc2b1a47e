"""ChatEcho: a chat model that echoes the last message."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult
from pydantic import Field

from langchain_echo import _core, _pipeline
from langchain_echo._assemble import ai_message, chat_result, closing_chunk, text_chunk
from langchain_echo._params import CallOptions, EchoParams


def _text(message: BaseMessage) -> str:
    """A message's text: string content as is, the text blocks of list content joined."""
    content = message.content
    return content if isinstance(content, str) else str(message.text)


def _source(messages: list[BaseMessage]) -> str:
    if not messages:
        msg = "ChatEcho needs at least one message to echo, got an empty message list"
        raise ValueError(msg)
    return _text(messages[-1])


def _usage(messages: list[BaseMessage], output_tokens: int) -> UsageMetadata:
    input_tokens = sum(_core.count_graphemes(_text(m)) for m in messages)
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }


class ChatEcho(EchoParams, BaseChatModel):
    """A deterministic chat model that echoes the first ``n`` graphemes of the last message.

    Counting is in extended grapheme clusters (Unicode 17), so an emoji or an accented letter is
    never split; stop sequences are honoured (and kept in the output, unless
    ``stop_mode="exclude"``); responses carry ``finish_reason``, ``model_name`` and grapheme-counted
    ``usage_metadata``. The text work is done by a Rust core; async paths are native.

    Setup:
        .. code-block:: bash

            pip install langchain-echo

    Instantiate:
        .. code-block:: python

            from langchain_echo import ChatEcho

            model = ChatEcho(n=3, model="my_custom_model")

    Invoke:
        .. code-block:: python

            model.invoke("hello")  # AIMessage(content='hel', ...)

    Stream:
        .. code-block:: python

            for chunk in model.stream("cat"):
                print(chunk.content, end="|")  # c|a|t||

    Batch:
        .. code-block:: python

            model.batch(["hello", "goodbye"])  # [AIMessage('hel'), AIMessage('goo')]
    """

    streaming: bool = Field(default=False, strict=True)
    """Whether ``invoke`` is served by streaming (so callbacks see every chunk)."""

    @property
    def _llm_type(self) -> str:
        return "echo-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return self._echo_identifying_params()

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return self._add_ls_params(super()._get_ls_params(stop=stop, **kwargs), stop, kwargs)

    # --- the adapter: the pipeline's events as LangChain objects -------------------------------

    def _result(self, messages: list[BaseMessage], stop: Any, kwargs: dict[str, Any]) -> ChatResult:
        options = self._call_options(stop, kwargs)
        text, finish = _pipeline.whole(options, _source(messages))
        return chat_result(
            ai_message(
                text,
                finish.metadata(options.model_name),
                _usage(messages, finish.output_tokens),
            )
        )

    def _chunks(
        self, messages: list[BaseMessage], stop: Any, kwargs: dict[str, Any]
    ) -> Iterator[ChatGenerationChunk]:
        options = self._call_options(stop, kwargs)
        return self._adapt(messages, options, _pipeline.events(options, _source(messages)))

    @staticmethod
    def _adapt(
        messages: list[BaseMessage], options: CallOptions, events: Iterator[_pipeline.Event]
    ) -> Iterator[ChatGenerationChunk]:
        for event in events:
            if type(event) is str:
                yield text_chunk(event)
            elif isinstance(event, _pipeline.Finish):
                # The closing chunk carries usage and metadata once: merging never doubles them.
                yield closing_chunk(
                    event.metadata(options.model_name), _usage(messages, event.output_tokens)
                )

    # --- LangChain's entry points: one line each onto the pipeline -----------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._result(messages, stop, kwargs)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._result(messages, stop, kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        return _pipeline.drive(self._chunks(messages, stop, kwargs), run_manager)

    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        return _pipeline.adrive(self._chunks(messages, stop, kwargs), run_manager)

    # --- batches: one generate() call instead of a thread per input (EchoParams.batch) ---------

    def _batch_input(self, value: LanguageModelInput) -> list[BaseMessage]:
        """A list of messages as it is, anything else as LangChain converts it."""
        if isinstance(value, list) and all(isinstance(m, BaseMessage) for m in value):
            return value
        return self._convert_input(value).to_messages()

    @staticmethod
    def _batch_outputs(result: LLMResult) -> list[AIMessage]:
        return [cast("AIMessage", cast("ChatGeneration", g[0]).message) for g in result.generations]
