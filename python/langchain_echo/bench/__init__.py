"""``langchain-echo bench``: every benchmark scenario, its baselines, and a report.

Each scenario times ours and its baselines in the same run, on the same inputs, after checking
their outputs equal; the report gives each ratio against its target. The same scenarios back the
pytest-benchmark suite in ``benches/``. It runs from a plain install: a baseline whose library
(the ``bench`` extra: ``ugrapheme``, ``regex``, ``grapheme``, ``langchain``, ``fastapi``...) is
missing is shown as not installed, as is a scenario whose own side needs one; ``--plot`` needs
``matplotlib``.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import json
import os
import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from langchain_echo.bench._harness import NOT_INSTALLED, CaseResult, Progress, Result, measure
from langchain_echo.bench._notes import BASELINES, MISSES, NO_REASON, NOTES, schedule_title
from langchain_echo.bench._pipelines import SERVER_ITL, render_server, server_rows
from langchain_echo.bench._scenarios import BUILDERS
from langchain_echo.bench._schedule import render as render_schedule
from langchain_echo.bench._schedule import schedule_accuracy

__all__ = ["environment", "render_markdown", "render_table", "run"]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment() -> dict[str, Any]:
    """The machine, the versions and the date a report was made on."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{_cpu()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": {
            d: _version(d)
            for d in ("langchain-echo", "langchain-core", "pydantic", "ugrapheme", "regex")
        },
    }


def run(
    *,
    quick: bool = False,
    only: Sequence[str] = (),
    progress: bool | None = None,
) -> list[Result]:
    """Runs the scenarios (``only``: keys such as ``"P7"``); ``quick`` runs fewer, shorter.

    Each group's inputs are built just before it runs and freed after, and every scenario
    starts from a collected heap, so that one group's data does not slow another's collections.
    """
    groups = [build for keys, build in BUILDERS if not only or set(keys) & set(only)]
    rounds, min_time = (3, 0.03) if quick else (7, 0.2)
    # The bar counts rounds; a group's size is known once it is built, so estimate until then.
    bar = Progress(len(groups) * 4 * rounds, enabled=progress)
    results: list[Result] = []
    try:
        for build in groups:
            scenarios = [
                s for s in build() if (not only or s.key in only) and (s.quick or not quick)
            ]
            for scenario in scenarios:
                gc.collect()
                results.append(measure(scenario, rounds=rounds, min_time=min_time, progress=bar))
            del scenarios
            gc.collect()
    finally:
        bar.close()
    return results


def _fmt(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"


def _case(case: CaseResult, unit: str) -> str:
    return NOT_INSTALLED if case.value is None else _fmt(case.value, unit)


def _ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.3f}x"


def _met(result: Result) -> str:
    return {True: "yes", False: "NO", None: "-"}[result.met]


def _rows(results: list[Result]) -> list[list[str]]:
    rows = []
    for r in results:
        s = r.scenario
        rows.append(
            [
                s.key,
                s.title,
                _case(r.ours, s.unit),
                f"{r.baseline.label}: {_case(r.baseline, s.unit)}",
                _ratio(r.ratio),
                s.target_text or "-",
                _met(r),
            ]
        )
        for other, ratio in r.others:
            rows.append(
                ["", "", "", f"{other.label}: {_case(other, s.unit)}", _ratio(ratio), "", ""]
            )
    return rows


HEADER = ["#", "scenario", "ours", "baseline", "ratio (time)", "target", "met"]


def _summary(results: list[Result]) -> str:
    met = [r.met for r in results if r.met is not None]
    line = f"targets met: {sum(met)} of {len(met)}"
    missing = sum(r.missing for r in results)
    if missing:
        line += f"; {missing} rows not measured: a library is {NOT_INSTALLED}"
    return line


