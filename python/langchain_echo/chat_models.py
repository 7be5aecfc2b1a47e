"""ChatEcho: a chat model that echoes the last message."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult
from langchain_core.runnables import RunnableConfig

from langchain_echo import _core
from langchain_echo._assemble import ai_message, chat_result
from langchain_echo._params import CallOptions, EchoParams, generate_args


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


def _messages_of(model: BaseChatModel, value: LanguageModelInput) -> list[BaseMessage]:
    """An input's messages: a list of messages as it is, anything else as LangChain converts it."""
    if isinstance(value, list) and all(isinstance(m, BaseMessage) for m in value):
        return value
    return model._convert_input(value).to_messages()


def _messages(result: LLMResult) -> list[AIMessage]:
    return [cast("AIMessage", cast("ChatGeneration", g[0]).message) for g in result.generations]


def _response_metadata(model_name: str, reason: str, stop_sequence: str | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"model_name": model_name, "finish_reason": reason}
    if stop_sequence is not None:
        metadata["stop_sequence"] = stop_sequence
    return metadata


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

    streaming: bool = False
    """Whether ``invoke`` is served by streaming (so callbacks see every chunk)."""

    @property
    def _llm_type(self) -> str:
        return "echo-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return self._echo_identifying_params()

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return self._add_ls_params(super()._get_ls_params(stop=stop, **kwargs), stop, kwargs)

    # --- one conversation ---------------------------------------------------------------------

    def _result(self, messages: list[BaseMessage], stop: Any, kwargs: dict[str, Any]) -> ChatResult:
        o = self._call_options(stop, kwargs)
        echoed = _core.echo(_source(messages), o.n, o.stops, o.exclude)
        message = ai_message(
            echoed.text,
            _response_metadata(o.model_name, echoed.finish_reason, echoed.stop_sequence),
            _usage(messages, echoed.output_graphemes),
        )
        return chat_result(message)

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

    # --- streaming ----------------------------------------------------------------------------

    def _chunks(
        self, messages: list[BaseMessage], stop: Any, kwargs: dict[str, Any]
    ) -> Iterator[ChatGenerationChunk]:
        o = self._call_options(stop, kwargs)
        stream = _core.EchoStream(_source(messages), o.n, o.stops, o.exclude, o.chunk_size)
        for text in stream:
            yield ChatGenerationChunk(message=AIMessageChunk(content=text))
        # The closing chunk carries usage and metadata once, so merging never doubles them.
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                chunk_position="last",
                response_metadata=_response_metadata(
                    o.model_name, stream.finish_reason or "stop", stream.stop_sequence
                ),
                usage_metadata=_usage(messages, stream.output_graphemes or 0),
            )
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._chunks(messages, stop, kwargs):
            # LangChain fires the callback itself wherever it does not pass a run manager.
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._chunks(messages, stop, kwargs):
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    # --- batches: one generate() call instead of a thread per input ---------------------------

    def _batch_messages(
        self, inputs: Sequence[LanguageModelInput], kwargs: dict[str, Any]
    ) -> tuple[list[list[BaseMessage]], CallOptions]:
        # Validate once, before any callback fires, so a bad option fails the batch cleanly.
        options = self._call_options(kwargs.get("stop"), kwargs)
        return [_messages_of(self, i) for i in inputs], options

    def batch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[AIMessage]:
        """Echoes every input, in order, as ``invoke`` would, through one ``generate()`` call."""
        # Per-input exceptions need LangChain's batch, which runs each input on its own.
        shared = None if return_exceptions else self._shared_config(config)
        if shared is None or not inputs:
            return super().batch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        messages, _ = self._batch_messages(inputs, kwargs)
        result = self.generate(
            messages,
            **generate_args(shared),
            **kwargs,
        )
        return _messages(result)

    async def abatch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[AIMessage]:
        """Echoes every input, in order, as ``ainvoke`` would, through one ``agenerate()``."""
        shared = None if return_exceptions else self._shared_config(config)
        if shared is None or not inputs:
            return await super().abatch(
                inputs, config, return_exceptions=return_exceptions, **kwargs
            )
        messages, _ = self._batch_messages(inputs, kwargs)
        result = await self.agenerate(
            messages,
            **generate_args(shared),
            **kwargs,
        )
        return _messages(result)
