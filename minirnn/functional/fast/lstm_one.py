r"""The LSTM's time loops at batch one: vectors and matrix-vector products.

With one sequence (:math:`N = 1`) a step of :mod:`minirnn.functional.fast.lstm` works on
vectors of 128 or so numbers, and what it costs is the fixed price of each NumPy call (about
0.4 to 0.6 µs with ``out=`` given positionally, twice that with a Python float as an operand
or with an output that broadcasts, about 0.07 µs to make a view) and the two matrix-vector
products with :math:`W_h` (3.4 to 7 µs each in float32 at H = 128).
These loops run the same arithmetic as that module's loops, on the same buffers seen as
vectors: step :math:`t`'s ``(5, 1, H)`` block is one contiguous row :math:`[o_t, i_t, f_t,
g_t, c_{t-1}]` of 5H numbers, and its gradient row :math:`da_t` (PyTorch's order i, f, g, o)
one row of 4H. What is different:

- the products are 1-D ``dot`` calls (a matrix-vector product, no (1, H) matrix), with
  :math:`W_h` in whichever layout ran faster here (below);
- the per-step views are made before the loop, by iterating over the arrays, not by
  indexing inside it (with a workspace, once for all calls: :func:`forward_views`), and the
  ufuncs are called with positional ``out`` and array operands;
- the backward pass's gate factors are formed before its loop (:func:`gate_factors`), in
  ``da`` itself, one contiguous row per step that one multiply in place turns into
  :math:`da_t`, and next to them one pair row per step for the cell-state gradient: 8 ufunc
  calls per forward step, 4 and one copy per backward step, besides the products.

Symbols as in :mod:`minirnn.functional.lstm`.
"""

from __future__ import annotations

import numpy as np

from minirnn._memory import aligned


