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
from minirnn._memory import aligned_blocks, aligned_empty
from minirnn.functional.fast.inputs import (
    inputs_with_ones,
    split_weight_gradient,
    weights_with_bias,
)
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

    Layout: ``gates[t]`` is step :math:`t`'s ``(3, N, H)`` block :math:`[r_t, z_t, n_t]`
    (pre-activations, then gates), each gate's ``(N, H)`` block contiguous: NumPy's
    element-wise calls run 2 to 3 times faster on it than on the same block cut as columns
    out of ``(N, 3H)`` rows (12 calls per step either way).
    """
    check_sequence_arrays(x, [("h0", h0)], Wx, Wh, b, gates=3)
    check_b_hn(b_hn, reset_after)
    N, T, D = x.shape
    H = h0.shape[1]
    arrays = (x, h0, Wx, Wh, b) if b_hn is None else (x, h0, Wx, Wh, b, b_hn)
    dtype = np.result_type(*arrays)
    scale = np.ones(3 * H, dtype=dtype)
    scale[: 2 * H] = 0.5
    x_ones = inputs_with_ones(x, dtype, workspace)
    gates = empty(workspace, "gates", (T, 3, N, H), dtype)
    # The input projection of all steps (bias included) is one product into the gradient
    # buffer of the backward pass (free until then), then moved into the gate blocks.
    da = empty(workspace, "da", (T, N, _da_width(H, reset_after)), dtype)
    projected = da.reshape(-1)[: T * N * 3 * H].reshape(T * N, 3 * H)
    np.matmul(x_ones, weights_with_bias(Wx, b, dtype, scale), out=projected)
    np.copyto(gates, _blocks(projected.reshape(T, N, 3 * H), H))
    del da, projected
    hs = empty(workspace, "states", (T + 1, N, H), dtype)  # slot 0 is h0; t writes t + 1
    hs[0] = h0
    # hn: per step, reset_after=True keeps h W_h^n + b_hn, False keeps r * h (the factor
    # the reset gate multiplies); the backward pass needs it either way.
    hn = empty(workspace, "hn", (T, N, H), dtype)
    scratch = aligned_empty((N, H), dtype)  # scratch on cache lines, as the workspace's
    # W_h gate-first, (G, H, H): one batched product writes each gate's (N, H) block.
    Wh_gates = np.ascontiguousarray((Wh * scale).reshape(H, 3, H).transpose(1, 0, 2), dtype)
    Wh_n = Wh_gates[2]
    if not reset_after:
        Wh_gates = Wh_gates[:2]
    recurrent = aligned_blocks(len(Wh_gates), (N, H), dtype)
    for t in range(T):
        h_prev = hs[t]
        rz, r, z, n = gates[t, :2], gates[t, 0], gates[t, 1], gates[t, 2]
        np.matmul(h_prev, Wh_gates, out=recurrent)
        rz += recurrent[:2]
        if reset_after:
            np.add(recurrent[2], b_hn, out=hn[t])
        np.tanh(rz, out=rz)
        rz += 1.0
        rz *= 0.5
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
    cache = (x_ones, Wx, Wh, hs, hn, gates, reset_after)
    return hs[1:].transpose(1, 0, 2), cache


def _da_width(H: int, reset_after: bool) -> int:
    """Columns of one row of the backward pass's ``da`` (see :func:`gru_backward`)."""
    return 4 * H if reset_after else 3 * H


