"""Forward passes a student writes: one step of each cell and a whole RNN sequence.

The references call :mod:`minirnn.functional`; the mistakes are the usual slips.
"""

from __future__ import annotations

import numpy as np

from minirnn.functional.gru import gru_step_forward as _gru_step
from minirnn.functional.lstm import lstm_step_forward as _lstm_step
from minirnn.functional.rnn import rnn_step_forward as _rnn_step


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """``h = tanh(x Wx + h_prev Wh + b)``."""
    return _rnn_step(x, h_prev, Wx, Wh, b)[0]


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """``(h, c)`` of one LSTM step, gates i, f, g, o."""
    h, c, _ = _lstm_step(x, h_prev, c_prev, Wx, Wh, b)
    return h, c


def _reorder(W, order):
    """The gate blocks of a fused array, rearranged (block k of the result is order[k])."""
    blocks = np.split(W, len(order), axis=-1)
    return np.concatenate([blocks[k] for k in order], axis=-1)


def lstm_step_forward_cs231n_order(x, h_prev, c_prev, Wx, Wh, b):
    """Mistake: reading the blocks in the order i, f, o, g (CS231n's) instead of i, f, g, o."""
    order = (0, 1, 3, 2)
    return lstm_step_forward(x, h_prev, c_prev, _reorder(Wx, order), _reorder(Wh, order),
                             _reorder(b, order))


def gru_step_forward(x, h_prev, Wx, Wh, b, b_hn):
    """One GRU step in PyTorch's form (``reset_after=True``)."""
    return _gru_step(x, h_prev, Wx, Wh, b, b_hn, reset_after=True)[0]


def gru_step_forward_r_z_swapped(x, h_prev, Wx, Wh, b, b_hn):
    """Mistake: the first block used as the update gate and the second as the reset gate."""
    order = (1, 0, 2)
    return gru_step_forward(x, h_prev, _reorder(Wx, order), _reorder(Wh, order),
                            _reorder(b, order), b_hn)


def gru_step_forward_reset_before(x, h_prev, Wx, Wh, b, b_hn):
    """Mistake: Cho et al.'s form, the reset gate applied to h_prev before the product."""
    H = h_prev.shape[1]
    ax = x @ Wx + b
    r = 1 / (1 + np.exp(-(ax[:, :H] + h_prev @ Wh[:, :H])))
    z = 1 / (1 + np.exp(-(ax[:, H:2 * H] + h_prev @ Wh[:, H:2 * H])))
    n = np.tanh(ax[:, 2 * H:] + (r * h_prev) @ Wh[:, 2 * H:] + b_hn)
    return (1 - z) * n + z * h_prev


def gru_step_forward_z_flipped(x, h_prev, Wx, Wh, b, b_hn):
    """Mistake: h = z * n + (1 - z) * h_prev, the other convention for the update gate."""
    H = h_prev.shape[1]
    h = gru_step_forward(x, h_prev, Wx, Wh, b, b_hn)
    z = 1 / (1 + np.exp(-(x @ Wx[:, H:2 * H] + h_prev @ Wh[:, H:2 * H] + b[H:2 * H])))
    n = (h - z * h_prev) / (1 - z)
    return z * n + (1 - z) * h_prev


def rnn_forward(x, h0, Wx, Wh, b):
    """All hidden states ``hs`` (N, T, H) of a tanh RNN run from ``h0``."""
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        hs.append(h)
    return np.stack(hs, axis=1)


def rnn_forward_state_not_carried(x, h0, Wx, Wh, b):
    """Mistake: every step starts again from h0 instead of the previous step's h."""
    return np.stack([rnn_step_forward(x[:, t], h0, Wx, Wh, b) for t in range(x.shape[1])],
                    axis=1)
