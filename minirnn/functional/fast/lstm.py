r"""The fast path of the LSTM: the tuned sequence pass the layers run.

Computes what the readable reference :func:`minirnn.functional.lstm.lstm_forward` /
:func:`~minirnn.functional.lstm.lstm_backward` computes (tests pin the two together on
outputs and every gradient). What makes it faster: the input projection of all steps in one
product, one ``(5, N, H)`` block per step that holds the four gates next to the cell
state (each gate's (N, H) block contiguous, one NumPy call covering several gates),
``out=`` buffers instead of temporaries, and the sigmoid in its tanh form
:math:`\sigma(a) = (1 + \tanh(a/2))/2` with the halving folded into the weights, so that
one ``tanh`` covers all four gates. It is the same function as
:func:`minirnn.functional.activations.sigmoid`, written differently.

Symbols as in :mod:`minirnn.functional.lstm`.
"""

from __future__ import annotations

import numpy as np

from minirnn._blas_threads import blas_threads
from minirnn._checks import check_cache, check_instance, check_sequence_arrays, check_upstream
from minirnn._memory import aligned, aligned_blocks, aligned_empty
from minirnn.functional.fast.lstm_one import (
    backward_steps,
    backward_views,
    forward_steps,
    forward_views,
    gate_factors,
)
from minirnn.functional.fast.workspace import Workspace, empty

#: the gate order inside the forward pass: block k holds PyTorch's gate ``ORDER[k]`` (i, f,
#: g, o = 0, 1, 2, 3), so o, i, f, g. The three sigmoid gates are then side by side (one call
#: finishes all three), and so are [i, f] and [g, c_{t-1}] (one call forms i g and f c_{t-1})
ORDER = (3, 0, 1, 2)
#: the first SIGMOID_BLOCKS gate blocks in that order are the sigmoid gates, whose weights
#: are halved (see the module docstring); g's, the last, are not
SIGMOID_BLOCKS = 3

#: the backward pass computes the gate factors of all steps before its time loop when the
#: gates take at most this many bytes (measured in benchmarks/layers.py: faster for small
#: batches, where a NumPy call's overhead is the cost, and slower for large ones, where the
#: whole-array passes leave the processor cache). Set on a machine with a 1 MB L2 cache per
#: core; on one with 2 MB (session 9) precomputing still took 1.01 to 1.07x the time at gates
#: of 5 MB and more and was noise between 1 and 4 MB, so the bound stayed
PRECOMPUTE_BYTES = 2**20

#: float32 passes write the per-step products transposed (see _transposed_products) when
#: W_h takes at least this many bytes and the batch has TRANSPOSED_MIN_BATCH to
#: TRANSPOSED_MAX_BATCH rows. Set on a machine with a 1 MB L2 cache per core, where they took
#: 0.80 to 0.91x the time of four gate products; with 2 MB (session 9, one BLAS thread)
#: 0.92x at 32x200x256x512, 1.00x at N=32, T=50 and 1.02 to 1.04x at N=20, H=643 to 650:
#: no clear case for moving the bounds (nor measured with two BLAS threads, where the pass
#: uses these products in place of column blocks)
TRANSPOSED_MIN_WH_BYTES = 2**21
TRANSPOSED_MIN_BATCH = 8
TRANSPOSED_MAX_BATCH = 48

#: float32 passes with W_h of at least BLOCK_MIN_WH_BYTES and TRANSPOSED_MIN_BATCH rows or
#: more run the per-step products in column blocks of W_h (see _block_width) when a block's
#: product (N, H) @ (H, w) has M N K = N H w of at most SMALL_GEMM_MAX_MNK: OpenBLAS then
#: takes its small-matrix kernel, which reads W_h as it is instead of packing a copy of it
#: on every call (the bound is that kernel's, for this OpenBLAS on AVX-512). With a 2 MB L2
#: cache (session 9) the blocks still beat the other products at the issue's three float32
#: shapes with W_h of 1 MB or more; below 1 MB they won at some shapes and lost at others
#: (0.96 to 1.23x), so BLOCK_MIN_WH_BYTES stayed
SMALL_GEMM_MAX_MNK = 10**6
BLOCK_MIN_WH_BYTES = 2**20
#: narrower blocks than this ran no faster than the transposed products (measured)
BLOCK_MIN_WIDTH = 16
#: float64 passes use the column blocks too (session 10, 2 MB L2 cache) from
#: BLOCK_MIN_BATCH_FLOAT64 rows and W_h of BLOCK_MIN_WH_BYTES_FLOAT64: in one process, the
#: variants taking turns, the forward pass took 0.91 to 0.93 of the four gate products' time
#: at N = 32 to 128 (W_h of 320 KB to 8 MB) and the backward 0.85 and 0.97; at N = 20 no
#: faster (1.02)
BLOCK_MIN_BATCH_FLOAT64 = 32
BLOCK_MIN_WH_BYTES_FLOAT64 = 2**18
#: the forward pass's blocks are as wide as the first of these (a multiple of the 16 float32
#: or 8 float64 numbers of an AVX-512 register) that keeps N H w within SMALL_GEMM_MAX_MNK,
#: whether or not it divides H (see _blocked_product), and float64 takes them from
#: FORWARD_MIN_BATCH_FLOAT64 rows. At 20x35x650x650 the forward pass with blocks of 64 took
#: 0.942 and 0.980 (two runs) of its time with blocks of 65 in float32, and with blocks of 32
#: 0.912 and 0.985 of its time with the four gate products in float64 (16 gave 0.939, 64
#: 0.946); at 32x200x256x512 and 64x50x128x256, where 64 breaks the N H w bound, blocks of 48
#: or 64 took 1.12 to 1.29 of the time with 32 (float32, session 10)
FORWARD_BLOCK_WIDTHS = {np.dtype(np.float32): (64, 32, 16), np.dtype(np.float64): (32, 16)}
FORWARD_MIN_BATCH_FLOAT64 = 20

