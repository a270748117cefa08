r"""Whole-sequence LSTM and GRU: the forwards the exercises pair with, BPTT and its mistakes.

The caches are batch first and hold only arrays, so a student can read them:

- LSTM: ``(x, h0, c0, Wx, Wh, hs, cs, i, f, g, o)``, with ``hs`` and ``cs`` the states
  :math:`h_1..h_T`, :math:`c_1..c_T` and the gate activations, each (N, T, H);
- GRU (``reset_after=True``): ``(x, h0, Wx, Wh, hs, r, z, n, hn)``, with
  ``hn`` :math:`= h_{t-1} W_h^n + b_{hn}`, each (N, T, H).

Both backward passes carry the gradient of the state from step :math:`t+1` into step
:math:`t`; the mistakes leave out one piece each.
"""

from __future__ import annotations

import numpy as np

from minirnn.functional.gru import gru_step_forward
from minirnn.functional.lstm import lstm_step_forward


def lstm_sequence_forward(x, h0, c0, Wx, Wh, b):
    """Run :func:`lstm_step_forward` over T steps; return ``hs, h_T, c_T, cache``."""
    h, c, steps = h0, c0, []
    for t in range(x.shape[1]):
        h, c, step = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        steps.append((h, c, *step[5:9]))
    hs, cs, i, f, g, o = (np.stack(parts, axis=1) for parts in zip(*steps, strict=True))
    return hs, h, c, (x, h0, c0, Wx, Wh, hs, cs, i, f, g, o)


def _lstm_backward(dhs, cache, dh_last=None, dc_last=None, *, carry_h=True, carry_c=True,
                   cell_path=True, tanh_at_c=True):
    """BPTT through the LSTM; the flags switch on the mistakes."""
    x, h0, c0, Wx, Wh, hs, cs, i, f, g, o = cache
    N, T, _ = x.shape
    h_prevs = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
    c_prevs = np.concatenate([c0[:, None], cs[:, :-1]], axis=1)
    dh_next = np.zeros_like(h0) if dh_last is None else dh_last
    dc_next = np.zeros_like(c0) if dc_last is None else dc_last
    da = np.zeros((N, T, Wx.shape[1]))
    for t in reversed(range(T)):
        dh = dhs[:, t] + dh_next
        # tanh'(c) from tanh(c); the mistake evaluates 1 - c^2 at the pre-activation c
        slope = 1 - np.tanh(cs[:, t]) ** 2 if tanh_at_c else 1 - cs[:, t] ** 2
        dc = dc_next + (dh * o[:, t] * slope if cell_path else 0.0)
        da[:, t] = np.concatenate([
            dc * g[:, t] * i[:, t] * (1 - i[:, t]),
            dc * c_prevs[:, t] * f[:, t] * (1 - f[:, t]),
            dc * i[:, t] * (1 - g[:, t] ** 2),
            dh * np.tanh(cs[:, t]) * o[:, t] * (1 - o[:, t]),
        ], axis=1)
        dh_next = da[:, t] @ Wh.T if (carry_h or t == 0) else np.zeros_like(h0)
        dc_next = dc * f[:, t] if (carry_c or t == 0) else np.zeros_like(c0)
    dx = da @ Wx.T
    dWx = np.einsum("ntd,ntk->dk", x, da)
    dWh = np.einsum("nth,ntk->hk", h_prevs, da)
    return dx, dh_next, dc_next, dWx, dWh, da.sum(axis=(0, 1))


def lstm_backward(dhs, cache, dh_last=None, dc_last=None):
    """The reference BPTT for :func:`lstm_sequence_forward`."""
    return _lstm_backward(dhs, cache, dh_last, dc_last)


def lstm_backward_without_carry(dhs, cache, dh_last=None, dc_last=None):
    """Mistake: each step's gradient is right, but nothing flows from step t+1 to t."""
    return _lstm_backward(dhs, cache, dh_last, dc_last, carry_h=False, carry_c=False)


