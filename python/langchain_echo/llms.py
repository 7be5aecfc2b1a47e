"""EchoLLM: a text-completion model that echoes its prompt."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LLM, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from langchain_core.runnables import RunnableConfig

from langchain_echo import _core
from langchain_echo._params import EchoParams, generate_args


class _Chunk(GenerationChunk):
    """A streamed chunk whose ``+=`` keeps LangChain's ``LLM.stream`` linear.

    ``LLM.stream`` adds every chunk to the first with ``+=``, which for plain chunks copies the
    whole text so far each time (quadratic in the output). Here the first ``+=`` starts a private
    accumulator that later ones append to in place, so a stream costs time linear in its output.
    The chunks handed out are never changed.
    """

    @classmethod
    def lc_id(cls) -> list[str]:
        return GenerationChunk.lc_id()

    def __repr_name__(self) -> str:
        return "GenerationChunk"

    def __iadd__(self, other: GenerationChunk) -> GenerationChunk:
        return _Accumulated(text=self.text, generation_info=self.generation_info).__iadd__(other)


class _Accumulated(_Chunk):
    """The text streamed so far, owned by LangChain's stream loop alone: grows in place."""

    def __iadd__(self, other: GenerationChunk) -> GenerationChunk:
        if not isinstance(other, GenerationChunk):
            return NotImplemented
        fields = self.__dict__
        # With the field's reference dropped, CPython appends to the string in place.
        text = fields.pop("text")
        text += other.text
        fields["text"] = text
        if other.generation_info:
            self.generation_info = {**(self.generation_info or {}), **other.generation_info}
        return self


def _generation_info(finish_reason: str, stop_sequence: str | None) -> dict[str, Any]:
    info: dict[str, Any] = {"finish_reason": finish_reason}
    if stop_sequence is not None:
        info["stop_sequence"] = stop_sequence
    return info


class EchoLLM(EchoParams, LLM):
    """A deterministic LLM that echoes the first ``n`` graphemes of its prompt.

    Counting is in extended grapheme clusters (Unicode 17), so an emoji or an accented letter is
    never split; stop sequences are honoured (and kept in the output, unless
    ``stop_mode="exclude"``); streaming yields ``chunk_size`` graphemes per chunk and fires
    ``on_llm_new_token`` before each one. The text work is done by a Rust core.

    Setup:
        .. code-block:: bash

            pip install langchain-echo

    Instantiate:
        .. code-block:: python

            from langchain_echo import EchoLLM

            llm = EchoLLM(n=5)

    Invoke:
        .. code-block:: python

            llm.invoke("This is a foobar thing")  # 'This '
            llm.invoke("one. two.", stop=["."])  # 'one.'

    Stream:
        .. code-block:: python

            for token in llm.stream("hello"):
                print(token, end="|")  # h|e|l|l|o|

    Batch:
        .. code-block:: python

            llm.batch(["woof woof woof", "meow meow meow"])  # ['woof ', 'meow ']
    """

    @property
    def _llm_type(self) -> str:
        return "echo"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return self._echo_identifying_params()

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return self._add_ls_params(super()._get_ls_params(stop=stop, **kwargs), stop, kwargs)

    # --- one prompt -------------------------------------------------------------------------

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        o = self._call_options(stop, kwargs)
        return _core.echo(prompt, o.n, o.stops, o.exclude).text

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        o = self._call_options(stop, kwargs)
        return _core.echo(prompt, o.n, o.stops, o.exclude).text

    # --- many prompts: one native call --------------------------------------------------------

    def _echo_all(self, prompts: list[str], stop: Any, kwargs: dict[str, Any]) -> LLMResult:
        o = self._call_options(stop, kwargs)
        return LLMResult(
            generations=[
                [
                    Generation(
                        text=r.text,
                        generation_info=_generation_info(r.finish_reason, r.stop_sequence),
                    )
                ]
                for r in _core.echo_batch(prompts, o.n, o.stops, o.exclude)
            ],
            llm_output={"model_name": o.model_name},
        )

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        return self._echo_all(prompts, stop, kwargs)

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        return self._echo_all(prompts, stop, kwargs)

    def batch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[str]:
        """Echoes every input, in order, as ``invoke`` would, in one native call.

        With one config for the whole batch, callbacks are set up once for all prompts (each
        still gets its own run), instead of once per prompt.
        """
        shared = self._shared_config(config)
        if shared is None or not inputs:
            return super().batch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        try:
            self._call_options(kwargs.get("stop"), kwargs)
            result = self.generate_prompt(
                [self._convert_input(i) for i in inputs], **generate_args(shared), **kwargs
            )
        except Exception as e:
            if return_exceptions:
                return cast("list[str]", [e for _ in inputs])
            raise
        return [g[0].text for g in result.generations]

    async def abatch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[str]:
        """Echoes every input, in order, as ``ainvoke`` would, in one native call."""
        shared = self._shared_config(config)
        if shared is None or not inputs:
            return await super().abatch(
                inputs, config, return_exceptions=return_exceptions, **kwargs
            )
        try:
            self._call_options(kwargs.get("stop"), kwargs)
            result = await self.agenerate_prompt(
                [self._convert_input(i) for i in inputs], **generate_args(shared), **kwargs
            )
        except Exception as e:
            if return_exceptions:
                return cast("list[str]", [e for _ in inputs])
            raise
        return [g[0].text for g in result.generations]

    # --- streaming ----------------------------------------------------------------------------

    def _chunks(self, prompt: str, stop: Any, kwargs: dict[str, Any]) -> Iterator[GenerationChunk]:
        o = self._call_options(stop, kwargs)
        stream = _core.EchoStream(prompt, o.n, o.stops, o.exclude, o.chunk_size)
        empty = True
        for text in stream:
            empty = False
            reason = stream.finish_reason
            yield _Chunk(
                text=text,
                generation_info=None
                if reason is None
                else _generation_info(reason, stream.stop_sequence),
            )
        if empty:
            yield _Chunk(
                text="",
                generation_info=_generation_info(
                    stream.finish_reason or "stop", stream.stop_sequence
                ),
            )

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for chunk in self._chunks(prompt, stop, kwargs):
            # The LLM framework never fires this itself: the model must, before the yield.
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
        for chunk in self._chunks(prompt, stop, kwargs):
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
