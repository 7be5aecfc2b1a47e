"""The ``langchain-echo`` command."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Runs the ``langchain-echo`` command line."""
    parser = argparse.ArgumentParser(prog="langchain-echo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the seed documents' examples")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from langchain_echo import _demo

        _demo.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