def lstm_backward_nothing_carried(dhs, cache, dh_last=None, dc_last=None):
    """Mistake: only dhs[:, t] at every step, neither the carries nor dh_last, dc_last."""
    return _lstm_backward(dhs, cache, carry_h=False, carry_c=False)


def lstm_backward_without_h_carry(dhs, cache, dh_last=None, dc_last=None):
    """Mistake: dc is carried from step t+1, but dh is not."""
    return _lstm_backward(dhs, cache, dh_last, dc_last, carry_h=False)


def lstm_backward_without_c_carry(dhs, cache, dh_last=None, dc_last=None):
    """Mistake: dh is carried from step t+1, but dc is not."""
    return _lstm_backward(dhs, cache, dh_last, dc_last, carry_c=False)


def lstm_backward_without_cell_path(dhs, cache, dh_last=None, dc_last=None):
    """Mistake: the cell state gets only the carried dc, not dh * o * (1 - tanh^2 c)."""
    return _lstm_backward(dhs, cache, dh_last, dc_last, cell_path=False)


def lstm_backward_tanh_at_preactivation(dhs, cache, dh_last=None, dc_last=None):
    """Mistake: tanh's derivative as 1 - c^2 with c the pre-activation, not 1 - tanh(c)^2."""
    return _lstm_backward(dhs, cache, dh_last, dc_last, tanh_at_c=False)


def gru_sequence_forward(x, h0, Wx, Wh, b, b_hn):
    """Run :func:`gru_step_forward` (``reset_after=True``) over T steps; ``hs, h_T, cache``."""
    h, steps = h0, []
    for t in range(x.shape[1]):
        h, step = gru_step_forward(x[:, t], h, Wx, Wh, b, b_hn, reset_after=True)
        steps.append((h, *step[4:8]))
    hs, r, z, n, hn = (np.stack(parts, axis=1) for parts in zip(*steps, strict=True))
    return hs, h, (x, h0, Wx, Wh, hs, r, z, n, hn)


def _gru_backward(dhs, cache, dh_last=None, *, carry=True):
    x, h0, Wx, Wh, hs, r, z, n, hn = cache
    N, T, _ = x.shape
    h_prevs = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
    dh_next = np.zeros_like(h0) if dh_last is None else dh_last
    da = np.zeros((N, T, Wx.shape[1]))
    dah = np.zeros_like(da)
    for t in reversed(range(T)):
        dh = dhs[:, t] + dh_next
        da_n = dh * (1 - z[:, t]) * (1 - n[:, t] ** 2)
        da_z = dh * (h_prevs[:, t] - n[:, t]) * z[:, t] * (1 - z[:, t])
        da_r = da_n * hn[:, t] * r[:, t] * (1 - r[:, t])
        da[:, t] = np.concatenate([da_r, da_z, da_n], axis=1)
        dah[:, t] = np.concatenate([da_r, da_z, da_n * r[:, t]], axis=1)
        dh_prev = dh * z[:, t] + dah[:, t] @ Wh.T
        dh_next = dh_prev if (carry or t == 0) else np.zeros_like(h0)
    H = h0.shape[1]
    return (da @ Wx.T, dh_next, np.einsum("ntd,ntk->dk", x, da),
            np.einsum("nth,ntk->hk", h_prevs, dah), da.sum(axis=(0, 1)),
            dah[:, :, 2 * H:].sum(axis=(0, 1)))


def gru_backward(dhs, cache, dh_last=None):
    """The reference BPTT for :func:`gru_sequence_forward`."""
    return _gru_backward(dhs, cache, dh_last)


def gru_backward_without_carry(dhs, cache, dh_last=None):
    """Mistake: each step's gradient is right, but nothing flows from step t+1 to t."""
    return _gru_backward(dhs, cache, dh_last, carry=False)


def gru_backward_nothing_carried(dhs, cache, dh_last=None):
    """Mistake: only dhs[:, t] at every step, neither the carry nor dh_last."""
    return _gru_backward(dhs, cache, carry=False)
