"""``langchain-echo overhead``: a pipeline's or a server's streaming overhead, from the shell.

Two modes:

- ``langchain-echo overhead MODULE:FUNCTION``: ``FUNCTION(model)`` returns the pipeline to
  measure; each round streams the input through it once with ``stream`` and once with
  ``astream`` (:func:`langchain_echo.measure.measure_stream`), and the table shows the median
  of each figure over the rounds, sync and async side by side.
- ``langchain-echo overhead --url URL``: ``--requests`` GET requests, ``--concurrency`` at a
  time, to a server that streams a paced echo model's output as server-sent events (one
  ``data:`` event per chunk, then ``event: end``; ``examples/sse_server.py`` is one). The
  pacing options and the input go as query parameters (``input``, ``ttft``, ``itl``,
  ``jitter``, ``seed``, ``chunk_size``), so the server paces as told; each event's arrival is
  compared with the model's schedule counted from the request's start (``due_i = start + ttft +
  i * itl``, with the seed's jitter where a seed is given). Needs ``httpx`` (the ``overhead``
  extra).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import json
import math
import statistics
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langchain_echo._core import count_graphemes
from langchain_echo._pacing import Pacing
from langchain_echo.measure import (
    StreamReport,
    ameasure_stream,
    measure_stream,
    percentile,
    render,
    seconds,
)

__all__ = ["ServerReport", "add_arguments", "generated_text", "load", "main"]

PROG = "langchain-echo overhead"

WORDS = (
    "the quick brown fox jumps over the lazy dog while a café owner named Zoë serves crème "
    "brûlée and the naïve coöperative votes 👍🏽 on a résumé from São Paulo 🇧🇷 before dawn "
)


def generated_text(graphemes: int) -> str:
    """A deterministic text of exactly ``graphemes`` graphemes: prose with accents and emoji."""
    from langchain_echo._core import graphemes as split

    if graphemes <= 0:
        return ""
    units = split(WORDS)
    repeats = -(-graphemes // len(units))
    return "".join((units * repeats)[:graphemes])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``overhead`` command's options."""
    parser.add_argument(
        "target",
        nargs="?",
        metavar="MODULE:FUNCTION",
        help="FUNCTION(model) returns the pipeline to measure (MODULE may be a .py path)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of sync + async (5)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    model = parser.add_argument_group("the echo model")
    model.add_argument("--ttft", type=float, help="seconds to the first chunk")
    model.add_argument("--itl", type=float, help="seconds between chunks")
    model.add_argument("--jitter", type=float, default=0.0, help="CV of each delay (0)")
    model.add_argument("--seed", type=int, help="seed of the jitter")
    model.add_argument("--chunk-size", type=int, default=1, help="graphemes per chunk (1)")
    model.add_argument(
        "--model", choices=("chat", "llm"), default="chat", help="ChatEcho or EchoLLM (chat)"
    )
    source = model.add_mutually_exclusive_group()
    source.add_argument(
        "--graphemes", type=int, default=200, help="input: a generated text of N graphemes (200)"
    )
    source.add_argument("--input", metavar="TEXT", help="input: this text")
    model.add_argument(
        "--input-key",
        metavar="KEY",
        help="pass the input as {KEY: text} (for a chain that starts with a prompt template)",
    )
    server = parser.add_argument_group("a server (--url)")
    server.add_argument("--url", help="measure this server-sent-events endpoint instead")
    server.add_argument("--concurrency", type=int, default=1, help="streams at a time (1)")
    server.add_argument("--requests", type=int, help="streams in all (--concurrency)")
    server.add_argument("--timeout", type=float, default=60.0, help="seconds per request (60)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


class Bar:
    """A progress bar on standard error, drawn only when it is a terminal."""

    def __init__(self, total: int, label: str, *, enabled: bool) -> None:
        self.total = max(total, 1)
        self.label = label
        self.done = 0
        self.enabled = enabled and sys.stderr.isatty()
        self._draw()

    def _draw(self) -> None:
        if self.enabled:
            filled = 30 * self.done // self.total
            bar = "#" * filled + "." * (30 - filled)
            sys.stderr.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
            sys.stderr.flush()

    def step(self) -> None:
        """One more done."""
        self.done += 1
        self._draw()

    def close(self) -> None:
        """Ends the bar's line."""
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


class UsageError(Exception):
    """A bad command line or an unreachable target: one line on stderr, exit code 2."""


def load(target: str) -> Callable[[Any], Any]:
    """Imports ``MODULE:FUNCTION`` (``MODULE`` dotted, from the current folder, or a .py path).

    Raises:
        UsageError: When it cannot be imported or is not callable.
    """
    module_name, _, attr = target.rpartition(":")
    if not module_name or not attr:
        msg = f"expected MODULE:FUNCTION, got {target!r}"
        raise UsageError(msg)
    try:
        if module_name.endswith(".py"):
            spec = importlib.util.spec_from_file_location(Path(module_name).stem, module_name)
            if spec is None or spec.loader is None:
                msg = f"cannot load {module_name}"
                raise UsageError(msg)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            if "" not in sys.path and str(Path.cwd()) not in sys.path:
                sys.path.insert(0, str(Path.cwd()))
            module = importlib.import_module(module_name)
    except (ImportError, OSError) as e:
        msg = f"cannot import {module_name}: {e}"
        raise UsageError(msg) from e
    build = getattr(module, attr, None)
    if not callable(build):
        msg = f"{module_name} has no callable {attr!r}"
        raise UsageError(msg)
    return build  # type: ignore[no-any-return]


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """The model's options from the command line, validated as the model validates them."""
    from langchain_echo import ChatEcho

    options: dict[str, Any] = {"chunk_size": args.chunk_size, "jitter": args.jitter}
    for key in ("ttft", "itl", "seed"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    try:
        ChatEcho(**options)
    except ValueError as e:  # pydantic's ValidationError is one
        errors = getattr(e, "errors", None)
        detail = "; ".join(str(x.get("msg")) for x in errors()) if callable(errors) else str(e)
        raise UsageError(detail.removeprefix("Value error, ")) from e
    return options


def _pacing(options: dict[str, Any]) -> Pacing:
    """The schedule the server keeps, as far as the client can know it.

    With a seed the server's jitter is reproducible, so the client draws the same delays;
    without one it can only compare with the nominal schedule.
    """
    seed = options.get("seed")
    jitter = options["jitter"] if seed is not None else 0.0
    return Pacing(options.get("ttft"), options.get("itl"), jitter, seed)


def _text(args: argparse.Namespace) -> str:
    return args.input if args.input is not None else generated_text(args.graphemes)


def median_report(reports: Sequence[StreamReport]) -> StreamReport:
    """Each figure's median over rounds; ``text_intact`` only if every round's was."""

    def med(name: str) -> float:
        values: list[float] = [getattr(r, name) for r in reports]
        values = [v for v in values if not math.isnan(v)]
        return statistics.median(values) if values else math.nan

    def count(name: str) -> int:
        counts: list[int] = [getattr(r, name) for r in reports]
        return round(statistics.median(counts))

    return StreamReport(
        ttft_model=med("ttft_model"),
        ttft_consumer=med("ttft_consumer"),
        lag_p50=med("lag_p50"),
        lag_p90=med("lag_p90"),
        lag_p99=med("lag_p99"),
        lag_max=med("lag_max"),
        chunks_emitted=count("chunks_emitted"),
        chunks_received=count("chunks_received"),
        text_intact=all(r.text_intact for r in reports),
        total_model=med("total_model"),
        total_consumer=med("total_consumer"),
        paired_by=Counter(r.paired_by for r in reports).most_common(1)[0][0],
    )


def run_pipeline(args: argparse.Namespace) -> int:
    """The ``MODULE:FUNCTION`` mode."""
    if args.rounds < 1:
        msg = f"--rounds must be >= 1, got {args.rounds}"
        raise UsageError(msg)
    build = load(args.target)
    from langchain_echo import ChatEcho, EchoLLM

    model_cls = ChatEcho if args.model == "chat" else EchoLLM
    options = _options(args)
    text = _text(args)
    value: Any = text if args.input_key is None else {args.input_key: text}
    sync: list[StreamReport] = []
    async_: list[StreamReport] = []
    bar = Bar(2 * args.rounds, "overhead", enabled=not args.quiet)
    loop = asyncio.new_event_loop()
    try:
        for _ in range(args.rounds):
            sync.append(measure_stream(build, value, model_cls=model_cls, **options))
            bar.step()
            async_.append(
                loop.run_until_complete(
                    ameasure_stream(build, value, model_cls=model_cls, **options)
                )
            )
            bar.step()
    finally:
        loop.close()
        bar.close()
    medians = (median_report(sync), median_report(async_))
    described = ", ".join(f"{k}={v}" for k, v in options.items())
    title = (
        f"{args.target}: {model_cls.__name__}({described}), input of {count_graphemes(text)} "
        "graphemes, "
        f"median of {args.rounds} round{'s' * (args.rounds > 1)}"
    )
    print(render([("sync", medians[0]), ("async", medians[1])], title=title))
    if args.json:
        data = {
            "target": args.target,
            "model": model_cls.__name__,
            "options": options,
            "input_graphemes": count_graphemes(text),
            "rounds": args.rounds,
            **{
                mode: {"median": m.to_dict(), "rounds": [r.to_dict() for r in rs]}
                for mode, m, rs in (("sync", medians[0], sync), ("async", medians[1], async_))
            },
        }
        _write_json(args.json, data)
    return 0


def _write_json(path: str, data: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path}", file=sys.stderr)


# --- a server ------------------------------------------------------------------------------------


@dataclass
class StreamResult:
    """One request's stream, as the client saw it."""

    start: float
    arrivals: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    ended: bool = False
    error: str | None = None


@dataclass(frozen=True)
class ServerReport:
    """A server's streams against the model's schedule; times in seconds."""

    streams: int
    """Requests made."""
    completed: int
    """Streams that answered 200 and ended with ``event: end``."""
    intact: int
    """Completed streams whose joined event data is the expected echo."""
    events: int
    """``data`` events received, over all streams."""
    first_event_p50: float
    """Median time from a request's start to its first event."""
    first_event_max: float
    """Longest time from a request's start to its first event."""
    lag_p50: float
    """Median of each event's arrival minus its chunk's deadline."""
    lag_p90: float
    """90th percentile of the lag behind the schedule."""
    lag_p99: float
    """99th percentile of the lag behind the schedule."""
    lag_max: float
    """Largest lag behind the schedule."""
    wall: float
    """Seconds from the first request to the last stream's end."""
    errors: tuple[str, ...] = ()
    """The distinct errors seen, with how many streams had each."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN becomes ``None``)."""
        data = asdict(self)
        data["errors"] = list(self.errors)
        return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in data.items()}

    def __str__(self) -> str:
        rows = [
            ("streams completed", f"{self.completed} of {self.streams}"),
            ("text intact", f"{self.intact} of {self.streams}"),
            ("events received", str(self.events)),
            ("time to first event, p50", seconds(self.first_event_p50)),
            ("time to first event, max", seconds(self.first_event_max)),
            ("lag behind schedule, p50", seconds(self.lag_p50)),
            ("lag behind schedule, p90", seconds(self.lag_p90)),
            ("lag behind schedule, p99", seconds(self.lag_p99)),
            ("lag behind schedule, max", seconds(self.lag_max)),
            ("wall time", seconds(self.wall)),
            *(("error", e) for e in self.errors),
        ]
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def server_report(
    results: Sequence[StreamResult], pacing: Pacing, expected: str, wall: float
) -> ServerReport:
    """Compares each stream's event arrivals with the model's schedule from its start."""
    lags: list[float] = []
    firsts: list[float] = []
    for r in results:
        schedule = pacing.schedule()
        schedule.start(r.start)
        lags += [arrived - schedule.next_due() for arrived in r.arrivals]
        if r.arrivals:
            firsts.append(r.arrivals[0] - r.start)
    lags.sort()
    firsts.sort()
    completed = [r for r in results if r.ended and r.error is None]
    errors = Counter(r.error for r in results if r.error is not None)
    return ServerReport(
        streams=len(results),
        completed=len(completed),
        intact=sum("".join(r.texts) == expected for r in completed),
        events=sum(len(r.arrivals) for r in results),
        first_event_p50=percentile(firsts, 50),
        first_event_max=firsts[-1] if firsts else math.nan,
        lag_p50=percentile(lags, 50),
        lag_p90=percentile(lags, 90),
        lag_p99=percentile(lags, 99),
        lag_max=lags[-1] if lags else math.nan,
        wall=wall,
        errors=tuple(f"{error} ({n} stream{'s' * (n > 1)})" for error, n in errors.items()),
    )


async def _one(client: Any, url: str, params: dict[str, Any]) -> StreamResult:
    """One request: each ``data`` event's text and arrival time, until ``event: end``."""
    import httpx

    result = StreamResult(start=time.perf_counter())
    try:
        async with client.stream("GET", url, params=params) as response:
            if response.status_code != 200:
                result.error = f"HTTP {response.status_code}"
                return result
            data: list[str] = []
            event = ""
            async for line in response.aiter_lines():
                now = time.perf_counter()
                if not line:  # a blank line dispatches the event
                    if event == "end":
                        result.ended = True
                        break
                    if data:
                        result.texts.append("\n".join(data))
                        result.arrivals.append(now)
                    data, event = [], ""
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "data":
                    data.append(value)
                elif name == "event":
                    event = value
    except httpx.ConnectError:
        raise
    except httpx.HTTPError as e:
        result.error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return result


async def _streams(
    url: str, params: dict[str, Any], concurrency: int, requests: int, timeout: float, bar: Bar
) -> tuple[list[StreamResult], float]:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:

        async def bounded() -> StreamResult:
            async with semaphore:
                result = await _one(client, url, params)
            bar.step()
            return result

        start = time.perf_counter()
        tasks = [asyncio.ensure_future(bounded()) for _ in range(requests)]
        try:
            results = await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
        return list(results), time.perf_counter() - start


def _check_url(url: str) -> None:
    """An ``http``/``https`` URL with a host and a valid port, or a usage error, before any work.

    (Else a scheme httpx does not speak fails each stream instead of the command, and a port
    past 65535 fails inside the socket layer with a traceback.)
    """
    parts = urllib.parse.urlsplit(url)
    try:
        parts.port  # noqa: B018 (parsing the port is the check: ValueError when out of range)
    except ValueError as e:
        msg = f"bad --url {url!r}: {e}"
        raise UsageError(msg) from e
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"bad --url {url!r}: expected http://HOST[:PORT]/PATH (or https://)"
        raise UsageError(msg)


def run_url(args: argparse.Namespace) -> int:
    """The ``--url`` mode; exit code 1 when a stream failed or its text was not intact."""
    try:
        import httpx
    except ImportError as e:
        msg = "--url needs httpx: pip install 'langchain-echo[overhead]'"
        raise UsageError(msg) from e
    if args.concurrency < 1:
        msg = f"--concurrency must be >= 1, got {args.concurrency}"
        raise UsageError(msg)
    requests = args.concurrency if args.requests is None else args.requests
    if requests < 1:
        msg = f"--requests must be >= 1, got {requests}"
        raise UsageError(msg)
    _check_url(args.url)
    options = _options(args)
    pacing = _pacing(options)
    text = _text(args)
    params = {"input": text, **options}
    bar = Bar(requests, "streams", enabled=not args.quiet)
    try:
        results, wall = asyncio.run(
            _streams(args.url, params, args.concurrency, requests, args.timeout, bar)
        )
    except httpx.ConnectError as e:
        msg = f"cannot connect to {args.url}: {e or 'connection failed'}"
        raise UsageError(msg) from e
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as e:
        msg = f"bad --url {args.url!r}: {e}"
        raise UsageError(msg) from e
    finally:
        bar.close()
    report = server_report(results, pacing, text, wall)
    described = ", ".join(f"{k}={v}" for k, v in options.items())
    print(
        f"{args.url}: {requests} stream{'s' * (requests > 1)}, {args.concurrency} at a time, "
        f"{described}, input of {count_graphemes(text)} graphemes"
    )
    print(report)
    if args.json:
        _write_json(
            args.json,
            {
                "url": args.url,
                "concurrency": args.concurrency,
                "requests": requests,
                "options": options,
                "input_graphemes": count_graphemes(text),
                "report": report.to_dict(),
            },
        )
    return 0 if report.completed == report.intact == report.streams else 1


def main(args: argparse.Namespace) -> int:
    """The ``overhead`` command; ``args`` from ``langchain_echo.__main__``."""
    try:
        if args.url is not None:
            if args.target is not None:
                msg = "give MODULE:FUNCTION or --url, not both"
                raise UsageError(msg)
            return run_url(args)
        if args.target is None:
            msg = "give MODULE:FUNCTION (the pipeline to measure) or --url URL (a server)"
            raise UsageError(msg)
        return run_pipeline(args)
    except UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
