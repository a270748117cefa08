"""Exercises on forward passes: one step of each cell, and a whole RNN sequence."""

from __future__ import annotations

from minirnn.exercises import inputs
from minirnn.exercises.exercise import Exercise, Mistake
from minirnn.exercises.solutions import forward as solution

_SHAPES = "with ``x`` (N, D), ``h_prev`` (N, H), "

RNN_STEP_FORWARD = Exercise(
    "rnn_step_forward(x, h_prev, Wx, Wh, b) -> h",
    difficulty="1 (warm-up): one line, but the row-vector convention and the broadcast bias "
               "must be right.",
    pairs_with="minirnn.functional.rnn.rnn_step_forward",
    reference=solution.rnn_step_forward,
    task=("Write one step of a tanh RNN: the new hidden state from the input and the previous "
          "state. Shapes are batch first and the maths is row-vector (x @ Wx, not Wx @ x)."),
    equations=r"""
.. math:: h = \tanh(x W_x + h_{prev} W_h + b)

""" + _SHAPES + "``Wx`` (D, H), ``Wh`` (H, H), ``b`` (H,).\n",
    parameters="x, h_prev, Wx, Wh, b : ndarray\n    As in Notes.",
    results="h : ndarray, shape (N, H)",
    unpack="N, H = h_prev.shape",
    cases=inputs.step_cases(inputs.cell_step("rnn"), 3, "h_prev all zeros"),
)

LSTM_STEP_FORWARD = Exercise(
    "lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b) -> h, c",
    difficulty="2 (standard): four gates from one product; the gate order is the trap.",
    pairs_with="minirnn.functional.lstm.lstm_step_forward",
    reference=solution.lstm_step_forward,
    task=("Write one LSTM step. Compute all four gates with one product, split the result "
          "into H-column blocks in the order i, f, g, o (PyTorch's order), and return the new "
          "hidden and cell states."),
    equations=r"""
.. math::

    a &= x W_x + h_{prev} W_h + b = [a^i, a^f, a^g, a^o] \\
    i &= \sigma(a^i), \quad f = \sigma(a^f), \quad g = \tanh(a^g), \quad o = \sigma(a^o) \\
    c &= f \odot c_{prev} + i \odot g, \qquad h = o \odot \tanh(c)

""" + _SHAPES + "``c_prev`` (N, H), ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,).\n",
    parameters="x, h_prev, c_prev, Wx, Wh, b : ndarray\n    As in Notes.",
    results="h, c : ndarray, shape (N, H)",
    unpack="N, H = h_prev.shape",
    cases=inputs.step_cases(inputs.cell_step("lstm"), 2, "zero states"),
    mistakes=(Mistake(
        "gates_swapped",
        "the gate blocks were read in the order i, f, o, g (CS231n's order); minirnn, like "
        "PyTorch, fuses them as i, f, g, o: the g and o gates are swapped.",
        solution.lstm_step_forward_cs231n_order),),
)

GRU_STEP_FORWARD = Exercise(
    "gru_step_forward(x, h_prev, Wx, Wh, b, b_hn) -> h",
    difficulty="2 (standard): three gates; where the reset gate acts is the trap.",
    pairs_with="minirnn.functional.gru.gru_step_forward (reset_after=True)",
    reference=solution.gru_step_forward,
    task=("Write one GRU step in PyTorch's form: the gate blocks are in the order r, z, n, and "
          "the reset gate scales h_prev W_h^n + b_hn after the product."),
    equations=r"""
.. math::

    r &= \sigma(x W_x^r + h_{prev} W_h^r + b^r), \quad
    z = \sigma(x W_x^z + h_{prev} W_h^z + b^z) \\
    n &= \tanh(x W_x^n + b^n + r \odot (h_{prev} W_h^n + b_{hn})), \qquad
    h = (1 - z) \odot n + z \odot h_{prev}

""" + _SHAPES + "``Wx`` (D, 3H), ``Wh`` (H, 3H), ``b`` (3H,), ``b_hn`` (H,).\n",
    parameters="x, h_prev, Wx, Wh, b, b_hn : ndarray\n    As in Notes.",
    results="h : ndarray, shape (N, H)",
    unpack="N, H = h_prev.shape",
    cases=inputs.step_cases(inputs.cell_step("gru"), 2, "h_prev all zeros"),
    mistakes=(
        Mistake("gates_swapped", "the reset and update gates are swapped: the first H columns "
                "are r, the next H are z.", solution.gru_step_forward_r_z_swapped),
        Mistake("reset_before_product", "the reset gate was applied to h_prev before the "
                "product (Cho et al.'s form); this exercise uses PyTorch's form, "
                "r * (h_prev @ Wh_n + b_hn).", solution.gru_step_forward_reset_before),
        Mistake("update_gate_flipped", "z and 1 - z are the other way round: here "
                "h = (1 - z) * n + z * h_prev, so z = 1 keeps the old state.",
                solution.gru_step_forward_z_flipped),
    ),
)

RNN_FORWARD = Exercise(
    "rnn_forward(x, h0, Wx, Wh, b) -> hs",
    difficulty="1 (warm-up): a loop over the step; the state must be carried.",
    pairs_with="minirnn.functional.rnn.rnn_forward",
    reference=solution.rnn_forward,
    task=("Run a tanh RNN over a whole sequence: start from h0, apply one step per time step "
          "and return every hidden state, batch first."),
    equations=r"""
.. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \qquad t = 1, \dots, T

with ``x`` (N, T, D), ``h0`` (N, H), ``Wx`` (D, H), ``Wh`` (H, H), ``b`` (H,).
""",
    parameters="x, h0, Wx, Wh, b : ndarray\n    As in Notes.",
    results="hs : ndarray, shape (N, T, H)\n    hs[:, t] is the state after step t + 1.",
    unpack="N, T, D = x.shape",
    cases=inputs.sequence_cases(inputs.cell_sequence("rnn"), (5, 3), "h0 all zeros"),
    mistakes=(Mistake("state_not_carried", "each step is computed right, but every step starts "
                      "again from h0: pass each step's h on as the next step's h_prev.",
                      solution.rnn_forward_state_not_carried),),
)
