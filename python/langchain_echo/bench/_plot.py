"""The chart of ``langchain-echo bench --plot``: every judged row, ours beside its baselines.

Drawn from the report's JSON data (``bench-report.json``), so that a saved report can be drawn
again: ``python -m langchain_echo.bench._plot bench-report.json bench.png``. One panel per unit,
each on a log scale; in each row a bar per case (ours, the baseline the target is set against,
the other baselines such as the seed-like model) and a red line where the target puts ours' limit
(the target ratio times the baseline; for throughput, the baseline over the ratio). The
schedule-accuracy rows show their median and 99th percentile against the goal for the median.
Needs matplotlib.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

OURS = "#1f5fbf"
BASELINE = "#e8871e"
SEED = "#3a9a46"
OTHER = "#9a9a9a"
TARGET = "#d62728"
LABEL_BOX = {"facecolor": "white", "alpha": 0.6, "pad": 0.3, "lw": 0}

PANELS = [
    ("us/chunk", "µs per chunk (lower is better)"),
    ("us/call", "µs per call (lower is better)"),
    ("us/item", "µs per item (lower is better)"),
    ("MB/s", "MB/s (higher is better)"),
    ("ns/call", "ns per call (lower is better)"),
]
LEFT = ("us/chunk", "us/call", "us/item", "MB/s")
"""The panels of the left column; ns/call (P8) and the schedule rows make the right one."""


def _charted(row: dict[str, Any]) -> bool:
    return row["target"] is not None or str(row["key"]).startswith("S")


def _colour(label: str, ours: bool, baseline: bool) -> str:
    if ours:
        return OURS
    if baseline:
        return BASELINE
    return SEED if "seed-like" in label else OTHER


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _status(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "no target"}[met]


def _bars(ax: Any, groups: list[dict[str, Any]], xlabel: str) -> None:
    """One group of horizontal bars per row: ``groups`` of label, target text, status, bars."""
    y = 0.0
    ticks, names = [], []
    values = [b[1] for g in groups for b in g["bars"] if b[1]]
    values += [g["limit"] for g in groups if g["limit"]]
    low = min(values, default=1.0) / 3
    for g in groups:
        top = y
        for label, value, colour in g["bars"]:
            if value:
                ax.barh(y, value - low, height=0.8, color=colour, left=low)
                text = f"{label}  {_fmt(value)}"
                ax.text(value * 1.08, y, text, va="center", fontsize=7, bbox=LABEL_BOX)
            else:
                ax.text(low * 1.1, y, f"{label}: not installed", va="center", fontsize=7)
            y += 1
        if g["limit"]:
            colour = TARGET
            ax.plot([g["limit"]] * 2, [top - 0.5, y - 0.5], color=colour, lw=1.6)
        ticks.append((top + y - 1) / 2)
        names.append(g["name"])
        y += 0.7
    ax.set_xscale("log")
    ax.set_xlim(low, max(values, default=10.0) * 30)
    ax.set_ylim(y - 0.5, -0.7)
    ax.set_yticks(ticks, names, fontsize=7.5)
    for tick, g in zip(ax.get_yticklabels(), groups, strict=True):
        tick.set_color(TARGET if g["met"] is False else "black")
    ax.set_title(xlabel, loc="left", fontsize=9, fontweight="bold")
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", which="major", alpha=0.3)


def _result_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = []
    for r in rows:
        cases = [(r["ours"], True, False), (r["baseline"], False, True)]
        cases += [(o, False, False) for o in r["others"]]
        bars = [
            (("ours: " if ours else "") + c["label"], c["value"], _colour(c["label"], ours, base))
            for c, ours, base in cases
        ]
        limit = None
        base = r["baseline"]["value"]
        if r["target"] is not None and base:
            limit = base / r["target"] if r["unit"] == "MB/s" else base * r["target"]
        judged = f"{r['target_text']}: {_status(r['met'])}" if r["target"] else "no target"
        title = "\n".join(textwrap.wrap(f"{r['key']} {r['title']}", 44))
        groups.append(
            {
                "name": f"{title}\n{judged}",
                "bars": bars,
                "limit": limit,
                "met": r["met"],
            }
        )
    return groups


def _schedule_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": f"SA {r['case']}, {r['streams']:,} streams\n"
            f"median <= {r['goal'] * 1e3:g} ms: {_status(r['met'])}",
            "bars": [
                ("median", r["median"] * 1e3, OURS),
                ("p99", r["p99"] * 1e3, OTHER),
            ],
            "limit": None if r["goal"] is None else r["goal"] * 1e3,
            "met": r["met"],
        }
        for r in rows
    ]


def draw(data: dict[str, Any], path: str) -> None:
    """Draws the report ``data`` (as ``bench-report.json`` holds it) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows = [r for r in data["results"] if _charted(r)]
    panels: list[tuple[str, str, list[dict[str, Any]]]] = []
    for unit, xlabel in PANELS:
        groups = _result_groups([r for r in rows if r["unit"] == unit])
        if groups:
            panels.append((unit, xlabel, groups))
    schedule = data.get("schedule_accuracy") or []
    if schedule:
        xlabel = "SA: schedule error per chunk, ms (lower is better)"
        panels.append(("SA", xlabel, _schedule_groups(schedule)))

    def size(groups: list[dict[str, Any]]) -> float:
        return sum(len(g["bars"]) + 0.7 for g in groups) + 1.0

    columns = [[p for p in panels if p[0] in LEFT], [p for p in panels if p[0] not in LEFT]]
    columns = [c for c in columns if c]
    height = max(sum(size(p[2]) for p in c) for c in columns)
    inches = height * 0.17  # a bar's height and its gap
    top = 1.6 if len(columns) > 1 else 1.9  # the title and the legend
    total = inches + top + 0.4
    width = 11.0 * len(columns)
    labels = 3.0  # inches left of each panel for the row names
    axis = (width - 0.3 - labels * len(columns)) / len(columns)
    fig = plt.figure(figsize=(width, total))
    outer = fig.add_gridspec(
        1,
        len(columns),
        wspace=labels / axis,
        left=labels / width,
        right=1 - 0.3 / width,
        top=1 - top / total,
        bottom=0.4 / total,
    )
    for i, column in enumerate(columns):
        ratios = [size(p[2]) for p in column]
        if height - sum(ratios) > 1:
            ratios.append(height - sum(ratios))  # pad the shorter column at the bottom
        cells = outer[i].subgridspec(len(ratios), 1, height_ratios=ratios, hspace=0.35)
        for j, (_unit, xlabel, groups) in enumerate(column):
            _bars(fig.add_subplot(cells[j]), groups, xlabel)
    env = data.get("environment", {})
    versions = ", ".join(f"{k} {v}" for k, v in env.get("versions", {}).items())
    fig.suptitle(
        f"langchain-echo bench: ours against the baselines, per target\n"
        f"{env.get('date', '')}; {env.get('machine', '')}\n{env.get('python', '')}; {versions}",
        fontsize=10,
        y=1 - 0.1 / total,
        va="top",
    )
    legend = [
        Patch(color=OURS, label="ours"),
        Patch(color=BASELINE, label="the baseline the target is set against"),
        Patch(color=SEED, label="seed-like model"),
        Patch(color=OTHER, label="other baselines (and p99 for SA)"),
        Line2D(
            [],
            [],
            color=TARGET,
            lw=1.6,
            label="target: the most ours may take (MB/s: the least)",
        ),
    ]
    fig.legend(
        handles=legend,
        loc="upper center",
        ncol=5 if len(columns) > 1 else 3,
        fontsize=8.5,
        frameon=False,
        bbox_to_anchor=(0.5, 1 - 0.85 / total),
    )
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m langchain_echo.bench._plot REPORT.json FILE.png``."""
    parser = argparse.ArgumentParser(description="Draws a saved bench-report.json.")
    parser.add_argument("report")
    parser.add_argument("png")
    args = parser.parse_args(argv)
    draw(json.loads(Path(args.report).read_text()), args.png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
