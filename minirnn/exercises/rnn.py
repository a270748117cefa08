"""Exercises on the simple recurrent network: one step, then backpropagation through time."""

from __future__ import annotations

import numpy as np

from minirnn.exercises import inputs
from minirnn.exercises.exercise import Exercise, Mistake
from minirnn.exercises.solutions import steps
from minirnn.functional.activations import get_activation
from minirnn.functional.rnn import rnn_forward, rnn_step_backward, rnn_step_forward


def _tanh_inputs(x_shape: tuple, state_name: str, N: int, D: int, H: int, zero_state: bool):
    """Inputs of a tanh RNN: the initial state is drawn before ``x`` (the cases' seeds rely on
    this order)."""
    def build(rng: np.random.Generator) -> dict:
        state = inputs.state(rng, N, H, zero_state)
        return {"x": rng.standard_normal(x_shape), state_name: state,
                **inputs.weights(rng, D, H, 1), "nonlinearity": "tanh"}

    return build


def _step_inputs(N: int, D: int, H: int, zero_state: bool = False):
    return _tanh_inputs((N, D), "h_prev", N, D, H, zero_state)


def _sequence_inputs(N: int, T: int, D: int, H: int, zero_state: bool = False):
    return _tanh_inputs((N, T, D), "h0", N, D, H, zero_state)


def rnn_forward_with_last(x, h0, Wx, Wh, b, nonlinearity="tanh"):
    """:func:`rnn_forward` with the final state (so ``dh_last`` gets checked) and the cache
    the exercise documents, ``(x, h0, Wx, Wh, hs, f_grad)`` with ``hs`` time-major.

    The exercise owns this layout (as the LSTM and GRU sequence exercises own theirs), so
    that it stays put when the tuned pass :mod:`minirnn.functional.fast.rnn` changes its
    own cache.
    """
    hs, _ = rnn_forward(x, h0, Wx, Wh, b, nonlinearity)
    f_grad = get_activation(nonlinearity)[1]
    return hs, hs[:, -1], (x, h0, Wx, Wh, np.ascontiguousarray(hs.transpose(1, 0, 2)), f_grad)


_STEP_EQUATIONS = r"""
.. math::

    a = x W_x + h_{prev} W_h + b, \qquad h = \tanh(a)

with ``x`` (N, D), ``h_prev`` and ``h`` (N, H), ``Wx`` (D, H), ``Wh`` (H, H), ``b`` (H,).
"""

RNN_STEP_BACKWARD = Exercise(
    "rnn_step_backward(dh, cache) -> dx, dh_prev, dWx, dWh, db",
    difficulty="2 (standard): the chain rule through tanh, then five products.",
    forward=rnn_step_forward,
    pairs_with="minirnn.functional.rnn.rnn_step_forward",
    reference=rnn_step_backward,
    task=(
        "Write the backward pass of one tanh RNN step. Given dh = dL/dh for the new hidden "
        "state, derive dL/da through the tanh first, then the gradients of the five "
        "arrays that made a. Remember that b was broadcast over the batch."
    ),
    equations=_STEP_EQUATIONS,
    parameters=(
        "dh : ndarray, shape (N, H)\n"
        "    Gradient of the loss with respect to the step's output h.\n"
        "cache : tuple\n"
        "    What rnn_step_forward saved (see below)."
    ),
    results=(
        "dx, dh_prev, dWx, dWh, db : ndarray\n"
        "    Gradients with the shapes of x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), b (H,)."
    ),
    cache=(
        "``(x, h_prev, Wx, Wh, h, f_grad)``: the inputs, the output ``h`` and ``f_grad``, a\n"
        "function that gives :math:`f'(a)` from the output (for tanh, ``f_grad(h)`` is\n"
        ":math:`1 - h^2`)."
    ),
    unpack="x, h_prev, Wx, Wh, h, f_grad = cache",
    cases=inputs.step_cases(_step_inputs, 4, "h_prev all zeros"),
    mistakes=(
        Mistake("tanh_derivative_missing", "the tanh was skipped: dL/da is dh * (1 - h^2), "
                "not dh.", steps.rnn_step_no_tanh_derivative),
        Mistake("tanh_derivative_of_output", "tanh's derivative was taken at the wrong point: "
                "1 - tanh(h)^2 treats h as the pre-activation, but h is already tanh(a), so "
                "the slope is 1 - h^2 (f_grad(h)).", steps.rnn_step_tanh_derivative_of_output),
    ),
)

