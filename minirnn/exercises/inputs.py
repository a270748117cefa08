"""Seeded input builders shared by the exercises (each returns a function of a Generator)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from minirnn.exercises.exercise import Case, InputBuilder
from minirnn.layers.registry import layer_class


def weights(rng: np.random.Generator, D: int, H: int, gates: int) -> dict:
    """Fused ``Wx`` (D, gates*H), ``Wh`` (H, gates*H) and ``b``, small enough for tanh."""
    return {"Wx": rng.standard_normal((D, gates * H)) * 0.5,
            "Wh": rng.standard_normal((H, gates * H)) * 0.5,
            "b": rng.standard_normal(gates * H) * 0.1}


def state(rng: np.random.Generator, N: int, H: int, zero: bool) -> np.ndarray:
    """A hidden (or cell) state: random, or exact zeros for the edge case."""
    return np.zeros((N, H)) if zero else rng.standard_normal((N, H))


def step(N: int, D: int, H: int, cell: str, zero_state: bool = False):
    """``x, h_prev[, c_prev], Wx, Wh, b[, b_hn]`` for one step of ``cell``.

    The states (``h_prev``, and ``c_prev`` for the LSTM) and the number of gate blocks in the
    weights come from the cell's core in the registry; the GRU's step also takes ``b_hn``.
    """
    core = layer_class(cell).core_class

    def build(rng: np.random.Generator) -> dict:
        inputs = {"x": rng.standard_normal((N, D))}
        for name in core.state_names:
            inputs[f"{name}_prev"] = state(rng, N, H, zero_state)
        inputs.update(weights(rng, D, H, core.num_gates))
        if cell == "gru":  # the functional GRU step's reset-after bias
            inputs["b_hn"] = rng.standard_normal(H) * 0.1
        return inputs

    return build


def sequence(N: int, T: int, D: int, H: int, cell: str, zero_state: bool = False):
    """``x, h0[, c0], Wx, Wh, b[, b_hn]`` for a whole sequence of ``cell``."""
    one = step(N, D, H, cell, zero_state)
    core = layer_class(cell).core_class

    def build(rng: np.random.Generator) -> dict:
        inputs = one(rng)
        x = rng.standard_normal((N, T, D))
        renamed = {"x": x}
        for name in core.state_names:
            renamed[f"{name}0"] = inputs.pop(f"{name}_prev")
        renamed.update({k: v for k, v in inputs.items() if k != "x"})
        return renamed

    return build


def step_cases(build: Callable[..., InputBuilder], zero_H: int, zero_label: str) -> tuple:
    """The three cases every one-step exercise tries: a batch, one example, zero states.

    ``build(N, D, H)`` makes a case's inputs and ``build(N, D, H, True)`` the zero-state
    edge case, whose label ends in ``zero_label`` (``"h_prev all zeros"``).
    """
    return (Case("N=3, D=4, H=5", build(3, 4, 5), seed=0),
            Case("N=1, D=2, H=3 (one example)", build(1, 2, 3), seed=1),
            Case(f"N=2, D=3, H={zero_H}, {zero_label}", build(2, 3, zero_H, True), seed=2))


def cell_step(cell: str) -> Callable[..., InputBuilder]:
    """:func:`step` with the cell fixed, in the form :func:`step_cases` takes."""
    return lambda N, D, H, zero_state=False: step(N, D, H, cell, zero_state)


def sequence_cases(build: Callable[..., InputBuilder], hidden: tuple[int, int],
                   zero_label: str) -> tuple:
    """The three cases every whole-sequence exercise tries: four steps, a single step, and
    zero initial states.

    ``build(N, T, D, H)`` makes a case's inputs and ``build(N, T, D, H, True)`` the
    zero-state edge case, whose label ends in ``zero_label``; ``hidden`` is H of the first
    two cases (the edge case has H=2).
    """
    H_long, H_single = hidden
    return (Case(f"N=2, T=4, D=3, H={H_long}", build(2, 4, 3, H_long), seed=0),
            Case(f"N=3, T=1, D=2, H={H_single} (a single step)", build(3, 1, 2, H_single),
                 seed=1),
            Case(f"N=1, T=3, D=2, H=2, {zero_label}", build(1, 3, 2, 2, True), seed=2))


def cell_sequence(cell: str) -> Callable[..., InputBuilder]:
    """:func:`sequence` with the cell fixed, in the form :func:`sequence_cases` takes."""
    return lambda N, T, D, H, zero_state=False: sequence(N, T, D, H, cell, zero_state)
