"""EchoLLM: a text-completion model that echoes its prompt."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LLM
from langchain_core.language_models.base import LangSmithParams
from langchain_core.outputs import Generation, GenerationChunk, LLMResult

from langchain_echo import _core
from langchain_echo._params import EchoParams


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
        return _core.echo(prompt, o.n, o.stops, o.exclude)[0]

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        o = self._call_options(stop, kwargs)
        return _core.echo(prompt, o.n, o.stops, o.exclude)[0]

    # --- many prompts: one native call --------------------------------------------------------

    def _echo_all(self, prompts: list[str], stop: Any, kwargs: dict[str, Any]) -> LLMResult:
        o = self._call_options(stop, kwargs)
        return LLMResult(
            generations=[
                [Generation(text=text, generation_info=_generation_info(reason, stop_seq))]
                for text, reason, stop_seq, _ in _core.echo_batch(prompts, o.n, o.stops, o.exclude)
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

    # --- streaming ----------------------------------------------------------------------------

    def _chunks(self, prompt: str, stop: Any, kwargs: dict[str, Any]) -> Iterator[GenerationChunk]:
        o = self._call_options(stop, kwargs)
        stream = _core.EchoStream(prompt, o.n, o.stops, o.exclude, o.chunk_size)
        empty = True
        for text in stream:
            empty = False
            reason = stream.finish_reason
            yield GenerationChunk(
                text=text,
                generation_info=None
                if reason is None
                else _generation_info(reason, stream.stop_sequence),
            )
        if empty:
            yield GenerationChunk(
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
