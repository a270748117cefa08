r"""The simple (Elman) recurrent network: one step and a whole sequence, forward and backward.

Read in order: :func:`rnn_step_forward` and :func:`rnn_step_backward` are one step;
:func:`rnn_forward` and :func:`rnn_backward` run a whole sequence by calling them once per
step. The layers run the tuned pass :mod:`minirnn.functional.fast.rnn` (same numbers, fewer
NumPy calls).

Symbols (row-vector maths, batch first, as in the docs):

.. math::

    a_t = x_t W_x + h_{t-1} W_h + b, \qquad h_t = f(a_t)

with ``x_t`` (N, D), ``h_t`` (N, H), ``Wx`` (D, H), ``Wh`` (H, H), ``b`` (H,).
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
from minirnn.functional.activations import get_activation

#: what :func:`rnn_step_forward`'s cache holds: x, h_prev, Wx, Wh, h (arrays), f_grad
STEP_CACHE = (2, 2, 2, 2, 2, callable)


def rnn_step_forward(
    x: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    nonlinearity: str = "tanh",
) -> tuple[np.ndarray, tuple]:
    r"""One SRN step.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        Input at this step.
    h_prev : ndarray, shape (N, H)
        Hidden state of the previous step.
    Wx, Wh, b : ndarray, shapes (D, H), (H, H), (H,)
        Input-to-hidden weights, hidden-to-hidden weights, bias.
    nonlinearity : {"tanh", "relu", "sigmoid", "identity"}
        The activation :math:`f`.

    Returns
    -------
    h : ndarray, shape (N, H)
        The new hidden state.
    cache : tuple
        What :func:`rnn_step_backward` needs: the inputs, the weights, ``h`` and :math:`f'`.

    Notes
    -----
    .. math:: h = f(x W_x + h_{prev} W_h + b)
    """
    check_sequence_arrays(x, [("h_prev", h_prev)], Wx, Wh, b, gates=1, step=True)
    f, f_grad = get_activation(nonlinearity)
    h = f(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, Wx, Wh, h, f_grad)


def rnn_step_backward(
    dh: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`rnn_step_forward`.

    Parameters
    ----------
    dh : ndarray, shape (N, H)
        Gradient of the loss with respect to the step's output ``h``.
    cache : tuple
        ``(x, h_prev, Wx, Wh, h, f_grad)``, from :func:`rnn_step_forward`.

    Returns
    -------
    dx, dh_prev, dWx, dWh, db : ndarray
        Gradients with the shapes of ``x``, ``h_prev``, ``Wx``, ``Wh`` and ``b``.

    Notes
    -----
    With :math:`\delta = \partial L / \partial a = dh \odot f'(a)`, where :math:`f'` is
    computed from the cached output (:math:`1 - h^2` for tanh):

    .. math::

        dx = \delta W_x^\top, \quad dh_{prev} = \delta W_h^\top, \quad
        dW_x = x^\top \delta, \quad dW_h = h_{prev}^\top \delta, \quad db = \textstyle\sum_n \delta
    """
    check_cache(cache, "rnn_step_forward", STEP_CACHE)
    x, h_prev, Wx, Wh, h, f_grad = cache
    check_shape(as_float_array(dh, "dh"), h.shape, "dh")
    delta = dh * f_grad(h)
    return delta @ Wx.T, delta @ Wh.T, x.T @ delta, h_prev.T @ delta, delta.sum(axis=0)


def rnn_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    nonlinearity: str = "tanh",
) -> tuple[np.ndarray, list]:
    r"""Run the SRN over a whole sequence: :func:`rnn_step_forward` once per step.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
        Input sequence, batch first.
    h0 : ndarray, shape (N, H)
        Initial hidden state: zeros to start afresh, or the last state of the previous chunk
        to carry on (truncated BPTT).
    Wx, Wh, b, nonlinearity
        As in :func:`rnn_step_forward`; every step uses the same ones.

    Returns
    -------
    hs : ndarray, shape (N, T, H)
        :math:`h_t = f(x_t W_x + h_{t-1} W_h + b)` of every step; ``hs[:, -1]`` is the final
        state.
    cache : list
        One step cache per step, for :func:`rnn_backward`.

    See Also
    --------
    minirnn.functional.fast.rnn.rnn_forward : The tuned pass the layers run (same numbers).
    """
    check_sequence_arrays(x, [("h0", h0)], Wx, Wh, b, gates=1)
    h, hs, caches = h0, [], []
    for t in range(x.shape[1]):
        h, cache = rnn_step_forward(x[:, t], h, Wx, Wh, b, nonlinearity)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), caches


def rnn_backward(
    dhs: np.ndarray, cache: list, dh_last: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Backpropagation through time for :func:`rnn_forward`: the steps in reverse order.

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Gradient of the loss with respect to every hidden state the forward returned.
    cache : list
        The step caches :func:`rnn_forward` returned.
    dh_last : ndarray, shape (N, H), optional
        Extra gradient arriving at the final state from outside the sequence (for example
        from the next chunk in truncated BPTT, or a classifier head on the last state).

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWx, dWh, db : ndarray
        Summed over every step.

    Notes
    -----
    The state :math:`h_t` receives gradient from the output and from step :math:`t+1`,
    so step :math:`t`'s backward is called with :math:`\partial L / \partial h_t +
    dh_{t+1 \to t}`; the weights are shared, so their gradients are sums over the steps.
    """
    check_cache(cache, "rnn_forward", STEP_CACHE, steps=True)
    _, _, Wx, Wh, h, _ = cache[0]
    dhs = check_upstream(dhs, (h.shape[0], len(cache), h.shape[1]), dh_last=dh_last)
    dh_next = np.zeros_like(dhs[:, 0]) if dh_last is None else dh_last
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[1], Wh.dtype)
    dxs = [None] * len(cache)
    for t in reversed(range(len(cache))):
        dxs[t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dhs[:, t] + dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return np.stack(dxs, axis=1), dh_next, dWx, dWh, db