#: The backward pass forms the gate factors of a few steps at a time, in whole-block NumPy
#: calls, in a buffer of at most this many bytes (at least one step): contiguous blocks that
#: stay in the processor cache, and at small batches fewer calls per step.
CHUNK_BYTES = 1 << 18


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
    :func:`~minirnn.functional.gru.gru_step_backward`. Every gate gradient is
    :math:`\bar{dh}_t` (for :math:`da^r` in the reset-before form,
    :math:`d\tilde h_t = da^n_t (W_h^n)^\top`) times a factor known from the forward pass:

    .. math::

        da^n_t &= \bar{dh}_t \odot (1 - z_t)(1 - n_t^2), \qquad
        da^z_t = \bar{dh}_t \odot (h_{t-1} - n_t) z_t (1 - z_t), \\
        da^r_t &= da^n_t \odot \hat n_t \, r_t (1 - r_t) \quad
        (\text{reset after}, \hat n_t = h_{t-1} W_h^n + b_{hn}), \\
        da^r_t &= d\tilde h_t \odot h_{t-1} \, r_t (1 - r_t) \quad (\text{reset before})

    The factors are formed a few steps at a time (:data:`CHUNK_BYTES`), so the loop only
    multiplies them by the incoming gradient: 5 NumPy calls per step (reset after), 9
    (reset before). ``da[t]`` is an ``(N, G H)`` row block, so that one product with
    :math:`W_h^\top` per step takes all gates. The weight gradients are single products
    after the loop: :math:`dW_x = \sum_t x_t^\top da_t` and :math:`dW_h` as in the step,
    summed over :math:`t`.
    """
    # the cache: [x 1] (T*N, D+1), Wx, Wh, states (T+1, N, H), hn (T, N, H), gates, reset_after
    check_cache(cache, "minirnn.functional.fast.gru.gru_forward", (2, 2, 2, 3, 3, 4, bool))
    x_ones, Wx, Wh, hs, hn, gates, reset_after = cache
    T, N, H = hn.shape
    dhs = check_upstream(dhs, (N, T, H), dh_last=dh_last)
    dtype = gates.dtype
    dh_next = np.zeros((N, H), dtype=dtype) if dh_last is None else np.array(dh_last, dtype)
    # da[t]'s column blocks: reset after [da^r, da^z, r da^n, da^n] (the first three multiply
    # W_h, and da^n is what the input side sees); reset before [da^r, da^z, da^n].
    width = _da_width(H, reset_after)
    da = empty(workspace, "da", (T, N, width), dtype)
    steps = _steps_after if reset_after else _steps_before
    steps(dhs.transpose(1, 0, 2), gates, hs, hn, Wh, da, dh_next)

    flat = da.reshape(T * N, width)
    h_flat = hs[:-1].reshape(T * N, H)
    if reset_after:
        dWh = h_flat.T @ flat[:, : 3 * H]
        db_hn = flat[:, 2 * H : 3 * H].sum(axis=0)
        # The input side sees da^n itself, not r * da^n: move that block over, a few steps
        # at a time (NumPy copies an overlapping source first; whole, that copy would be
        # another (T, N, H) array at the peak).
        for lo, hi in _chunks(T, N * H * da.itemsize):
            da[lo:hi, :, 2 * H : 3 * H] = da[lo:hi, :, 3 * H :]
        flat = flat[:, : 3 * H]
    else:
        dWh = np.empty_like(Wh, dtype=dtype)
        np.matmul(h_flat.T, flat[:, : 2 * H], out=dWh[:, : 2 * H])
        np.matmul(hn.reshape(T * N, H).T, flat[:, 2 * H :], out=dWh[:, 2 * H :])
        db_hn = None
    dx = (flat @ Wx.T).reshape(T, N, -1).transpose(1, 0, 2)
    dWx, db = split_weight_gradient(x_ones.T @ flat)
    return dx, dh_next, dWx, dWh, db, db_hn


def _blocks(a: np.ndarray, H: int) -> np.ndarray:
    """``a`` (T, N, G H) seen gate-major, (T, G, N, H): gate g of step t is ``[t, g]``."""
    T, N, width = a.shape
    return a.reshape(T, N, width // H, H).transpose(0, 2, 1, 3)


def _chunks(T: int, step_bytes: int) -> list[tuple[int, int]]:
    """Ranges ``(lo, hi)`` of steps, the last first, each taking at most CHUNK_BYTES at
    ``step_bytes`` per step (at least one step)."""
    size = min(T, max(1, CHUNK_BYTES // step_bytes))
    return [(max(0, hi - size), hi) for hi in range(T, 0, -size)]


def _factor_buffer(chunks: list[tuple[int, int]], blocks: int, like: np.ndarray) -> np.ndarray:
    """An empty (steps, blocks, N, H) buffer for the gate factors of the largest chunk."""
    _, N, H = like.shape
    steps = chunks[0][1] - chunks[0][0]
    return aligned_blocks(steps * blocks, (N, H), like.dtype).reshape(steps, blocks, N, H)


def _steps_after(dhs_tm, gates, hs, hn, Wh, da, dh_next) -> None:
    """The backward loop of the reset-after form: fills ``da``, leaves dh_0 in ``dh_next``."""
    T, N, H = hn.shape
    r, z, n = gates[:, 0], gates[:, 1], gates[:, 2]
    d = _blocks(da, H)
    WhT = np.ascontiguousarray(Wh.T)  # BLAS runs faster on it than on a transposed view
    dh, scratch = aligned_blocks(2, (N, H), da.dtype)
    chunks = _chunks(T, 4 * N * H * da.itemsize)
    factors = _factor_buffer(chunks, 4, hn)
    for lo, hi in chunks:
        s, f = slice(lo, hi), factors[: hi - lo]
        f_r, f_z, f_rn, f_n = f[:, 0], f[:, 1], f[:, 2], f[:, 3]  # f_rn holds 1 - z first
        np.subtract(1.0, z[s], out=f_rn)
        np.multiply(n[s], n[s], out=f_n)
        np.subtract(1.0, f_n, out=f_n)
        f_n *= f_rn  # (1 - z)(1 - n^2)
        np.subtract(hs[s], n[s], out=f_z)
        f_z *= z[s]
        f_z *= f_rn  # (h_prev - n) z (1 - z)
        np.subtract(1.0, r[s], out=f_r)
        f_r *= r[s]
        f_r *= hn[s]
        f_r *= f_n  # r (1 - r) hn (1 - z)(1 - n^2)
        np.multiply(r[s], f_n, out=f_rn)  # r (1 - z)(1 - n^2)
        for t in range(hi - 1, lo - 1, -1):
            np.add(dhs_tm[t], dh_next, out=dh)
            np.multiply(f[t - lo], dh, out=d[t])  # all four gate gradients
            np.matmul(da[t, :, : 3 * H], WhT, out=dh_next)
            np.multiply(dh, z[t], out=scratch)  # the direct path h = ... + z h_prev
            dh_next += scratch


def _steps_before(dhs_tm, gates, hs, hn, Wh, da, dh_next) -> None:
    r"""The backward loop of the reset-before form: fills ``da``, leaves dh_0 in ``dh_next``.

    Here :math:`da^r_t` needs :math:`d\tilde h_t = da^n_t (W_h^n)^\top` first, so the
    loop makes two products with :math:`W_h` per step.
    """
    T, N, H = hn.shape
    r, z, n = gates[:, 0], gates[:, 1], gates[:, 2]
    d = _blocks(da, H)
    Wh_rzT = np.ascontiguousarray(Wh[:, : 2 * H].T)
    Wh_nT = np.ascontiguousarray(Wh[:, 2 * H :].T)
    dh, d_reset_h, scratch = aligned_blocks(3, (N, H), da.dtype)
    chunks = _chunks(T, 3 * N * H * da.itemsize)
    factors = _factor_buffer(chunks, 3, hn)
    for lo, hi in chunks:
        s, f = slice(lo, hi), factors[: hi - lo]
        f_r, f_z, f_n = f[:, 0], f[:, 1], f[:, 2]  # f_r holds 1 - z, then h_prev - n, first
        np.subtract(1.0, z[s], out=f_r)
        np.multiply(n[s], n[s], out=f_n)
        np.subtract(1.0, f_n, out=f_n)
        f_n *= f_r  # (1 - z)(1 - n^2)
        np.multiply(f_r, z[s], out=f_z)
        np.subtract(hs[s], n[s], out=f_r)
        f_z *= f_r  # (h_prev - n) z (1 - z)
        np.subtract(1.0, r[s], out=f_r)
        f_r *= r[s]
        f_r *= hs[s]  # h_prev r (1 - r)
        for t in range(hi - 1, lo - 1, -1):
            np.add(dhs_tm[t], dh_next, out=dh)
            np.multiply(f[t - lo, 1:], dh, out=d[t, 1:])  # da^z, da^n
            np.matmul(da[t, :, 2 * H :], Wh_nT, out=d_reset_h)
            np.multiply(f[t - lo, 0], d_reset_h, out=d[t, 0])  # da^r
            np.matmul(da[t, :, : 2 * H], Wh_rzT, out=dh_next)
            np.multiply(d_reset_h, r[t], out=scratch)
            dh_next += scratch
            np.multiply(dh, z[t], out=scratch)
            dh_next += scratch
