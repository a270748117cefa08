"""Turn whatever a student's function returned into named arrays, or one clear sentence.

A student's function can return too few arrays, return them transposed, in float32, as a
Python list or full of NaN. :func:`returned_arrays` says which of these happened and what was
expected, measured against the reference answer's own structure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from minirnn.errors import MinirnnError
from minirnn.exercises.sandbox.wire import Unsupported


class StudentError(MinirnnError):
    """The student's function could not be checked; the message says why.

    ``mistake`` names a recognised common mistake (see :mod:`minirnn.exercises.diagnoses`)
    when the message is one, such as a transposed or an unsummed gradient.
    """

    def __init__(self, message: str, mistake: str | None = None) -> None:
        super().__init__(message)
        self.mistake = mistake


def _type_name(value: object) -> str:
    return value.type_name if isinstance(value, Unsupported) else type(value).__name__


def _shape_hint(label: str, inputs: Mapping[str, object]) -> str:
    """``" (the shape of Wx)"`` for a gradient ``dWx`` of an input, else ``""``."""
    if label.startswith("d") and label[1:] in inputs:
        return f" (the shape of {label[1:]})"
    return ""


def _checked(name: str, label: str, value: object, expected: np.ndarray,
             inputs: Mapping[str, object]) -> np.ndarray:
    """``value`` as an array if it is finite and has ``expected``'s shape and kind."""
    what = f"{name} returned {label}"
    shape, of = expected.shape, _shape_hint(label, inputs)
    scalar = shape == () and isinstance(value, (float, int, np.floating, np.integer)) \
        and not isinstance(value, bool)
    if scalar:
        value = np.asarray(value, dtype=expected.dtype)
    if not isinstance(value, np.ndarray):
        kind = "a float64 ndarray" if expected.dtype.kind == "f" else "an integer ndarray"
        raise StudentError(f"{what} as {_type_name(value)}, expected {kind} of shape {shape}{of}")
    if value.shape != shape:
        _wrong_shape(what, value.shape, shape, of)
    if expected.dtype.kind == "f" and value.dtype != np.float64:
        raise StudentError(f"{what} with dtype {value.dtype}, expected float64")
    if expected.dtype.kind in "iu" and value.dtype.kind not in "iu":
        raise StudentError(f"{what} with dtype {value.dtype}, expected integers")
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        bad = "NaN" if np.isnan(value).any() else "inf"
        raise StudentError(f"{what} containing {bad}; every entry must be a finite number")
    return value


def _wrong_shape(what: str, got: tuple, shape: tuple, of: str) -> None:
    """Raise the StudentError for a shape mismatch, naming a transpose or a missing sum."""
    if got == shape[::-1] and len(shape) > 1:
        raise StudentError(f"{what} with shape {got}, expected {shape}{of} - transposed?",
                           mistake="wrong_transpose")
    if len(got) > len(shape) and got[len(got) - len(shape):] == shape and len(shape) == 1:
        raise StudentError(
            f"{what} with shape {got}, expected {shape}{of}: one value per example - a bias "
            "is shared by the whole batch, so sum its gradient over the batch (and time) axes",
            mistake="bias_not_summed")
    raise StudentError(f"{what} with shape {got}, expected {shape}{of}")


def _match(name: str, label: str, value: object, expected: object,
           inputs: Mapping[str, object], found: dict[str, np.ndarray]) -> None:
    """Walk ``value`` alongside the reference ``expected``, collecting leaves by label."""
    if isinstance(expected, Mapping):
        if not isinstance(value, Mapping) or set(value) != set(expected):
            keys = ", ".join(map(str, expected))
            raise StudentError(f"{name} returned {label} as {_describe(value)}, expected a "
                               f"dict with the keys {keys}")
        for key in expected:
            _match(name, f"{label}[{key!r}]", value[key], expected[key], inputs, found)
        return
    if isinstance(expected, (tuple, list)):
        if not isinstance(value, (tuple, list)) or len(value) != len(expected):
            raise StudentError(f"{name} returned {label} as {_describe(value)}, expected "
                               f"{len(expected)} values")
        for number, (item, want) in enumerate(zip(value, expected, strict=True)):
            _match(name, f"{label}[{number}]", item, want, inputs, found)
        return
    found[label] = _checked(name, label, value, np.asarray(expected), inputs)


def _describe(value: object) -> str:
    if isinstance(value, Mapping):
        return f"a dict with the keys {', '.join(map(str, value))}"
    if isinstance(value, (tuple, list)):
        return f"{len(value)} values"
    return _type_name(value)


def returned_arrays(name: str, returns: Sequence[str], result: object, expected: object,
                    inputs: Mapping[str, object]) -> dict[str, np.ndarray]:
    """The student's ``result`` as arrays by name, shaped like the reference ``expected``.

    Raises
    ------
    StudentError
        If it has the wrong number, kind, shape or dtype of values, or non-finite ones.
    """
    if len(returns) == 1:
        result, expected = (result,), (expected,)
    wanted = f"{len(returns)} value{'s' if len(returns) > 1 else ''} ({', '.join(returns)})"
    if not isinstance(result, (tuple, list)):
        raise StudentError(f"{name} must return {wanted}, but it returned "
                           f"{_type_name(result)}")
    if len(result) != len(returns):
        raise StudentError(f"{name} must return {wanted}, but it returned {len(result)} values")
    found: dict[str, np.ndarray] = {}
    for label, value, want in zip(returns, result, expected, strict=True):
        _match(name, label, value, want, inputs, found)
    return found
