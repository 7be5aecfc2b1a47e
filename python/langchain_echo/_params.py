"""The fields both echo models share, their validation, and per-call options."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable
from functools import lru_cache
from typing import Any, ClassVar, Literal, NamedTuple

from langchain_core.language_models.base import LangSmithParams
from langchain_core.outputs import LLMResult
from langchain_core.runnables import RunnableConfig, ensure_config
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from typing_extensions import Self

from langchain_echo import _core
from langchain_echo._core import StopSet
from langchain_echo._emit import batch_start
from langchain_echo._pacing import NO_PACING, Pacing, check_delay, check_jitter, check_seed
from langchain_echo._script import Script

StopMode = Literal["include", "exclude"]
"""Whether a matched stop sequence stays in the output: the one definition in Python."""


def normalize_stop(value: Any, field: str = "stop") -> list[str] | None:
    """Validates stop sequences: ``None``, one string, or a list of non-empty strings.

    Raises:
        ValueError: naming the field and the bad value (``_core.check_stop``).
    """
    return _core.check_stop(value, field)


def check_count(value: Any, field: str, minimum: int, *, optional: bool) -> int | None:
    """Validates an ``int`` field (``bool`` is not an ``int`` here) with a lower bound.

    Raises:
        ValueError: naming the field and the bad value (``_core.check_count``).
    """
    return _core.check_count(value, field, minimum, optional)


def check_stop_mode(value: Any) -> StopMode:
    """Validates ``stop_mode``.

    Raises:
        ValueError: naming the bad value (``_core.check_stop_mode``).
    """
    return _core.check_stop_mode(value)


@lru_cache(maxsize=256)
def compile_stops(stops: tuple[str, ...]) -> StopSet:
    """The compiled set for ``stops``; calls that repeat a set reuse its automaton."""
    return StopSet(list(stops))


def generate_args(config: RunnableConfig) -> dict[str, Any]:
    """``generate()``'s arguments from one config shared by a whole batch."""
    return {
        "callbacks": config.get("callbacks"),
        "tags": config.get("tags"),
        "metadata": config.get("metadata"),
        "run_name": config.get("run_name"),
    }


class CallOptions(NamedTuple):
    """Everything one call of a model needs, validated: resolved once per call."""

    n: int | None
    stop: list[str] | None
    stops: StopSet | None
    exclude: bool
    chunk_size: int
    model_name: str
    pacing: Pacing = NO_PACING

    def ls_params(self, params: LangSmithParams) -> LangSmithParams:
        """LangChain's tracing params completed from these options."""
        params["ls_provider"] = "echo"
        params["ls_model_name"] = self.model_name
        if self.n is not None:
            params["ls_max_tokens"] = self.n
        else:
            params.pop("ls_max_tokens", None)
        if self.stop:
            params["ls_stop"] = list(self.stop)
        else:
            params.pop("ls_stop", None)
        return params


# The per-call keyword arguments that override a field; any other is ignored, as providers ignore
# (or pass on) arguments they do not know.
PACING_KEYS = frozenset({"ttft", "itl", "jitter", "seed"})
"""The pacing options a call may override (SPEC 12)."""

_OVERRIDES = frozenset({"n", "max_tokens", "stop_mode", "chunk_size", "model"}) | PACING_KEYS

