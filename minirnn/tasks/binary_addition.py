"""The binary-addition task: random sums written bit by bit, least significant bit first.

Data for :class:`minirnn.models.BinaryAdder`: the operands' bits as inputs and the sum's bits
as targets, any width (the sum is computed on bit arrays, so 64-bit and wider sums never
overflow).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from minirnn._checks import as_int_array, check_instance, check_ndim, check_positive_int
from minirnn.data.batching import Batch

__all__ = ["addition_batch", "addition_batches", "bits_to_int", "int_to_bits"]


def int_to_bits(values: np.ndarray | int, bits: int) -> np.ndarray:
    """Binary digits of non-negative integers, most significant first, as ``uint8``.

    ``int_to_bits(5, 8)`` is ``[0 0 0 0 0 1 0 1]``, the layout the classic script prints.
    """
    bits = check_positive_int(bits, "bits")
    values = np.asarray(values)
    if values.size and (not np.issubdtype(values.dtype, np.integer) or values.min() < 0):
        raise ValueError(f"values must be non-negative integers, got {values.dtype} values "
                         f"from {values.min()}")
    values = values.astype(np.uint64)
    shifts = np.arange(bits - 1, -1, -1, dtype=np.uint64)
    return ((values[..., None] >> shifts) & np.uint64(1)).astype(np.uint8)


def bits_to_int(bits_msb_first: np.ndarray) -> int:
    """Inverse of :func:`int_to_bits` for one number (a Python int, so any width works)."""
    bits = as_int_array(bits_msb_first, "bits_msb_first")
    check_ndim(bits, 1, "bits_msb_first", "(bits,)")
    if bits.size and (bits.min() < 0 or bits.max() > 1):
        raise ValueError(f"bits_msb_first must hold only 0 and 1, got values from {bits.min()} "
                         f"to {bits.max()}")
    return sum(int(bit) << i for i, bit in enumerate(reversed(bits)))


def addition_batch(
    n: int, bits: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Random sums ``a + b`` written least significant bit first.

    Both operands are below ``2**(bits-1)`` so the sum fits in ``bits`` bits, as in the
    classic script. The sum is computed by a ripple-carry loop on bit arrays, so widths
    beyond 64 bits work too.

    Returns
    -------
    x : ndarray (n, bits, 2)
        ``x[:, t] = (a_t, b_t)``, bit ``t`` of each operand (t = 0 is the least significant).
    y : ndarray (n, bits, 1)
        Bit ``t`` of the sum.
    """
    check_positive_int(n, "n")
    if check_positive_int(bits, "bits") < 2:
        raise ValueError(
            f"bits must be at least 2 (one bit is kept free for the carry), got {bits}"
        )
    check_instance(rng, np.random.Generator, "rng")
    operands = rng.integers(0, 2, size=(n, bits, 2), dtype=np.int64)
    operands[:, -1, :] = 0  # top bit free, so the final carry has somewhere to go
    total = np.zeros((n, bits), dtype=np.int64)
    carry = np.zeros(n, dtype=np.int64)
    for t in range(bits):
        column = operands[:, t, 0] + operands[:, t, 1] + carry
        total[:, t] = column & 1
        carry = column >> 1
    return operands.astype(np.float64), total[:, :, None].astype(np.float64)


def addition_batches(batch_size: int, bits: int, rng: np.random.Generator) -> Iterator[Batch]:
    """Endless minibatches of :func:`addition_batch` sums, for :func:`minirnn.train.fit`.

    Each :class:`~minirnn.data.Batch` holds ``inputs`` (N, bits, 2) and ``targets``
    (N, bits, 1), drawn from ``rng``; stop training with ``iterations=``.
    """
    check_positive_int(batch_size, "batch_size")
    while True:
        yield Batch(*addition_batch(batch_size, bits, rng))
