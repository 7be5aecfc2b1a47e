"""What pipelines add to a stream (issue: "Measure your pipeline"): chains, an agent, a server.

- O1, O2: ``prompt | ChatEcho | StrOutputParser`` per chunk, ``astream`` and ``stream``,
  against ``ChatEcho`` alone: the ratio is what LangChain's chain machinery multiplies a
  model's per-chunk cost by.
- O3: one agent run of ``langchain.agents.create_agent`` (a tool-calling turn, the tool, an
  echoing turn) against the same two model calls made directly.
- The SSE server rows: ``examples/sse_server.py`` under uvicorn on 127.0.0.1, a paced
  ``ChatEcho`` chain streamed as server-sent events, measured by the client of
  ``langchain-echo overhead --url`` at 1, 10 and 100 concurrent streams.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_echo import ChatEcho
from langchain_echo._overhead import Bar, ServerReport, _streams, server_report
from langchain_echo._pacing import Pacing
from langchain_echo.bench._harness import Case, Scenario, unavailable

CHAIN_CHUNKS = 200
"""Chunks per chain stream (O1, O2)."""

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
"""The repository's examples (the SSE server is run from there: it is not in the wheel)."""


def _chain(model: ChatEcho) -> Any:
    prompt = ChatPromptTemplate.from_messages([("human", "{q}")])
    return prompt | model | StrOutputParser()


def chains() -> list[Scenario]:
    """O1 and O2: a chain's cost per chunk against the model's own."""
    text = "x" * CHAIN_CHUNKS
    model = ChatEcho()
    chain = _chain(model)

    async def chain_astream() -> str:
        return "".join([c async for c in chain.astream({"q": text})])

    async def model_astream() -> str:
        return "".join([str(c.content) async for c in model.astream(text)])

    return [
        Scenario(
            "O1",
            "async chain: prompt | ChatEcho | parser, astream",
            "us/chunk",
            float(CHAIN_CHUNKS),
            Case("chain", afn=chain_astream),
            Case("ChatEcho.astream alone", afn=model_astream),
            None,
        ),
        Scenario(
            "O2",
            "sync chain: prompt | ChatEcho | parser, stream",
            "us/chunk",
            float(CHAIN_CHUNKS),
            Case("chain", lambda: "".join(chain.stream({"q": text}))),
            Case(
                "ChatEcho.stream alone", lambda: "".join(str(c.content) for c in model.stream(text))
            ),
            None,
        ),
    ]


def agent() -> list[Scenario]:
    """O3: one agent run against its two model calls made directly."""
    title = "agent run: create_agent, a tool call, the tool, an answer"
    direct = "the two model calls and the tool, direct"
    try:
        from langchain.agents import create_agent
    except ImportError:  # the `langchain` package: pip install 'langchain-echo[bench]'
        return [
            Scenario(
                "O3",
                title,
                "us/call",
                1.0,
                unavailable("create_agent", "langchain"),
                unavailable(direct, "langchain"),
                None,
            )
        ]
    from langchain_core.tools import tool

    @tool
    def shout(text: str) -> str:
        """Shouts the text."""
        return text.upper()

    model = ChatEcho()
    graph: Any = create_agent(model, tools=[shout])
    bound = model.bind_tools([shout])
    question = [HumanMessage("hello")]

    def run_agent() -> str:
        return str(graph.invoke({"messages": question})["messages"][-1].content)

    def run_calls() -> str:
        call = bound.invoke(question)
        result = shout.invoke(call.tool_calls[0]["args"])
        answer = [*question, call, ToolMessage(result, tool_call_id=call.tool_calls[0]["id"])]
        return str(bound.invoke(answer).content)

    return [
        Scenario(
            "O3",
            title,
            "us/call",
            1.0,
            Case("create_agent", run_agent),
            Case(direct, run_calls),
            None,
        )
    ]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def sse_server(log: Path | None = None) -> Iterator[str]:
    """``examples/sse_server.py`` under uvicorn on 127.0.0.1, a free port; always stopped.

    Yields the stream's URL once the server listens. ``log``: a file for the server's output
    (else it is dropped). Raises ``RuntimeError`` if it does not start within 30 s.
    """
    port = _free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(EXAMPLES), "sse_server:app",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    sink = subprocess.DEVNULL if log is None else log.open("wb")
    try:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    finally:
        if log is not None:
            sink.close()  # type: ignore[union-attr]
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    msg = "the example SSE server did not start"
                    raise RuntimeError(msg) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/stream"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


SERVER_ITL = 0.02
"""The server's model paces 50 chunks a second, a provider's pace."""


def server_rows(
    *, quick: bool = False, concurrency: tuple[int, ...] = (1, 10, 100)
) -> list[tuple[int, ServerReport]] | str:
    """The SSE server's streams at each concurrency, or why they were not measured."""
    try:
        import fastapi  # noqa: F401
        import httpx  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        return "not installed (pip install 'langchain-echo[bench]')"
    if not (EXAMPLES / "sse_server.py").is_file():
        return "not run: examples/sse_server.py is in the source repository, not the wheel"
    chunks = 10 if quick else 50
    text = "x" * chunks
    params: dict[str, Any] = {"input": text, "ttft": SERVER_ITL, "itl": SERVER_ITL}
    pacing = Pacing(ttft=SERVER_ITL, itl=SERVER_ITL)
    rows = []
    with sse_server() as url:
        # One stream first: the server's first request pays its imports and first-use costs.
        asyncio.run(_streams(url, params, 1, 1, 60.0, Bar(1, "warm-up", enabled=False)))
        for n in concurrency:
            bar = Bar(n, f"SSE server, {n} streams", enabled=False)
            results, wall = asyncio.run(_streams(url, params, n, n, 60.0, bar))
            rows.append((n, server_report(results, pacing, text, wall)))
    return rows


def render_server(rows: list[tuple[int, ServerReport]] | str, fmt: Callable[[float], str]) -> str:
    """The server rows as a Markdown table."""
    if isinstance(rows, str):
        return f"SSE server: {rows}"
    header = (
        "| concurrent streams | completed, intact | first event p50 | lag p50 | lag p99 | lag max |"
    )
    lines = [header, "|---|---|---|---|---|---|"]
    for n, r in rows:
        lines.append(
            f"| {n} | {r.completed}, {r.intact} of {r.streams} | {fmt(r.first_event_p50)} | "
            f"{fmt(r.lag_p50)} | {fmt(r.lag_p99)} | {fmt(r.lag_max)} |"
        )
    return "\n".join(lines)
