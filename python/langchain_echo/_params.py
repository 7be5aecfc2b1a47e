"""The fields both echo models share, their validation, and per-call options."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal, NamedTuple

from langchain_core.language_models.base import LangSmithParams
from langchain_core.runnables import RunnableConfig, ensure_config
from pydantic import BaseModel, ConfigDict, Field, field_validator

from langchain_echo import _core
from langchain_echo._core import StopSet

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
    """Everything one call of a model needs, validated."""

    n: int | None
    stops: StopSet | None
    exclude: bool
    chunk_size: int
    model_name: str


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
        """
        if stop is None and not kwargs:
            # The fields alone: validated when set, so only compiled here (and cached).
            return CallOptions(
                n=self.n,
                stops=compile_stops(tuple(self.stop)) if self.stop else None,
                exclude=self.stop_mode == "exclude",
                chunk_size=self.chunk_size,
                model_name=self.model_name,
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
        return {
            "model_name": self.model_name,
            "n": self.n,
            "stop": self.stop,
            "stop_mode": self.stop_mode,
            "chunk_size": self.chunk_size,
        }