#: the input projection runs as one product per step and gate, straight into the gate blocks
#: (see _project_inputs), when the batch has at least this many rows and one gate's block of
#: [W_x; b] takes at most PER_STEP_MAX_WX_BYTES (checked again with a 2 MB L2 cache in
#: session 9: the tall product 1.04x at 128x25x65x100; per step 1.03x at 64x50x512x256,
#: whose 525 KB gate block is just over the bound)
PER_STEP_MIN_BATCH = 64
PER_STEP_MAX_WX_BYTES = 2**19

#: at batch one (and without ``transposed``) both passes run the vector loops of
#: :mod:`minirnn.functional.fast.lstm_one` (False: the loops of this module, for tests)
VECTOR_LOOPS_AT_BATCH_ONE = True


def _scaled_gates(W: np.ndarray, dtype: np.dtype, gate_first: bool = False,
                  out: np.ndarray | None = None) -> np.ndarray:
    """``W`` (..., 4H) with its gate blocks in this module's order, sigmoid blocks halved.

    A new ``dtype`` array (or ``out``), (..., 4H), or (4, ..., H) gate first with
    ``gate_first`` (then ``h @ out`` gives the four gates' (N, H) blocks). Halving is exact in
    floating point; the forward pass's matrix products then give :math:`a/2` for the tanh
    form of the sigmoid.

    Each block is copied where it goes (cast to ``dtype`` as ``astype`` casts), then the
    sigmoid blocks are halved in place in one pass: over the whole of ``out`` when its
    blocks are columns of (..., 4H) rows, g's block then copied again. A multiply into one
    gate's column block of (H, 4H) rows took about as long as one over all of ``W`` (16
    against 14 us in float32 at H = 128), a copy of the block a third of that. No temporary
    of the size of ``W``: with one (a halved copy, then the blocks copied from it) the three
    calls of a batch-one forward pass took 147 against 133 us in float32 and 245 against
    200 us in float64 (docs/fast_path.md, Session 9). In (..., 4H) rows the blocks i, f, g
    keep their order, so they are one copy: 21.8 against 29.3 us with four copies (float32,
    H = 128, session 10).
    """
    H = W.shape[-1] // 4
    if out is None:  # on cache lines, as the passes' other arrays (Session 12)
        out = aligned_blocks(4, (*W.shape[:-1], H), dtype) if gate_first else aligned_empty(
            W.shape, dtype)
    if gate_first:
        for block, gate in zip(out, ORDER, strict=True):
            np.copyto(block, W[..., gate * H : (gate + 1) * H])
        np.multiply(out[:SIGMOID_BLOCKS], 0.5, out=out[:SIGMOID_BLOCKS])
        return out
    # ORDER turns the blocks round by one: two copies (i, f, g side by side), not four
    np.copyto(out[..., :H], W[..., 3 * H :])
    np.copyto(out[..., H:], W[..., : 3 * H])
    np.multiply(out, 0.5, out=out)
    np.copyto(out[..., 3 * H :], W[..., 2 * H : 3 * H])  # g was halved with the rest
    return out


