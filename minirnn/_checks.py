"""Input validation shared by every layer.

Each helper raises a ``ValueError`` or ``TypeError`` that names what was expected and what
was given, so a user never has to decode a NumPy broadcasting error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_float_array(x: object, name: str) -> np.ndarray:
    """Return ``x`` as a floating-point array, refusing integers, booleans and objects."""
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point array, got dtype {arr.dtype}")
    return arr


def check_ndim(x: np.ndarray, ndim: int, name: str, layout: str) -> None:
    """Raise unless ``x`` has ``ndim`` axes; ``layout`` names them, e.g. ``"(N, T, D)"``."""
    if x.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimensions {layout}, got shape {tuple(x.shape)}"
        )


def check_shape(x: np.ndarray, expected: Sequence[int | None], name: str) -> None:
    """Raise unless ``x.shape`` matches ``expected``; ``None`` in ``expected`` matches any size."""
    shape = tuple(x.shape)
    matches = len(shape) == len(expected) and all(
        want is None or want == got for want, got in zip(expected, shape, strict=True)
    )
    if not matches:
        shown = "(" + ", ".join("*" if s is None else str(s) for s in expected) + ")"
        raise ValueError(f"{name} must have shape {shown}, got {shape}")


def check_choice(value: str, choices: Sequence[str], name: str) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        allowed = ", ".join(map(repr, choices))
        raise ValueError(f"unknown {name} {value!r}; expected one of {allowed}")


def check_positive_int(value: object, name: str) -> int:
    """Return ``value`` as an int, raising unless it is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Turn ``seed`` (an int, a Generator or None) into a ``np.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def check_step_input(x: object, input_size: int) -> np.ndarray:
    """Return ``x`` as a float array of shape (N, input_size), the input of one cell step."""
    x = as_float_array(x, "x")
    check_ndim(x, 2, "x", "(N, D)")
    check_shape(x, (None, input_size), "x")
    return x


def state_or_zeros(state: object, name: str, x: np.ndarray, hidden_size: int) -> np.ndarray:
    """Return ``state`` checked to be (N, hidden_size), or zeros of that shape if it is None."""
    if state is None:
        return np.zeros((x.shape[0], hidden_size), dtype=x.dtype)
    state = as_float_array(state, name)
    check_shape(state, (x.shape[0], hidden_size), name)
    return state
