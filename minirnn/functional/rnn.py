r"""The simple (Elman) recurrent network: one step and a whole sequence, forward and backward.

Symbols (row-vector maths, batch first, as in the docs):

.. math::

    a_t = x_t W_x + h_{t-1} W_h + b, \qquad h_t = f(a_t)

with ``x_t`` (N, D), ``h_t`` (N, H), ``Wx`` (D, H), ``Wh`` (H, H), ``b`` (H,).
"""

from __future__ import annotations

import numpy as np

from minirnn.functional.activations import get_activation


def rnn_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
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
        What :func:`rnn_step_backward` needs.

    Notes
    -----
    .. math:: h = f(x W_x + h_{prev} W_h + b)
    """
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
        From the forward step.

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
    x, h_prev, Wx, Wh, h, f_grad = cache
    delta = dh * f_grad(h)
    return delta @ Wx.T, delta @ Wh.T, x.T @ delta, h_prev.T @ delta, delta.sum(axis=0)


def rnn_forward(
    x: np.ndarray,
    h0: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    nonlinearity: str = "tanh",
) -> tuple[np.ndarray, tuple]:
    r"""Run the SRN over a whole sequence.

    The input projection :math:`x_t W_x + b` is one matrix product for all steps; only
    :math:`h_{t-1} W_h` stays inside the time loop.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
        Input sequence, batch first.
    h0 : ndarray, shape (N, H)
        Initial hidden state.
    Wx, Wh, b : ndarray, shapes (D, H), (H, H), (H,)
        Parameters.
    nonlinearity : {"tanh", "relu", "sigmoid", "identity"}
        The activation :math:`f`.

    Returns
    -------
    hs : ndarray, shape (N, T, H)
        Hidden states of every step; ``hs[:, -1]`` is the final state.
    cache : tuple
        What :func:`rnn_backward` needs.
    """
    f, f_grad = get_activation(nonlinearity)
    # Time-major inside the loop so that each step reads and writes one contiguous block.
    a = np.matmul(x.transpose(1, 0, 2), Wx)
    a += b
    T = a.shape[0]
    hs = np.empty_like(a)
    h = h0
    for t in range(T):
        a[t] += h @ Wh
        h = hs[t] = f(a[t])
    return hs.transpose(1, 0, 2), (x, h0, Wx, Wh, hs, f_grad)


def rnn_backward(
    dhs: np.ndarray, cache: tuple, dh_last: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Backpropagation through time for :func:`rnn_forward`.

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Gradient of the loss with respect to every hidden state the forward returned.
    cache : tuple
        From the forward pass.
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
    Going backwards in time, the gradient reaching :math:`h_t` is the one from the output
    plus the one carried back from step :math:`t+1`:

    .. math::

        \delta_t = \left(\frac{\partial L}{\partial h_t} + \delta_{t+1} W_h^\top\right)
        \odot f'(a_t)

    and the weight gradients are sums over steps, computed after the loop as single
    products: :math:`dW_x = \sum_t x_t^\top \delta_t`, :math:`dW_h = \sum_t h_{t-1}^\top
    \delta_t`.
    """
    x, h0, Wx, Wh, hs, f_grad = cache
    T, N, H = hs.shape
    deltas = f_grad(hs)  # f'(a_t) for all steps at once; the loop turns it into delta_t
    dh_next = np.zeros((N, H), dtype=hs.dtype) if dh_last is None else dh_last
    dhs_tm = dhs.transpose(1, 0, 2)
    WhT = np.ascontiguousarray(Wh.T)  # BLAS runs faster on it than on a transposed view
    for t in range(T - 1, -1, -1):
        deltas[t] *= dhs_tm[t] + dh_next
        dh_next = deltas[t] @ WhT
    D = x.shape[2]
    flat_deltas = deltas.reshape(T * N, H)
    dx = (flat_deltas @ Wx.T).reshape(T, N, D).transpose(1, 0, 2)
    dWx = x.transpose(1, 0, 2).reshape(T * N, D).T @ flat_deltas
    h_prevs = np.concatenate([h0[None], hs[:-1]], axis=0).reshape(T * N, H)
    dWh = h_prevs.T @ flat_deltas
    db = flat_deltas.sum(axis=0)
    return dx, dh_next, dWx, dWh, db
