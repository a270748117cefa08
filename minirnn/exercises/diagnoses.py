"""Say in plain words which common mistake a wrong answer is.

Two sources of diagnoses:

- each exercise's :class:`~minirnn.exercises.exercise.Mistake` entries: a wrong solution the
  grader runs on the student's own arguments; when the student's arrays equal its arrays
  (and some differ from the right answer) the mistake is named;
- checks that hold for every exercise: an array that is the transpose of the right one, a
  bias gradient averaged instead of summed, fused gate blocks in the wrong order.

A student whose shapes are wrong gets the diagnosis from the shape message instead (see
:class:`~minirnn.exercises.guard.StudentError`'s ``mistake``).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence

import numpy as np

from minirnn.exercises.exercise import Exercise
from minirnn.exercises.guard import StudentError, returned_arrays
from minirnn.gradcheck import relative_error

#: the most a matching array may differ (relative error), so rounding never hides a match
SAME = 1e-6

#: messages of the diagnoses every exercise gets
GENERIC = {
    "wrong_transpose": "{label} is the transpose of the right answer: the product is in the "
                       "wrong order (for a weight, the input's transpose comes first: "
                       "x.T @ da, not da.T @ x).",
    "bias_not_summed": "{label} is the right answer divided by {factor}: it was averaged "
                       "over the batch. A bias is added to every example, so its gradient is "
                       "the sum over the batch (and over time), not the mean.",
    "gates_swapped": "the gate blocks of {label} are in the order {order}, but minirnn fuses "
                     "the gates in the order {expected} (PyTorch's): the gates are swapped.",
}


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """True when the arrays have one shape and agree to :data:`SAME`."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(relative_error(a, b) < SAME))


def gates_of(exercise: Exercise, label: str) -> tuple[str, ...] | None:
    """The gate order of a returned array that is fused (``dWx``, ``dWh``, ``db``), or None."""
    base = label[1:] if exercise.kind == "gradient" else label
    return exercise.gates if exercise.gates and base in ("Wx", "Wh", "b") else None


def _gate_order(exercise: Exercise, label: str, got: np.ndarray, want: np.ndarray):
    """The gate order the student's fused array has, if it is a shuffle of the right one."""
    gates = gates_of(exercise, label)
    if gates is None or got.shape != want.shape or got.shape[-1] % len(gates):
        return None
    got_blocks = np.split(got, len(gates), axis=-1)
    want_blocks = np.split(want, len(gates), axis=-1)
    for order in itertools.permutations(range(len(gates))):
        if order != tuple(range(len(gates))) and all(
                same(got_blocks[k], want_blocks[order[k]]) for k in range(len(gates))):
            return ", ".join(gates[k] for k in order)
    return None


def _generic(exercise: Exercise, label: str, got: np.ndarray, want: np.ndarray):
    """The generic diagnosis of one wrong array, as ``(id, message)``, or None."""
    if got.ndim == 2 and got.shape[0] == got.shape[1] and same(got, want.T):
        return "wrong_transpose", GENERIC["wrong_transpose"].format(label=label)
    order = _gate_order(exercise, label, got, want)
    if order:
        text = GENERIC["gates_swapped"].format(label=label, order=order,
                                               expected=", ".join(exercise.gates))
        return "gates_swapped", text
    bias = label.lstrip("d").startswith("b")
    scale = np.abs(want).max()
    if bias and scale > 0 and np.abs(got).max() > 0:
        factor = float(np.sum(want * want) / np.sum(got * want))
        rounded = round(factor)
        if rounded > 1 and abs(factor - rounded) < 1e-6 and same(got * rounded, want):
            return "bias_not_summed", GENERIC["bias_not_summed"].format(label=label,
                                                                         factor=rounded)
    return None


def _mistake_arrays(exercise: Exercise, mistake, args: tuple, kwargs: dict, expected: object,
                    inputs: Mapping[str, object]) -> dict[str, np.ndarray] | None:
    try:
        result = mistake.wrong(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        return returned_arrays(exercise.name, exercise.returns, result, expected, inputs)
    except StudentError:
        return None


def diagnose(exercise: Exercise, args: tuple, kwargs: dict, expected: Mapping[str, np.ndarray],
             expected_result: object, student: Mapping[str, np.ndarray],
             inputs: Mapping[str, object]) -> list[tuple[str, str]]:
    """The mistakes recognised in ``student``'s arrays, as ``(id, message)`` pairs.

    ``expected`` holds the right arrays by label (``expected_result`` is the same answer as
    the reference returned it); ``args``/``kwargs`` are what the student's function got.
    """
    wrong = [label for label in expected if not same(student[label], expected[label])]
    if not wrong:
        return []
    found: list[tuple[str, str]] = []
    for mistake in exercise.mistakes:
        arrays = _mistake_arrays(exercise, mistake, args, kwargs, expected_result, inputs)
        matches = arrays is not None and all(same(student[k], arrays[k]) for k in student)
        if matches and mistake.id not in ids(found):
            found.append((mistake.id, mistake.message))
    if found:
        return found
    for label in wrong:
        hit = _generic(exercise, label, np.asarray(student[label]), np.asarray(expected[label]))
        if hit and hit not in found:
            found.append(hit)
    return found


def from_error(error: StudentError) -> list[tuple[str, str]]:
    """The diagnosis a shape message carries (a transpose, an unsummed bias), if any."""
    return [(error.mistake, str(error))] if error.mistake else []


def ids(diagnoses: Sequence[tuple[str, str]]) -> list[str]:
    """Just the ids, in order."""
    return [identifier for identifier, _ in diagnoses]
