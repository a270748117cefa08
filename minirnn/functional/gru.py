r"""Gated recurrent unit: one step and a whole sequence, forward and backward, both forms.

Symbols (row-vector maths, batch first, as in ``docs/gru_bptt.md``). The gates are fused in
PyTorch's order :math:`r, z, n`: ``Wx`` (D, 3H), ``Wh`` (H, 3H), ``b`` (3H,), and a
superscript picks a block (:math:`W_x^n` is the last H columns of ``Wx``).

.. math::

    r_t &= \sigma(x_t W_x^r + h_{t-1} W_h^r + b^r), \quad
    z_t = \sigma(x_t W_x^z + h_{t-1} W_h^z + b^z) \\
    n_t &= \tanh(x_t W_x^n + b^n + r_t \odot (h_{t-1} W_h^n + b_{hn}))
    \quad \text{(reset after: PyTorch, cuDNN)} \\
    n_t &= \tanh(x_t W_x^n + (r_t \odot h_{t-1}) W_h^n + b^n)
    \quad \text{(reset before: Cho et al. 2014)} \\
    h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

The last line is PyTorch's convention, shared by Cho et al. 2014, d2l and the course
write-up: :math:`z` is the share of the *old* state. Some texts (Chung et al. 2014, for one)
give :math:`z` to the new candidate instead; swapping :math:`z \leftrightarrow 1-z` converts
one into the other.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(a: np.ndarray) -> np.ndarray:
    """Stable sigmoid as (1 + tanh(a/2)) / 2: no overflow, and several times faster than a
    masked ``exp`` (``minirnn.functional.activations.sigmoid``), with which it agrees to
    rounding."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))



def _check_b_hn(b_hn: np.ndarray | None, reset_after: bool) -> None:
    if reset_after and b_hn is None:
        raise ValueError("reset_after=True needs the hidden bias b_hn of shape (H,), got None")
    if not reset_after and b_hn is not None:
        raise ValueError("reset_after=False has no b_hn (its n bias is inside b); pass None")


def gru_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    b_hn: np.ndarray | None = None,
    reset_after: bool = True,
) -> tuple[np.ndarray, tuple]:
    r"""One GRU step.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        Input at this step.
    h_prev : ndarray, shape (N, H)
        Hidden state of the previous step.
    Wx, Wh, b : ndarray, shapes (D, 3H), (H, 3H), (3H,)
        Fused weights and bias, gate blocks in the order r, z, n.
    b_hn : ndarray, shape (H,), optional
        Bias added to :math:`h W_h^n` inside the reset product; required when
        ``reset_after=True``, must be None otherwise.
    reset_after : bool
        True: PyTorch/cuDNN form (reset applied after the matrix product). False: Cho et al.
        2014 / d2l form (reset applied to :math:`h` before it).

    Returns
    -------
    h : ndarray, shape (N, H)
        The new hidden state.
    cache : tuple
        What :func:`gru_step_backward` needs.

    Notes
    -----
    .. math::

        r &= \sigma(x W_x^r + h_{prev} W_h^r + b^r), \quad
        z = \sigma(x W_x^z + h_{prev} W_h^z + b^z) \\
        n &= \tanh(x W_x^n + b^n + r \odot (h_{prev} W_h^n + b_{hn})) \text{ or }
        \tanh(x W_x^n + (r \odot h_{prev}) W_h^n + b^n) \\
        h &= (1 - z) \odot n + z \odot h_{prev}
    """
    _check_b_hn(b_hn, reset_after)
    H = h_prev.shape[1]
    ax = x @ Wx + b
    if reset_after:
        ah = h_prev @ Wh
        r = _sigmoid(ax[:, :H] + ah[:, :H])
        z = _sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
        hn = ah[:, 2 * H :] + b_hn  # the term the reset gate scales
        n = np.tanh(ax[:, 2 * H :] + r * hn)
    else:
        ah = h_prev @ Wh[:, : 2 * H]
        r = _sigmoid(ax[:, :H] + ah[:, :H])
        z = _sigmoid(ax[:, H : 2 * H] + ah[:, H:])
        hn = r * h_prev  # the reset state that enters the product
        n = np.tanh(ax[:, 2 * H :] + hn @ Wh[:, 2 * H :])
    h = (1.0 - z) * n + z * h_prev
    return h, (x, h_prev, Wx, Wh, r, z, n, hn, reset_after)


