r"""The fast path of the simple (Elman) recurrent network: the tuned sequence pass.

Computes what the readable reference :func:`minirnn.functional.rnn.rnn_forward` /
:func:`~minirnn.functional.rnn.rnn_backward` computes (tests pin the two together), with
the input projection done for all steps in one product and the weight gradients summed in
one product after the loop. Symbols as in :mod:`minirnn.functional.rnn`.

The cache is this module's own (the ``rnn_backward`` exercise builds its documented cache
from the reference pass): ``x`` time-major and the states :math:`h_0, \dots, h_T` in one
array, so that the backward pass reads both without copying them.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_cache, check_sequence_arrays, check_upstream
from minirnn._memory import aligned_blocks, aligned_empty
from minirnn.functional.activations import get_activation
from minirnn.functional.fast.inputs import (
    inputs_with_ones,
    split_weight_gradient,
    weights_with_bias,
)
from minirnn.functional.fast.workspace import Workspace, empty

#: what :func:`rnn_forward`'s cache holds: [x 1] time-major (T*N, D+1), Wx, Wh, the states
#: h_0 ... h_T (T+1, N, H), f_grad
CACHE = (2, 2, 2, 3, callable)


_TANH, _TANH_GRAD = get_activation("tanh")


def _apply_into(f, a: np.ndarray, out: np.ndarray) -> None:
    """``out[...] = f(a)``, without a temporary for tanh (the usual case)."""
    if f is _TANH:
        np.tanh(a, out=out)
    else:
        out[...] = f(a)


def _grad_into(f_grad, h: np.ndarray, out: np.ndarray) -> None:
    """``out[...] = f_grad(h)``, without temporaries for tanh: :math:`1 - h^2`."""
    if f_grad is _TANH_GRAD:
        np.multiply(h, h, out=out)
        np.subtract(1.0, out, out=out)
    else:
        out[...] = f_grad(h)


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
    N, T, D = x.shape
    H = Wh.shape[0]
    dtype = np.result_type(x, h0, Wx, Wh, b)
    # Time-major inside the loop so that each step reads and writes one contiguous block;
    # the backward pass's dW_x and db read the same copy of x, with its column of ones (the
    # copy also reverses a reversed view, so a reverse core needs no copy of its own).
    x_ones = inputs_with_ones(x, dtype, workspace)
    a = empty(workspace, "a", (T, N, H), dtype)
    np.matmul(x_ones, weights_with_bias(Wx, b, dtype), out=a.reshape(T * N, H))
    # Slot 0 holds h0 and step t writes slot t + 1, so that h_0 ... h_{T-1} are one block
    # for the backward pass's dW_h (no concatenate).
    hs = empty(workspace, "states", (T + 1, N, H), dtype)
    hs[0] = h0
    recurrent = aligned_empty((N, H), dtype)  # on a cache line, as the workspace's buffers
    for t in range(T):
        np.matmul(hs[t], Wh, out=recurrent)
        a[t] += recurrent
        _apply_into(f, a[t], hs[t + 1])
    return hs[1:].transpose(1, 0, 2), (x_ones, Wx, Wh, hs, f_grad)


def rnn_backward(
    dhs: np.ndarray,
    cache: tuple,
    dh_last: np.ndarray | None = None,
    workspace: Workspace | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Backpropagation through time for :func:`rnn_forward`.

    Arguments and results are those of :func:`minirnn.functional.rnn.rnn_backward`, except
    ``workspace`` (for the buffer of the deltas) and the cache, which only this module's
    forward pass reads.

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
    x_ones, Wx, Wh, hs, f_grad = cache
    T, N, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    dhs = check_upstream(dhs, (N, T, H), dh_last=dh_last)
    dtype = hs.dtype
    # f'(a_t) for all steps at once; the loop turns it into delta_t in place.
    deltas = empty(workspace, "deltas", (T, N, H), dtype)
    _grad_into(f_grad, hs[1:], deltas)
    # dh_next is written in place by the loop: never the caller's dh_last itself.
    dh_next, dh = aligned_blocks(2, (N, H), dtype)  # on cache lines
    dh_next[...] = 0 if dh_last is None else dh_last
    dhs_tm = dhs.transpose(1, 0, 2)
    WhT = np.ascontiguousarray(Wh.T)  # BLAS runs faster on it than on a transposed view
    for t in range(T - 1, -1, -1):
        np.add(dhs_tm[t], dh_next, out=dh)
        deltas[t] *= dh
        np.matmul(deltas[t], WhT, out=dh_next)
    flat_deltas = deltas.reshape(T * N, H)
    dx = (flat_deltas @ Wx.T).reshape(T, N, -1).transpose(1, 0, 2)
    dWx, db = split_weight_gradient(x_ones.T @ flat_deltas)
    dWh = hs[:-1].reshape(T * N, H).T @ flat_deltas
    return dx, dh_next, dWx, dWh, db