def lstm_forward(
    x: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    workspace: Workspace | None = None,
    transposed: bool | None = None,
    block_width: int | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple]:
    r"""Run the LSTM over a whole sequence (the tuned pass the layers run).

    The input projection :math:`x_t W_x + b` is one matrix product for all steps; only
    :math:`h_{t-1} W_h` and element-wise work on preallocated buffers stay inside the loop,
    9 NumPy calls per step.

    Arguments and results are those of :func:`minirnn.functional.lstm.lstm_forward`, except
    ``workspace`` (a :class:`~minirnn.functional.fast.workspace.Workspace` whose buffers
    the pass may reuse; the layer's core owns one), ``transposed`` (how the per-step
    products with :math:`W_h` are written, in this pass and its backward pass; None chooses
    by dtype and size, see Notes), ``block_width`` (0, or the width of the column blocks in
    which the per-step products run instead; None chooses, see Notes) and the cache, which
    only this module's backward pass reads. The returned ``hs`` and final cell state may be
    views of the cache: modify them in place only after the backward pass.

    Notes
    -----
    Step :math:`t` is :func:`~minirnn.functional.lstm.lstm_step_forward` with :math:`h_{prev} =
    h_{t-1}`, :math:`c_{prev} = c_{t-1}`. The result has the dtype of the inputs (float32
    stays float32). The sigmoid is computed as :math:`\sigma(a) = (1 + \tanh(a/2))/2`, which
    is stable for any :math:`a` and lets one ``tanh`` cover all four gates.

    Layout: ``blocks[t]`` is step :math:`t`'s ``(5, N, H)`` block
    :math:`[o_t, i_t, f_t, g_t, c_{t-1}]` (pre-activations first, then gates), so that
    :math:`[i_t, f_t] \odot [g_t, c_{t-1}] = [i_t g_t, f_t c_{t-1}]` is one call and one
    ``tanh`` plus two calls finish the three sigmoid gates.

    With ``transposed`` the recurrent product is computed as
    :math:`(h_{t-1} W_h)^\top = W_h^\top h_{t-1}^\top`, a (4H, N) array added to the gate
    blocks through its transposed view: the same numbers up to rounding. By default it is
    used in float32 when :math:`W_h` takes at least ``TRANSPOSED_MIN_WH_BYTES`` (2 MB, more
    than the processor's 1 MB L2 cache where it was measured) and the batch has
    ``TRANSPOSED_MIN_BATCH`` to ``TRANSPOSED_MAX_BATCH`` rows: there it made the whole pass
    8 to 20% faster; in float64, with a smaller :math:`W_h` or with 128 rows, it was slower
    (docs/fast_path.md). On a machine with a 2 MB L2 cache the whole pass with it took
    0.92 to 1.04x the time of the four gate products in float32 with one BLAS thread (session 9).

    With ``block_width`` :math:`w > 0` (a divisor of H) the products run as :math:`4 H / w`
    products with column blocks of width :math:`w`, forward :math:`h_{t-1} W_h^{g, j}`
    (N, w) straight into the gate blocks, backward :math:`\sum_g da^g_t (W_h^{g, j})^\top`
    for gate :math:`g` and block :math:`j` (see :func:`_blocked_product`). By default they
    are used in float32 with :math:`W_h` of 1 MB or more and in float64 with 256 KB or more
    where a width of at least ``BLOCK_MIN_WIDTH`` keeps :math:`N H w` within
    ``SMALL_GEMM_MAX_MNK`` (:func:`_block_width`), in place of the transposed products; the
    forward pass then chooses its own width, 64, 32 or 16, which need not divide H
    (:func:`_forward_block_width`; in float64 from 20 rows, the backward pass from 32).
    """
    check_sequence_arrays(x, [("h0", h0), ("c0", c0)], Wx, Wh, b, gates=4)
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, c0, Wx, Wh, b)
    forward_width = block_width  # the widths asked for: both passes; chosen: each its own
    if block_width is None:
        block_width = _block_width(dtype, N, H) if transposed is None else 0
        forward_width = _forward_block_width(dtype, N, H) if transposed is None else 0
    if transposed is None:
        transposed = _transposed_products(dtype, N, H)
    check_instance(transposed, bool, "transposed")
    _check_block_width(block_width, H)
    # Time-major inside, and the inputs next to the states: row n of xh[t] is
    # [x_t, 1, h_{t-1}] of sequence n (slot T holds h_T), so that the backward pass forms
    # dW_x, db and dW_h in one matrix product (0.79x to 0.98x the time of separate ones,
    # measured); the column of ones puts the bias into the input projection. Each step reads
    # h_{t-1} from slot t and writes h_t into slot t + 1. The copy of x is small (D columns)
    # next to the projections (4H columns).
    xh = empty(workspace, "xh", (T + 1, N, D + 1 + H), dtype)
    x_ones, hs = xh[:T, :, : D + 1], xh[:, :, D + 1 :]
    np.copyto(x_ones[..., :D], x.transpose(1, 0, 2))
    x_ones[..., D] = 1.0
    # blocks[t] is step t's (5, N, H) block: gates o, i, f, g (pre-activations, then gates)
    # and c_{t-1}; slot T holds only c_T. Each gate's (N, H) block is contiguous (NumPy's
    # element-wise work runs about twice as fast on it as on columns cut out of (N, 4H)
    # rows), and so are [o, i, f], [i, f] and [g, c_{t-1}].
    blocks = empty(workspace, "gates", (T + 1, 5, N, H), dtype)
    if N == 1 and not (transposed or block_width or forward_width) and VECTOR_LOOPS_AT_BATCH_ONE:
        rows = blocks.reshape(T + 1, 5 * H)
        steps = _kept_views(workspace, ("xh", "gates"), (T, D, H), forward_views, hs[:, 0], rows)
        _forward_one(x_ones[:, 0], hs[:, 0], rows, h0, c0, Wx, Wh, b, steps)
        cache = (xh, Wx, Wh, blocks, transposed, block_width)
        return hs[1:].transpose(1, 0, 2), blocks[T, 4], cache
    # inputs[t] is x_t W_x + b as four (N, H) gate blocks: the gate blocks themselves, or a
    # view of one tall product that the step's first addition reads (no copy pass)
    inputs = _project_inputs(x_ones, Wx, b, blocks, workspace)
    blocks[0, 4] = c0
    if forward_width:
        recurrent = _blocked_product(Wh, dtype, N, forward_width)
    else:
        recurrent = _recurrent_product(Wh, dtype, N, transposed)
    hs[0] = h0
    # scratch blocks on cache lines, like the workspace's (NumPy's large arrays start 16
    # bytes past one, and three-array calls ran about half as fast on them; Session 12)
    products, tanh_c = aligned_blocks(2, (N, H), dtype), aligned_empty((N, H), dtype)
    # Views over all steps, so that the loop takes each step's with one index.
    acts, sigmoid_gates, o = blocks[:T, :4], blocks[:T, :3], blocks[:T, 0]
    i_f, g_c, c_next = blocks[:T, 1:3], blocks[:T, 3:], blocks[1:, 4]
    for t in range(T):
        a = acts[t]
        np.add(inputs[t], recurrent(hs[t]), out=a)
        np.tanh(a, out=a)  # g is done; o, i, f hold tanh(a/2)
        s = sigmoid_gates[t]
        s += 1.0
        s *= 0.5
        np.multiply(i_f[t], g_c[t], out=products)  # [i g, f c_{t-1}]
        c = c_next[t]
        np.add(products[0], products[1], out=c)
        # tanh(c) is not kept: recomputing it in the backward pass is cheaper than writing
        # (and first touching) another (T, N, H) array.
        np.tanh(c, out=tanh_c)
        np.multiply(o[t], tanh_c, out=hs[t + 1])
    cache = (xh, Wx, Wh, blocks, transposed, block_width)
    return hs[1:].transpose(1, 0, 2), blocks[T, 4], cache


