"""minirnn._memory: arrays on cache-line boundaries, and the buffers of min-char-rnn's step."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn._memory import ALIGNMENT, aligned_blocks, aligned_empty, aligned_zeros
from minirnn.functional.fast.workspace import Workspace
from minirnn.models.char_rnn import CharRNN
from minirnn.optim import Adagrad


def _offset(array: np.ndarray) -> int:
    return array.ctypes.data % ALIGNMENT


@pytest.mark.parametrize("shape", [0, 1, 3, 23165, (2, 5), (26, 100), (65, 100)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_aligned_arrays_start_on_a_cache_line(shape, dtype):
    for make in (aligned_empty, aligned_zeros):
        arrays = [make(shape, dtype) for _ in range(5)]  # several, so chance alone won't pass
        for array in arrays:
            assert array.size == 0 or _offset(array) == 0
            assert array.shape == ((shape,) if isinstance(shape, int) else shape)
            assert array.dtype == dtype and array.flags.c_contiguous and array.flags.writeable
        if make is aligned_zeros:
            assert all(not array.any() for array in arrays)


def test_aligned_array_is_a_view_that_keeps_its_buffer():
    array = aligned_zeros((3, 4))
    array[...] = np.arange(12).reshape(3, 4)
    assert array.base is not None and array.base.nbytes >= array.nbytes
    assert [aligned_zeros(10**5).sum() for _ in range(3)] == [0.0] * 3  # no stale memory
    assert array.sum() == 66


@pytest.mark.parametrize("count, shape", [(1, (3, 5)), (4, (20, 650)), (3, (128, 100)), (2, (7,))])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_aligned_blocks_each_start_on_a_cache_line(count, shape, dtype):
    blocks = aligned_blocks(count, shape, dtype)
    assert blocks.shape == (count, *shape) and blocks.dtype == dtype
    for k, block in enumerate(blocks):
        assert _offset(block) == 0 and block.flags.c_contiguous
        block[...] = k  # the blocks do not overlap
    assert [float(block.min()) for block in blocks] == list(range(count))
    # a (20, 650) float32 block is 52,000 bytes: padded to 52,032 so the next one starts on a line
    packed = blocks.flags.c_contiguous
    assert packed == (np.prod(shape) * np.dtype(dtype).itemsize % ALIGNMENT == 0 or count == 1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_workspace_buffers_start_on_a_cache_line_and_are_reused(dtype):
    ws = Workspace()
    first = ws.empty("gates", (26, 5, 20, 650), dtype)
    assert _offset(first) == 0 and first.flags.c_contiguous and first.dtype == dtype
    address = first.ctypes.data
    del first
    smaller = ws.empty("gates", (3, 7), dtype)  # released: the same bytes, still on a line
    assert smaller.ctypes.data == address and _offset(smaller) == 0
    held = smaller.reshape(-1)[2:]  # any view of it, whatever its shape, keeps it held
    del smaller
    assert ws.empty("gates", (3, 7), dtype).ctypes.data != address
    assert held.base is not None


@pytest.mark.parametrize("exact", [True, False])
def test_char_rnn_step_buffers_are_on_cache_lines(exact):
    """The flat parameters and gradients, Adagrad's flat memory and its two scratch rows,
    and the fast workspace all start on cache lines (W_hh within the flat arrays too, with
    H * V a multiple of 4: docs/char_rnn.md measured each misalignment costing time)."""
    model = CharRNN(65, 100, seed=0, exact=exact)
    optimizer = Adagrad(model, lr=0.1)
    data = np.arange(26) % 65
    model.loss_and_grads(data[:25], data[1:26])
    optimizer.step_clipped(5.0)
    params, grads = model.flat_arrays()
    scratch = optimizer._scratch  # the two rows Adagrad's update writes into
    arrays = [params, grads, optimizer.state["mem"]["Wxh"], scratch[0], scratch[1]]
    if not exact:
        work = model._work
        arrays += [work.hs, work.x_part, work.delta, work.tanh_grad, work.probs, work.dlogits]
    assert [_offset(a) for a in arrays] == [0] * len(arrays)
    assert _offset(model.params["Whh"]) % 32 == 0 and _offset(model.grads["Whh"]) % 32 == 0
