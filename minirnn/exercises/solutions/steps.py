"""The common mistakes in the single-step backward passes, the loss and the embedding.

The references for these exercises are the library's own backward passes; each function
here is a wrong answer with the student's signature, for the diagnoses.
"""

from __future__ import annotations

import numpy as np

from minirnn.functional.activations import softmax


def _rnn_step_grads(delta, x, h_prev, Wx, Wh):
    return delta @ Wx.T, delta @ Wh.T, x.T @ delta, h_prev.T @ delta, delta.sum(axis=0)


def rnn_step_no_tanh_derivative(dh, cache):
    """Mistake: dL/da taken to be dh, skipping the tanh."""
    x, h_prev, Wx, Wh, h, f_grad = cache
    return _rnn_step_grads(dh, x, h_prev, Wx, Wh)


def rnn_step_tanh_derivative_of_output(dh, cache):
    """Mistake: 1 - tanh(h)^2, as if h were the pre-activation (h is already tanh(a))."""
    x, h_prev, Wx, Wh, h, f_grad = cache
    return _rnn_step_grads(dh * (1 - np.tanh(h) ** 2), x, h_prev, Wx, Wh)


def _rnn_bptt(dhs, cache, dh_last, carry):
    x, h0, Wx, Wh, hs, f_grad = cache  # hs is time-major (T, N, H)
    T = hs.shape[0]
    h_prevs = np.concatenate([h0[None], hs[:-1]])
    dx, dWx, dWh = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh)
    db = np.zeros(Wx.shape[1])
    dh_next = np.zeros_like(h0) if dh_last is None else dh_last
    for t in reversed(range(T)):
        delta = (dhs[:, t] + dh_next) * f_grad(hs[t])
        dx[:, t] = delta @ Wx.T
        dWx += x[:, t].T @ delta
        dWh += h_prevs[t].T @ delta
        db += delta.sum(axis=0)
        dh_next = delta @ Wh.T if (carry or t == 0) else np.zeros_like(h0)
    return dx, dh_next, dWx, dWh, db


def rnn_backward(dhs, cache, dh_last=None):
    """The reference BPTT, on the exercise's cache ``(x, h0, Wx, Wh, hs, f_grad)``."""
    return _rnn_bptt(dhs, cache, dh_last, carry=True)


def rnn_backward_without_carry(dhs, cache, dh_last=None):
    """Mistake: each step's gradient is right, but nothing flows from step t+1 to t."""
    return _rnn_bptt(dhs, cache, dh_last, carry=False)


def rnn_backward_nothing_carried(dhs, cache, dh_last=None):
    """Mistake: only dhs[:, t] at every step, neither the carry nor dh_last."""
    return _rnn_bptt(dhs, cache, None, carry=False)


def rnn_backward_dh_last_ignored(dhs, cache, dh_last=None):
    """Mistake: the gradient arriving at the final state from outside is dropped."""
    return _rnn_bptt(dhs, cache, None, carry=True)


def lstm_step_without_cell_path(dh, dc, cache):
    """Mistake: the cell state gets only dc, not also dh * o * (1 - tanh(c)^2)."""
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_total = dc
    da = np.concatenate([dc_total * g * i * (1 - i), dc_total * c_prev * f * (1 - f),
                         dc_total * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def gru_step_reset_gate_with_h_prev(dh, cache):
    """Mistake: the reset gate's gradient uses h_prev where r multiplied h_prev W_h^n + b_hn."""
    x, h_prev, Wx, Wh, r, z, n, hn, reset_after = cache
    da_n = dh * (1 - z) * (1 - n ** 2)
    da_z = dh * (h_prev - n) * z * (1 - z)
    da_r = da_n * h_prev * r * (1 - r)
    dah = np.concatenate([da_r, da_z, da_n * r], axis=1)
    da = np.concatenate([da_r, da_z, da_n], axis=1)
    dh_prev = dh * z + dah @ Wh.T
    return da @ Wx.T, dh_prev, x.T @ da, h_prev.T @ dah, da.sum(axis=0), (da_n * r).sum(axis=0)


def softmax_mask_ignored(dloss, cache):
    """Mistake: every position counted, padded ones included."""
    logits, targets, mask = cache
    p = softmax(logits)
    np.put_along_axis(p, targets[..., None], np.take_along_axis(p, targets[..., None], -1) - 1,
                      -1)
    return dloss * p / targets.size


def embedding_repeats_overwritten(dout, cache):
    """Mistake: ``dW[ids] += dout`` keeps one contribution of an id that repeats."""
    ids, W = cache
    dW = np.zeros_like(W)
    dW[ids] += dout
    return dW
