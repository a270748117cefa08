"""The digit-sum memory task (data): how long can each cell hold on to what it read first?

A sequence of ``length`` digits 0-9: the first two are the ones that matter, the rest are
random noise. The target is the sum of the first two digits, one of 19 classes (0..18). To
answer, the network must keep both digits in its state across ``length - 2`` noise steps.
Chance is about 10% (always answering 9); a network that remembers only one digit can
reach at most about 19%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minirnn._checks import check_positive_int, make_rng

NUM_CLASSES = 19


@dataclass
class DigitSumBatch:
    """``inputs`` (N, length) digits, ``targets`` (N,) the sum of the first two."""

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray | None = None


def digit_sum_data(
    n: int, length: int, seed: int | np.random.Generator | None = 0
) -> DigitSumBatch:
    """``n`` random sequences of ``length`` >= 2 digits with the sum of the first two."""
    n = check_positive_int(n, "n")
    length = check_positive_int(length, "length")
    if length < 2:
        raise ValueError(f"length must be at least 2 (two digits to add), got {length}")
    inputs = make_rng(seed).integers(0, 10, size=(n, length))
    return DigitSumBatch(inputs, inputs[:, 0] + inputs[:, 1])
