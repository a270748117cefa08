r"""Learn2Carry: decimal addition digit by digit, the homework of seed 004.

Two numbers are written as digit sequences, least significant digit first, so that step
:math:`t` of a recurrent network sees digit :math:`t` of both numbers after every digit
below it, which is exactly what it needs to know the carry into position :math:`t`:

.. math::

    s_t = (a_t + b_t + c_t) \bmod 10, \qquad c_{t+1} = \lfloor (a_t + b_t + c_t) / 10 \rfloor,
    \qquad c_0 = 0.

A sum of two ``w``-digit numbers has up to ``w + 1`` digits, so every sequence has
``T = w + 1`` steps, the operands padded with a leading zero (a zero digit changes nothing).
Numbers of *variable* width are padded with zeros to the widest of their set; the width of
an example is the number of digits of its larger operand.

Everything is drawn from an explicit seed. The model is
:class:`minirnn.models.learn2carry.Learn2Carry`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minirnn._checks import (
    as_int_array,
    check_non_negative_int,
    check_positive_int,
    make_rng,
)

__all__ = [
    "AdditionSet",
    "addition_set",
    "to_digits",
    "from_digits",
    "carry_chain",
    "longest_carry_chain",
    "accuracy_by_width",
]


def to_digits(numbers: np.ndarray, steps: int) -> np.ndarray:
    """Digits of non-negative integers, least significant first: (N,) -> (N, ``steps``)."""
    numbers = as_int_array(numbers, "numbers").astype(np.int64)
    steps = check_positive_int(steps, "steps")
    if numbers.size and numbers.min() < 0:
        raise ValueError(f"numbers must be non-negative, got {numbers.min()}")
    if numbers.size and numbers.max() >= 10**steps:
        raise ValueError(f"numbers must have at most steps={steps} digits, got "
                         f"{numbers.max()}")
    powers = 10 ** np.arange(steps, dtype=np.int64)
    return (numbers[:, None] // powers) % 10


def from_digits(digits: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_digits`: (N, T) digits, least significant first -> (N,) ints."""
    digits = as_int_array(digits, "digits").astype(np.int64)
    return digits @ (10 ** np.arange(digits.shape[-1], dtype=np.int64))


@dataclass
class AdditionSet:
    """Examples of ``a + b``, as digit sequences of ``T = max width + 1`` steps.

    Attributes
    ----------
    inputs : ndarray of int, (N, T, 2)
        ``inputs[n, t] = (a_t, b_t)``, the digits of both operands at position ``t``.
    targets : ndarray of int, (N, T)
        The digits of the sum.
    widths : ndarray of int, (N,)
        Digits of the larger operand (what "width" means in the reports).
    """

    inputs: np.ndarray
    targets: np.ndarray
    widths: np.ndarray

    def __len__(self) -> int:
        return len(self.targets)

    @property
    def operands(self) -> tuple[np.ndarray, np.ndarray]:
        """The two numbers ``(a, b)`` as integers."""
        return from_digits(self.inputs[..., 0]), from_digits(self.inputs[..., 1])


def _random_numbers(widths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A number of exactly ``widths[n]`` digits for each ``n`` (0..9 for width 1)."""
    low = np.where(widths == 1, 0, 10 ** (widths - 1))
    return rng.integers(low, 10**widths)


def addition_set(
    n: int,
    width: int,
    min_width: int | None = None,
    seed: int | np.random.Generator | None = None,
    steps: int | None = None,
) -> AdditionSet:
    """``n`` random additions of numbers with ``min_width`` to ``width`` digits.

    Parameters
    ----------
    n : int
        Number of examples.
    width : int
        Digits of the larger operand (at most 17, so sums fit in int64).
    min_width : int, optional
        With it, each example's width is drawn uniformly from ``min_width..width``
        (variable width); without it every example has exactly ``width`` digits (fixed
        width, the seed's setting). The smaller operand has 1..width digits.
    seed : int or numpy.random.Generator, optional
        Source of the widths and digits.
    steps : int, optional
        Pad to this many steps instead of ``width + 1``.
    """
    n = check_positive_int(n, "n")
    width = check_positive_int(width, "width")
    if width > 17:
        raise ValueError(f"width must be at most 17 (sums must fit in int64), got {width}")
    low = width if min_width is None else check_positive_int(min_width, "min_width")
    if low > width:
        raise ValueError(f"min_width must be at most width={width}, got {min_width}")
    steps = width + 1 if steps is None else check_positive_int(steps, "steps")
    if steps < width + 1:
        raise ValueError(f"steps must be at least width + 1 = {width + 1}, got {steps}")
    rng = make_rng(seed)
    widths = rng.integers(low, width + 1, size=n)
    a = _random_numbers(widths, rng)
    # the other operand is at most as wide, so `widths` stays the width of the example
    b = _random_numbers(rng.integers(1, widths + 1), rng)
    swap = rng.random(n) < 0.5
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    inputs = np.stack([to_digits(a, steps), to_digits(b, steps)], axis=-1)
    return AdditionSet(inputs, to_digits(a + b, steps), widths)


def carry_chain(a: int, b: int, steps: int | None = None) -> np.ndarray:
    """The carry into each position of ``a + b`` (0 or 1), least significant first."""
    a, b = check_non_negative_int(a, "a"), check_non_negative_int(b, "b")
    if steps is None:
        steps = len(str(max(a, b))) + 1
    digits = to_digits(np.array([a, b]), steps)
    carries = np.zeros(steps, dtype=np.int64)
    for t in range(1, steps):
        carries[t] = (digits[0, t - 1] + digits[1, t - 1] + carries[t - 1]) // 10
    return carries


def longest_carry_chain(width: int) -> tuple[int, int]:
    """Two ``width``-digit numbers whose sum carries through every position: 99..9 + 1..1.

    ``10**width - 1 + 1`` would also carry all the way, but its second operand has one
    digit; here both have ``width`` digits, so the model sees a full-width example.
    """
    width = check_positive_int(width, "width")
    return 10**width - 1, int("1" * width)


def accuracy_by_width(
    predicted: np.ndarray, data: AdditionSet
) -> dict[int, tuple[float, float, int]]:
    """Exact-match and per-digit accuracy for each width.

    Returns ``{width: (exact_match, digit_accuracy, count)}``: the share of sums with every
    digit right (padding zeros included: a stray digit there is a wrong sum), and the share
    of the ``width + 1`` digits a ``width``-digit sum can have that are right (padding left
    out, so narrow numbers in a wide set are not flattered by their easy zeros).
    """
    predicted = np.asarray(predicted)
    if predicted.shape != data.targets.shape:
        raise ValueError(f"predicted must have shape {data.targets.shape}, got {predicted.shape}")
    right = predicted == data.targets
    out = {}
    for width in np.unique(data.widths):
        rows = right[data.widths == width]
        digits = rows[:, : width + 1]
        out[int(width)] = (float(rows.all(axis=1).mean()), float(digits.mean()), len(rows))
    return out