# LangChain's standard model parameters, which the standard suites and `init_chat_model`-style
# code pass to any model: accepted, validated for type, and ignored by an echo.
STANDARD_PARAMS = ("temperature", "top_p", "timeout", "max_retries", "api_key", "base_url")


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class EchoParams(BaseModel):
    """Fields shared by :class:`~langchain_echo.EchoLLM` and :class:`~langchain_echo.ChatEcho`."""

    model_config = ConfigDict(populate_by_name=True, validate_assignment=True)

    n: int | None = Field(default=None, alias="max_tokens")
    """At most this many graphemes are echoed (LangChain's ``max_tokens``); ``None``: no limit."""

    stop: list[str] | None = None
    """Default stop sequences. A call's ``stop=`` replaces them; a bare string is one sequence."""

    stop_mode: StopMode = "include"
    """``"include"``: a matched stop sequence stays in the output; ``"exclude"``: it is cut."""

    chunk_size: int = 1
    """Graphemes per streamed chunk."""

    model_name: str = Field(default="echo", alias="model")
    """Reported in identifying params, ``response_metadata`` and tracing; ``model=`` overrides."""

    ttft: float | None = None
    """Seconds from a call's start to its first chunk (pacing, SPEC 12); ``None``: no wait."""

    itl: float | None = None
    """Seconds between consecutive chunks (pacing); ``None``: no wait."""

    jitter: float = 0.0
    """Each pacing delay is multiplied by a lognormal factor of mean 1 and this CV."""

    seed: int | None = None
    """Seeds each call's pacing jitter: the same seed gives the same delays."""

    temperature: float | None = None
    """Accepted and ignored: an echo is deterministic (LangChain's standard parameter)."""

    top_p: float | None = None
    """Accepted and ignored (LangChain's standard parameter)."""

    timeout: float | None = None
    """Accepted and ignored: an echo never waits on a network (LangChain's standard parameter)."""

    max_retries: int | None = Field(default=None, strict=True)
    """Accepted and ignored: an echo never fails on its own (LangChain's standard parameter)."""

    responses: list[Any] | None = None
    """Scripted replies, one per call, in order (SPEC 11); ``None``: every call echoes.

    ``ChatEcho`` takes a ``str``, an ``AIMessage`` or a dict of its fields (text and tool
    calls), an exception instance or class (raised by that call before any output) or a
    :class:`~langchain_echo.Fault`; ``EchoLLM`` a ``str``, an exception or a ``Fault``. A call
    after the last entry raises :class:`~langchain_echo.ScriptExhaustedError`.
    """

    _script: Script | None = PrivateAttr(default=None)
    _chat_script: ClassVar[bool] = True

    api_key: SecretStr | None = Field(default=None, repr=False)
    """Accepted and ignored: an echo calls no API (LangChain's standard parameter)."""

    base_url: str | None = None
    """Accepted and ignored: an echo calls no API (LangChain's standard parameter)."""

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown(cls, values: Any) -> Any:
        """An unknown argument is an error naming it, with the closest field suggested.

        A typo such as ``max_token=5`` would otherwise be dropped, and the model would echo
        everything while the test that set it believes otherwise.
        """
        if isinstance(values, dict):
            known = set(cls.model_fields)
            known.update(f.alias for f in cls.model_fields.values() if f.alias)
            for name in values:
                if name not in known:
                    public = sorted(k for k in known if not k.startswith("_"))
                    msg = f"{cls.__name__} got an unknown argument {name!r}{_suggest(name, public)}"
                    raise ValueError(msg)
        return values

    @model_validator(mode="after")
    def _build_script(self) -> Self:
        # Validated as a whole here (each entry's index and type named), on assignment too.
        chat = self._chat_script
        self._script = None if self.responses is None else Script(self.responses, chat=chat)
        return self

    @field_validator("ttft", "itl", mode="before")
    @classmethod
    def _check_delay(cls, value: Any, info: ValidationInfo) -> float | None:
        return check_delay(value, info.field_name or "delay")

    @field_validator("jitter", mode="before")
    @classmethod
    def _check_jitter(cls, value: Any) -> float:
        return check_jitter(value)

    @field_validator("seed", mode="before")
    @classmethod
    def _check_seed(cls, value: Any) -> int | None:
        return check_seed(value)

    def _pacing(self, kwargs: dict[str, Any] | None = None) -> Pacing:
        """The fields' pacing, with a call's ``ttft``/``itl``/``jitter``/``seed`` overrides."""
        if kwargs and not PACING_KEYS.isdisjoint(kwargs):
            return Pacing(**{k: kwargs.get(k, getattr(self, k)) for k in PACING_KEYS})
        if self.ttft is None and self.itl is None:
            return NO_PACING
        return Pacing(self.ttft, self.itl, self.jitter, self.seed)

    @field_validator("n", mode="before")
    @classmethod
    def _check_n(cls, value: Any) -> int | None:
        return check_count(value, "n (max_tokens)", 0, optional=True)

    @field_validator("chunk_size", mode="before")
    @classmethod
    def _check_chunk_size(cls, value: Any) -> int | None:
        return check_count(value, "chunk_size", 1, optional=False)

    @field_validator("stop", mode="before")
    @classmethod
    def _check_stop(cls, value: Any) -> list[str] | None:
        return normalize_stop(value)

    @field_validator("stop_mode", mode="before")
    @classmethod
    def _check_stop_mode(cls, value: Any) -> StopMode:
        return check_stop_mode(value)

    def _defaults(self) -> CallOptions:
        """The fields alone as call options (validated when set; compiled here, and cached)."""
        return CallOptions(
            n=self.n,
            stop=self.stop,
            stops=compile_stops(tuple(self.stop)) if self.stop else None,
            exclude=self.stop_mode == "exclude",
            chunk_size=self.chunk_size,
            model_name=self.model_name,
            pacing=self._pacing(),
        )

    def _call_options(self, stop: Any, kwargs: dict[str, Any]) -> CallOptions:
        """Resolves one call's options, validating every value before any work is done.

        The call's ``stop=`` replaces the default; ``model``, ``max_tokens`` (or ``n``),
        ``stop_mode`` and ``chunk_size`` keyword arguments override the fields for this call,
        and ``ttft``, ``itl``, ``jitter`` and ``seed`` the pacing fields. Tracing
        (``_get_ls_params``) and generation both read what this returns.
        """
        if stop is None and _OVERRIDES.isdisjoint(kwargs):
            return self._defaults()
        stops = self.stop if stop is None else normalize_stop(stop)
        n = self.n
        given = [k for k in ("n", "max_tokens") if k in kwargs]
        if len(given) == 2 and kwargs["n"] != kwargs["max_tokens"]:
            msg = (
                "n and max_tokens are one option; got n="
                f"{kwargs['n']!r} and max_tokens={kwargs['max_tokens']!r}"
            )
            raise ValueError(msg)
        if given:
            n = check_count(kwargs[given[0]], given[0], 0, optional=True)
        mode = check_stop_mode(kwargs["stop_mode"]) if "stop_mode" in kwargs else self.stop_mode
        chunk_size = self.chunk_size
        if "chunk_size" in kwargs:
            chunk_size = check_count(kwargs["chunk_size"], "chunk_size", 1, optional=False) or 1
        model_name = kwargs.get("model", self.model_name)
        if not isinstance(model_name, str):
            msg = f"model must be a string, got {model_name!r}"
            raise ValueError(msg)
        return CallOptions(
            n=n,
            stop=stops,
            stops=compile_stops(tuple(stops)) if stops else None,
            exclude=mode == "exclude",
            chunk_size=chunk_size,
            model_name=model_name,
            pacing=self._pacing(kwargs),
        )

    @staticmethod
    def _shared_config(
        config: RunnableConfig | list[RunnableConfig] | None,
    ) -> RunnableConfig | None:
        """The one config a whole batch shares, or None where LangChain's own batch is needed.

        A batch with one config can run as one ``generate()`` call, which sets up callbacks
        once for all inputs. Per-input configs, a run id or a concurrency limit need LangChain's
        own batch.
        """
        if isinstance(config, list):
            return None
        config = ensure_config(config)
        if config.get("run_id") is not None or config.get("max_concurrency") is not None:
            return None
        return config

    # --- batches: one generate() call for the whole batch, on both models ---------------------

    def _batched(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None,
        return_exceptions: bool,
        kwargs: dict[str, Any],
        run: str,
    ) -> Any:
        """``batch`` (``run="batch"``) or ``abatch`` (``"abatch"``, whose result is awaited).

        With one config for the whole batch, one ``generate()`` (or ``agenerate()``) call serves
        every input: callbacks are set up once for all (each input still gets its own run),
        instead of a thread and a callback manager per input. Per-input configs, a run id, a
        concurrency limit or per-input exceptions need LangChain's own batch.
        """
        # (This mixin comes first in both models' bases: `super()` is LangChain's model.)
        model: Any = self
        shared = None if return_exceptions else self._shared_config(config)
        if shared is None or not inputs:
            base: Any = super()
            return getattr(base, run)(inputs, config, return_exceptions=return_exceptions, **kwargs)
        # Validated once, before any callback fires, so a bad option fails the batch cleanly.
        options = self._call_options(kwargs.get("stop"), kwargs)
        converted = [model._batch_input(i) for i in inputs]
        arguments = {**generate_args(shared), **kwargs}
        if run == "abatch":
            # agenerate() gathers its inputs: paced, they wait side by side on the loop.
            return model._abatch_outputs(model.agenerate(converted, **arguments))
        # Paced, every input's schedule counts from the batch's start (SPEC 12: a batch takes
        # as long as its longest item), though generate() runs the inputs one after another.
        with batch_start(options.pacing):
            return model._batch_outputs(model.generate(converted, **arguments))

    async def _abatch_outputs(self, result: Awaitable[LLMResult]) -> list[Any]:
        model: Any = self
        return model._batch_outputs(await result)  # type: ignore[no-any-return]

    def batch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Replies to every input, in order, as ``invoke`` would, through one ``generate()``."""
        return self._batched(inputs, config, return_exceptions, kwargs, "batch")  # type: ignore[no-any-return]

    async def abatch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Replies to every input, in order, as ``ainvoke`` would, through one ``agenerate()``."""
        return await self._batched(inputs, config, return_exceptions, kwargs, "abatch")  # type: ignore[no-any-return]

    # --- what LangChain reads of both models -----------------------------------------------

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        """LangChain's tracing params, completed from the call's resolved options."""
        base: Any = super()
        params: LangSmithParams = base._get_ls_params(stop=stop, **kwargs)
        return self._call_options(stop, kwargs).ls_params(params)

    @property
    def _identifying_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model_name": self.model_name,
            "n": self.n,
            "stop": self.stop,
            "stop_mode": self.stop_mode,
            "chunk_size": self.chunk_size,
        }
        # Pacing changes when, not what, a model answers: shown only where it is set, so that
        # an unpaced model prints as it always has.
        if self.ttft is not None or self.itl is not None:
            params.update(ttft=self.ttft, itl=self.itl, jitter=self.jitter, seed=self.seed)
        return params