RNN_BACKWARD = Exercise(
    "rnn_backward(dhs, cache, dh_last=None) -> dx, dh0, dWx, dWh, db",
    difficulty="3 (involved): the gradient carried back through time, and shared weights.",
    forward=rnn_forward_with_last,
    pairs_with="minirnn.functional.rnn.rnn_forward (a loop over rnn_step_forward)",
    reference=steps.rnn_backward,
    task=(
        "Write backpropagation through time for a tanh RNN run over T steps. Every hidden "
        "state h_t receives gradient from the loss (dhs[:, t]) and from the next step "
        "through Wh; the final state may also receive dh_last from outside the sequence. "
        "Walk backwards in time, and remember that Wx, Wh and b are shared by every step, "
        "so their gradients are sums over t."
    ),
    equations=r"""
.. math::

    a_t = x_t W_x + h_{t-1} W_h + b, \qquad h_t = \tanh(a_t), \qquad t = 1, \dots, T

with ``x`` (N, T, D), ``h0`` (N, H), ``hs`` (N, T, H), ``Wx`` (D, H), ``Wh`` (H, H),
``b`` (H,).
""",
    parameters=(
        "dhs : ndarray, shape (N, T, H)\n"
        "    Gradient of the loss with respect to every hidden state rnn_forward returned.\n"
        "cache : tuple\n"
        "    What rnn_forward saved (see below).\n"
        "dh_last : ndarray, shape (N, H), optional\n"
        "    Extra gradient arriving at the final state h_T from outside; None means zero."
    ),
    results=(
        "dx : ndarray, shape (N, T, D)\n"
        "dh0 : ndarray, shape (N, H)\n"
        "dWx, dWh, db : ndarray, shapes (D, H), (H, H), (H,)\n"
        "    Summed over every step."
    ),
    cache=(
        "``(x, h0, Wx, Wh, hs, f_grad)``. Careful: ``x`` is batch first (N, T, D) but\n"
        "``hs`` is **time-major**, shape (T, N, H), so ``hs[t]`` is :math:`h_{t+1}` (steps\n"
        "count from 0 in code). ``f_grad(h)`` gives :math:`f'(a)` from the output\n"
        "(:math:`1 - h^2` for tanh)."
    ),
    unpack="x, h0, Wx, Wh, hs, f_grad = cache",
    cases=inputs.sequence_cases(_sequence_inputs, (5, 3), "h0 all zeros"),
    keywords=("dh_last",),
    mistakes=(
        Mistake("carried_gradient_forgotten", "the carried gradient is forgotten: each single "
                "step's gradient is right, but h_t also gets the gradient flowing back from "
                "step t+1 (dh_next @ Wh.T after the tanh); add it to dhs[:, t].",
                steps.rnn_backward_without_carry),
        Mistake("carried_gradient_forgotten", "the carried gradient is forgotten: each single "
                "step's gradient is right, but h_t also gets the gradient flowing back from "
                "step t+1 (and the last step gets dh_last); add them to dhs[:, t].",
                steps.rnn_backward_nothing_carried),
        Mistake("dh_last_ignored", "dh_last, the gradient reaching the final state from "
                "outside the sequence, was ignored: start the backward walk with it as "
                "dh_next.", steps.rnn_backward_dh_last_ignored),
    ),
)