def _project_inputs(x_ones, Wx, b, blocks, workspace) -> np.ndarray:
    r""":math:`[x_t, 1] [W_x; b] = x_t W_x + b` of every step as (T, 4, N, H) gate blocks.

    ``x_ones`` (T, N, D + 1) is x time-major with a column of ones; the weights are scaled
    and ordered as in :func:`_scaled_gates`. Large batches with a small :math:`W_x` take one
    product per step and gate, (N, D + 1) @ (D + 1, H), each writing a contiguous gate block
    of ``blocks[:T, :4]``, which is returned (0.39x and 0.61x the time of the other way at
    128x25x65x100 and 64x50x128x256 in float32, 0.43x and 0.81x in float64). Otherwise it is
    one tall product into the backward pass's gradient buffer (free until then), returned as
    a gate-major view of its (N, 4H) rows: with N <= 32, or a gate's block of :math:`W_x`
    beyond the processor cache, the small products took 1.1x to 2.8x its time (measured).
    The forward step reads the view in the addition it makes anyway, instead of a pass that
    copies the product into the gate blocks (a write and a read of T N 4H numbers).
    """
    T, N, D1 = x_ones.shape
    H, dtype = blocks.shape[-1], blocks.dtype
    per_step = N >= PER_STEP_MIN_BATCH and D1 * H * dtype.itemsize <= PER_STEP_MAX_WX_BYTES
    weights = aligned_blocks(4, (D1, H), dtype) if per_step else aligned_empty((D1, 4 * H), dtype)
    _scaled_gates(Wx, dtype, per_step, out=weights[:, :-1] if per_step else weights[:-1])
    _scaled_gates(b, dtype, per_step, out=weights[:, -1] if per_step else weights[-1])
    if per_step:
        return np.matmul(x_ones[:, None], weights, out=blocks[:T, :4])
    projected = empty(workspace, "da", (T * N, 4 * H), dtype)
    np.matmul(x_ones.reshape(T * N, D1), weights, out=projected)
    return projected.reshape(T, N, 4, H).transpose(0, 2, 1, 3)


def _transposed_products(dtype: np.dtype | type, N: int, H: int) -> bool:
    r"""Whether the per-step products with :math:`W_h` run faster written transposed.

    True in float32 when :math:`W_h` takes at least ``TRANSPOSED_MIN_WH_BYTES`` and the
    batch has ``TRANSPOSED_MIN_BATCH`` to ``TRANSPOSED_MAX_BATCH`` rows. Why: OpenBLAS
    reads and packs a :math:`W_h` that does not fit the processor cache again on every step,
    and the product
    written as :math:`W_h^\top h_{t-1}^\top` (forward) and :math:`W_h\, da_t^\top`
    (backward) ran 1.3x to 1.6x faster in float32 at N = 20 to 32, H = 512 to 650; in
    float64 it was slower, at batch one no faster, and with 128 rows the transposed read
    that adds the product to the gate blocks cost more than the product saved
    (docs/fast_path.md). These figures are from a machine with a 1 MB L2 cache; with 2 MB
    the transposed pass took 0.92 to 1.04x the time of the four gate products (session 9).
    """
    big = 4 * H * H * np.dtype(dtype).itemsize >= TRANSPOSED_MIN_WH_BYTES
    batch = TRANSPOSED_MIN_BATCH <= N <= TRANSPOSED_MAX_BATCH
    return bool(np.dtype(dtype) == np.float32 and big and batch)


