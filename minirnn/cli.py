"""The ``minirnn`` command.

Each subcommand lives in its own module under :mod:`minirnn.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function taking the
parsed arguments and returning an exit status. To add a command, write the module and list
it in ``COMMANDS`` below.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from minirnn import __version__

#: modules under minirnn.commands, in the order their subcommands appear in --help
COMMANDS: list[str] = [
    "gradcheck",
    "char_rnn",
    "binary_addition",
    "lm",
    "names",
    "seq2seq",
    "classify",
    "exercise",
]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="minirnn",
        description="Recurrent neural networks in pure NumPy, every gradient checked.",
    )
    parser.add_argument("--version", action="version", version=f"minirnn {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"minirnn.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``minirnn`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader went away (``minirnn binary-addition --classic | head``): stop quietly,
        # and point stdout at devnull so Python's exit-time flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