def render_table(results: list[Result]) -> str:
    """A plain-text table of the results."""
    rows = [HEADER, *_rows(results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("\n" + _summary(results))
    return "\n".join(lines)


def _environment_lines(env: dict[str, Any]) -> list[str]:
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
    return [
        f"- date: {env['date']}",
        f"- machine: {env['machine']}",
        f"- python: {env['python']}; {versions}",
        f"- command: `{env.get('command', 'langchain-echo bench')}`",
    ]


READING = (
    "Ratios are ours' time over the baseline's, each the median of rounds run in turn in one "
    "process (below 1 is faster). Throughput rows (MB/s) still compare times."
)


def _markdown_table(results: list[Result]) -> list[str]:
    out = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
    ]
    out += ["| " + " | ".join(r) + " |" for r in _rows(results)]
    summary = _summary(results)
    return [*out, "", summary[0].upper() + summary[1:] + "."]


def render_markdown(results: list[Result], env: dict[str, Any]) -> str:
    """The results as a Markdown report, with the machine, versions and date."""
    out = ["# langchain-echo benchmark report", "", *_environment_lines(env), "", READING, ""]
    return "\n".join([*out, *_markdown_table(results)]) + "\n"


def misses(results: list[Result], extra: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Every row that missed its target: (key, title, what was measured, the recorded reason)."""
    out = []
    for r in results:
        if r.met is False:
            s = r.scenario
            measured = f"{_ratio(r.ratio)} against {r.baseline.label}, target {s.target_text}"
            out.append((s.key, s.title, measured, MISSES.get((s.key, s.title), NO_REASON)))
    for row in extra.get("schedule", ()):
        if row.met is False:
            title = schedule_title(row.case, row.streams)
            assert row.goal is not None
            measured = f"median {row.median * 1e3:.3f} ms, goal <= {row.goal * 1e3:g} ms"
            out.append(("SA", title, measured, MISSES.get(("SA", title), NO_REASON)))
    return out


def render_performance(
    results: list[Result], extra: dict[str, Any], env: dict[str, Any], chart: str | None = None
) -> str:
    """``PERFORMANCE.md``: the full table, the misses and their reasons, what makes it fast.

    ``chart``: the chart's path relative to the file, if one was drawn.
    """
    out = [
        "# langchain-echo performance",
        "",
        f"Written by `{env.get('command', 'langchain-echo bench')}` (do not edit: run it again). "
        "Each scenario times ours and its baselines in one process, on the same inputs, after "
        "checking that their outputs are equal.",
        "",
        *_environment_lines(env),
        "",
        READING,
        "",
        BASELINES,
    ]
    if chart:
        out += [f"![ours against the baselines and each target]({chart})", ""]
    out += ["## Results", "", *_markdown_table(results), ""]
    if extra:
        out += [render_extras(extra).replace("## ", "### "), ""]
    out += ["## Misses", ""]
    missed = misses(results, extra)
    if not missed:
        out += ["None: every target measured was met.", ""]
    for key, title, measured, reason in missed:
        out.append(
            f"- **{key} {title}** ({measured}): {reason.rstrip('.')}"
            + ("" if reason.endswith(")") else ".")
        )
    out += ["", "## What makes it fast", ""]
    keys = dict.fromkeys(r.scenario.key for r in results if r.scenario.key in NOTES)
    for key in keys:
        # The titles up to their first comma: "truncate_graphemes(n=5), ascii 1 KiB" -> its call.
        titles = dict.fromkeys(
            r.scenario.title.split(", ")[0] for r in results if r.scenario.key == key
        )
        out += [f"### {key}: {'; '.join(titles)}", "", NOTES[key], ""]
    return "\n".join(out).rstrip() + "\n"


def to_json(results: list[Result], env: dict[str, Any]) -> dict[str, Any]:
    """The results as JSON-ready data."""

    def case(c: CaseResult) -> dict[str, Any]:
        return {"label": c.label, "seconds": c.seconds, "value": c.value, "missing": c.missing}

    return {
        "environment": env,
        "results": [
            {
                "key": r.scenario.key,
                "title": r.scenario.title,
                "unit": r.scenario.unit,
                "ours": case(r.ours),
                "baseline": case(r.baseline),
                "ratio": r.ratio,
                "target": r.scenario.target,
                "target_text": r.scenario.target_text,
                "met": r.met,
                "others": [{**case(c), "ratio": ratio} for c, ratio in r.others],
            }
            for r in results
        ],
    }


def plot(
    results: list[Result],
    path: str,
    *,
    env: dict[str, Any] | None = None,
    schedule: Sequence[Any] = (),
) -> None:
    """Draws the chart of every judged row, and the schedule rows, to ``path`` (matplotlib).

    See :mod:`langchain_echo.bench._plot`; ``env`` (the machine, versions and date) is printed
    in its title.
    """
    from langchain_echo.bench._plot import draw

    extra = {"schedule": list(schedule)} if schedule else {}
    draw({**to_json(results, env or environment()), **_extras_json(extra)}, path)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def extras(quick: bool, only: Sequence[str]) -> dict[str, Any]:
    """The rows that are not ratios: schedule accuracy (SA) and the SSE server (SSE)."""
    out: dict[str, Any] = {}
    if not only or "SA" in only:
        out["schedule"] = schedule_accuracy(quick=quick)
    if not only or "SSE" in only:
        out["server"] = server_rows(quick=quick)
    return out


def render_extras(extra: dict[str, Any]) -> str:
    """The schedule-accuracy and server tables (Markdown)."""
    parts = []
    if "schedule" in extra:
        parts += ["## SA: schedule accuracy", "", "```", render_schedule(extra["schedule"]), "```"]
    if "server" in extra:
        parts += [
            "",
            "## SSE: a FastAPI + uvicorn server streaming a paced ChatEcho chain",
            "",
            f"examples/sse_server.py on 127.0.0.1, itl = ttft = {SERVER_ITL * 1e3:g} ms; lag is "
            "each event's arrival at the client against the model's schedule.",
            "",
            render_server(extra["server"], _ms),
        ]
    return "\n".join(parts)


def _extras_json(extra: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if "schedule" in extra:
        data["schedule_accuracy"] = [
            {**dataclasses.asdict(r), "met": r.met} for r in extra["schedule"]
        ]
    if "server" in extra:
        rows = extra["server"]
        data["sse_server"] = (
            rows if isinstance(rows, str) else [{"concurrency": n, **r.to_dict()} for n, r in rows]
        )
    return data


def _command(args: Any) -> str:
    parts = ["langchain-echo bench"]
    if args.quick:
        parts.append("--quick")
    if args.only:
        parts.append("--only " + " ".join(args.only))
    if args.out is not None:
        parts.append(f"--out {args.out}")
    if args.plot is not None:
        parts.append(f"--plot {args.plot}" if args.plot else "--plot")
    return " ".join(parts)


def main(args: Any) -> int:
    """The ``bench`` command; ``args`` from ``langchain_echo.__main__``.

    Writes ``bench-report.json`` and ``.md`` to ``--out`` (default: here) and, when ``--out`` is
    given, ``PERFORMANCE.md``; ``--plot`` alone draws the chart to ``OUT/bench.png``.
    """
    env = environment()
    env["command"] = _command(args)
    only = args.only or ()
    results = run(quick=args.quick, only=only)
    print(render_table(results))
    extra = extras(args.quick, only)
    if extra:
        print("\n" + render_extras(extra))
    out = Path(args.out if args.out is not None else ".")
    out.mkdir(parents=True, exist_ok=True)
    data = {**to_json(results, env), **_extras_json(extra)}
    (out / "bench-report.json").write_text(json.dumps(data, indent=2) + "\n")
    markdown = render_markdown(results, env)
    if extra:
        markdown += "\n" + render_extras(extra) + "\n"
    (out / "bench-report.md").write_text(markdown)
    print(f"\nwrote {out / 'bench-report.json'} and {out / 'bench-report.md'}", file=sys.stderr)
    chart: Path | None = None
    if args.plot is not None:
        path = Path(args.plot) if args.plot else out / "bench.png"
        try:
            plot(results, str(path), env=env, schedule=extra.get("schedule", ()))
            chart = path
            print(f"wrote {path}", file=sys.stderr)
        except ImportError:
            print("--plot needs matplotlib: pip install 'langchain-echo[plot]'", file=sys.stderr)
    if args.out is not None:
        relative = None if chart is None else os.path.relpath(chart, out)
        performance = out / "PERFORMANCE.md"
        performance.write_text(render_performance(results, extra, env, relative))
        print(f"wrote {performance}", file=sys.stderr)
    missed = any(r.met is False for r in results) or any(
        r.met is False for r in extra.get("schedule", ())
    )
    return 1 if args.check and missed else 0