def forward_views(hs: np.ndarray, rows: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    r"""The views :func:`forward_steps` works on, one tuple per step: :math:`h_t`, the gates
    :math:`a_t`, the sigmoid gates, :math:`o_t`, :math:`[i_t, f_t]`, :math:`[g_t, c_{t-1}]`
    and :math:`c_t` (arguments as there).

    Made once for buffers reused from call to call (see
    :meth:`minirnn.functional.fast.workspace.Workspace.step_views`): making them in the
    loop took 8% of its time (float32, T = 100, H = 128, session 10).
    """
    T, H = hs.shape[0] - 1, hs.shape[1]
    return list(zip(hs[1:], rows[:T, : 4 * H], rows[:T, : 3 * H], rows[:T, : H],
                    rows[:T, H : 3 * H], rows[:T, 3 * H :], rows[1:, 4 * H :], strict=True))


def forward_steps(hs: np.ndarray, rows: np.ndarray, Wh_scaled: np.ndarray,
                  steps: list[tuple[np.ndarray, ...]] | None = None) -> None:
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
        :math:`W_h` scaled and in the gate order of the blocks, C-contiguous (on a 64-byte
        boundary the product runs faster, see :func:`minirnn._memory.aligned`).
    steps : list, optional
        :func:`forward_views` of ``hs`` and ``rows``, if already made.

    Notes
    -----
    Per step: :math:`a_t \mathrel{+}= h_{t-1} W_h`, ``tanh``, :math:`\sigma = (1 + \tanh)/2`
    on the three sigmoid gates, :math:`[i_t g_t, f_t c_{t-1}]`, :math:`c_t`, :math:`\tanh
    c_t`, :math:`h_t = o_t \tanh c_t`: one product and 8 ufunc calls. The product is
    ``h.dot(W_h)``: 5.1 µs (median) against 7.1 µs for :math:`W_h^\top h` with a contiguous
    :math:`W_h^\top` in float32, 13.5 against 14.1 in float64 (H = 128); on session 10's
    machine 3.4 against 4.7 µs, and 4.1 to 4.2 through ``np.matmul``.
    """
    H, dtype = hs.shape[1], rows.dtype
    add, multiply, tanh = np.add, np.multiply, np.tanh
    one, half = np.array(1.0, dtype=dtype), np.array(0.5, dtype=dtype)
    product, products, tanh_c = np.empty(4 * H, dtype), np.empty(2 * H, dtype), np.empty(H, dtype)
    i_g, f_c = products[:H], products[H:]
    # h_{t-1} is the last step's h_t: one view fewer per step (1.5% of the loop)
    h_prev = hs[0]
    for h, a, sigmoid_gates, o, i_f, g_c, c in forward_views(hs, rows) if steps is None else steps:
        h_prev.dot(Wh_scaled, product)
        add(a, product, a)
        tanh(a, a)  # g is done; o, i, f hold tanh(a/2)
        add(sigmoid_gates, one, sigmoid_gates)
        multiply(sigmoid_gates, half, sigmoid_gates)
        multiply(i_f, g_c, products)  # [i g, f c_{t-1}]
        add(i_g, f_c, c)
        tanh(c, tanh_c)
        multiply(o, tanh_c, h)
        h_prev = h


def gate_factors(rows: np.ndarray, space: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The gate factors of every step at batch one, in whole-array passes before the loop.

    Returns two views of ``space``: ``da`` (T, 4H), row :math:`t` being :math:`[i_t (1 - i_t)
    g_t,\; f_t (1 - f_t) c_{t-1},\; (1 - g_t^2) i_t,\; o_t (1 - o_t) \tanh c_t]`, the factors
    of the gate gradients in ``da``'s order (i, f, g, o), which the loop multiplies in place
    into :math:`da_t`; and ``pairs`` (T, 2H), row :math:`t` being :math:`[f_{t+1},\; o_t (1 -
    \tanh^2 c_t)]` (:math:`f_T = 1`), the factors of :math:`\bar{dc}_{t+1}` and of
    :math:`\bar{dh}_t` in :math:`\bar{dc}_t`. The same arithmetic, operation for operation, as
    :func:`minirnn.functional.fast.lstm._gate_factors`.

    Parameters
    ----------
    rows : ndarray, (T + 1, 5H)
        The forward pass's blocks :math:`[o_t, i_t, f_t, g_t, c_{t-1}]`; row T holds
        :math:`c_T` only.
    space : ndarray, (T, 9H)
        C-contiguous, overwritten: ``da`` is its first :math:`4 T H` numbers (the backward
        pass's gradient buffer), the rest is scratch and then ``pairs``.

    Notes
    -----
    Every ufunc here runs on contiguous (T, H) blocks. On (T, H) column blocks of the
    (T + 1, 5H) rows a multiply took 17 us against 6 on contiguous blocks (float32, T = 100,
    H = 128), while a copy of such a block took 4.6 us. So the rows go gate-major into the
    first 5TH numbers of ``space`` (one copy), the factors are formed gate-major in the last
    4TH and the dc factors into the block of :math:`c_{t-1}`, then one copy puts the gate
    factors step-major into ``da`` (over the gate-major rows, read by then) and two copies
    of (T, H) blocks make ``pairs`` (over the gate-major factors).
    """
    T, H = rows.shape[0] - 1, rows.shape[1] // 5
    flat = space.reshape(9 * T * H)
    inputs = flat[: 5 * T * H].reshape(5, T, H)  # gate-major copy of the rows: o, i, f, g, c_{t-1}
    np.copyto(inputs, rows[:T].reshape(T, 5, H).transpose(1, 0, 2))
    out = flat[5 * T * H :].reshape(4, T, H)  # gate-major factors, da's order i, f, g, o
    _sigmoid_gate_factors(inputs, out)
    tanh_c = inputs[2]  # f is no longer needed: tanh c_t goes into its block
    np.tanh(inputs[4, 1:], tanh_c[:-1])  # c_1 .. c_{T-1}, copied as c_{t-1} of later steps
    np.tanh(rows[T, 4 * H :], tanh_c[-1])
    o, factor_o, dc_factors = inputs[0], out[3], inputs[4]
    factor_o *= tanh_c
    np.multiply(tanh_c, tanh_c, dc_factors)  # into c_{t-1}'s block, read above
    np.subtract(1.0, dc_factors, dc_factors)
    dc_factors *= o
    da = flat[: 4 * T * H].reshape(T, 4 * H)
    np.copyto(da.reshape(T, 4, H), out.transpose(1, 0, 2))  # over o, i, tanh c, g
    pairs = flat[5 * T * H : 7 * T * H].reshape(T, 2 * H)  # over factors already in da
    pairs[:, H:] = dc_factors
    pairs[:-1, :H] = rows[1:T, 2 * H : 3 * H]
    pairs[-1, :H] = 1.0
    return da, pairs


def _sigmoid_gate_factors(inputs: np.ndarray, out: np.ndarray) -> None:
    r"""The factors before :math:`\tanh c_t` is known, gate-major on contiguous blocks.

    From ``inputs`` (5, T, H), :math:`[o, i, f, g, c_{t-1}]`, writes into ``out`` (4, T, H)
    :math:`[i (1 - i) g,\; f (1 - f) c_{t-1},\; (1 - g^2) i,\; o (1 - o)]` (the last one
    still to be multiplied by :math:`\tanh c_t`).
    """
    o, i, i_f, g, g_c = inputs[0], inputs[1], inputs[1:3], inputs[3], inputs[3:]
    factor_if, factor_g, factor_o = out[:2], out[2], out[3]
    np.subtract(1.0, i_f, factor_if)
    factor_if *= i_f
    factor_if *= g_c
    np.multiply(g, g, factor_g)
    np.subtract(1.0, factor_g, factor_g)
    factor_g *= i
    np.subtract(1.0, o, factor_o)
    factor_o *= o


def backward_views(da: np.ndarray, pairs: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The views :func:`backward_steps` works on besides :math:`\\partial L / \\partial h_t`:
    ``(pairs[t], da[t])`` for t = T - 1 down to 0 (made once, as :func:`forward_views`)."""
    return list(zip(pairs[::-1], da[::-1], strict=True))


def backward_steps(dhs: np.ndarray, da: np.ndarray, pairs: np.ndarray, f_0: np.ndarray,
                   Wh: np.ndarray, dh_next: np.ndarray, dc: np.ndarray,
                   steps: list[tuple[np.ndarray, np.ndarray]] | None = None) -> None:
    r"""The backward time loop at batch one, with the gate factors formed beforehand.

    Turns the factor rows of ``da`` into the gradient rows :math:`da_t` in place and leaves
    the initial state's gradients in ``dh_next`` and ``dc`` (both (H,), on entry the final
    state's).

    Parameters
    ----------
    dhs : ndarray, (T, H)
        :math:`\partial L / \partial h_t`.
    da, pairs : ndarray, (T, 4H) and (T, 2H)
        What :func:`gate_factors` returns: the gate factors (overwritten with :math:`da_t`)
        and the factor pairs :math:`[f_{t+1}, o_t (1 - \tanh^2 c_t)]`.
    f_0 : ndarray, (H,)
        The first step's forget gate (for the gradient of :math:`c_0`).
    Wh, dh_next, dc
        :math:`W_h` (H, 4H) and the two state gradients.
    steps : list, optional
        :func:`backward_views` of ``da`` and ``pairs``, if already made.

    Notes
    -----
    Per step, the arithmetic of :func:`minirnn.functional.fast.lstm._steps_precomputed`:
    :math:`\bar{dh}_t = \partial L/\partial h_t + da_{t+1} W_h^\top`, :math:`\bar{dc}_t =
    \bar{dc}_{t+1} f_{t+1} + \bar{dh}_t \odot o_t (1 - \tanh^2 c_t)`, the two terms one
    multiply of :math:`[\bar{dc}_{t+1}, \bar{dh}_t]` by the pair row, then one addition;
    :math:`\bar{dc}_t` is copied twice more into the vector :math:`[\bar{dc}_t, \bar{dc}_t,
    \bar{dc}_t, \bar{dh}_t]`, so that one multiply of the factor row gives :math:`da_t` in its
    order (i, f, g, o); and the product :math:`W_h\, da_t`: 4 ufunc calls, one copy and one
    product. The copy is an assignment that broadcasts (0.17 us); an addition whose output
    broadcasts over three blocks took 1.24 us against 0.40 for one block, NumPy then setting
    up its general iterator (float32, H = 128). The product took 5.3 us (median) against 5.9
    us for :math:`da_t` times a contiguous :math:`W_h^\top` in float32 (H = 128); on session
    10's machine 4.1 against 3.5 us, but the contiguous :math:`W_h^\top` is a transposing
    copy of 95 us per call, more than the 50 us it would save over 100 steps.
    """
    T, H = dhs.shape
    dtype = da.dtype
    dot = aligned(Wh, dtype).dot
    add, multiply = np.add, np.multiply
    gradients = np.empty(4 * H, dtype=dtype)  # [dc, dc, dc, dh]
    dc_bar, copies, dh = gradients[:H], gradients[H : 3 * H].reshape(2, H), gradients[3 * H :]
    dc_dh = gradients[2 * H :]  # [dc_{t+1}, dh_t], times the pair row
    gradients[2 * H : 3 * H] = dc  # the last pair row's f is 1
    terms = np.empty(2 * H, dtype=dtype)
    dc_term, dh_term = terms[:H], terms[H:]
    steps = backward_views(da, pairs) if steps is None else steps
    for dh_t, (pair_t, da_t) in zip(dhs[::-1], steps, strict=True):
        add(dh_t, dh_next, dh)
        multiply(dc_dh, pair_t, terms)
        add(dc_term, dh_term, dc_bar)
        copies[...] = dc_bar
        multiply(da_t, gradients, da_t)
        dot(da_t, dh_next)  # da_t W_h^T
    multiply(dc_bar, f_0, dc)
