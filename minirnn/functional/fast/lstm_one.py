r"""The LSTM's time loops at batch one: vectors and matrix-vector products.

With one sequence (:math:`N = 1`) a step of :mod:`minirnn.functional.fast.lstm` works on
vectors of 128 or so numbers, and what it costs is the fixed price of each NumPy call (about
0.6 µs with ``out=`` given positionally, twice that with a Python float as an operand) and
the two matrix-vector products with :math:`W_h` (5 to 7 µs each in float32 at H = 128).
These loops run the same arithmetic as that module's loops, on the same buffers seen as
vectors: step :math:`t`'s ``(5, 1, H)`` block is one contiguous row :math:`[o_t, i_t, f_t,
g_t, c_{t-1}]` of 5H numbers, and its gradient row :math:`da_t` (PyTorch's order i, f, g, o)
one row of 4H. What is different:

- the products are 1-D ``dot`` calls (a matrix-vector product, no (1, H) matrix), with
  :math:`W_h` in whichever layout ran faster here (below);
- the per-step views are made once, by iterating over the arrays, not by indexing inside
  the loop, and the ufuncs are called with positional ``out`` and array operands.

Symbols as in :mod:`minirnn.functional.lstm`.
"""

from __future__ import annotations

import numpy as np


def forward_steps(hs: np.ndarray, rows: np.ndarray, Wh_scaled: np.ndarray) -> None:
    r"""The forward time loop at batch one: fills ``rows[:T, :4H]`` with the gates, ``rows[1:,
    4H:]`` with :math:`c_1 \dots c_T` and ``hs[1:]`` with :math:`h_1 \dots h_T`.

    Parameters
    ----------
    hs : ndarray, (T + 1, H)
        :math:`h_0` in row 0; rows may be strided views (slots of the forward pass's
        :math:`[x_t, 1, h_{t-1}]` rows).
    rows : ndarray, (T + 1, 5H)
        Step :math:`t`'s block :math:`[o_t, i_t, f_t, g_t, c_{t-1}]`: on entry the input
        projections :math:`x_t W_x + b` (sigmoid gates halved, see
        :func:`minirnn.functional.fast.lstm._scaled_gates`) and :math:`c_0` in row 0.
    Wh_scaled : ndarray, (H, 4H)
        :math:`W_h` scaled and in the gate order of the blocks, C-contiguous.

    Notes
    -----
    Per step: :math:`a_t \mathrel{+}= h_{t-1} W_h`, ``tanh``, :math:`\sigma = (1 + \tanh)/2`
    on the three sigmoid gates, :math:`[i_t g_t, f_t c_{t-1}]`, :math:`c_t`, :math:`\tanh
    c_t`, :math:`h_t = o_t \tanh c_t`: one product and 8 ufunc calls. The product is
    ``h.dot(W_h)``: 5.1 µs (median) against 7.1 µs for :math:`W_h^\top h` with a contiguous
    :math:`W_h^\top` in float32, 13.5 against 14.1 in float64 (H = 128).
    """
    T, H = hs.shape[0] - 1, hs.shape[1]
    dtype = rows.dtype
    add, multiply, tanh = np.add, np.multiply, np.tanh
    one, half = np.array(1.0, dtype=dtype), np.array(0.5, dtype=dtype)
    product, products, tanh_c = np.empty(4 * H, dtype), np.empty(2 * H, dtype), np.empty(H, dtype)
    i_g, f_c = products[:H], products[H:]
    steps = zip(hs[:T], hs[1:], rows[:T, : 4 * H], rows[:T, : 3 * H], rows[:T, : H],
                rows[:T, H : 3 * H], rows[:T, 3 * H :], rows[1:, 4 * H :], strict=True)
    for h_prev, h, a, sigmoid_gates, o, i_f, g_c, c in steps:
        h_prev.dot(Wh_scaled, product)
        add(a, product, a)
        tanh(a, a)  # g is done; o, i, f hold tanh(a/2)
        add(sigmoid_gates, one, sigmoid_gates)
        multiply(sigmoid_gates, half, sigmoid_gates)
        multiply(i_f, g_c, products)  # [i g, f c_{t-1}]
        add(i_g, f_c, c)
        tanh(c, tanh_c)
        multiply(o, tanh_c, h)


