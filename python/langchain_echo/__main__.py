"""The ``langchain-echo`` command."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Runs the ``langchain-echo`` command line."""
    parser = argparse.ArgumentParser(prog="langchain-echo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the seed documents' examples")
    bench = commands.add_parser(
        "bench", help="run the benchmarks: ours against the baselines, with each target"
    )
    bench.add_argument("--quick", action="store_true", help="fewer rounds: about a minute")
    bench.add_argument(
        "--out",
        metavar="DIR",
        help="folder for bench-report.json and .md (default: here) and, when given, PERFORMANCE.md",
    )
    bench.add_argument(
        "--plot",
        nargs="?",
        const="",
        metavar="FILE.png",
        help="draw the chart (needs matplotlib); without FILE, to OUT/bench.png",
    )
    bench.add_argument("--only", nargs="+", metavar="KEY", help="only these scenarios (P1 ...)")
    bench.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    overhead = commands.add_parser(
        "overhead",
        help="measure a pipeline's (or a server's) streaming overhead per chunk",
        description=(
            "Streams a paced echo model through FUNCTION(model), sync and async, and shows the "
            "lag from each chunk's emission to its receipt (median over rounds); or, with "
            "--url, measures a server that streams a paced echo model as server-sent events "
            "against the model's schedule."
        ),
    )
    from langchain_echo import _overhead, _soak

    _overhead.add_arguments(overhead)
    soak = commands.add_parser(
        "soak",
        help="run every path of both models long enough to see drift: RSS, outputs, leaks",
        description=(
            "Runs invoke, streams (sync, async, abandoned), scripted faults, tool-call streams, "
            "threads and paced streams, checks every output against invoke's, and reports the "
            "RSS growth after warm-up, wrong outputs, errors, and fds, threads or tasks left."
        ),
    )
    _soak.add_arguments(soak)
    args = parser.parse_args(argv)
    if args.command == "overhead":
        return _overhead.main(args)
    if args.command == "soak":
        return _soak.main(args)
    if args.command == "demo":
        from langchain_echo import _demo

        _demo.run()
        return 0
    from langchain_echo import bench as bench_command

    return bench_command.main(args)


if __name__ == "__main__":
    sys.exit(main())
