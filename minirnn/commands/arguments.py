"""Argparse types that check a command's arguments before any work starts.

Use them as ``type=`` of ``add_argument``; a value that does not fit ends in argparse's usual
error (usage line, ``minirnn <command>: error: argument --lr: ...``, exit status 2)::

    train.add_argument("--iters", type=positive_int, default=2000)
    train.add_argument("--dropout", type=probability, default=0.0)
    train.add_argument("--data", type=readable_file)
    train.add_argument("--out", type=output_path, default=Path("lm.npz"))

Each type is also a plain function of a string. Paths that are only known after parsing (a
plot named after the checkpoint, say) are checked with :func:`check_output_path`, which
raises :class:`~minirnn.errors.UsageError` instead. :func:`add_command_with_actions` adds
a command whose work is split into required sub-commands (``lm train``, ``lm generate``).
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from minirnn.errors import UsageError

__all__ = [
    "add_command_with_actions",
    "add_sampling_options",
    "check_output_path",
    "check_readable_file",
    "non_negative_float",
    "output_problem",
    "non_negative_int",
    "output_path",
    "positive_float",
    "positive_int",
    "probability",
    "readable_file",
    "readable_problem",
    "resolve_options",
]


def add_command_with_actions(
    subparsers: argparse._SubParsersAction, name: str, help: str, description: str,
    dest: str = "action", metavar: str = "ACTION",
) -> argparse._SubParsersAction:
    """Add the command ``name`` and return its sub-commands' subparsers (one is required).

    Each sub-command's choice is stored as ``dest`` (``args.action``); ``description`` is
    the command's ``--help`` text, usually the first line of its module docstring.
    """
    parser = subparsers.add_parser(name, help=help, description=description)
    actions = parser.add_subparsers(dest=dest, metavar=metavar)
    actions.required = True
    return actions


def add_sampling_options(parser: argparse.ArgumentParser, temperature: float = 1.0,
                         top_k_help: str = "sample only among the k likeliest tokens") -> None:
    """Add ``--temperature`` (default ``temperature``), ``--top-k`` and ``--seed`` to a
    command that samples text from a trained model."""
    parser.add_argument("--temperature", type=positive_float, default=temperature,
                        help=f"<1 more conservative, >1 more surprising ({temperature})")
    parser.add_argument("--top-k", type=positive_int, help=top_k_help)
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed of the sampling (0)")


def _parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _parse_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _require(ok: bool, requirement: str, text: str) -> None:
    if not ok:
        raise argparse.ArgumentTypeError(f"{requirement}, got {text}")


def positive_int(text: str) -> int:
    """An integer >= 1 (sizes, iterations, epochs, counts)."""
    value = _parse_int(text)
    _require(value >= 1, "must be a positive integer", text)
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0 (intervals where 0 means "never", sizes where 0 means "none")."""
    value = _parse_int(text)
    _require(value >= 0, "must be an integer >= 0", text)
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (learning rates, temperatures)."""
    value = _parse_float(text)
    _require(value > 0, "must be a number > 0", text)
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0 (clipping limits where 0 means "no clipping")."""
    value = _parse_float(text)
    _require(value >= 0, "must be a number >= 0", text)
    return value


def probability(text: str) -> float:
    """A number in [0, 1): dropout rates and held-out fractions (1 would leave nothing)."""
    value = _parse_float(text)
    _require(0.0 <= value < 1.0, "must be in [0, 1)", text)
    return value


def readable_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None if it can."""
    if not path.exists():
        return f"{path} does not exist"
    if path.is_dir():
        return f"{path} is a directory; give a file"
    if not os.access(path, os.R_OK):
        return f"{path} cannot be read (permission denied)"
    return None


def output_problem(path: Path) -> str | None:
    """Why no file can be written at ``path``, or None if one can.

    The path must not be a directory, an existing file there must be writable, and its
    directory must exist or be creatable: the nearest existing ancestor has to be a
    directory we may write to (``runs/new/lm.npz`` is fine, ``notes.txt/lm.npz`` is not).
    """
    if str(path) in ("", "."):
        return f"expected a file name, got {str(path)!r}"
    if path.is_dir():
        return f"{path} is a directory; give the path of a file (inside it, for example)"
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path} exists and cannot be overwritten (permission denied)"
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"cannot write {path}: {ancestor} is a file, not a directory"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"cannot write {path}: directory {ancestor} is not writable"
    return None


def check_readable_file(path: str | os.PathLike, option: str) -> Path:
    """Return ``path`` if it is an existing regular file we may read; else a UsageError."""
    path = Path(path)
    problem = readable_problem(path)
    if problem is not None:
        raise UsageError(f"{option}: {problem}")
    return path


def check_output_path(path: str | os.PathLike, option: str) -> Path:
    """Return ``path`` if a file can be written there; else a UsageError naming ``option``.

    See :func:`output_problem` for the rule. Checked before training, so that a long run
    does not end in a save that cannot work.
    """
    path = Path(path)
    problem = output_problem(path)
    if problem is not None:
        raise UsageError(f"{option}: {problem}")
    return path


def readable_file(text: str) -> Path:
    """An existing, readable regular file (data, checkpoints to load or resume)."""
    problem = readable_problem(Path(text))
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return Path(text)


def output_path(text: str) -> Path:
    """A file path that can be written (see :func:`output_problem`)."""
    problem = output_problem(Path(text))
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return Path(text)


def resolve_options(
    args: object,
    defaults: dict[str, object],
    stored: dict[str, object] | None = None,
    source: object = "the checkpoint",
    movable: tuple[str, ...] = ("data",),
) -> dict[str, object]:
    """The value of each option in ``defaults``: given, stored by a resumed run, or default.

    Options that shape a run are declared with ``default=None``, so that one the user typed
    can be told from one left alone. Without ``stored`` (a new run) each takes the value
    given or its default. With ``stored`` (``--resume``: the options the checkpoint was
    trained with) each takes the stored value, and an option given again with another value
    is a conflict: a :class:`~minirnn.errors.UsageError` lists every conflicting option.
    Options in ``movable`` (the data file, which may have moved; the loader checks that its
    content still fits) take the value given again, or the stored one.
    """
    values: dict[str, object] = {}
    conflicts = []
    for name, default in defaults.items():
        given = getattr(args, name, None)
        if stored is not None and name in stored and name in movable and given is not None:
            values[name] = _as_stored(given)
        elif stored is not None and name in stored:
            values[name] = stored[name]
            if given is not None and _as_stored(given) != stored[name]:
                conflicts.append(f"--{name.replace('_', '-')} {given} (it was trained with "
                                 f"{stored[name]})")
        else:
            values[name] = default if given is None else _as_stored(given)
    if conflicts:
        raise UsageError(f"--resume: {source} was trained with other options: "
                         f"{'; '.join(conflicts)}; drop them to continue the run as it was, or "
                         "start a new run without --resume")
    return values


def _as_stored(value: object) -> object:
    """Paths are stored as strings (JSON); everything else as it is."""
    return str(value) if isinstance(value, os.PathLike) else value
