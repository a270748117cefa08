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

The options most training commands share (``--cell``, ``--layers``, ``--hidden``, ``--lr``,
``--seed``, ...) are added by :func:`add_shared_options` from the command's defaults, so
that a command states only its defaults and its own wording; :func:`add_resume_options` adds
``--out`` and ``--resume`` to a training command whose run can be continued, and
:func:`add_train_and_generate` a command with the sub-commands ``train`` and ``generate``.
On ``--resume``, :func:`stored_run` reads the options the checkpoint was trained with and
:func:`resolve_options` settles each option from them, from what was typed and from the
defaults; :func:`checkpoint_to_write` picks the file to write.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from minirnn.errors import UsageError
from minirnn.layers.registry import CELLS

__all__ = [
    "SHARED_OPTIONS",
    "add_command_with_actions",
    "add_resume_options",
    "add_sampling_options",
    "add_shared_options",
    "add_train_and_generate",
    "check_output_path",
    "check_readable_file",
    "checkpoint_to_write",
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
    "stored_run",
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


def stored_run(path: Path, command: str, kind: str | None = None) -> dict:
    """The options the checkpoint at ``path`` was trained with, for ``minirnn <command> train
    --resume`` (the ``stored`` of :func:`resolve_options`).

    ``kind`` is the kind of checkpoint the command writes (see
    :func:`~minirnn.train.checkpoint.checkpoint_kind`; by default ``command``: ``"lm"``,
    ``"names"``); a file of another kind is refused. A command whose files share their kind
    with another command's (``poems`` writes ``"lm"`` checkpoints) accepts only the files it
    wrote itself, with its options stored (configuration ``task`` equal to ``command``).
    Files written before the options were stored give what their model configuration says.
    """
    from minirnn.train.checkpoint import CheckpointError, load_checkpoint, require_kind

    kind = kind or command
    ckpt = load_checkpoint(path)
    require_kind(ckpt, (kind,), f"`minirnn {command} train --resume`")
    run = ckpt.config.get("run")
    if kind != command and (ckpt.config.get("task") != command or not isinstance(run, dict)):
        raise CheckpointError(f"{path} was not written by `minirnn {command} train` (no stored "
                              f"{command} options), so it cannot be resumed here; use "
                              f"`minirnn {kind} train --resume` for {kind} checkpoints")
    if isinstance(run, dict):
        return dict(run)
    model = ckpt.config["model"]
    return {"cell": model.get("cell"), "layers": model.get("num_layers"),
            "hidden": model.get("hidden_size"), "embed": model.get("embedding_dim") or 0,
            "dropout": model.get("dropout"), "dtype": model.get("dtype"),
            "tokenizer": ckpt.config.get("tokenizer")}


#: options most training commands share: the argparse type and the usual help (the default
#: is added to it); a command may word the help its own way
SHARED_OPTIONS: dict[str, tuple[Callable[[str], object], str]] = {
    "layers": (positive_int, "stacked recurrent layers"),
    "hidden": (positive_int, "hidden units"),
    "embed": (positive_int, "embedding size"),
    "dropout": (probability, "dropout"),
    "epochs": (positive_int, "passes over the data"),
    "batch_size": (positive_int, "sequences per batch"),
    "lr": (positive_float, "Adam learning rate"),
    "seed": (non_negative_int, "seed of weights and data order"),
}


def add_shared_options(parser: argparse.ArgumentParser, defaults: Mapping[str, object],
                       *names: str, resolved_later: bool = False,
                       **helps: str) -> None:
    """Add ``--cell`` (a cell of the registry) and the :data:`SHARED_OPTIONS` ``names``
    (all of ``defaults`` when none are named), each with its default from ``defaults``.

    The help shows the default: ``--hidden`` "hidden units (128)". ``helps`` words an
    option's help for this command (``epochs="passes over the names"``). With
    ``resolved_later`` the options are declared with ``default=None`` and their values
    settled after parsing, where one the user typed must be told from one left alone
    (:func:`resolve_options` for ``--resume``, or defaults that depend on another option);
    the help still shows the usual default.
    """
    for name in names or tuple(defaults):
        default = defaults[name]
        flag = "--" + name.replace("_", "-")
        given = None if resolved_later else default
        if name == "cell":
            parser.add_argument(flag, choices=tuple(CELLS), default=given,
                                help=f"{helps.get(name, 'recurrent cell')} ({default})")
            continue
        kind, usual = SHARED_OPTIONS[name]
        parser.add_argument(flag, type=kind, default=given,
                            help=f"{helps.get(name, usual)} ({default:g})")


def add_resume_options(parser: argparse.ArgumentParser, out: str, restored: str,
                       changeable: str) -> None:
    """Add ``--out`` (default ``out``, or the resumed file) and ``--resume``, for a training
    command whose run can be continued: ``restored`` says what comes from the checkpoint,
    ``changeable`` which options may differ from the stored run."""
    parser.add_argument("--out", type=output_path,
                        help=f"checkpoint to write ({out}; with --resume, the resumed file)")
    parser.add_argument("--resume", type=readable_file,
                        help=f"continue the run saved in this checkpoint: {restored} come from "
                        f"it; options given again must agree, only {changeable} may change")


def checkpoint_to_write(args: argparse.Namespace, default: str) -> Path:
    """The checkpoint a resumable training run writes (see :func:`add_resume_options`):
    ``--out``, else the file it resumes, else ``default``; checked before any work."""
    return check_output_path(args.out or args.resume or Path(default), "--out")


def add_train_and_generate(
    subparsers: argparse._SubParsersAction, name: str, help: str, doc: str,
    run_train: Callable, run_generate: Callable, train_help: str, generate_help: str,
) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """Add ``minirnn <name> train|generate`` and return the two sub-commands' parsers.

    ``doc`` is the command module's docstring; its first line is the ``--help`` text.
    ``train`` runs ``run_train``; ``generate`` runs ``run_generate`` on the positional
    ``checkpoint``, a file that ``train`` wrote. The command adds its own options to each
    (in the order ``--help`` should list them, so the reporting options such as ``--quiet``
    come last).
    """
    actions = add_command_with_actions(subparsers, name, help, doc.splitlines()[0])
    train = actions.add_parser("train", help=train_help)
    train.set_defaults(func=run_train)
    generate = actions.add_parser("generate", help=generate_help)
    generate.add_argument("checkpoint", type=readable_file,
                          help=f"file written by `minirnn {name} train`")
    generate.set_defaults(func=run_generate)
    return train, generate
