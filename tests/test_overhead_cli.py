"""``langchain-echo overhead MODULE:FUNCTION``: the command, its table, JSON and errors.

Run in-process through ``main([...])``. No assertion on a duration: only counts, text and
structure.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from langchain_echo import count_graphemes
from langchain_echo.__main__ import main
from langchain_echo._overhead import (
    StreamResult,
    generated_text,
    median_report,
    server_report,
)
from langchain_echo._pacing import Pacing
from langchain_echo.measure import report

CHAINS = Path(__file__).with_name("overhead_chains.py")


def run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str, dict[str, Any]]:
    out = tmp_path / "out.json"
    code = main(["overhead", *args, "--quiet", "--json", str(out)])
    captured = capsys.readouterr()
    data = json.loads(out.read_text()) if out.exists() else {}
    return code, captured.out, captured.err, data


def test_a_chain_sync_and_async(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err, data = run(
        tmp_path, capsys, f"{CHAINS}:build", "--input-key", "q", "--graphemes", "20",
        "--rounds", "2", "--itl", "0.0005",
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert "ChatEcho(chunk_size=1, jitter=0.0, itl=0.0005)" in lines[0]
    assert "input of 20 graphemes, median of 2 rounds" in lines[0]
    assert lines[1].split() == ["sync", "async"]
    assert lines[-1].split() == ["text", "intact", "yes", "yes"]
    for mode in ("sync", "async"):
        median = data[mode]["median"]
        assert median["chunks_emitted"] == median["chunks_received"] == 21
        assert median["text_intact"] is True
        assert median["paired_by"] == "offset"
        assert len(data[mode]["rounds"]) == 2
        assert median["lag_p50"] <= median["lag_max"]
    assert data["options"] == {"chunk_size": 1, "jitter": 0.0, "itl": 0.0005}
    assert data["input_graphemes"] == 20


def test_a_buffering_chain_shows_one_chunk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err, data = run(
        tmp_path, capsys, f"{CHAINS}:buffered", "--input-key", "q", "--graphemes", "10",
        "--rounds", "1",
    )  # fmt: skip
    assert code == 0, err
    assert data["sync"]["median"]["chunks_received"] == 1
    assert data["async"]["median"]["chunks_received"] == 1


def test_the_llm_and_an_input_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err, data = run(
        tmp_path, capsys, f"{CHAINS}:bare", "--model", "llm", "--input", "héllo 👋🏽",
        "--chunk-size", "2", "--rounds", "1", "--ttft", "0.001", "--seed", "3", "--jitter", "0.2",
    )  # fmt: skip
    assert code == 0, err
    assert "EchoLLM(" in out
    assert data["model"] == "EchoLLM"
    assert data["sync"]["median"]["chunks_received"] == 4  # hé|ll|o |👋🏽
    assert data["options"]["seed"] == 3


def test_a_dotted_module_from_the_current_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my_chains_for_overhead.py").write_text(CHAINS.read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    code, _, err, _ = run(tmp_path, capsys, "my_chains_for_overhead:bare", "--rounds", "1")
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give MODULE:FUNCTION (the pipeline to measure) or --url URL (a server)"),
        ([f"{CHAINS}:build", "--url", "http://127.0.0.1:1/"], "give MODULE:FUNCTION or --url"),
        (["nowhere_at_all:build"], "cannot import nowhere_at_all"),
        (["no_colon"], "expected MODULE:FUNCTION, got 'no_colon'"),
        ([f"{CHAINS}:missing"], "has no callable 'missing'"),
        ([f"{CHAINS}:NOT_CALLABLE"], "has no callable 'NOT_CALLABLE'"),
        ([f"{CHAINS}:bare", "--rounds", "0"], "--rounds must be >= 1, got 0"),
        ([f"{CHAINS}:bare", "--chunk-size", "0"], "chunk_size must be an int >= 1, got 0"),
        ([f"{CHAINS}:bare", "--itl", "-1"], "itl must be a finite number >= 0 or None, got -1.0"),
        ([f"{CHAINS}:bare", "--ttft", "nan"], "ttft must be a finite number >= 0 or None"),
        (["--url", "http://127.0.0.1:1/", "--concurrency", "0"], "--concurrency must be >= 1"),
        (["--url", "not-a-url"], "bad --url 'not-a-url': expected http://HOST[:PORT]/PATH"),
        (["--url", "ftp://127.0.0.1:1/x"], "bad --url 'ftp://127.0.0.1:1/x': expected http://"),
        (["--url", "http:///stream"], "bad --url 'http:///stream': expected http://"),
        (["--url", "http://127.0.0.1:99999/"], "bad --url 'http://127.0.0.1:99999/': Port out"),
        (["--url", "http://127.0.0.1:1/", "--itl", "inf"], "itl must be a finite number >= 0"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err, data = run(tmp_path, capsys, *args)
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("langchain-echo overhead: error: ")
    assert message in err
    assert "Traceback" not in err
    assert out == ""
    assert data == {}


@pytest.mark.parametrize("graphemes", [0, 1, 7, 150, 1000])
def test_generated_text_has_the_graphemes_asked_for(graphemes: int) -> None:
    text = generated_text(graphemes)
    assert count_graphemes(text) == graphemes
    assert text == generated_text(graphemes)
    if graphemes >= 150:
        assert len(text) > graphemes  # accents and emoji of several code points


def test_median_report() -> None:
    reports = [
        report(0.0, [(1.0, 1), (2.0, 2)], [(1.0 + d, "a"), (2.0 + d, "b")], "ab")
        for d in (0.1, 0.3, 0.2)
    ]
    median = median_report(reports)
    assert median.lag_p50 == pytest.approx(0.2)
    assert median.chunks_received == 2
    assert median.text_intact is True
    broken = report(0.0, [(1.0, 1)], [(1.5, "x")], "a")
    assert median_report([*reports, broken]).text_intact is False


def test_server_report_compares_arrivals_with_the_schedule() -> None:
    results = [
        StreamResult(start=10.0, arrivals=[11.5, 12.25], texts=["a", "b"], ended=True),
        StreamResult(start=20.0, arrivals=[21.0, 22.0], texts=["a", "x"], ended=True),
        StreamResult(start=30.0, arrivals=[31.0], texts=["a"], error="ReadTimeout"),
    ]
    r = server_report(results, Pacing(ttft=1.0, itl=1.0), "ab", wall=12.5)
    assert (r.streams, r.completed, r.intact, r.events) == (3, 2, 1, 5)
    assert r.lag_max == 0.5
    assert r.lag_p50 == 0.0
    assert r.first_event_max == 1.5
    assert r.errors == ("ReadTimeout (1 stream)",)
    data = r.to_dict()
    assert data["errors"] == ["ReadTimeout (1 stream)"]
    json.dumps(data, allow_nan=False)
    assert str(r).splitlines()[0].split() == ["streams", "completed", "2", "of", "3"]


def test_server_report_of_nothing_is_nan() -> None:
    r = server_report([], Pacing(), "", wall=0.0)
    assert math.isnan(r.lag_p50)
    assert r.to_dict()["lag_p50"] is None
