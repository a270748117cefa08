"""Run a student's backward pass and turn whatever goes wrong into one clear sentence.

A student's function can raise, return too few arrays, return them transposed, in float32
or full of NaN. The checker must say which of these happened and what was expected, and must
not let the student's code change the arrays the finite differences are taken around.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from minirnn.exercises.exercise import Exercise


class StudentError(Exception):
    """The student's function could not be checked; the message says why."""


def _private(value: object) -> object:
    """A copy of arrays (also inside a tuple), so in-place edits stay with the student."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_private(item) for item in value)
    return value


def _where(error: BaseException, student: Callable) -> str:
    """``" (at file line N: code)"`` for the student's deepest frame, if any."""
    filename = getattr(getattr(student, "__code__", None), "co_filename", None)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    if not frames:
        return ""
    frame = frames[-1]
    code = f": {frame.line.strip()}" if frame.line else ""
    return f" (at {frame.filename} line {frame.lineno}{code})"


def run_student(
    student: Callable,
    exercise: Exercise,
    douts: Sequence[np.ndarray],
    cache: object,
    inputs: Mapping[str, object],
) -> dict[str, np.ndarray]:
    """Call ``student`` on private copies and return its gradients by input name.

    Raises
    ------
    StudentError
        If it raised, or returned the wrong number, kind, shape or dtype of gradients, or
        non-finite values.
    """
    name = exercise.name
    try:
        result = exercise.call(student, [np.array(d, copy=True) for d in douts], _private(cache))
    except NotImplementedError:
        raise StudentError(
            f"{name} is not written yet: it raised NotImplementedError. Replace the "
            "`raise NotImplementedError` line with your code."
        ) from None
    except Exception as error:  # noqa: BLE001 - any bug in student code becomes a message
        raise StudentError(
            f"{name} raised {type(error).__name__}: {error}{_where(error, student)}"
        ) from None
    expected = exercise.returns
    wanted = f"{len(expected)} array{'s' if len(expected) > 1 else ''} ({', '.join(expected)})"
    if len(expected) == 1 and isinstance(result, np.ndarray):
        result = (result,)
    if not isinstance(result, (tuple, list)):
        raise StudentError(f"{name} must return {wanted}, but it returned "
                           f"{type(result).__name__}")
    if len(result) != len(expected):
        raise StudentError(f"{name} must return {wanted}, but it returned {len(result)} values")
    grads = {}
    for gradient, value in zip(expected, result, strict=True):
        target = np.asarray(inputs[exercise.input_of(gradient)])
        grads[exercise.input_of(gradient)] = _checked(name, gradient, value, target.shape)
    return grads


def _checked(name: str, gradient: str, value: object, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` if it is a finite float64 array of ``shape``, else a StudentError."""
    what = f"{name} returned {gradient}"
    if not isinstance(value, np.ndarray):
        raise StudentError(
            f"{what} as {type(value).__name__}, expected a float64 ndarray of shape {shape} "
            f"(the shape of {gradient[1:]})"
        )
    if value.shape != shape:
        hint = " - transposed?" if value.shape == shape[::-1] and len(shape) > 1 else ""
        raise StudentError(
            f"{what} with shape {value.shape}, expected {shape} (the shape of "
            f"{gradient[1:]}){hint}"
        )
    if value.dtype != np.float64:
        raise StudentError(f"{what} with dtype {value.dtype}, expected float64")
    if not np.all(np.isfinite(value)):
        bad = "NaN" if np.isnan(value).any() else "inf"
        raise StudentError(f"{what} containing {bad}; every entry must be a finite number")
    return value