def _block_width(dtype: np.dtype | type, N: int, H: int) -> int:
    r"""0, or the width of the column blocks of :math:`W_h` for the per-step products.

    In float32, with :math:`W_h` of at least ``BLOCK_MIN_WH_BYTES`` and at least
    ``TRANSPOSED_MIN_BATCH`` rows, and in float64 with ``BLOCK_MIN_WH_BYTES_FLOAT64`` and
    ``BLOCK_MIN_BATCH_FLOAT64`` (50 at N=128, H=100; 32 at N=32, H=512 and N=64, H=256):
    the widest divisor :math:`w \ge` ``BLOCK_MIN_WIDTH`` of H
    with :math:`N H w \le` ``SMALL_GEMM_MAX_MNK``, so that each block's product takes
    OpenBLAS's small-matrix kernel, which does not pack :math:`W_h` (65 at N=20, H=650; 32 at
    N=32, H=512 and at N=64, H=256). Alone, the forward product plus its addition took 0.67
    to 0.75 of the transposed product's time at the first two, the backward product 0.81 to
    0.94; the whole pass 0.92, 0.96 and 0.96 (docs/fast_path.md). In float64 they were no
    faster on a machine with a 1 MB L2 cache, and 0.85 to 0.97 of the time with 2 MB.
    With more than one BLAS thread (:func:`minirnn._blas_threads.blas_threads`), never: that
    kernel runs on one thread, and with two the blocked pass took 1.15 to 1.28x torch's time
    where the threaded products had taken 0.95 or less.
    """
    if not _blocks_pay(dtype, N, H, BLOCK_MIN_BATCH_FLOAT64):
        return 0
    widest = min(H, SMALL_GEMM_MAX_MNK // (N * H))
    return max((w for w in range(BLOCK_MIN_WIDTH, widest + 1) if H % w == 0), default=0)


def _forward_block_width(dtype: np.dtype | type, N: int, H: int) -> int:
    r"""0, or the width of the forward pass's column blocks of :math:`W_h`: the first of
    ``FORWARD_BLOCK_WIDTHS`` with :math:`N H w \le` ``SMALL_GEMM_MAX_MNK`` where
    :func:`_block_width`'s bounds allow blocks (in float64 from ``FORWARD_MIN_BATCH_FLOAT64``
    rows). 64 at N=20, H=650 in float32, 32 at N=32, H=512 and N=64, H=256; 32 in float64.
    """
    if not _blocks_pay(dtype, N, H, FORWARD_MIN_BATCH_FLOAT64):
        return 0
    widths = FORWARD_BLOCK_WIDTHS[np.dtype(dtype)]
    return next((w for w in widths if N * H * w <= SMALL_GEMM_MAX_MNK), 0)


def _blocks_pay(dtype: np.dtype | type, N: int, H: int, min_batch_float64: int) -> bool:
    """Whether column blocks of W_h may pay: float32 with W_h of ``BLOCK_MIN_WH_BYTES`` and
    ``TRANSPOSED_MIN_BATCH`` rows, or float64 with ``BLOCK_MIN_WH_BYTES_FLOAT64`` and
    ``min_batch_float64`` rows; one BLAS thread (the small-matrix kernel runs on one)."""
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        min_bytes, min_batch = BLOCK_MIN_WH_BYTES, TRANSPOSED_MIN_BATCH
    elif dtype == np.float64:
        min_bytes, min_batch = BLOCK_MIN_WH_BYTES_FLOAT64, min_batch_float64
    else:
        return False
    big = 4 * H * H * dtype.itemsize >= min_bytes
    return big and N >= min_batch and blas_threads() == 1


def _check_block_width(block_width: object, H: int) -> None:
    """Raise unless ``block_width`` is 0 or a positive divisor of the hidden size H."""
    check_instance(block_width, int, "block_width")
    if block_width < 0 or (block_width and H % block_width):
        raise ValueError(f"block_width must be 0 or a positive divisor of the hidden size "
                         f"{H}, got {block_width}")


def _column_blocks(gates: np.ndarray, width: int, dtype: np.dtype) -> np.ndarray:
    """Four (H, H) gate blocks of weights (any strides) as a new ``dtype`` array (4, H /
    width, H, width): each gate's column blocks of ``width``, each block contiguous."""
    H = gates.shape[-1]
    blocks = gates.reshape(4, H, H // width, width).transpose(0, 2, 1, 3)
    return np.ascontiguousarray(blocks, dtype=dtype)


def _blocked_product(Wh: np.ndarray, dtype: np.dtype, N: int, width: int):
    r"""A function from :math:`h_{t-1}` (N, H) to :math:`h_{t-1} W_h` as four (N, H) gate
    blocks (scaled and ordered as in :func:`_scaled_gates`), computed in column blocks.

    The 4H columns of the four gates are cut into blocks of ``width`` (the last one padded
    with zero columns), and block :math:`j` is :math:`h_{t-1} W_h^{j}`, (N, H) @ (H, w): one
    NumPy call for all of them. Each is small enough for OpenBLAS's small-matrix kernel,
    which reads the contiguous weight block as it is instead of packing a copy of
    :math:`W_h` on every call. When ``width`` divides H the blocks are written straight into
    the gates' (N, H) blocks; otherwise into (N, 4H) rows, whose gate-major view is returned
    (the step's addition reads it; blocks of 64 that way took 0.942 of the time of blocks of
    65 into the gate blocks at 20x35x650x650 in float32, blocks of 32 that way 1.02 of blocks
    of 32 into the gate blocks at 32x200x256x512, session 10).

    :math:`h_{t-1}` goes in as the transposed view of a contiguous copy of
    :math:`h_{t-1}^\top` (H, N): OpenBLAS then takes its kernel for a transposed left
    operand. In the forward pass, taking turns with products from :math:`h_{t-1}` as it is,
    that took 0.97 of the time at 32x200x256x512 in float32 (1.00 at 64x50x128x256 and
    20x35x650x650) and 0.965 at 64x50x128x256 in float64 (session 10).
    """
    H = Wh.shape[0]
    count = -(-4 * H // width)  # column blocks over the four gates
    padded = np.zeros((H, count * width), dtype=dtype)
    _scaled_gates(Wh, dtype, out=padded[:, : 4 * H])
    weights = np.ascontiguousarray(padded.reshape(H, count, width).transpose(1, 0, 2))
    del padded
    if H % width == 0:  # no block straddles two gates
        out = aligned_blocks(4, (N, H), dtype)
        out_blocks = out.reshape(4, N, H // width, width).transpose(0, 2, 1, 3)
        weights = weights.reshape(4, H // width, H, width)
    else:
        rows = aligned_empty((N, count * width), dtype)
        out_blocks = rows.reshape(N, count, width).transpose(1, 0, 2)
        out = rows[:, : 4 * H].reshape(N, 4, H).transpose(1, 0, 2)
    h_columns = np.empty((H, N), dtype=dtype)

    def product(h: np.ndarray) -> np.ndarray:
        np.copyto(h_columns, h.T)
        np.matmul(h_columns.T, weights, out=out_blocks)
        return out

    return product


def _blocked_gradient_product(Wh: np.ndarray, da: np.ndarray, width: int,
                              dh_last: np.ndarray):
    r"""A function from a step ``t`` to :math:`da_t W_h^\top` (N, H), in column blocks: the
    backward pass of :func:`_blocked_product`.

    :math:`da_t W_h^\top = \sum_g da^g_t (W_h^g)^\top` over the gates :math:`g`, with
    :math:`(W_h^g)^\top` (H, H) in column blocks of ``width``: :math:`4 H / w` small
    products (N, H) @ (H, w) into four (N, H) blocks (one NumPy call), then their sum, into
    ``dh_last`` as :func:`_gradient_product` does.
    """
    T, N, H = da.shape[0], da.shape[1], Wh.shape[0]
    # gate g's block of W_h^T is (W_h[:, g H : (g + 1) H])^T, a view; da is in PyTorch's
    # order too. One copy: the blocked weights (two copies at once raised the peak)
    weights = _column_blocks(Wh.reshape(H, 4, H).transpose(1, 2, 0), width, da.dtype)
    out = aligned_blocks(4, (N, H), da.dtype)
    out_blocks = out.reshape(4, N, H // width, width).transpose(0, 2, 1, 3)
    da_gates = da.reshape(T, N, 4, 1, H).transpose(0, 2, 3, 1, 4)  # (T, 4, 1, N, H)

    def product(t: int) -> np.ndarray:
        np.matmul(da_gates[t], weights, out=out_blocks)
        return np.add.reduce(out, axis=0, out=dh_last)

    return product


def _recurrent_product(Wh: np.ndarray, dtype: np.dtype, N: int, transposed: bool | None):
    r"""A function from :math:`h_{t-1}` (N, H) to :math:`h_{t-1} W_h` as four (N, H) gate
    blocks, (4, N, H), with the gates scaled and ordered as in :func:`_scaled_gates`.

    Written as four (H, H) products into the blocks, or (``transposed``) as one product
    :math:`W_h^\top h_{t-1}^\top` (4H, N) whose transposed view is returned: BLAS reads
    ``h.T`` as it is, and the view costs one transposed read in the addition that uses it.
    """
    H = Wh.shape[0]
    if transposed:
        # a contiguous W_h^T: BLAS ran 50 GFLOP/s on it, 28 on a transposed view (N=20, H=650)
        WhT = aligned(_scaled_gates(Wh, dtype).T, dtype)
        out = np.empty((4 * H, N), dtype=dtype)
        # h_{t-1} is a strided view (rows of the forward pass's [x_t, h_{t-1}] array): the
        # product ran 3 to 4% faster on a contiguous copy, which costs about 5 us
        h_copy = np.empty((N, H), dtype=dtype)

        def product(h: np.ndarray) -> np.ndarray:
            np.copyto(h_copy, h)
            return np.matmul(WhT, h_copy.T, out=out).reshape(4, H, N).transpose(0, 2, 1)

        return product
    Wh_gates = _scaled_gates(Wh, dtype, gate_first=True)
    out = aligned_blocks(4, (N, H), dtype)
    return lambda h: np.matmul(h, Wh_gates, out=out)


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
    forward pass reads. The per-step products are written as the forward pass wrote them.

    Notes
    -----
    With :math:`\bar{dh}_t = \partial L/\partial h_t + da_{t+1} W_h^\top` and
    :math:`\bar{dc}_t = dc_{t+1 \to t} + \bar{dh}_t \odot o_t \odot (1 - \tanh^2 c_t)`,
    each step is :func:`~minirnn.functional.lstm.lstm_step_backward`; :math:`dc_{t \to t-1} =
    \bar{dc}_t \odot f_t`.
    Every gate gradient is an incoming gradient times a factor known from the forward pass:

    .. math::

        da^o_t = \bar{dh}_t \odot o_t(1-o_t) \tanh c_t, \qquad
        da^{i,f,g}_t = \bar{dc}_t \odot [i_t(1-i_t) g_t,\; f_t(1-f_t) c_{t-1},\;
        (1-g_t^2) i_t]

    ``da`` is in PyTorch's order (i, f, g, o), where the three gates multiplied by
    :math:`\bar{dc}_t` are side by side. The weight gradients are single products after
    the loop: :math:`[dW_x; db; dW_h] = \sum_t [x_t, 1, h_{t-1}]^\top da_t` (one product).
    """
    # the cache: [x_t, 1, h_{t-1}] (T+1, N, D+1+H), Wx, Wh, blocks (T+1, 5, N, H),
    # transposed, block_width
    check_cache(cache, "minirnn.functional.fast.lstm.lstm_forward", (3, 2, 2, 4, bool, None))
    xh, Wx, Wh, blocks, transposed, block_width = cache
    T, N, D, H = blocks.shape[0] - 1, xh.shape[1], Wx.shape[0], Wh.shape[0]
    dhs = check_upstream(dhs, (N, T, H), dh_last=dh_last, dc_last=dc_last)
    dtype = xh.dtype
    dc, dh = aligned_blocks(2, (N, H), dtype)  # updated in every step: on cache lines
    dc[...] = 0 if dc_last is None else dc_last
    dh[...] = 0 if dh_last is None else dh_last
    if N == 1 and not (transposed or block_width) and VECTOR_LOOPS_AT_BATCH_ONE:
        rows = blocks.reshape(T + 1, 5 * H)
        # da and, after it, the scratch of the gate factors: 9TH numbers, as the other
        # loops' da (4TH) and factors (5TH)
        da, pairs = gate_factors(rows, empty(workspace, "da", (T, 9 * H), dtype))
        steps = _kept_views(workspace, ("da",), (T, H), backward_views, da, pairs)
        backward_steps(dhs[0], da, pairs, rows[0, 2 * H : 3 * H], Wh, dh[0], dc[0], steps)
        da, dh_next = da.reshape(T, N, 4 * H), dh
    else:
        da = empty(workspace, "da", (T, N, 4 * H), dtype)
        if block_width:
            product = _blocked_gradient_product(Wh, da, block_width, dh)
        else:
            product = _gradient_product(Wh, da, transposed, dh)
        loop = _steps_precomputed if da.nbytes <= PRECOMPUTE_BYTES else _steps_fused
        dh_next = loop(dhs.transpose(1, 0, 2), blocks, product, da, dh, dc, workspace)
        del product  # the blocked weights (a copy of W_h) go before dx and dW come: same peak

    da_flat = da.reshape(T * N, 4 * H)
    dx = _input_gradient(da_flat, Wx).reshape(T, N, -1).transpose(1, 0, 2)
    dW = xh[:T].reshape(T * N, D + 1 + H).T @ da_flat  # [dW_x; db; dW_h]
    dWx, db, dWh = dW[:D], dW[D], dW[D + 1 :]
    return dx, np.ascontiguousarray(dh_next), dc, dWx, dWh, db


def _input_gradient(da_flat: np.ndarray, Wx: np.ndarray) -> np.ndarray:
    r""":math:`dx = da\, W_x^\top` of every step, (T N, D) rows, from ``da_flat`` (T N, 4H).

    In float64 it is computed as :math:`(W_x\, da^\top)^\top` and returned as that
    transposed view: OpenBLAS's dgemm ran 15 to 36% faster that way round at
    64x50x128x256, 64x50x512x256 and 32x200x256x512 (2% at 20x35x650x650), and the
    backward pass took 0.95 of its time (session 10, the ways taking turns in one process;
    a contiguous copy of the view gave back half of that). In float32 it was slower.
    """
    if da_flat.dtype == np.float64:
        return (Wx @ da_flat.T).T
    return da_flat @ Wx.T


def _gradient_product(Wh: np.ndarray, da: np.ndarray, transposed: bool, dh_last: np.ndarray):
    r"""A function from a step ``t`` to :math:`da_t W_h^\top` (N, H), the gradient that step
    sends to :math:`h_{t-1}`: one product into ``dh_last`` (read by the last step before the
    first product; no extra buffer), or (``transposed``) :math:`W_h\, da_t^\top` (H, N)
    seen through its transposed view. The result is overwritten at the next call."""
    N, H = da.shape[1], Wh.shape[0]
    if transposed:
        Wh = np.ascontiguousarray(Wh, dtype=da.dtype)
        out = np.empty((H, N), dtype=da.dtype)
        return lambda t: np.matmul(Wh, da[t].T, out=out).T
    WhT = np.ascontiguousarray(Wh.T, dtype=da.dtype)  # BLAS runs faster on it than on a view
    return lambda t: np.matmul(da[t], WhT, out=dh_last)


def _step_views(blocks: np.ndarray, da: np.ndarray) -> tuple[np.ndarray, ...]:
    """Views over all steps: gates (o, i, f, g), o, f, [g, c_{t-1}], i, g, c_t; and ``da``
    (T, N, 4H) seen gate-major, (T, 4, N, H) in PyTorch's order (i, f, g, o)."""
    T = blocks.shape[0] - 1
    gates = blocks[:T, :4]
    da_gates = da.reshape(T, da.shape[1], 4, -1).transpose(0, 2, 1, 3)
    return (gates, gates[:, 0], gates[:, 2], blocks[:T, 3:], gates[:, 1], gates[:, 3],
            blocks[1:, 4], da_gates)


def _steps_fused(dhs_tm, blocks, product, da, dh_next, dc, workspace) -> np.ndarray:
    """The backward time loop, each step's gate factors formed inside it.

    Fills ``da``, updates ``dc`` in place to the initial cell state's gradient and returns
    the initial hidden state's. Every block a step touches stays in the processor cache,
    which makes this the fast loop for large batches.
    """
    gates, o, f, g_c, i, g, c_next, da_gates = _step_views(blocks, da)
    T, N, H = o.shape
    factor = aligned_blocks(4, (N, H), da.dtype)
    factor_o, factor_if, factor_g = factor[0], factor[1:3], factor[3]
    factor_s, sigmoid_gates = factor[:SIGMOID_BLOCKS], gates[:, :SIGMOID_BLOCKS]  # o, i, f
    dh, tanh_c, scratch = aligned_blocks(3, (N, H), da.dtype)
    # step t's gate gradients go into an aligned block in da's order (i, f, g, o), then into
    # da[t]'s strided rows in one copy: 31.9 against 43.0 us a step for the two multiplies
    # writing into the rows (N = 128, H = 100, float32), backward 0.979 of its time at
    # 128x25x65x100 and 0.99 to 1.00 at larger shapes (docs/fast_path.md, Session 12)
    da_t = aligned_blocks(4, (N, H), da.dtype)
    for t in range(T - 1, -1, -1):
        np.add(dhs_tm[t], dh_next, out=dh)
        np.tanh(c_next[t], out=tanh_c)
        # dc gains the path through h: dh * o * (1 - tanh(c)^2)
        np.multiply(tanh_c, tanh_c, out=scratch)
        np.subtract(1.0, scratch, out=scratch)
        scratch *= o[t]
        scratch *= dh
        dc += scratch
        # s (1 - s) for the three sigmoid gates at once (their blocks come first), 1 - g^2
        # for g: two block passes fewer than s (1 - s) over all four (0.99 of the backward
        # pass at 128x25x65x100 and 64x50x128x256, float32, session 10)
        s = sigmoid_gates[t]
        np.subtract(1.0, s, out=factor_s)
        factor_s *= s
        np.multiply(g[t], g[t], out=factor_g)
        np.subtract(1.0, factor_g, out=factor_g)
        # times what each gate multiplies in the forward pass: o tanh(c), [i, f] [g, c_prev],
        # g i; then times the incoming gradient (dh for o, dc for i, f, g) into da[t]
        factor_o *= tanh_c
        factor_if *= g_c[t]
        factor_g *= i[t]
        np.multiply(factor_o, dh, out=da_t[3])
        np.multiply(factor[1:], dc, out=da_t[:3])
        np.copyto(da_gates[t], da_t)
        dc *= f[t]
        dh_next = product(t)  # da_t W_h^T
    return dh_next


def _gate_factors(blocks: np.ndarray, da: np.ndarray, workspace) -> tuple[np.ndarray, ...]:
    r"""The gate factors of every step, in whole-array passes (before the backward loop).

    Returns :math:`o_t (1 - \tanh^2 c_t)` (T, N, H), the factor of :math:`\bar{dh}_t` in
    :math:`\bar{dc}_t`; :math:`o_t (1 - o_t) \tanh c_t` (T, N, H); and :math:`[i_t (1 - i_t)
    g_t, f_t (1 - f_t) c_{t-1}, (1 - g_t^2) i_t]` (T, 3, N, H), the factors of
    :math:`\bar{dc}_t` in the gate gradients (a view of a workspace buffer).
    """
    gates, o, f, g_c, i, g, c_next, _ = _step_views(blocks, da)
    factor = empty(workspace, "factor", gates.shape, da.dtype)
    np.subtract(1.0, gates, out=factor)
    factor *= gates
    factor_o, factor_g = factor[:, 0], factor[:, 3]
    np.multiply(g, g, out=factor_g)
    np.subtract(1.0, factor_g, out=factor_g)
    tanh_c = np.tanh(c_next)
    factor_o *= tanh_c
    factor[:, 1:3] *= g_c
    factor_g *= i
    # from here on tanh_c holds o (1 - tanh(c)^2), the factor of dh in dc
    np.multiply(tanh_c, tanh_c, out=tanh_c)
    np.subtract(1.0, tanh_c, out=tanh_c)
    tanh_c *= o
    return tanh_c, factor_o, factor[:, 1:]


def _steps_precomputed(dhs_tm, blocks, product, da, dh_next, dc, workspace) -> np.ndarray:
    """The backward time loop with the gate factors of all steps computed before it.

    The same numbers as :func:`_steps_fused`, bit for bit (the same operations in the same
    order), with 7 NumPy calls per step instead of 18: the better loop when a call's
    overhead, not memory traffic, is the cost (small batches; see ``PRECOMPUTE_BYTES``).
    """
    gates, o, f, g_c, i, g, c_next, da_gates = _step_views(blocks, da)
    da_o, da_ifg = da_gates[:, 3], da_gates[:, :3]
    T, N, H = o.shape
    dc_factor, factor_o, factor_ifg = _gate_factors(blocks, da, workspace)
    dh, scratch = aligned_blocks(2, (N, H), da.dtype)
    for t in range(T - 1, -1, -1):
        np.add(dhs_tm[t], dh_next, out=dh)
        np.multiply(dc_factor[t], dh, out=scratch)
        dc += scratch
        np.multiply(factor_o[t], dh, out=da_o[t])
        np.multiply(factor_ifg[t], dc, out=da_ifg[t])
        dc *= f[t]
        dh_next = product(t)  # da_t W_h^T
    return dh_next


def _kept_views(workspace: Workspace | None, names: tuple[str, ...], key: tuple,
                make, *arrays: np.ndarray) -> list:
    """``make(*arrays)``, the per-step views of a batch-one loop, kept in ``workspace`` from
    call to call (buffers ``names``, shapes ``key``) when there is one."""
    if workspace is None:
        return make(*arrays)
    return workspace.step_views(names, key, lambda: make(*arrays))


def _forward_one(x_ones, hs, rows, h0, c0, Wx, Wh, b, steps) -> None:
    r"""The forward pass at batch one, into the buffers of :func:`lstm_forward` seen as rows.

    ``x_ones`` (T, D + 1) is :math:`[x_t, 1]`, ``hs`` (T + 1, H) the state slots and
    ``rows`` (T + 1, 5H) the blocks, ``steps`` their views per step. The input projection is
    one product written straight into the rows' gate columns (BLAS takes the row stride),
    then :func:`minirnn.functional.fast.lstm_one.forward_steps` runs the loop.
    """
    T, D1 = x_ones.shape
    H, dtype = hs.shape[1], rows.dtype
    weights = np.empty((D1, 4 * H), dtype=dtype)
    _scaled_gates(Wx, dtype, out=weights[:-1])
    _scaled_gates(b, dtype, out=weights[-1])
    np.matmul(x_ones, weights, out=rows[:T, : 4 * H])
    rows[0, 4 * H :] = c0[0]
    hs[0] = h0[0]
    Wh_scaled = _scaled_gates(Wh, dtype, out=aligned_empty((H, 4 * H), dtype))
    forward_steps(hs, rows, Wh_scaled, steps)
