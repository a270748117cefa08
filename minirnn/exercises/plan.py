"""Prepare a test case: the student's arguments and the right answer, made by the grader.

The grader builds every input from the case's seed and computes the reference answer itself;
only the arguments travel to the student's function (in the sandbox, as arrays).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from minirnn.exercises.exercise import Case, Exercise
from minirnn.exercises.sandbox.wire import Seeded, materialise, tanh_grad
from minirnn.gradcheck import check_function


@dataclass
class Plan:
    """One case, ready to run: ``student(*args, **kwargs)`` and what it should give.

    ``inputs`` are the forward's inputs (``"gradient"`` exercises) or the case's inputs;
    ``expected`` is the reference's return value on the same arguments. ``calls`` is how
    many times the student's function is called with them: twice for a sampling exercise,
    whose draws must come from the seeded generator it is given and so repeat exactly.
    """

    args: tuple
    kwargs: dict
    inputs: dict
    expected: object
    calls: int = 1


class _CapturedError(Exception):
    """Carries the arguments ``check_function`` hands to the backward pass."""


def _capture(*douts_and_cache):
    raise _CapturedError(douts_and_cache)


def _student_cache(cache: object) -> object:
    """The cache as the student gets it: the activation derivative as a plain function."""
    if isinstance(cache, tuple):
        return tuple(_student_cache(item) for item in cache)
    if isinstance(cache, list):
        return [_student_cache(item) for item in cache]
    if callable(cache) and getattr(cache, "__name__", "") == "_tanh_grad":
        return tanh_grad
    return cache


def _gradient_arguments(exercise: Exercise, case: Case, inputs: dict) -> tuple[tuple, dict]:
    """The upstream gradients and cache exactly as :func:`check_function` draws them."""
    try:
        check_function(exercise.forward, _capture, inputs, seed=case.seed, gates=exercise.gates)
    except _CapturedError as captured:
        *douts, cache = captured.args[0]
        return exercise.split_douts(douts, _student_cache(cache))
    raise RuntimeError(f"{exercise.name}: the forward returned no cache")  # pragma: no cover


def plan_case(exercise: Exercise, case: Case) -> Plan:
    """Build ``case``'s inputs, the student's arguments and the reference answer."""
    inputs = case.inputs(np.random.default_rng(case.seed))
    if exercise.kind == "gradient":
        args, kwargs = _gradient_arguments(exercise, case, inputs)
    else:
        # builders list the inputs in the order of the student's arguments; a sampling
        # exercise also gets a generator seeded from the case
        args = tuple(inputs.values())
        if exercise.kind == "sampling":
            args = (*args, Seeded(case.seed + 1000))
        kwargs = {}
    expected = exercise.reference(*materialise(copy.deepcopy(args)),
                                  **materialise(copy.deepcopy(kwargs)))
    return Plan(args, kwargs, inputs, expected, 2 if exercise.kind == "sampling" else 1)
