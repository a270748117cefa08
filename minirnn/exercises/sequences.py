"""Exercises on backpropagation through time for whole LSTM and GRU sequences.

The state is carried: the sequence starts from given ``h0`` (and ``c0``), as a chunk of a
longer text does in truncated BPTT, and its final state receives gradient from the next
chunk (``dh_last``, ``dc_last``). So ``dh0``/``dc0`` are checked, and so is the path from
``dh_last`` back through every step.
"""

from __future__ import annotations

from minirnn.exercises import inputs
from minirnn.exercises.exercise import Exercise, Mistake
from minirnn.exercises.solutions import sequences as solution

CARRY_FORGOTTEN = (
    "the carried gradient is forgotten: each single step's gradient is right, but the "
    "gradient of h_t (and c_t) must also collect what flows back from step t+1 (dh_next "
    "through Wh, dc_next through f), and the last step gets dh_last (and dc_last). Add them "
    "to dhs[:, t] before the step's backward."
)

LSTM_BACKWARD = Exercise(
    "lstm_backward(dhs, cache, dh_last=None, dc_last=None) -> dx, dh0, dc0, dWx, dWh, db",
    difficulty="4 (hard): two carried gradients, two paths into c_t, four gates.",
    forward=solution.lstm_sequence_forward,
    pairs_with="minirnn.functional.lstm.lstm_forward (a loop over lstm_step_forward)",
    reference=solution.lstm_backward,
    task=(
        "Write backpropagation through time for an LSTM run over T steps from a carried state "
        "(h0, c0). Walk backwards in time. At step t, h_t gets dhs[:, t] plus what flows back "
        "from step t+1, and c_t gets the carried dc plus the path through h_t = o_t * tanh(c_t). "
        "The final states may receive dh_last and dc_last from the next chunk. The weights "
        "are shared by every step, so their gradients are sums over t. The checker reports "
        "Wx, Wh and b gate by gate (i, f, g, o)."
    ),
    equations=r"""
.. math::

    a_t &= x_t W_x + h_{t-1} W_h + b = [a^i_t, a^f_t, a^g_t, a^o_t] \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)

with :math:`i, f, o = \sigma(\cdot)`, :math:`g = \tanh(\cdot)` of their blocks; ``x``
(N, T, D), ``h0``, ``c0`` (N, H), ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,).
""",
    parameters=(
        "dhs : ndarray, shape (N, T, H)\n"
        "    Gradient of the loss with respect to every hidden state h_1..h_T.\n"
        "cache : tuple\n"
        "    What the forward saved (see below).\n"
        "dh_last, dc_last : ndarray, shape (N, H), optional\n"
        "    Gradient arriving at h_T and c_T from the next chunk; None means zero."
    ),
    results=(
        "dx : ndarray, shape (N, T, D)\n"
        "dh0, dc0 : ndarray, shape (N, H)\n"
        "dWx, dWh, db : ndarray, shapes (D, 4H), (H, 4H), (4H,)"
    ),
    cache=(
        "``(x, h0, c0, Wx, Wh, hs, cs, i, f, g, o)``, batch first: ``hs`` and ``cs`` are\n"
        ":math:`h_1..h_T` and :math:`c_1..c_T` and ``i, f, g, o`` the gate activations\n"
        "(already through their sigmoid or tanh), each (N, T, H). ``cs`` holds c itself,\n"
        "not tanh(c)."
    ),
    unpack="x, h0, c0, Wx, Wh, hs, cs, i, f, g, o = cache",
    cases=inputs.sequence_cases(inputs.cell_sequence("lstm"), (3, 2), "zero initial states"),
    gates=("i", "f", "g", "o"),
    keywords=("dh_last", "dc_last"),
    mistakes=(
        Mistake("carried_gradient_forgotten", CARRY_FORGOTTEN,
                solution.lstm_backward_without_carry),
        Mistake("carried_gradient_forgotten", CARRY_FORGOTTEN,
                solution.lstm_backward_nothing_carried),
        Mistake("carried_gradient_forgotten", CARRY_FORGOTTEN,
                solution.lstm_backward_without_h_carry),
        Mistake("carried_gradient_forgotten", CARRY_FORGOTTEN,
                solution.lstm_backward_without_c_carry),
        Mistake("cell_path_missing",
                "the cell state's gradient misses its path through the hidden state: besides "
                "the carried dc, c_t gets dh_t * o_t * (1 - tanh(c_t)^2).",
                solution.lstm_backward_without_cell_path),
        Mistake("tanh_derivative_of_preactivation",
                "tanh's derivative was applied to the pre-activation: with cs holding c "
                "(before the tanh), the slope is 1 - tanh(c)^2, not 1 - c^2.",
                solution.lstm_backward_tanh_at_preactivation),
    ),
)

