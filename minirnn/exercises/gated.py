"""Exercises on one step of the gated cells: LSTM and GRU (reset_after=True)."""

from __future__ import annotations

import numpy as np

from minirnn.exercises import inputs
from minirnn.exercises.exercise import Exercise, Mistake
from minirnn.exercises.solutions import steps
from minirnn.functional.gru import gru_step_backward, gru_step_forward
from minirnn.functional.lstm import lstm_step_backward, lstm_step_forward


def _gru_inputs(N: int, D: int, H: int, zero_state: bool = False):
    def build(rng: np.random.Generator) -> dict:
        h_prev = inputs.state(rng, N, H, zero_state)  # drawn before x, as the seeds expect
        return {"x": rng.standard_normal((N, D)), "h_prev": h_prev,
                **inputs.weights(rng, D, H, 3),
                "b_hn": rng.standard_normal(H) * 0.1, "reset_after": True}

    return build


LSTM_STEP_BACKWARD = Exercise(
    "lstm_step_backward(dh, dc, cache) -> dx, dh_prev, dc_prev, dWx, dWh, db",
    difficulty="3 (involved): four gates and two paths into the cell state.",
    forward=lstm_step_forward,
    pairs_with="minirnn.functional.lstm.lstm_step_forward",
    reference=lstm_step_backward,
    task=(
        "Write the backward pass of one LSTM step. The new cell state c receives gradient "
        "twice: dc from later steps, and through h = o * tanh(c). Derive the gradient of "
        "each gate's pre-activation (a^i, a^f, a^g, a^o), put the four blocks side by side "
        "in the order i, f, g, o, and from that fused da get the gradients of x, h_prev and "
        "the weights. The checker reports Wx, Wh and b gate by gate, so it tells you which "
        "gate is wrong."
    ),
    equations=r"""
.. math::

    a &= x W_x + h_{prev} W_h + b = [a^i, a^f, a^g, a^o] \\
    i &= \sigma(a^i), \quad f = \sigma(a^f), \quad g = \tanh(a^g), \quad o = \sigma(a^o) \\
    c &= f \odot c_{prev} + i \odot g, \qquad h = o \odot \tanh(c)

with ``x`` (N, D), ``h_prev``, ``c_prev``, ``h``, ``c`` (N, H), ``Wx`` (D, 4H),
``Wh`` (H, 4H), ``b`` (4H,); the gate blocks are H columns wide, in the order i, f, g, o.
""",
    parameters=(
        "dh : ndarray, shape (N, H)\n"
        "    Gradient of the loss with respect to the new hidden state h.\n"
        "dc : ndarray, shape (N, H)\n"
        "    Gradient arriving at the new cell state c from later steps.\n"
        "cache : tuple\n"
        "    What lstm_step_forward saved (see below)."
    ),
    results=(
        "dx, dh_prev, dc_prev, dWx, dWh, db : ndarray\n"
        "    Gradients with the shapes of x (N, D), h_prev (N, H), c_prev (N, H),\n"
        "    Wx (D, 4H), Wh (H, 4H), b (4H,)."
    ),
    cache=(
        "``(x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)``: the inputs, the four gate\n"
        "activations (each (N, H), after their sigmoid or tanh) and ``tanh_c`` =\n"
        ":math:`\\tanh(c)`."
    ),
    unpack="x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache",
    cases=inputs.step_cases(inputs.cell_step("lstm"), 2, "h_prev and c_prev all zeros"),
    gates=("i", "f", "g", "o"),
    mistakes=(Mistake("cell_path_missing", "the cell state's gradient misses its path through "
                      "the hidden state: besides dc, c gets dh * o * (1 - tanh(c)^2).",
                      steps.lstm_step_without_cell_path),),
)

GRU_STEP_BACKWARD = Exercise(
    "gru_step_backward(dh, cache) -> dx, dh_prev, dWx, dWh, db, db_hn",
    difficulty="3 (involved): h_prev reaches h along four paths; the reset gate acts late.",
    forward=gru_step_forward,
    pairs_with="minirnn.functional.gru.gru_step_forward (reset_after=True)",
    reference=gru_step_backward,
    task=(
        "Write the backward pass of one GRU step in the PyTorch form (reset_after=True: "
        "the reset gate scales h_prev W_h^n + b_hn after the product). h_prev reaches h "
        "along several paths (directly through z, and through each gate's W_h block): add "
        "them all. Put the gate gradients side by side in the order r, z, n. The checker "
        "reports Wx, Wh and b gate by gate."
    ),
    equations=r"""
.. math::

    r &= \sigma(x W_x^r + h_{prev} W_h^r + b^r), \quad
    z = \sigma(x W_x^z + h_{prev} W_h^z + b^z) \\
    \hat h &= h_{prev} W_h^n + b_{hn}, \qquad n = \tanh(x W_x^n + b^n + r \odot \hat h) \\
    h &= (1 - z) \odot n + z \odot h_{prev}

with ``x`` (N, D), ``h_prev``, ``h`` (N, H), ``Wx`` (D, 3H), ``Wh`` (H, 3H), ``b`` (3H,),
``b_hn`` (H,); :math:`W^r, W^z, W^n` are the H-column blocks in the order r, z, n.
""",
    parameters=(
        "dh : ndarray, shape (N, H)\n"
        "    Gradient of the loss with respect to the new hidden state h.\n"
        "cache : tuple\n"
        "    What gru_step_forward saved (see below)."
    ),
    results=(
        "dx, dh_prev, dWx, dWh, db, db_hn : ndarray\n"
        "    Gradients with the shapes of x (N, D), h_prev (N, H), Wx (D, 3H), Wh (H, 3H),\n"
        "    b (3H,), b_hn (H,)."
    ),
    cache=(
        "``(x, h_prev, Wx, Wh, r, z, n, hn, reset_after)``: the inputs, the gate activations\n"
        "``r``, ``z``, ``n`` (each (N, H)), ``hn`` = :math:`\\hat h` and ``reset_after``\n"
        "(always True here)."
    ),
    unpack="x, h_prev, Wx, Wh, r, z, n, hn, reset_after = cache",
    cases=inputs.step_cases(_gru_inputs, 2, "h_prev all zeros"),
    gates=("r", "z", "n"),
    mistakes=(Mistake("reset_gate_wrong_product", "the reset gate's gradient used h_prev, but "
                      "in this form r multiplies hn = h_prev @ Wh_n + b_hn: da_r = da_n * hn * "
                      "r * (1 - r).", steps.gru_step_reset_gate_with_h_prev),),
)
