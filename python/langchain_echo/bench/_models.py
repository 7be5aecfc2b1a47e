"""The models ours are measured against.

- *Seed-like*: what LangChain's how-to guides teach people to write, in pure Python: slicing by
  code point, a ``_stream`` loop, no native async (so ``astream``/``ainvoke`` take LangChain's
  thread-pool path).
- *Floor*: a model of the same base class whose ``_generate``/``_stream``/``_astream`` hand out
  results and chunks built in advance (firing ``on_llm_new_token`` where LangChain passes a run
  manager): the least any subclass can cost on that path, LangChain's own per-chunk charge. Its
  async methods are native, so it is also the native-async floor.
- *Fresh-chunk floor* (shown beside P1/P3): the floor, but handing out a new chunk per piece,
  assembled without validation as ``ChatEcho`` assembles its own: the least a model whose
  chunks are new objects can cost (LangChain keeps every chunk of a stream alive until it is
  merged, so new objects also cost collector time).
- *Fresh-result floor* (P5): a chat model whose ``_generate`` builds a plain ``AIMessage`` per
  input and does nothing else: the least a model that returns new messages can cost.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LLM, BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
    Generation,
    GenerationChunk,
    LLMResult,
)
from pydantic import PrivateAttr

from langchain_echo._assemble import closing_chunk, text_chunk


class SeedLLM(LLM):
    """The seed guide's custom LLM: echoes the first ``n`` code points of the prompt."""

    n: int

    @property
    def _llm_type(self) -> str:
        return "seed-llm"

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return prompt[: self.n]

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for char in prompt[: self.n]:
            chunk = GenerationChunk(text=char)
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": "SeedLLM"}


class SeedChat(BaseChatModel):
    """The seed guide's chat model: echoes the first ``n`` code points of the last message."""

    n: int
    model_name: str = "seed-chat"

    @property
    def _llm_type(self) -> str:
        return "seed-chat"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tokens = str(messages[-1].content)[: self.n]
        message = AIMessage(content=tokens, response_metadata={"model_name": self.model_name})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for token in str(messages[-1].content)[: self.n]:
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk
        chunk = ChatGenerationChunk(
            message=AIMessageChunk(content="", response_metadata={"model_name": self.model_name})
        )
        if run_manager:
            run_manager.on_llm_new_token("", chunk=chunk)
        yield chunk


class FloorLLM(LLM):
    """An LLM that hands out pre-built results: ``texts`` (its outputs) and ``chunks``."""

    texts: list[str]
    pieces: list[str]
    _chunks: list[GenerationChunk] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        self._chunks = [GenerationChunk(text=p) for p in self.pieces]

    @property
    def _llm_type(self) -> str:
        return "floor-llm"

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return self.texts[0]

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return self.texts[0]

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        texts = self.texts
        return LLMResult(generations=[[Generation(text=texts[i])] for i in range(len(prompts))])

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        return self._generate(prompts)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for chunk in self._chunks:
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        for chunk in self._chunks:
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


class FreshChat(BaseChatModel):
    """The least a chat model that returns fresh results can cost.

    Its ``_generate`` builds a plain ``AIMessage`` of the input's text each call (LangChain then
    sets its id, which the floor's reused results skip), and does nothing else.
    """

    @property
    def _llm_type(self) -> str:
        return "fresh-chat"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = AIMessage(content=messages[-1].content)
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages)


class FloorChat(BaseChatModel):
    """A chat model that hands out pre-built results: ``texts`` in turn, and stream ``pieces``."""

    texts: list[str]
    pieces: list[str]
    _results: Iterator[ChatResult] = PrivateAttr()
    _stream_chunks: list[ChatGenerationChunk] = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        results = [
            ChatResult(generations=[ChatGeneration(message=AIMessage(t))]) for t in self.texts
        ]
        self._results = itertools.cycle(results)
        self._stream_chunks = [
            ChatGenerationChunk(message=AIMessageChunk(content=p)) for p in self.pieces
        ]
        self._stream_chunks.append(
            ChatGenerationChunk(message=AIMessageChunk(content="", chunk_position="last"))
        )

    @property
    def _llm_type(self) -> str:
        return "floor-chat"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return next(self._results)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return next(self._results)

    def _chunks(self) -> Iterator[ChatGenerationChunk]:
        # Built once, handed out every stream. (LangChain sets an id and metadata on the chunks
        # it is given; doing so again on a reused chunk costs the same.)
        return iter(self._stream_chunks)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._chunks():
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
        for chunk in self._chunks():
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


class FreshChunkChat(FloorChat):
    """:class:`FloorChat` handing out a new, assembled chunk per piece instead of prebuilt ones."""

    def _chunks(self) -> Iterator[ChatGenerationChunk]:
        for piece in self.pieces:
            yield text_chunk(piece)
        yield closing_chunk({}, {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0})