GRU_BACKWARD = Exercise(
    "gru_backward(dhs, cache, dh_last=None) -> dx, dh0, dWx, dWh, db, db_hn",
    difficulty="4 (hard): h_{t-1} reaches h_t along four paths, all of which carry gradient.",
    forward=solution.gru_sequence_forward,
    pairs_with="minirnn.functional.gru.gru_forward (reset_after=True)",
    reference=solution.gru_backward,
    task=(
        "Write backpropagation through time for a GRU (PyTorch's form, reset_after=True) run "
        "over T steps from a carried h0. At step t, h_t gets dhs[:, t] plus the gradient "
        "flowing back from step t+1 (directly through z, and through every W_h block). The "
        "final state may receive dh_last from the next chunk. Weight gradients are sums over "
        "t. The checker reports Wx, Wh and b gate by gate (r, z, n)."
    ),
    equations=r"""
.. math::

    r_t &= \sigma(x_t W_x^r + h_{t-1} W_h^r + b^r), \quad
    z_t = \sigma(x_t W_x^z + h_{t-1} W_h^z + b^z) \\
    \hat h_t &= h_{t-1} W_h^n + b_{hn}, \quad n_t = \tanh(x_t W_x^n + b^n + r_t \odot \hat h_t),
    \quad h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

with ``x`` (N, T, D), ``h0`` (N, H), ``Wx`` (D, 3H), ``Wh`` (H, 3H), ``b`` (3H,), ``b_hn`` (H,).
""",
    parameters=(
        "dhs : ndarray, shape (N, T, H)\n"
        "    Gradient of the loss with respect to every hidden state h_1..h_T.\n"
        "cache : tuple\n"
        "    What the forward saved (see below).\n"
        "dh_last : ndarray, shape (N, H), optional\n"
        "    Gradient arriving at h_T from the next chunk; None means zero."
    ),
    results=(
        "dx : ndarray, shape (N, T, D)\n"
        "dh0 : ndarray, shape (N, H)\n"
        "dWx, dWh, db, db_hn : ndarray, shapes (D, 3H), (H, 3H), (3H,), (H,)"
    ),
    cache=(
        "``(x, h0, Wx, Wh, hs, r, z, n, hn)``, batch first: ``hs`` is :math:`h_1..h_T`, ``r``,\n"
        "``z``, ``n`` the gate activations and ``hn`` :math:`= \\hat h_t`, each (N, T, H)."
    ),
    unpack="x, h0, Wx, Wh, hs, r, z, n, hn = cache",
    cases=inputs.sequence_cases(inputs.cell_sequence("gru"), (3, 2), "h0 all zeros"),
    gates=("r", "z", "n"),
    keywords=("dh_last",),
    mistakes=(Mistake("carried_gradient_forgotten", CARRY_FORGOTTEN,
                      solution.gru_backward_without_carry),
              Mistake("carried_gradient_forgotten", CARRY_FORGOTTEN,
                      solution.gru_backward_nothing_carried)),
)
