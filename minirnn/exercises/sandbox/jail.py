"""The import guard of the grading sandbox: no reference answers, no reading them either.

:func:`install` puts up two fences inside the sandboxed child process, after its own helpers
and numpy are loaded and before the student's code runs:

- a finder first on ``sys.meta_path`` that refuses the blocked modules (all of ``minirnn``,
  and libraries with automatic differentiation or ready-made recurrent layers, which would
  hand out the answer just as well);
- an audit hook (:func:`sys.addaudithook`, which cannot be removed once added) that refuses
  imports of those modules even if the finder is taken away, opening any file inside a
  protected folder (the installed package's source), and starting other programs.

Every refusal is recorded in :data:`VIOLATIONS` and written at once to stderr with a marker,
so a submission that catches the exception still scores 0. This keeps honest students honest
and makes copying visible; it is not a security boundary (see ``docs/course.md``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: modules a submission may not import (each with all its submodules)
BLOCKED = ("minirnn", "torch", "tensorflow", "jax", "autograd", "keras", "mxnet", "chainer")
#: the line prefix on stderr that the grader looks for
MARKER = "MINIRNN-SANDBOX-VIOLATION: "
#: what the submission tried, in order
VIOLATIONS: list[str] = []
#: audit events that start another program (which could read anything)
_SPAWN_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                 "os.fork", "os.forkpty", "pty.spawn")


class SandboxViolationError(ImportError):
    """Raised where a submission reaches for something the grader keeps from it."""


def _refuse(reason: str) -> None:
    VIOLATIONS.append(reason)
    try:
        os.write(2, (MARKER + reason + "\n").encode("utf-8", "replace"))
    except OSError:
        pass
    raise SandboxViolationError(reason)


def _is_blocked(module: str, blocked: tuple[str, ...]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in blocked)


class _BlockingFinder:
    """A meta-path finder that refuses the blocked modules before any other finder looks."""

    def __init__(self, blocked: tuple[str, ...]) -> None:
        self.blocked = blocked

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 - importlib protocol
        if _is_blocked(fullname, self.blocked):
            _refuse(f"imported {fullname}, which the grader blocks while it grades "
                    "(a submission may use numpy and the standard library)")
        return None


def _inside(path: str, folders: tuple[str, ...]) -> bool:
    try:
        resolved = os.path.realpath(path)
    except (TypeError, ValueError, OSError):
        return False
    return any(resolved == f or resolved.startswith(f + os.sep) for f in folders)


def install(protected: list[str], allowed: list[str] = (),
            blocked: tuple[str, ...] = BLOCKED) -> None:
    """Put up both fences; ``protected`` are folders no file may be opened in, except inside
    the ``allowed`` ones (the submission's own folder).

    The sandbox's own files stay readable (a traceback reads their lines): they hold no
    answer.
    """
    # the grader's copy, and any other copy of the package this interpreter could import
    others = [os.path.join(entry, "minirnn") for entry in sys.path if entry]
    folders = tuple(os.path.realpath(p) for p in [*protected, *others] if os.path.isdir(p))
    own = Path(__file__).resolve().parent
    own_files = {str(own / name) for name in ("child.py", "wire.py", "calls.py", "jail.py")}
    open_folders = tuple(os.path.realpath(p) for p in allowed)
    sys.meta_path.insert(0, _BlockingFinder(blocked))
    for name in [m for m in sys.modules if _is_blocked(m, blocked)]:
        del sys.modules[name]

    def hook(event: str, args: tuple) -> None:
        if event == "import" and args and isinstance(args[0], str):
            if _is_blocked(args[0], blocked):
                _refuse(f"imported {args[0]}, which the grader blocks while it grades")
        elif event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.fsdecode(args[0])
            if _inside(path, folders) and not _inside(path, open_folders) \
                    and os.path.realpath(path) not in own_files:
                _refuse(f"opened {Path(path).name} inside the minirnn package or its source "
                        "checkout, which hold the reference answers")
        elif event in _SPAWN_EVENTS:
            _refuse(f"tried to start another program ({event})")

    sys.addaudithook(hook)
