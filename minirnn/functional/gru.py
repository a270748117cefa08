r"""Gated recurrent unit: one step and a whole sequence, forward and backward, both forms.

Read in order: :func:`gru_step_forward` and :func:`gru_step_backward` are one step;
:func:`gru_forward` and :func:`gru_backward` run a whole sequence by calling them once per
step. The layers run the tuned pass :mod:`minirnn.functional.fast.gru` (same numbers, fewer
NumPy calls).

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

from minirnn._checks import (
    as_float_array,
    check_cache,
    check_sequence_arrays,
    check_shape,
    check_upstream,
)
from minirnn.functional.activations import sigmoid

#: what :func:`gru_step_forward`'s cache holds: x, h_prev, Wx, Wh, r, z, n, hn, reset_after
STEP_CACHE = (2, 2, 2, 2, 2, 2, 2, 2, bool)


def check_b_hn(b_hn: np.ndarray | None, reset_after: bool) -> None:
    """Raise unless ``b_hn`` is given exactly when ``reset_after`` is True."""
    if reset_after and b_hn is None:
        raise ValueError("reset_after=True needs the hidden bias b_hn of shape (H,), got None")
    if not reset_after and b_hn is not None:
        raise ValueError("b_hn must be None when reset_after=False (its n bias is inside b), "
                         "got an array")


def gru_step_forward(
    x: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    b_hn: np.ndarray | None = None, reset_after: bool = True,
) -> tuple[np.ndarray, tuple]:
    r"""One GRU step, in either form (reset gate applied after or before the product).

    Parameters
    ----------
    x : ndarray, shape (N, D)
        Input at this step.
    h_prev : ndarray, shape (N, H)
        Hidden state of the previous step; the update gate :math:`z` decides how much of it
        is kept.
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
        What :func:`gru_step_backward` needs: the inputs, the weights, the gates and ``hn``.

    Notes
    -----
    .. math::

        r &= \sigma(x W_x^r + h_{prev} W_h^r + b^r), \quad
        z = \sigma(x W_x^z + h_{prev} W_h^z + b^z) \\
        n &= \tanh(x W_x^n + b^n + r \odot (h_{prev} W_h^n + b_{hn})) \text{ or }
        \tanh(x W_x^n + (r \odot h_{prev}) W_h^n + b^n) \\
        h &= (1 - z) \odot n + z \odot h_{prev}
    """
    check_b_hn(b_hn, reset_after)
    check_sequence_arrays(x, [("h_prev", h_prev)], Wx, Wh, b, gates=3, step=True)
    H = h_prev.shape[1]
    if b_hn is not None:
        check_shape(as_float_array(b_hn, "b_hn"), (H,), "b_hn")
    ax = x @ Wx + b
    if reset_after:
        ah = h_prev @ Wh
        r = sigmoid(ax[:, :H] + ah[:, :H])
        z = sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
        hn = ah[:, 2 * H :] + b_hn  # the term the reset gate scales
        n = np.tanh(ax[:, 2 * H :] + r * hn)
    else:
        ah = h_prev @ Wh[:, : 2 * H]
        r = sigmoid(ax[:, :H] + ah[:, :H])
        z = sigmoid(ax[:, H : 2 * H] + ah[:, H:])
        hn = r * h_prev  # the reset state that enters the product
        n = np.tanh(ax[:, 2 * H :] + hn @ Wh[:, 2 * H :])
    h = (1.0 - z) * n + z * h_prev
    return h, (x, h_prev, Wx, Wh, r, z, n, hn, reset_after)


def gru_step_backward(
    dh: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    r"""Backward pass of :func:`gru_step_forward`, either form.

    Parameters
    ----------
    dh : ndarray, shape (N, H)
        Gradient of the loss with respect to the step's output ``h``.
    cache : tuple
        ``(x, h_prev, Wx, Wh, r, z, n, hn, reset_after)``, from :func:`gru_step_forward`
        (``hn`` is :math:`h_{prev} W_h^n + b_{hn}` when the reset comes after the product,
        :math:`r \odot h_{prev}` when it comes before).

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
    check_cache(cache, "gru_step_forward", STEP_CACHE)
    x, h_prev, Wx, Wh, r, z, n, hn, reset_after = cache
    check_shape(as_float_array(dh, "dh"), h_prev.shape, "dh")
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
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    b_hn: np.ndarray | None = None, reset_after: bool = True,
) -> tuple[np.ndarray, list]:
    r"""Run the GRU (either form) over a whole sequence: :func:`gru_step_forward` once per step.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
        Input sequence, batch first.
    h0 : ndarray, shape (N, H)
        Initial hidden state.
    Wx, Wh, b, b_hn, reset_after
        As in :func:`gru_step_forward` (fused gates r, z, n; ``b_hn`` exactly when
        ``reset_after=True``); every step uses the same ones.

    Returns
    -------
    hs : ndarray, shape (N, T, H)
        :math:`h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}` of every step; ``hs[:, -1]`` is
        the final state.
    cache : list
        One step cache per step, for :func:`gru_backward`.

    See Also
    --------
    minirnn.functional.fast.gru.gru_forward : The tuned pass the layers run, both forms
        (same numbers).
    """
    check_sequence_arrays(x, [("h0", h0)], Wx, Wh, b, gates=3)
    h, hs, caches = h0, [], []
    for t in range(x.shape[1]):
        h, cache = gru_step_forward(x[:, t], h, Wx, Wh, b, b_hn, reset_after)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), caches


def gru_backward(
    dhs: np.ndarray, cache: list, dh_last: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    r"""Backpropagation through time for :func:`gru_forward`, either form: the steps in reverse.

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Gradient of the loss with respect to every hidden state the forward returned.
    cache : list
        The step caches :func:`gru_forward` returned; each records the form
        (``reset_after``), so the backward pass needs no such argument.
    dh_last : ndarray, shape (N, H), optional
        Extra gradient arriving at the final state from outside the sequence.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWx, dWh, db, db_hn : ndarray
        Summed over every step; ``db_hn`` (H,) is None when ``reset_after=False``.
    """
    check_cache(cache, "gru_forward", STEP_CACHE, steps=True)
    N, H = cache[0][1].shape
    dhs = check_upstream(dhs, (N, len(cache), H), dh_last=dh_last)
    dh_next = np.zeros_like(dhs[:, 0]) if dh_last is None else dh_last
    Wx, Wh = cache[0][2], cache[0][3]
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[1], Wh.dtype)
    db_hn = None
    dxs = [None] * len(cache)
    for t in reversed(range(len(cache))):
        dxs[t], dh_next, dWx_t, dWh_t, db_t, db_hn_t = gru_step_backward(
            dhs[:, t] + dh_next, cache[t]
        )
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
        if db_hn_t is not None:
            db_hn = db_hn_t if db_hn is None else db_hn + db_hn_t
    return np.stack(dxs, axis=1), dh_next, dWx, dWh, db, db_hn
