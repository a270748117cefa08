"""Arrays that start on a cache-line boundary, for the buffers a model's steps reuse.

NumPy allocates through ``malloc``, which promises 16 bytes of alignment; where an array
then starts within a 64-byte cache line depends on what was allocated before it. For the
arrays min-char-rnn's step streams through thousands of times that matters: a 100 x 100
``W_hh`` starting 16 bytes past a 32-byte boundary made each matrix-vector product (50 per
iteration) about 25% slower, and the flat Adagrad update over 23,165 numbers about 10%
slower with its five arrays off the 64-byte lines than on them (docs/char_rnn.md, "Speed").
The fast sequence passes' buffers too: NumPy's large arrays start 16 bytes past a line, and
an element-wise call with three such arrays ran at about half the speed it runs on aligned
ones (docs/fast_path.md, Session 12). Such arrays are made here instead, on 64-byte
boundaries (a cache line, and the widest SIMD load).
"""

from __future__ import annotations

import ctypes
import math

import numpy as np

#: bytes: a cache line, and the width of an AVX-512 load
ALIGNMENT = 64


def aligned_empty(shape: int | tuple[int, ...], dtype: np.dtype | type = np.float64
                  ) -> np.ndarray:
    """Like ``np.empty(shape, dtype)``, C-ordered, with the first element on a 64-byte boundary.

    A view into a slightly larger buffer (its ``base``), which it keeps alive.
    """
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    nbytes = math.prod(shape) * dtype.itemsize
    raw = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
    return np.ndarray(shape, dtype, raw, -address(raw) % ALIGNMENT)


def address(array: np.ndarray) -> int:
    """Where ``array``'s first element is in memory (``array`` writable): what
    ``array.ctypes.data`` gives, in 0.6 instead of 1.7 us (the fast passes make several
    aligned scratch arrays per call)."""
    return ctypes.addressof(ctypes.c_char.from_buffer(array))


def aligned_zeros(shape: int | tuple[int, ...], dtype: np.dtype | type = np.float64
                  ) -> np.ndarray:
    """Like ``np.zeros(shape, dtype)``, with the first element on a 64-byte boundary."""
    array = aligned_empty(shape, dtype)
    array.fill(0)
    return array


def aligned_blocks(count: int, shape: tuple[int, ...], dtype: np.dtype | type = np.float64
                   ) -> np.ndarray:
    """Like ``np.empty((count, *shape), dtype)``, with every one of the ``count`` blocks
    starting on a 64-byte boundary.

    Block ``k`` is C-contiguous; the blocks are padded apart to whole cache lines when a
    block's size is not a multiple of 64 bytes (then the array as a whole is not contiguous,
    which NumPy's element-wise calls over several blocks handle as one loop per block).
    """
    dtype = np.dtype(dtype)
    block = math.prod(shape) * dtype.itemsize
    stride = -(-block // ALIGNMENT) * ALIGNMENT  # bytes from one block to the next
    if stride == block:
        return aligned_empty((count, *shape), dtype)
    raw = np.empty(count * stride + ALIGNMENT, dtype=np.uint8)
    inner = [dtype.itemsize * math.prod(shape[k + 1 :]) for k in range(len(shape))]  # C order
    strides = (stride, *inner)
    return np.ndarray((count, *shape), dtype, raw, -address(raw) % ALIGNMENT, strides)


def aligned(array: np.ndarray, dtype: np.dtype | type) -> np.ndarray:
    """``array`` as a C-contiguous ``dtype`` array starting on a 64-byte boundary: itself if
    it is one, else a copy (rounded as ``astype`` rounds).

    The batch-one LSTM's matrix-vector products with :math:`W_h` (H = 128, medians of 40
    alternating rounds) took 24% longer in float32 with :math:`W_h` 16 bytes past a 64-byte
    boundary than on it (forward), 10% longer backward, and 10 to 35% in float64; a copy of
    :math:`W_h` costs about what five products lose.
    """
    dtype = np.dtype(dtype)
    if array.dtype == dtype and array.flags.c_contiguous and array.ctypes.data % ALIGNMENT == 0:
        return array
    out = aligned_empty(array.shape, dtype)
    np.copyto(out, array)
    return out
