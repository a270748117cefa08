r"""The fast path of the simple (Elman) recurrent network: the tuned sequence pass.

Computes what the readable reference :func:`minirnn.functional.rnn.rnn_forward` /
:func:`~minirnn.functional.rnn.rnn_backward` computes (tests pin the two together), with
the input projection done for all steps in one product and the weight gradients summed in
one product after the loop. Symbols as in :mod:`minirnn.functional.rnn`.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_cache, check_sequence_arrays, check_upstream
from minirnn.functional.activations import get_activation
from minirnn.functional.fast.workspace import Workspace, empty

#: what :func:`rnn_forward`'s cache holds: x, h0, Wx, Wh, the states (T, N, H), f_grad
CACHE = (3, 2, 2, 2, 3, callable)


def rnn_forward(
    x: np.ndarray,
    h0: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    nonlinearity: str = "tanh",
    workspace: Workspace | None = None,
) -> tuple[np.ndarray, tuple]:
    r"""Run the SRN over a whole sequence (the tuned pass the layers run).

    The input projection :math:`x_t W_x + b` is one matrix product for all steps; only
    :math:`h_{t-1} W_h` stays inside the time loop.

    Arguments and results are those of :func:`minirnn.functional.rnn.rnn_forward`, except
    ``workspace`` (a :class:`~minirnn.functional.fast.workspace.Workspace` whose buffers the
    pass may reuse; the layer's core owns one) and the cache, which only this module's
    backward pass reads. The returned ``hs`` may be a view of the cache: modify it in place
    only after the backward pass.

    """
    check_sequence_arrays(x, [("h0", h0)], Wx, Wh, b, gates=1)
    f, f_grad = get_activation(nonlinearity)
    # Time-major inside the loop so that each step reads and writes one contiguous block.
    N, T, _ = x.shape
    dtype = np.result_type(x, Wx)
    a = np.matmul(x.transpose(1, 0, 2), Wx, out=empty(workspace, "a", (T, N, Wx.shape[1]), dtype))
    a += b
    hs = empty(workspace, "states", a.shape, a.dtype)
    h = h0
    for t in range(T):
        a[t] += h @ Wh
        h = hs[t] = f(a[t])
    return hs.transpose(1, 0, 2), (x, h0, Wx, Wh, hs, f_grad)


def rnn_backward(
    dhs: np.ndarray, cache: tuple, dh_last: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Backpropagation through time for :func:`rnn_forward`.

    Arguments and results are those of :func:`minirnn.functional.rnn.rnn_backward`, except
    the cache, which only this module's forward pass reads.

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
    check_cache(cache, "minirnn.functional.fast.rnn.rnn_forward", CACHE)
    x, h0, Wx, Wh, hs, f_grad = cache
    T, N, H = hs.shape
    dhs = check_upstream(dhs, (N, T, H), dh_last=dh_last)
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