def gru_step_backward(
    dh: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    r"""Backward pass of :func:`gru_step_forward`.

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
    db_hn : ndarray, shape (H,), or None
        Gradient of ``b_hn``; None when ``reset_after=False``.

    Notes
    -----
    Common to both forms, with :math:`a^r, a^z, a^n` the gates' pre-activations:

    .. math::

        da^n = dh \odot (1 - z) \odot (1 - n^2), \quad
        da^z = dh \odot (h_{prev} - n) \odot z (1 - z)

    reset_after=True, with :math:`\hat h = h_{prev} W_h^n + b_{hn}`:

    .. math::

        da^r = da^n \odot \hat h \odot r(1-r), \quad
        dW_h = h_{prev}^\top [da^r, da^z, r \odot da^n], \quad
        db_{hn} = \textstyle\sum_n r \odot da^n

    reset_after=False, with :math:`d\tilde h = da^n (W_h^n)^\top` (gradient of
    :math:`r \odot h_{prev}`):

    .. math::

        da^r = d\tilde h \odot h_{prev} \odot r(1-r), \quad
        dW_h = [h_{prev}^\top [da^r, da^z],\; (r \odot h_{prev})^\top da^n]

    In both, with :math:`da = [da^r, da^z, da^n]`: :math:`dx = da\, W_x^\top`,
    :math:`dW_x = x^\top da`, :math:`db = \sum_n da`, and :math:`dh_{prev}` is
    :math:`dh \odot z` plus the gradient flowing back through :math:`W_h`
    (:math:`[da^r, da^z, r \odot da^n] W_h^\top`, or :math:`[da^r, da^z] (W_h^{rz})^\top +
    d\tilde h \odot r`).
    """
    x, h_prev, Wx, Wh, r, z, n, hn, reset_after = cache
    H = h_prev.shape[1]
    da_n = dh * (1.0 - z) * (1.0 - n * n)
    da_z = dh * (h_prev - n) * z * (1.0 - z)
    dh_prev = dh * z
    if reset_after:
        da_r = da_n * hn * r * (1.0 - r)
        dah = np.concatenate([da_r, da_z, da_n * r], axis=1)
        dh_prev += dah @ Wh.T
        dWh = h_prev.T @ dah
        db_hn = dah[:, 2 * H :].sum(axis=0)
    else:
        d_reset_h = da_n @ Wh[:, 2 * H :].T
        da_r = d_reset_h * h_prev * r * (1.0 - r)
        da_rz = np.concatenate([da_r, da_z], axis=1)
        dh_prev += da_rz @ Wh[:, : 2 * H].T + d_reset_h * r
        dWh = np.concatenate([h_prev.T @ da_rz, hn.T @ da_n], axis=1)
        db_hn = None
    da = np.concatenate([da_r, da_z, da_n], axis=1)
    return da @ Wx.T, dh_prev, x.T @ da, dWh, da.sum(axis=0), db_hn


def gru_forward(
    x: np.ndarray,
    h0: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    b_hn: np.ndarray | None = None,
    reset_after: bool = True,
) -> tuple[np.ndarray, tuple]:
    r"""Run the GRU over a whole sequence.

    The input projection :math:`x_t W_x + b` is one matrix product for all steps. Inside
    the loop: :math:`h_{t-1} W_h` (one product for all three gates) when
    ``reset_after=True``; :math:`h_{t-1} W_h^{rz}` and :math:`(r_t \odot h_{t-1}) W_h^n`
    (two products, the second needs :math:`r_t` first) when ``reset_after=False``.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
        Input sequence, batch first.
    h0 : ndarray, shape (N, H)
        Initial hidden state.
    Wx, Wh, b : ndarray, shapes (D, 3H), (H, 3H), (3H,)
        Fused parameters, gate order r, z, n.
    b_hn : ndarray, shape (H,), optional
        Hidden bias of the n gate; required when ``reset_after=True``, None otherwise.
    reset_after : bool
        Which GRU form; see :func:`gru_step_forward`.

    Returns
    -------
    hs : ndarray, shape (N, T, H)
        Hidden states of every step; ``hs[:, -1]`` is the final state. A view of the cache
        (no copy): modify it in place only after the backward pass.
    cache : tuple
        What :func:`gru_backward` needs.

    Notes
    -----
    Step :math:`t` is :func:`gru_step_forward` with :math:`h_{prev} = h_{t-1}`. The result
    has the dtype of the inputs. The sigmoid is computed as
    :math:`\sigma(a) = (1 + \tanh(a/2))/2`, stable for any :math:`a`; the factor 1/2 is
    folded into the r and z columns of the weights (halving is exact in floating point).
    """
    _check_b_hn(b_hn, reset_after)
    N, T, D = x.shape
    H = h0.shape[1]
    arrays = (x, h0, Wx, Wh, b) if b_hn is None else (x, h0, Wx, Wh, b, b_hn)
    dtype = np.result_type(*arrays)
    scale = np.ones(3 * H, dtype=dtype)
    scale[: 2 * H] = 0.5
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype).reshape(T * N, D)
    gates = np.matmul(x_tm, Wx * scale).reshape(T, N, 3 * H)
    gates += b * scale
    hs = np.empty((T + 1, N, H), dtype=dtype)  # slot 0 is h0, step t writes slot t + 1
    hs[0] = h0
    # hn: per step, reset_after=True keeps h W_h^n + b_hn, False keeps r * h (the factor
    # the reset gate multiplies); the backward pass needs it either way.
    hn = np.empty((T, N, H), dtype=dtype)
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
    dhs: np.ndarray, cache: tuple, dh_last: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    r"""Backpropagation through time for :func:`gru_forward`.

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Gradient of the loss with respect to every hidden state the forward returned.
    cache : tuple
        From the forward pass.
    dh_last : ndarray, shape (N, H), optional
        Extra gradient arriving at the final state from outside the sequence.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWx, dWh, db : ndarray
        Summed over every step.
    db_hn : ndarray, shape (H,), or None
        None when ``reset_after=False``.

    Notes
    -----
    With :math:`\bar{dh}_t = \partial L / \partial h_t + dh_{t+1 \to t}`, each step is
    :func:`gru_step_backward`, done on one step's (N, 3H) block at a time so that it stays
    in cache. Only the products with :math:`W_h` (one for reset_after=True, two for the
    reset-before form, whose :math:`da^r_t` needs :math:`d\tilde h_t = da^n_t
    (W_h^n)^\top` first) are inside the loop. The weight gradients are single products
    after it: :math:`dW_x = \sum_t x_t^\top da_t` and :math:`dW_h` as in the step,
    summed over :math:`t`.
    """
    x_tm, Wx, Wh, hs, hn, gates, reset_after = cache
    T, N, H = hn.shape
    dtype = gates.dtype
    dhs_tm = dhs.transpose(1, 0, 2)
    # reset_after: `da` holds what multiplies W_h, [da^r, da^z, r * da^n], and da_n_input
    # keeps da^n for the input side. Reset before: `da` is [da^r, da^z, da^n] for both.
    da = np.empty_like(gates)
    dh = np.empty((N, H), dtype=dtype)
    one_minus_z = np.empty((N, H), dtype=dtype)
    scratch = np.empty((N, H), dtype=dtype)
    dh_next = np.zeros((N, H), dtype=dtype) if dh_last is None else np.array(dh_last, dtype)
    if reset_after:
        da_n_input = np.empty((T, N, H), dtype=dtype)
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
