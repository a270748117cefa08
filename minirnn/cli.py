"""The ``minirnn`` command, and the one place where its errors are reported.

Each subcommand lives in its own module under :mod:`minirnn.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function taking the
parsed arguments and returning an exit status. To add a command, write the module and list
it in ``COMMANDS`` below.

Commands never print their own errors: they raise, and :func:`main` turns the exception into
one line on stderr, ``minirnn <command>: error: <message>``, and an exit status:

======================================  ======  ============================================
exception                               status  meaning
======================================  ======  ============================================
argparse's own errors                   2       an option that does not parse (usage shown)
:class:`~minirnn.errors.UsageError`     2       an argument that cannot work
:class:`~minirnn.errors.MinirnnError`   1       a failure at run time (a bad checkpoint, ...)
``OSError``                             1       a file that cannot be read or written
``ValueError`` / ``TypeError``          1       the library refused a value while running
anything else                           1       a bug in minirnn: reported as one
``KeyboardInterrupt``                   130     the user pressed Ctrl-C
======================================  ======  ============================================

Arguments are checked by argparse types (:mod:`minirnn.commands.arguments`) or by the
command before any work starts, so a ``ValueError`` from deep inside the library means the
data or a combination of options was refused at run time: it exits 1, like every other
run-time failure. A traceback is printed only with ``--debug`` (anywhere on the command
line) or ``MINIRNN_DEBUG=1`` in the environment.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import traceback
from collections.abc import Sequence

from minirnn import __version__
from minirnn._blas_threads import one_blas_thread_unless_set
from minirnn.errors import MinirnnError

#: modules under minirnn.commands, in the order their subcommands appear in --help
COMMANDS: list[str] = [
    "gradcheck",
    "char_rnn",
    "binary_addition",
    "lm",
    "names",
    "seq2seq",
    "classify",
    "learn2carry",
    "poems",
    "exercise",
]

#: the flag (and environment variable) that turns the one-line error into a traceback
DEBUG_FLAG = "--debug"
DEBUG_ENV = "MINIRNN_DEBUG"
DEBUG_HINT = f"(run with {DEBUG_FLAG} for a traceback)"

#: exit status after Ctrl-C, as a shell reports a process ended by SIGINT
INTERRUPTED = 130


#: reStructuredText roles and literals in docstrings: ``x``, :func:`x`, :class:`~a.b.x`
RST_MARKUP = re.compile(r"(?::[a-z]+:`~?(?P<role>[^`]+)`)|(?:``(?P<literal>[^`]+)``)")


def plain_text(text: str) -> str:
    """``text`` without the reStructuredText markup of docstrings (for the terminal)."""
    return RST_MARKUP.sub(lambda m: m.group("role") or m.group("literal"), text)


class PlainHelpParser(argparse.ArgumentParser):
    """An argument parser whose help shows docstring text without its markup.

    Subcommand descriptions come from module docstrings written for Sphinx; the subparsers
    of every command are of this class too (argparse gives them their parent's class).
    """

    def format_help(self) -> str:
        return plain_text(super().format_help())


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    parser = PlainHelpParser(
        prog="minirnn",
        description="Recurrent neural networks in pure NumPy, every gradient checked.",
        epilog=f"{DEBUG_FLAG} may also be given after the command; {DEBUG_ENV}=1 does the same.",
    )
    parser.add_argument("--version", action="version", version=f"minirnn {__version__}")
    parser.add_argument(DEBUG_FLAG, action="store_true",
                        help="on an error, print the Python traceback instead of one line")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"minirnn.commands.{name}").register(subparsers)
    return parser


def split_debug_flag(argv: Sequence[str]) -> tuple[list[str], bool]:
    """Remove ``--debug`` from ``argv`` wherever it stands (before a ``--``).

    Users add it at the end of the command that failed, so it is taken from any position
    rather than only before the subcommand.
    """
    argv = list(argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    kept = [arg for arg in argv[:cut] if arg != DEBUG_FLAG] + argv[cut:]
    return kept, len(kept) != len(argv)


def debug_requested(flag: bool) -> bool:
    """True when the flag was given or ``MINIRNN_DEBUG`` is set to anything but 0/empty."""
    return flag or os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


def command_name(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """``minirnn lm train``: the ``prog`` of the innermost subparser that parsed ``args``."""
    while True:
        sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)),
                   None)
        chosen = None if sub is None else getattr(args, sub.dest, None)
        if chosen is None or chosen not in sub.choices:
            return parser.prog
        parser = sub.choices[chosen]


def describe(error: BaseException) -> tuple[str, int]:
    """The message and the exit status the user sees for ``error`` (see the module table)."""
    if isinstance(error, MinirnnError):
        return str(error), error.exit_status
    if isinstance(error, OSError):
        return describe_os_error(error), 1
    if isinstance(error, (ValueError, TypeError)):
        return str(error), 1
    return (f"internal error {type(error).__name__}: {error}; this is a bug in minirnn, "
            "please report it with the traceback"), 1


def describe_os_error(error: OSError) -> str:
    """``cannot write runs/x.npz: Permission denied`` rather than ``[Errno 13] ...``."""
    reason = error.strerror or str(error)
    if error.filename is None:
        return reason
    target = f"{error.filename} -> {error.filename2}" if error.filename2 else error.filename
    return f"{target}: {reason}"


def report_error(prog: str, error: BaseException, debug: bool) -> int:
    """Print ``error`` for the user (one line, or the traceback) and return the exit status."""
    message, status = describe(error)
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    message = " ".join(message.split())  # one line, whatever the exception text held
    hint = "" if debug else " " + DEBUG_HINT
    print(f"{prog}: error: {message}{hint}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``minirnn`` console script; returns the exit status."""
    one_blas_thread_unless_set()  # before the commands import NumPy: docs/performance.md
    argv, debug_flag = split_debug_flag(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse's own errors: usage and SystemExit(2)
    debug = debug_requested(debug_flag or args.debug)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return 2
    prog = command_name(parser, args)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader went away (``minirnn binary-addition --classic | head``): stop quietly,
        # and point stdout at devnull so Python's exit-time flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except Exception as error:  # the one error boundary: see the module docstring
        return report_error(prog, error, debug)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