def backward_steps(dhs: np.ndarray, factors: tuple, f: np.ndarray, da: np.ndarray,
                   Wh: np.ndarray, dh_next: np.ndarray, dc: np.ndarray) -> None:
    r"""The backward time loop at batch one, with the gate factors formed beforehand.

    Fills ``da`` (T, 4H) and leaves the initial state's gradients in ``dh_next`` and ``dc``
    (both (H,), on entry the final state's).

    Parameters
    ----------
    dhs : ndarray, (T, H)
        :math:`\partial L / \partial h_t`.
    factors : tuple of ndarray
        ``(dc_factor, factor_o, factor_ifg)``: :math:`o_t (1 - \tanh^2 c_t)` (T, H),
        :math:`o_t (1 - o_t) \tanh c_t` (T, H) and :math:`[i_t (1 - i_t) g_t, f_t (1 - f_t)
        c_{t-1}, (1 - g_t^2) i_t]` (T, 3, H), as
        :func:`minirnn.functional.fast.lstm._gate_factors` forms them.
    f : ndarray, (T, H)
        The forget gates :math:`f_t`.
    da, Wh, dh_next, dc
        The gradient rows (written), :math:`W_h` (H, 4H), and the two state gradients.

    Notes
    -----
    Per step, the arithmetic of :func:`minirnn.functional.fast.lstm._steps_precomputed`:
    :math:`\bar{dh}_t = \partial L/\partial h_t + da_{t+1} W_h^\top`, then
    :math:`\bar{dc}_t = f_{t+1} \bar{dc}_{t+1} + o_t (1 - \tanh^2 c_t) \bar{dh}_t` as one
    multiply of the two factors, stored side by side as :math:`[f_{t+1}, o_t (1 - \tanh^2
    c_t)]` (with :math:`f_{T} = 1`), by the two gradients, side by side too, and one add;
    the gate gradients; and :math:`W_h\, da_t`: 5 ufunc calls and one product. The same
    products in the same order as the other loop, so the same numbers for :math:`dc`. The
    product :math:`W_h\, da_t` took 5.3 µs (median) against 5.9 µs for :math:`da_t` times a
    contiguous :math:`W_h^\top` in float32 (H = 128), which would also cost a copy.
    """
    T, H = f.shape
    dtype = da.dtype
    dot = np.ascontiguousarray(Wh, dtype=dtype).dot
    add, multiply = np.add, np.multiply
    dc_factor, factor_o, factor_ifg = factors
    # row t: [f_{t+1}, o_t (1 - tanh^2 c_t)], the factors of [dc_{t+1}, dh_t] in dc_t
    dc_factors = np.empty((T, 2 * H), dtype=dtype)
    dc_factors[:-1, :H] = f[1:]
    dc_factors[-1, :H] = 1.0
    dc_factors[:, H:] = dc_factor
    # row t: the factors of [dc, dc, dc, dh] in da_t, in da's order (i, f, g, o)
    gate_factors = np.empty((T, 4, H), dtype=dtype)
    gate_factors[:, :3] = factor_ifg
    gate_factors[:, 3] = factor_o
    # [dc, dc, dc, dh]: one multiply by a row of gate_factors gives da_t, and its last two
    # blocks are [dc, dh] for the multiply by a row of dc_factors
    gradients = np.empty(4 * H, dtype=dtype)
    dc_3, dc_dh, dh = gradients[: 3 * H].reshape(3, H), gradients[2 * H :], gradients[3 * H :]
    dc_3[...] = dc
    terms = np.empty(2 * H, dtype=dtype)
    term_c, term_h = terms[:H], terms[H:]
    steps = zip(dhs[::-1], dc_factors[::-1], gate_factors.reshape(T, 4 * H)[::-1], da[::-1],
                strict=True)
    for dh_t, dc_factors_t, gate_factors_t, da_t in steps:
        add(dh_t, dh_next, dh)
        multiply(dc_factors_t, dc_dh, terms)
        add(term_c, term_h, dc_3)  # dc three times
        multiply(gate_factors_t, gradients, da_t)
        dot(da_t, dh_next)  # da_t W_h^T
    multiply(dc_3[0], f[0], dc)
