"""``langchain-echo overhead --url`` against ``examples/sse_server.py``.

The server runs under uvicorn in a subprocess on 127.0.0.1, on a free port, for this module's
tests; the fixture always stops it. Each run is bounded: a fixed number of requests, each with
a timeout. The assertions are about completion and text, never durations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from langchain_echo.__main__ import main
from langchain_echo.bench._pipelines import _free_port, sse_server


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("server") / "uvicorn.log"
    server = sse_server(log)
    try:
        url = server.__enter__()
    except RuntimeError as e:
        pytest.fail(f"{e}:\n{log.read_text()}")
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


def overhead(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "server.json"
    code = main(["overhead", *args, "--quiet", "--timeout", "30", "--json", str(out)])
    return code, json.loads(out.read_text())


@pytest.mark.parametrize(("concurrency", "graphemes"), [(1, 200), (10, 200), (100, 40)])
def test_every_stream_completes_intact(
    url: str, tmp_path: Path, concurrency: int, graphemes: int
) -> None:
    code, data = overhead(
        tmp_path, "--url", url, "--concurrency", str(concurrency), "--requests", str(concurrency),
        "--ttft", "0.005", "--itl", "0.002", "--graphemes", str(graphemes),
    )  # fmt: skip
    report = data["report"]
    assert code == 0, report
    assert report["streams"] == report["completed"] == report["intact"] == concurrency
    assert report["events"] == concurrency * graphemes  # chunk_size 1: an event per grapheme
    assert report["errors"] == []
    for key in ("first_event_p50", "lag_p50", "lag_p90", "lag_p99", "lag_max"):
        assert isinstance(report[key], float)
    assert report["lag_p50"] <= report["lag_p99"] <= report["lag_max"]
    assert data["options"] == {"chunk_size": 1, "jitter": 0.0, "ttft": 0.005, "itl": 0.002}


def test_more_requests_than_streams_at_a_time(url: str, tmp_path: Path) -> None:
    code, data = overhead(
        tmp_path, "--url", url, "--concurrency", "3", "--requests", "7", "--graphemes", "5",
        "--chunk-size", "2", "--jitter", "0.5", "--seed", "1", "--itl", "0.001",
    )  # fmt: skip
    assert code == 0
    assert data["report"]["completed"] == data["report"]["intact"] == 7
    assert data["report"]["events"] == 7 * 3


def test_line_breaks_and_emoji_arrive_intact(url: str, tmp_path: Path) -> None:
    code, data = overhead(
        tmp_path, "--url", url, "--input", "one\ntwo 👋🏽\n\nthree\n", "--chunk-size", "3"
    )
    assert code == 0
    assert data["report"]["intact"] == 1


def test_the_server_rejects_bad_options(url: str) -> None:
    with httpx.Client(timeout=10) as client:
        assert client.get(url, params={"input": "x", "itl": "-1"}).status_code == 422
        assert client.get(url, params={"input": "x", "chunk_size": "0"}).status_code == 422
        response = client.get(url, params={"input": "a\nb"})
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text == "data: a\n\ndata: \ndata: \n\ndata: b\n\nevent: end\ndata: end\n\n"


def test_a_closed_port_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _free_port()  # nothing listens there
    code = main(["overhead", "--url", f"http://127.0.0.1:{port}/stream", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(
        f"langchain-echo overhead: error: cannot connect to http://127.0.0.1:{port}"
    )
    assert err.count("\n") == 1
    assert "Traceback" not in err
