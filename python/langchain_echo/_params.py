"""The fields both echo models share, their validation, and per-call options."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal, NamedTuple

from langchain_core.language_models.base import LangSmithParams
from langchain_core.runnables import RunnableConfig, ensure_config
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from langchain_echo._core import StopSet
from langchain_echo._pacing import NO_PACING, Pacing, check_delay, check_jitter, check_seed

StopMode = Literal["include", "exclude"]

PACING_KEYS = frozenset({"ttft", "itl", "jitter", "seed"})
"""The pacing options a call may override."""


def normalize_stop(value: Any, field: str = "stop") -> list[str] | None:
    """Validates stop sequences: ``None``, one string, or a list of non-empty strings.

    Raises:
        ValueError: naming the field and the bad value.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        msg = f"{field} must be a string, a list of strings or None, got {value!r}"
        raise ValueError(msg)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            msg = f"{field}[{i}] must be a string, got {item!r} ({type(item).__name__})"
            raise ValueError(msg)
        if not item:
            msg = f"{field}[{i}] is an empty string; stop sequences must be non-empty"
            raise ValueError(msg)
    return list(value)


def check_count(value: Any, field: str, minimum: int, *, optional: bool) -> int | None:
    """Validates an ``int`` field (``bool`` is not an ``int`` here) with a lower bound."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "a non-negative int" if minimum == 0 else f"an int >= {minimum}"
        msg = f"{field} must be {kind}{' or None' if optional else ''}, got {value!r}"
        raise ValueError(msg)
    return value


def check_stop_mode(value: Any) -> StopMode:
    """Validates ``stop_mode``."""
    if value not in ("include", "exclude"):
        msg = f"stop_mode must be 'include' or 'exclude', got {value!r}"
        raise ValueError(msg)
    return value  # type: ignore[no-any-return]


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
    """Everything one call of a model needs, validated."""

    n: int | None
    stops: StopSet | None
    exclude: bool
    chunk_size: int
    model_name: str
    pacing: Pacing = NO_PACING


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
    """Seconds from a call's start to its first chunk (pacing); ``None``: no wait."""

    itl: float | None = None
    """Seconds between consecutive chunks (pacing); ``None``: no wait."""

    jitter: float = 0.0
    """Each pacing delay is multiplied by a lognormal factor of mean 1 and this CV."""

    seed: int | None = None
    """Seeds each call's pacing jitter: the same seed gives the same delays."""

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
            fields = {k: kwargs.get(k, getattr(self, k)) for k in PACING_KEYS}
            return Pacing(**fields)
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

    def _call_options(self, stop: Any, kwargs: dict[str, Any]) -> CallOptions:
        """Resolves one call's options, validating every value before any work is done.

        The call's ``stop=`` replaces the default; ``model``, ``max_tokens`` (or ``n``),
        ``stop_mode`` and ``chunk_size`` keyword arguments override the fields for this call.
        ``ttft``, ``itl``, ``jitter`` and ``seed`` override the pacing fields.
        """
        if stop is None and not kwargs:
            # The fields alone: validated when set, so only compiled here (and cached).
            return CallOptions(
                n=self.n,
                stops=compile_stops(tuple(self.stop)) if self.stop else None,
                exclude=self.stop_mode == "exclude",
                chunk_size=self.chunk_size,
                model_name=self.model_name,
                pacing=self._pacing(),
            )
        stops = self.stop if stop is None else normalize_stop(stop)
        n = self.n
        for key in ("max_tokens", "n"):
            if key in kwargs:
                n = check_count(kwargs[key], key, 0, optional=True)
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

    @staticmethod
    def _side_by_side(
        config: RunnableConfig | list[RunnableConfig] | None, size: int
    ) -> RunnableConfig | list[RunnableConfig]:
        """``config`` with a thread per input unless it sets ``max_concurrency`` itself.

        LangChain's sync batch runs on a pool as large as the first config's
        ``max_concurrency`` (a handful of threads by default); paced items spend their time
        waiting, so each gets a thread and a batch takes as long as its longest item.
        """
        configs = config if isinstance(config, list) else [ensure_config(config)]
        first = configs[0] if configs else ensure_config(None)
        if first.get("max_concurrency") is None:
            first = {**first, "max_concurrency": size}
        return [first, *configs[1:]] if isinstance(config, list) else first

    def _add_ls_params(
        self, params: LangSmithParams, stop: Any, kwargs: dict[str, Any]
    ) -> LangSmithParams:
        """Completes LangChain's tracing params with the echo model's own fields."""
        params["ls_provider"] = "echo"
        params["ls_model_name"] = kwargs.get("model", self.model_name)
        n = kwargs.get("max_tokens", kwargs.get("n", self.n))
        if n is not None:
            params["ls_max_tokens"] = n
        # The effective stop sequences, as a list even where a bare string was passed.
        stops = self.stop if stop is None else normalize_stop(stop)
        if stops:
            params["ls_stop"] = stops
        else:
            params.pop("ls_stop", None)
        return params

    def _echo_identifying_params(self) -> dict[str, Any]:
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
