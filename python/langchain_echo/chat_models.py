"""ChatEcho: a chat model that echoes the last message."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Literal, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field

from langchain_echo import _core, _pipeline
from langchain_echo._assemble import ai_message, chat_result, closing_chunk, text_chunk
from langchain_echo._emit import Completed, Emitter, acomplete, complete, emitter
from langchain_echo._params import CallOptions, EchoParams
from langchain_echo._replies import chat_source
from langchain_echo._structured import structured_output
from langchain_echo._tools import convert_tools, message_text, resolve_tool_choice, tool_names


def _usage(messages: list[BaseMessage], output_tokens: int) -> UsageMetadata:
    input_tokens = sum(_core.count_graphemes(message_text(m)) for m in messages)
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

    # --- the adapter: the pipeline's events as LangChain objects -------------------------------

    def _result(
        self, messages: list[BaseMessage], stop: Any, kwargs: dict[str, Any]
    ) -> tuple[ChatResult, list[Completed]]:
        """The result, and what pacing or recording needs to complete the call (or nothing)."""
        options = self._call_options(stop, kwargs)
        em = emitter(options.pacing)  # the call's start, for its schedule
        source = chat_source(messages, options, kwargs, self._script)
        text, finish = _pipeline.whole(options, source)
        metadata = finish.metadata(options.model_name)
        usage = _usage(messages, finish.output_tokens)
        calls = [] if em is None else [(em, text, _pipeline.chunk_total(options, source, finish))]
        if not source.tool_calls:
            return chat_result(ai_message(text, metadata, usage)), calls
        message = AIMessage(
            content=text,
            tool_calls=[
                tool_call(name=c["name"], args=c["args"], id=c["id"]) for c in source.tool_calls
            ],
            response_metadata=metadata,
            usage_metadata=usage,
        )
        return ChatResult(generations=[ChatGeneration(message=message)]), calls

    def _chunks(
        self, messages: list[BaseMessage], stop: Any, kwargs: dict[str, Any]
    ) -> tuple[Iterator[ChatGenerationChunk], Emitter | None]:
        """The call's chunks, and its emitter (made first: the call's start, for its schedule)."""
        options = self._call_options(stop, kwargs)
        em = emitter(options.pacing)
        source = chat_source(messages, options, kwargs, self._script)
        return self._adapt(messages, options, _pipeline.events(options, source)), em

    @staticmethod
    def _adapt(
        messages: list[BaseMessage], options: CallOptions, events: Iterator[_pipeline.Event]
    ) -> Iterator[ChatGenerationChunk]:
        for event in events:
            if type(event) is str:
                yield text_chunk(event)
            elif isinstance(event, _pipeline.ToolDelta):
                delta = tool_call_chunk(
                    name=event.name, args=event.args, id=event.id, index=event.call
                )
                yield ChatGenerationChunk(
                    message=AIMessageChunk(content="", tool_call_chunks=[delta])
                )
            elif isinstance(event, _pipeline.Finish):
                # The closing chunk carries usage and metadata once: merging never doubles them.
                yield closing_chunk(
                    event.metadata(options.model_name), _usage(messages, event.output_tokens)
                )

    # --- tools and structured output (SPEC 10) -------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Binds tools in OpenAI's format, as provider packages do.

        With tools bound, a call replies with tool calls (one to the named tool when
        ``tool_choice`` names one, else one to each bound tool, in order), and after a tool
        result under ``"auto"`` with the echo of that result, so an agent loop ends. Arguments
        are the input itself when it is a JSON object the tool's schema accepts, else built
        from the schema (SPEC 10).

        Args:
            tools: what ``convert_to_openai_tool`` accepts: pydantic models, TypedDicts,
                functions, ``BaseTool``s, OpenAI tool dicts.
            tool_choice: ``None``/``"auto"``, ``"none"``, ``"any"``/``"required"``, a bound
                tool's name, ``{"type": "function", "function": {"name": NAME}}``, or ``True``
                (the one bound tool).
            **kwargs: bound too, as ``bind`` does.

        Raises:
            ValueError: a tool that cannot be converted, or a choice that names no bound tool,
                named in the message.
        """
        converted = convert_tools(tools)
        resolve_tool_choice(tool_choice, tool_names(converted))  # checked at bind time
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=converted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal["function_calling", "json_schema", "json_mode"] = "function_calling",
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """A runnable that replies with ``schema``'s arguments, parsed (SPEC 10).

        ``ChatEcho().with_structured_output(Person).invoke('{"name": "Ann", "age": 3}')``
        gives ``Person(name="Ann", age=3)``: a JSON object input that the schema accepts is the
        output; any other input gives arguments built from the schema.

        Args:
            schema: a pydantic model, a TypedDict or a JSON schema (OpenAI tool dicts too);
                ``None`` only with ``method="json_mode"``.
            method: ``"function_calling"`` (a tool call, parsed), ``"json_schema"`` or
                ``"json_mode"`` (the same arguments as JSON text content, parsed).
            include_raw: give ``{"raw": AIMessage, "parsed": ..., "parsing_error": ...}``.
            **kwargs: ``strict`` is accepted and ignored (an echo's output always fits).
        """
        return structured_output(self, schema, method=method, include_raw=include_raw, **kwargs)

    # --- LangChain's entry points: one line each onto the pipeline -----------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        result, calls = self._result(messages, stop, kwargs)
        complete(calls)  # paced: returns at the last chunk's deadline
        return result

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        result, calls = self._result(messages, stop, kwargs)
        await acomplete(calls)
        return result

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        return _pipeline.drive(*self._chunks(messages, stop, kwargs), run_manager)

    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        return _pipeline.adrive(*self._chunks(messages, stop, kwargs), run_manager)

    # --- batches: one generate() call instead of a thread per input (EchoParams.batch) ---------

    def _batch_input(self, value: LanguageModelInput) -> list[BaseMessage]:
        """A list of messages as it is, anything else as LangChain converts it."""
        if isinstance(value, list) and all(isinstance(m, BaseMessage) for m in value):
            return value
        return self._convert_input(value).to_messages()

    @staticmethod
    def _batch_outputs(result: LLMResult) -> list[AIMessage]:
        return [cast("AIMessage", cast("ChatGeneration", g[0]).message) for g in result.generations]
