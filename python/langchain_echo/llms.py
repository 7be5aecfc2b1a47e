"""EchoLLM: a text-completion model that echoes its prompt."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LLM, LanguageModelInput
from langchain_core.outputs import Generation, GenerationChunk, LLMResult

from langchain_echo import _pipeline
from langchain_echo._assemble import generation_chunk
from langchain_echo._emit import Completed, Emitter, acomplete, complete, emitter
from langchain_echo._params import EchoParams
from langchain_echo._replies import llm_source


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

    _chat_script: ClassVar[bool] = False

    @property
    def _llm_type(self) -> str:
        return "echo"

    # --- the adapter: the pipeline's events as LangChain objects -------------------------------

    def _result(
        self, prompts: list[str], stop: Any, kwargs: dict[str, Any]
    ) -> tuple[LLMResult, list[Completed]]:
        """The result, and what pacing or recording needs of each prompt's call (or nothing).

        The prompts' calls run side by side: each has its own schedule, all starting now.
        """
        options = self._call_options(stop, kwargs)
        first = emitter(options.pacing)
        emitters = [] if first is None else [first, *(emitter(options.pacing) for _ in prompts[1:])]
        sources = [llm_source(p, self._script) for p in prompts]  # scripted: in input order
        replies = (
            _pipeline.whole_batch(options, prompts)
            if self._script is None
            else [_pipeline.whole(options, source) for source in sources]
        )
        result = LLMResult(
            generations=[
                [Generation(text=text, generation_info=finish.generation_info())]
                for text, finish in replies
            ],
            llm_output={"model_name": options.model_name},
        )
        calls = [
            (em, text, _pipeline.chunk_total(options, source, finish))
            for em, source, (text, finish) in zip(emitters, sources, replies, strict=False)
            if em is not None
        ]
        return result, calls

    def _chunks(
        self, prompt: str, stop: Any, kwargs: dict[str, Any]
    ) -> tuple[Iterator[GenerationChunk], Emitter | None]:
        """The call's chunks, and its emitter (made first: the call's start, for its schedule)."""
        options = self._call_options(stop, kwargs)
        em = emitter(options.pacing)
        source = llm_source(prompt, self._script)
        return self._adapt(_pipeline.events(options, source)), em

    @staticmethod
    def _adapt(events: Iterator[_pipeline.Event]) -> Iterator[GenerationChunk]:
        # The last text chunk carries generation_info, so each piece is held until the next
        # event shows whether it is the last (no wait: events come as fast as they are asked).
        held: str | None = None
        try:
            for event in events:
                if type(event) is str:
                    if held is not None:
                        yield generation_chunk(_Chunk, held, None)
                    held = event
                elif isinstance(event, _pipeline.Finish):
                    # An empty output streams one empty chunk.
                    yield generation_chunk(_Chunk, held or "", event.generation_info())
        except Exception:
            # A scripted fault after k chunks: the held k-th chunk still reaches the consumer.
            if held is not None:
                yield generation_chunk(_Chunk, held, None)
            raise

    # --- LangChain's entry points: one line each onto the pipeline -----------------------------

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        result, calls = self._result([prompt], stop, kwargs)
        complete(calls)
        return result.generations[0][0].text

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        result, calls = self._result(prompts, stop, kwargs)
        complete(calls)  # paced: returns at the last (longest) call's last deadline
        return result

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        result, calls = self._result(prompts, stop, kwargs)
        await acomplete(calls)
        return result

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        # The LLM framework never fires on_llm_new_token itself: the driver does, before each yield.
        return _pipeline.drive(*self._chunks(prompt, stop, kwargs), run_manager)

    def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        return _pipeline.adrive(*self._chunks(prompt, stop, kwargs), run_manager)

    # --- batches: one generate() call for the whole batch (EchoParams.batch) ------------------

    def _batch_input(self, value: LanguageModelInput) -> str:
        return self._convert_input(value).to_string()

    @staticmethod
    def _batch_outputs(result: LLMResult) -> list[str]:
        return [g[0].text for g in result.generations]
