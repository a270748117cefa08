r"""The fast path of the LSTM: the tuned sequence pass the layers run.

Computes what the readable reference :func:`minirnn.functional.lstm.lstm_forward` /
:func:`~minirnn.functional.lstm.lstm_backward` computes (tests pin the two together on
outputs and every gradient). What makes it faster: the input projection of all steps in one
product, gate-major buffers (each gate's (N, H) block contiguous), ``out=`` buffers instead
of temporaries, and the sigmoid in its tanh form
:math:`\sigma(a) = (1 + \tanh(a/2))/2` with the halving folded into the weights, so that one
``tanh`` covers all four gates. It is the same function as
:func:`minirnn.functional.activations.sigmoid`, written differently.

Symbols as in :mod:`minirnn.functional.lstm`.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_cache, check_sequence_arrays, check_upstream
from minirnn.functional.fast.workspace import Workspace, empty


def _gate_major(W: np.ndarray, dtype: np.dtype, scale: np.ndarray) -> np.ndarray:
    """Split the fused last axis (4H) into its four gates, gate first: (..., 4H) -> (4, ..., H).

    The result is a new contiguous array, each gate block multiplied by its factor in
    ``scale`` (4,). ``W[..., k*H:(k+1)*H]`` becomes ``out[k]``.

    The sequence pass keeps everything per gate in this layout. A gate's (N, H) block is then
    one contiguous piece of memory, and NumPy runs element-wise work on it several times
    faster than on the same block cut as columns out of an (N, 4H) row (measured 3-4x for
    N=64, H=256); the per-step ``h @ Wh`` as four (H, H) products measured a little faster
    than one (H, 4H) product, not slower.
    """
    H = W.shape[-1] // 4
    blocks = np.moveaxis(W.reshape(*W.shape[:-1], 4, H), -2, 0)
    out = np.empty(blocks.shape, dtype=dtype)
    np.multiply(blocks, scale.reshape((4,) + (1,) * (blocks.ndim - 1)), out=out)
    return out


def _sigmoid_gate_scale(dtype: np.dtype) -> np.ndarray:
    """Gate factors (4,): 1/2 on the sigmoid gates i, f, o and 1 on the tanh gate g.

    The sequence pass uses :math:`\\sigma(a) = (1 + \\tanh(a/2)) / 2`: it cannot overflow
    (``tanh`` saturates instead of ``exp`` blowing up) and one ``tanh`` over all four gates
    is cheaper than a masked ``exp``. Multiplying the i, f, o blocks of ``Wx``, ``Wh`` and
    ``b`` by 1/2 once gives :math:`a/2` straight out of the matrix products, and halving is
    exact in floating point, so nothing is lost.
    """
    return np.array([0.5, 0.5, 1.0, 0.5], dtype=dtype)


#: the backward pass computes the gate factors of all steps before its time loop when the
#: gates take at most this many bytes (measured in benchmarks/layers.py: faster for small
#: batches, where a NumPy call's overhead is the cost, and slower for large ones, where the
#: whole-array passes leave the processor cache)
PRECOMPUTE_BYTES = 2**20


def lstm_forward(
    x: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    workspace: Workspace | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple]:
    r"""Run the LSTM over a whole sequence (the tuned pass the layers run).

    The input projection :math:`x_t W_x + b` is one matrix product for all steps; only
    :math:`h_{t-1} W_h` and element-wise work on preallocated buffers stay inside the loop.

    Arguments and results are those of :func:`minirnn.functional.lstm.lstm_forward`, except
    ``workspace`` (a :class:`~minirnn.functional.fast.workspace.Workspace` whose buffers
    the pass may reuse; the layer's core owns one) and the cache, which only this module's
    backward pass reads. The returned ``hs`` may be a view of the cache: modify it in place
    only after the backward pass.

    Notes
    -----
    Step :math:`t` is :func:`~minirnn.functional.lstm.lstm_step_forward` with :math:`h_{prev} =
    h_{t-1}`,
    :math:`c_{prev} = c_{t-1}`. The result has the dtype of the inputs (float32 stays
    float32). The sigmoid is computed as :math:`\sigma(a) = (1 + \tanh(a/2))/2`, which is
    stable for any :math:`a` and lets one ``tanh`` cover all four gates.
    """
    check_sequence_arrays(x, [("h0", h0), ("c0", c0)], Wx, Wh, b, gates=4)
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, c0, Wx, Wh, b)
    half = _sigmoid_gate_scale(dtype)
    # Time-major inside: each step then reads and writes one contiguous (N, .) block. The
    # copy of x is small (D columns) next to the projections (4H columns).
    x_tm = empty(workspace, "x", (T * N, D), dtype)
    np.copyto(x_tm.reshape(T, N, D), x.transpose(1, 0, 2))
    # Gate-major (see _gate_major): gates[k, t] is the (N, H) block of gate k at step t.
    # One matmul call still projects every step: four (T*N, D) @ (D, H) products.
    gates = empty(workspace, "gates", (4, T * N, H), dtype)
    np.matmul(x_tm, _gate_major(Wx, dtype, half), out=gates)
    gates += _gate_major(b, dtype, half)[:, None, :]
    gates = gates.reshape(4, T, N, H)
    Wh_gates = _gate_major(Wh, dtype, half)
    # Slot 0 holds the initial state, so step t reads slot t and writes slot t + 1, and the
    # previous states of all steps are one contiguous block for the backward pass. One
    # allocation for both: fresh memory costs a page fault per page on first write, and a
    # single large block is cheaper to fault in than two smaller ones (about 1 ms here).
    hs, cs = empty(workspace, "states", (2, T + 1, N, H), dtype)
    hs[0] = h0
    cs[0] = c0
    recurrent = np.empty((4, N, H), dtype=dtype)
    scratch = np.empty((N, H), dtype=dtype)
    for t in range(T):
        a = gates[:, t]
        np.matmul(hs[t], Wh_gates, out=recurrent)
        a += recurrent
        np.tanh(a, out=a)  # g is done; i, f, o hold tanh(a/2)
        for sig in (a[:2], a[3]):
            sig += 1.0
            sig *= 0.5
        i, f, g, o = a
        c = cs[t + 1]
        np.multiply(f, cs[t], out=c)
        np.multiply(i, g, out=scratch)
        c += scratch
        # tanh(c) is not kept: recomputing it in the backward pass is cheaper than writing
        # (and first touching) another (T, N, H) array.
        np.tanh(c, out=scratch)
        np.multiply(o, scratch, out=hs[t + 1])
    cache = (x_tm, Wx, Wh, hs, cs, gates)
    return hs[1:].transpose(1, 0, 2), cs[T], cache


def lstm_backward(
    dhs: np.ndarray,
    cache: tuple,
    dh_last: np.ndarray | None = None,
    dc_last: np.ndarray | None = None,
    workspace: Workspace | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Backpropagation through time for :func:`lstm_forward`.

    Arguments and results are those of :func:`minirnn.functional.lstm.lstm_backward`, except
    ``workspace`` (for the gradient buffer ``da``) and the cache, which only this module's
    forward pass reads.

    Notes
    -----
    With :math:`\bar{dh}_t = \partial L/\partial h_t + da_{t+1} W_h^\top` and
    :math:`\bar{dc}_t = dc_{t+1 \to t} + \bar{dh}_t \odot o_t \odot (1 - \tanh^2 c_t)`,
    each step is :func:`~minirnn.functional.lstm.lstm_step_backward`; :math:`dc_{t \to t-1} =
    \bar{dc}_t \odot f_t`.
    Every gate gradient is an incoming gradient times a factor known from the forward pass:

    .. math::

        da^{i,f,g}_t = \bar{dc}_t \odot [g_t i_t(1-i_t),\; c_{t-1} f_t(1-f_t),\;
        i_t(1-g_t^2)], \qquad da^o_t = \bar{dh}_t \odot \tanh c_t\, o_t(1-o_t)

    The loop works on one step's blocks at a time, which stay in cache: that is several
    times faster than computing the factors for all steps in whole-array passes.
    The weight gradients are single products after the loop:
    :math:`dW_x = \sum_t x_t^\top da_t`, :math:`dW_h = \sum_t h_{t-1}^\top da_t`,
    :math:`db = \sum_{t,n} da_t`.
    """
    # the cache: x (T*N, D), Wx, Wh, states and cell states (T+1, N, H), gates (4, T, N, H)
    check_cache(cache, "minirnn.functional.fast.lstm.lstm_forward", (2, 2, 2, 3, 3, 4))
    x_tm, Wx, Wh, hs, cs, gates = cache
    _, T, N, H = gates.shape
    dhs = check_upstream(dhs, (N, T, H), dh_last=dh_last, dc_last=dc_last)
    dtype = gates.dtype
    # da is in the fused layout (T, N, 4H), so that dh_next and the whole-sequence products
    # are single matrix products; the gate factors are formed per gate (contiguous blocks,
    # fast) and land in da[t] with the last multiplication.
    da = empty(workspace, "da", (T, N, 4 * H), dtype)
    dc = np.zeros((N, H), dtype=dtype) if dc_last is None else np.array(dc_last, dtype=dtype)
    dh = np.zeros((N, H), dtype=dtype) if dh_last is None else np.array(dh_last, dtype)
    WhT = np.ascontiguousarray(Wh.T)  # BLAS runs faster on it than on the transposed view
    loop = _steps_precomputed if gates.nbytes <= PRECOMPUTE_BYTES else _steps_fused
    dh_next = loop(dhs.transpose(1, 0, 2), gates, cs, WhT, da, dh, dc, workspace)

    da_flat = da.reshape(T * N, 4 * H)
    dx = (da_flat @ Wx.T).reshape(T, N, -1).transpose(1, 0, 2)
    dWx = x_tm.T @ da_flat
    dWh = hs[:-1].reshape(T * N, H).T @ da_flat
    db = da_flat.sum(axis=0)
    return dx, dh_next, dc, dWx, dWh, db


def _steps_fused(dhs_tm, gates, cs, WhT, da, dh_next, dc, workspace) -> np.ndarray:
    """The backward time loop, each step's gate factors formed inside it.

    Fills ``da``, updates ``dc`` in place to the initial cell state's gradient and returns
    the initial hidden state's. Every block a step touches stays in the processor cache,
    which makes this the fast loop for large batches.
    """
    _, T, N, H = gates.shape
    factor = np.empty((4, N, H), dtype=gates.dtype)
    factor_i, factor_f, factor_g, factor_o = factor
    dh, tanh_c, scratch = np.empty((3, N, H), dtype=gates.dtype)
    for t in range(T - 1, -1, -1):
        a = gates[:, t]
        i, f, g, o = a
        np.add(dhs_tm[t], dh_next, out=dh)
        np.tanh(cs[t + 1], out=tanh_c)
        # dc gains the path through h: dh * o * (1 - tanh(c)^2)
        np.multiply(tanh_c, tanh_c, out=scratch)
        np.subtract(1.0, scratch, out=scratch)
        scratch *= o
        scratch *= dh
        dc += scratch
        # s (1 - s) for all four gates at once, then the g block becomes 1 - g^2
        np.subtract(1.0, a, out=factor)
        factor *= a
        np.multiply(g, g, out=factor_g)
        np.subtract(1.0, factor_g, out=factor_g)
        # times what each gate multiplies in the forward pass
        factor_i *= g
        factor_f *= cs[t]
        factor_g *= i
        factor_o *= tanh_c
        # times the incoming gradient (dc for i, f, g; dh for o), written into da[t] seen
        # as (N, 4, H), whose gate axis moved to the front matches factor's layout
        d = da[t].reshape(N, 4, H).transpose(1, 0, 2)
        np.multiply(factor[:3], dc, out=d[:3])
        np.multiply(factor_o, dh, out=d[3])
        dc *= f
        dh_next = np.matmul(da[t], WhT, out=dh_next)
    return dh_next


def _steps_precomputed(dhs_tm, gates, cs, WhT, da, dh_next, dc, workspace) -> np.ndarray:
    """The backward time loop with the gate factors of all steps computed before it.

    The same numbers as :func:`_steps_fused`, bit for bit (the same operations in the same
    order), with 7 NumPy calls per step instead of 19: the better loop when a call's
    overhead, not memory traffic, is the cost (small batches; see ``PRECOMPUTE_BYTES``).
    """
    _, T, N, H = gates.shape
    i, f, g, o = gates
    factor = empty(workspace, "factor", gates.shape, gates.dtype)
    np.subtract(1.0, gates, out=factor)
    factor *= gates
    factor_i, factor_f, factor_g, factor_o = factor
    np.multiply(g, g, out=factor_g)
    np.subtract(1.0, factor_g, out=factor_g)
    tanh_c = np.tanh(cs[1:])
    factor_i *= g
    factor_f *= cs[:-1]
    factor_g *= i
    factor_o *= tanh_c
    # from here on tanh_c holds o (1 - tanh(c)^2), the factor of dh in dc
    np.multiply(tanh_c, tanh_c, out=tanh_c)
    np.subtract(1.0, tanh_c, out=tanh_c)
    tanh_c *= o
    dh, scratch = np.empty((2, N, H), dtype=gates.dtype)
    for t in range(T - 1, -1, -1):
        np.add(dhs_tm[t], dh_next, out=dh)
        np.multiply(tanh_c[t], dh, out=scratch)
        dc += scratch
        d = da[t].reshape(N, 4, H).transpose(1, 0, 2)
        np.multiply(factor[:3, t], dc, out=d[:3])
        np.multiply(factor_o[t], dh, out=d[3])
        dc *= f[t]
        dh_next = np.matmul(da[t], WhT, out=dh_next)
    return dh_next
