r"""The fast path of the GRU (both forms): the tuned sequence pass the layers run.

Computes what the readable reference :func:`minirnn.functional.gru.gru_forward` /
:func:`~minirnn.functional.gru.gru_backward` computes (tests pin the two together on
outputs and every gradient), with the input projection of all steps in one product,
``out=`` buffers, and the sigmoid in its tanh form :math:`\sigma(a) = (1 + \tanh(a/2))/2`
(the same function as :func:`minirnn.functional.activations.sigmoid`, written differently)
with the halving folded into the r and z weights.

Symbols as in :mod:`minirnn.functional.gru`.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_cache, check_sequence_arrays, check_upstream
from minirnn.functional.fast.workspace import Workspace, empty
from minirnn.functional.gru import check_b_hn


def gru_forward(
    x: np.ndarray,
    h0: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    b_hn: np.ndarray | None = None,
    reset_after: bool = True,
    workspace: Workspace | None = None,
) -> tuple[np.ndarray, tuple]:
    r"""Run the GRU over a whole sequence (the tuned pass the layers run).

    The input projection :math:`x_t W_x + b` is one matrix product for all steps. Inside
    the loop: :math:`h_{t-1} W_h` (one product for all three gates) when
    ``reset_after=True``; :math:`h_{t-1} W_h^{rz}` and :math:`(r_t \odot h_{t-1}) W_h^n`
    (two products, the second needs :math:`r_t` first) when ``reset_after=False``.

    Arguments and results are those of :func:`minirnn.functional.gru.gru_forward`, except
    ``workspace`` (a :class:`~minirnn.functional.fast.workspace.Workspace` whose buffers the
    pass may reuse; the layer's core owns one) and the cache, which only this module's
    backward pass reads. The returned ``hs`` may be a view of the cache: modify it in place
    only after the backward pass.

    Notes
    -----
    Step :math:`t` is :func:`~minirnn.functional.gru.gru_step_forward` with :math:`h_{prev} =
    h_{t-1}`. The result
    has the dtype of the inputs. The sigmoid is computed as
    :math:`\sigma(a) = (1 + \tanh(a/2))/2`, stable for any :math:`a`; the factor 1/2 is
    folded into the r and z columns of the weights (halving is exact in floating point).
    """
    check_sequence_arrays(x, [("h0", h0)], Wx, Wh, b, gates=3)
    check_b_hn(b_hn, reset_after)
    N, T, D = x.shape
    H = h0.shape[1]
    arrays = (x, h0, Wx, Wh, b) if b_hn is None else (x, h0, Wx, Wh, b, b_hn)
    dtype = np.result_type(*arrays)
    scale = np.ones(3 * H, dtype=dtype)
    scale[: 2 * H] = 0.5
    x_tm = empty(workspace, "x", (T * N, D), dtype)
    np.copyto(x_tm.reshape(T, N, D), x.transpose(1, 0, 2))
    gates = empty(workspace, "gates", (T * N, 3 * H), dtype)
    np.matmul(x_tm, Wx * scale, out=gates)
    gates = gates.reshape(T, N, 3 * H)
    gates += b * scale
    hs = empty(workspace, "states", (T + 1, N, H), dtype)  # slot 0 is h0; t writes t + 1
    hs[0] = h0
    # hn: per step, reset_after=True keeps h W_h^n + b_hn, False keeps r * h (the factor
    # the reset gate multiplies); the backward pass needs it either way.
    hn = empty(workspace, "hn", (T, N, H), dtype)
    scratch = np.empty((N, H), dtype=dtype)
    if reset_after:
        Wh_scaled = Wh * scale
        recurrent = np.empty((N, 3 * H), dtype=dtype)
    else:
        Wh_rz = np.ascontiguousarray(Wh[:, : 2 * H] * 0.5, dtype=dtype)
        Wh_n = np.ascontiguousarray(Wh[:, 2 * H :], dtype=dtype)
        recurrent = np.empty((N, 2 * H), dtype=dtype)
    for t in range(T):
        a = gates[t]
        h_prev = hs[t]
        rz, n = a[:, : 2 * H], a[:, 2 * H :]
        if reset_after:
            np.matmul(h_prev, Wh_scaled, out=recurrent)
            rz += recurrent[:, : 2 * H]
            np.add(recurrent[:, 2 * H :], b_hn, out=hn[t])
        else:
            np.matmul(h_prev, Wh_rz, out=recurrent)
            rz += recurrent
        np.tanh(rz, out=rz)
        rz += 1.0
        rz *= 0.5
        r, z = rz[:, :H], rz[:, H:]
        if reset_after:
            np.multiply(r, hn[t], out=scratch)
        else:
            np.multiply(r, h_prev, out=hn[t])
            np.matmul(hn[t], Wh_n, out=scratch)
        n += scratch
        np.tanh(n, out=n)
        # h = (1 - z) n + z h_prev = n + z (h_prev - n): one product fewer.
        np.subtract(h_prev, n, out=scratch)
        scratch *= z
        np.add(n, scratch, out=hs[t + 1])
    cache = (x_tm, Wx, Wh, hs, hn, gates, reset_after)
    return hs[1:].transpose(1, 0, 2), cache


def gru_backward(
    dhs: np.ndarray,
    cache: tuple,
    dh_last: np.ndarray | None = None,
    workspace: Workspace | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    r"""Backpropagation through time for :func:`gru_forward`.

    Arguments and results are those of :func:`minirnn.functional.gru.gru_backward`, except
    ``workspace`` (for the gradient buffers) and the cache, which only this module's
    forward pass reads.

    Notes
    -----
    With :math:`\bar{dh}_t = \partial L / \partial h_t + dh_{t+1 \to t}`, each step is
    :func:`~minirnn.functional.gru.gru_step_backward`, done on one step's (N, 3H) block at a
    time so that it stays
    in cache. Only the products with :math:`W_h` (one for reset_after=True, two for the
    reset-before form, whose :math:`da^r_t` needs :math:`d\tilde h_t = da^n_t
    (W_h^n)^\top` first) are inside the loop. The weight gradients are single products
    after it: :math:`dW_x = \sum_t x_t^\top da_t` and :math:`dW_h` as in the step,
    summed over :math:`t`.
    """
    # the cache: x (T*N, D), Wx, Wh, states (T+1, N, H), hn (T, N, H), gates, reset_after
    check_cache(cache, "minirnn.functional.fast.gru.gru_forward", (2, 2, 2, 3, 3, 3, bool))
    x_tm, Wx, Wh, hs, hn, gates, reset_after = cache
    T, N, H = hn.shape
    dhs = check_upstream(dhs, (N, T, H), dh_last=dh_last)
    dtype = gates.dtype
    dhs_tm = dhs.transpose(1, 0, 2)
    # reset_after: `da` holds what multiplies W_h, [da^r, da^z, r * da^n], and da_n_input
    # keeps da^n for the input side. Reset before: `da` is [da^r, da^z, da^n] for both.
    da = empty(workspace, "da", gates.shape, dtype)
    dh = np.empty((N, H), dtype=dtype)
    one_minus_z = np.empty((N, H), dtype=dtype)
    scratch = np.empty((N, H), dtype=dtype)
    dh_next = np.zeros((N, H), dtype=dtype) if dh_last is None else np.array(dh_last, dtype)
    if reset_after:
        da_n_input = empty(workspace, "da_n", (T, N, H), dtype)
        WhT = np.ascontiguousarray(Wh.T)  # BLAS runs faster on it than on a transposed view
    else:
        Wh_rzT = np.ascontiguousarray(Wh[:, : 2 * H].T)
        Wh_nT = np.ascontiguousarray(Wh[:, 2 * H :].T)
        d_reset_h = np.empty((N, H), dtype=dtype)
    for t in range(T - 1, -1, -1):
        a, d, h_prev = gates[t], da[t], hs[t]
        r, z, n = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
        d_r, d_z, d_n = d[:, :H], d[:, H : 2 * H], d[:, 2 * H :]
        da_n = da_n_input[t] if reset_after else d_n
        np.add(dhs_tm[t], dh_next, out=dh)
        # da^n = dh (1 - z)(1 - n^2)
        np.multiply(n, n, out=da_n)
        np.subtract(1.0, da_n, out=da_n)
        np.subtract(1.0, z, out=one_minus_z)
        da_n *= one_minus_z
        da_n *= dh
        # da^z = dh (h_prev - n) z (1 - z)
        np.subtract(h_prev, n, out=d_z)
        d_z *= z
        d_z *= one_minus_z
        d_z *= dh
        # da^r = (what r multiplies) * (its gradient) * r (1 - r)
        np.subtract(1.0, r, out=d_r)
        d_r *= r
        if reset_after:
            d_r *= hn[t]
            d_r *= da_n
            np.multiply(r, da_n, out=d_n)
            np.matmul(d, WhT, out=dh_next)
        else:
            np.matmul(d_n, Wh_nT, out=d_reset_h)
            d_r *= h_prev
            d_r *= d_reset_h
            np.matmul(d[:, : 2 * H], Wh_rzT, out=dh_next)
            np.multiply(d_reset_h, r, out=scratch)
            dh_next += scratch
        # the direct path h = ... + z * h_prev
        np.multiply(dh, z, out=scratch)
        dh_next += scratch

    flat = da.reshape(T * N, 3 * H)
    h_flat = hs[:-1].reshape(T * N, H)
    if reset_after:
        dWh = h_flat.T @ flat
        db_hn = flat[:, 2 * H :].sum(axis=0)
        # The input side sees da^n itself, not r * da^n: swap that block in, in place.
        da[..., 2 * H :] = da_n_input
    else:
        dWh = np.empty_like(Wh, dtype=dtype)
        np.matmul(h_flat.T, flat[:, : 2 * H], out=dWh[:, : 2 * H])
        np.matmul(hn.reshape(T * N, H).T, flat[:, 2 * H :], out=dWh[:, 2 * H :])
        db_hn = None
    dx = (flat @ Wx.T).reshape(T, N, -1).transpose(1, 0, 2)
    dWx = x_tm.T @ flat
    db = flat.sum(axis=0)
    return dx, dh_next, dWx, dWh, db, db_hn
