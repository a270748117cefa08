r"""Long short-term memory: one step and a whole sequence, forward and backward.

Read in order: :func:`lstm_step_forward` and :func:`lstm_step_backward` are one step;
:func:`lstm_forward` and :func:`lstm_backward` run a whole sequence by calling them once
per step. The layers run the tuned pass :mod:`minirnn.functional.fast.lstm` (same numbers,
fewer NumPy calls).

Symbols (row-vector maths, batch first, as in ``docs/lstm_bptt.md``). The four gates are
fused into one matrix in PyTorch's order :math:`i, f, g, o`:

.. math::

    a_t &= x_t W_x + h_{t-1} W_h + b = [a^i_t, a^f_t, a^g_t, a^o_t] \\
    i_t &= \sigma(a^i_t), \quad f_t = \sigma(a^f_t), \quad g_t = \tanh(a^g_t), \quad
    o_t = \sigma(a^o_t) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
    h_t &= o_t \odot \tanh(c_t)

with ``x_t`` (N, D), ``h_t`` and ``c_t`` (N, H), ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,).
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import (
    as_float_array,
    check_cache,
    check_sequence_arrays,
    check_shape,
    check_upstream,
)
from minirnn.functional.activations import sigmoid

#: what :func:`lstm_step_forward`'s cache holds: x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh(c)
STEP_CACHE = (2,) * 10


def lstm_step_forward(
    x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray,
    Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, tuple]:
    r"""One LSTM step.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        Input at this step.
    h_prev, c_prev : ndarray, shape (N, H)
        Hidden state and cell state of the previous step.
    Wx, Wh, b : ndarray, shapes (D, 4H), (H, 4H), (4H,)
        Fused weights and bias, gate blocks in the order i, f, g, o.

    Returns
    -------
    h, c : ndarray, shape (N, H)
        The new hidden state and cell state.
    cache : tuple
        What :func:`lstm_step_backward` needs: the inputs, the weights, the gates and
        :math:`\tanh c`.

    Notes
    -----
    .. math::

        a &= x W_x + h_{prev} W_h + b = [a^i, a^f, a^g, a^o] \\
        i &= \sigma(a^i), \quad f = \sigma(a^f), \quad g = \tanh(a^g), \quad o = \sigma(a^o) \\
        c &= f \odot c_{prev} + i \odot g, \qquad h = o \odot \tanh(c)
    """
    check_sequence_arrays(x, [("h_prev", h_prev), ("c_prev", c_prev)], Wx, Wh, b, gates=4,
                          step=True)
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = sigmoid(a[:, 3 * H :])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)


def lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray | None, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`lstm_step_forward`.

    Parameters
    ----------
    dh : ndarray, shape (N, H)
        Gradient of the loss with respect to the step's output ``h``.
    dc : ndarray, shape (N, H), or None
        Gradient arriving at the new cell state ``c`` from later steps; None means zero.
    cache : tuple
        ``(x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)``, from :func:`lstm_step_forward`.

    Returns
    -------
    dx, dh_prev, dc_prev, dWx, dWh, db : ndarray
        Gradients with the shapes of ``x``, ``h_prev``, ``c_prev``, ``Wx``, ``Wh``, ``b``.

    Notes
    -----
    The cell state collects two paths, the one given and the one through :math:`h`:

    .. math::

        \bar{dc} &= dc + dh \odot o \odot (1 - \tanh^2 c) \\
        da^i &= \bar{dc} \odot g \odot i (1 - i), \quad
        da^f = \bar{dc} \odot c_{prev} \odot f (1 - f) \\
        da^g &= \bar{dc} \odot i \odot (1 - g^2), \quad
        da^o = dh \odot \tanh c \odot o (1 - o) \\
        dc_{prev} &= \bar{dc} \odot f

    and with :math:`da = [da^i, da^f, da^g, da^o]`: :math:`dx = da\, W_x^\top`,
    :math:`dh_{prev} = da\, W_h^\top`, :math:`dW_x = x^\top da`,
    :math:`dW_h = h_{prev}^\top da`, :math:`db = \sum_n da`.
    """
    check_cache(cache, "lstm_step_forward", STEP_CACHE)
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    check_shape(as_float_array(dh, "dh"), h_prev.shape, "dh")
    if dc is not None:
        check_shape(as_float_array(dc, "dc"), c_prev.shape, "dc")
    dc_total = dh * o * (1.0 - tanh_c * tanh_c)
    if dc is not None:
        dc_total += dc
    da = np.concatenate(
        [
            dc_total * g * i * (1.0 - i),
            dc_total * c_prev * f * (1.0 - f),
            dc_total * i * (1.0 - g * g),
            dh * tanh_c * o * (1.0 - o),
        ],
        axis=1,
    )
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dc_prev = dc_total * f
    return dx, dh_prev, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def lstm_forward(
    x: np.ndarray, h0: np.ndarray, c0: np.ndarray,
    Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list]:
    r"""Run the LSTM over a whole sequence: :func:`lstm_step_forward` once per step.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
        Input sequence, batch first.
    h0, c0 : ndarray, shape (N, H)
        Initial hidden and cell states.
    Wx, Wh, b
        As in :func:`lstm_step_forward` (fused gates i, f, g, o); every step uses the same
        ones.

    Returns
    -------
    hs : ndarray, shape (N, T, H)
        :math:`h_t = o_t \odot \tanh(c_t)` of every step; ``hs[:, -1]`` is the final hidden
        state.
    c_last : ndarray, shape (N, H)
        The final cell state.
    cache : list
        One step cache per step, for :func:`lstm_backward`.

    See Also
    --------
    minirnn.functional.fast.lstm.lstm_forward : The tuned pass the layers run (same numbers).
    """
    check_sequence_arrays(x, [("h0", h0), ("c0", c0)], Wx, Wh, b, gates=4)
    h, c, hs, caches = h0, c0, [], []
    for t in range(x.shape[1]):
        h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), c, caches


def lstm_backward(
    dhs: np.ndarray,
    cache: list,
    dh_last: np.ndarray | None = None,
    dc_last: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Backpropagation through time for :func:`lstm_forward`: the steps in reverse order.

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Gradient of the loss with respect to every hidden state :math:`h_t` the forward
        returned (it returns no cell states but the last, whose gradient is ``dc_last``).
    cache : list
        The step caches :func:`lstm_forward` returned.
    dh_last, dc_last : ndarray, shape (N, H), optional
        Extra gradients arriving at the final hidden and cell states from outside the
        sequence (the next chunk in truncated BPTT, a head on the last state).

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0, dc0 : ndarray, shape (N, H)
    dWx, dWh, db : ndarray
        Summed over every step.

    Notes
    -----
    Step :math:`t` receives :math:`\partial L / \partial h_t` plus the gradient its
    hidden state gets from step :math:`t+1`, and the gradient its cell state gets from
    step :math:`t+1`; it hands both on to step :math:`t-1`.
    """
    check_cache(cache, "lstm_forward", STEP_CACHE, steps=True)
    N, H = cache[0][1].shape
    dhs = check_upstream(dhs, (N, len(cache), H), dh_last=dh_last, dc_last=dc_last)
    dh_next = np.zeros_like(dhs[:, 0]) if dh_last is None else dh_last
    dc_next = dc_last
    Wx, Wh = cache[0][3], cache[0][4]
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[1], Wh.dtype)
    dxs = [None] * len(cache)
    for t in reversed(range(len(cache))):
        dxs[t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(
            dhs[:, t] + dh_next, dc_next, cache[t]
        )
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return np.stack(dxs, axis=1), dh_next, dc_next, dWx, dWh, db
