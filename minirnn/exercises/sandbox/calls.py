"""Call a student's function and turn an exception into one sentence naming their line.

Used both in the grader's process (``check`` in a notebook, where students check their own
code) and inside the sandbox; it imports only the standard library, so the sandbox can load
it before its import guard goes up.
"""

from __future__ import annotations

import copy
import traceback
from collections.abc import Callable


class CallFailedError(Exception):
    """The student's function raised; the message says what and where."""


def where(error: BaseException, filename: str | None) -> str:
    """``" (at FILE line N: code)"`` for the deepest frame of ``filename`` in the traceback."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    if not frames:
        return ""
    frame = frames[-1]
    code = f": {frame.line.strip()}" if frame.line else ""
    return f" (at {frame.filename} line {frame.lineno}{code})"


def describe(error: BaseException, name: str, filename: str | None) -> str:
    """What to tell a student whose function ``name`` raised ``error``."""
    if isinstance(error, NotImplementedError):
        return (f"{name} is not written yet: it raised NotImplementedError. Replace the "
                "`raise NotImplementedError` line with your code.")
    if isinstance(error, MemoryError):
        return f"{name} ran out of memory (MemoryError){where(error, filename)}"
    return f"{name} raised {type(error).__name__}: {error}{where(error, filename)}"


def call_student(student: Callable, name: str, args: tuple, kwargs: dict) -> object:
    """``student(*args, **kwargs)`` on private copies, so in-place edits stay with the student.

    Raises
    ------
    CallFailedError
        With :func:`describe`'s message if the function raised.
    """
    args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    filename = getattr(getattr(student, "__code__", None), "co_filename", None)
    try:
        return student(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - any bug in student code becomes a message
        raise CallFailedError(describe(error, name, filename)) from None
