"""Numerically stable activations and their derivatives.

The derivatives are written in terms of the activation's *output*, because that is what a
forward cache keeps: for ``y = tanh(a)`` the derivative is ``1 - y**2``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from minirnn._checks import as_real_array, check_choice


def sigmoid(a: np.ndarray) -> np.ndarray:
    r"""Logistic function :math:`\sigma(a) = 1 / (1 + e^{-a})` without overflow.

    For negative ``a`` it uses :math:`e^{a} / (1 + e^{a})`, so ``exp`` never sees a large
    positive argument.
    """
    a = as_real_array(a, "a")
    out = np.empty_like(a, dtype=np.result_type(a, np.float32))
    positive = a >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-a[positive]))
    exp_a = np.exp(a[~positive])
    out[~positive] = exp_a / (1.0 + exp_a)
    return out


def log_softmax(a: np.ndarray, axis: int = -1) -> np.ndarray:
    r""":math:`\log \mathrm{softmax}(a)_k = a_k - \max a - \log \sum_j e^{a_j - \max a}`."""
    a = as_real_array(a, "a")
    shifted = a - np.max(a, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(a: np.ndarray, axis: int = -1) -> np.ndarray:
    r""":math:`\mathrm{softmax}(a)_k = e^{a_k - \max a} / \sum_j e^{a_j - \max a}`."""
    a = as_real_array(a, "a")
    shifted = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


def relu(a: np.ndarray) -> np.ndarray:
    """Rectified linear unit ``max(a, 0)``."""
    a = as_real_array(a, "a")
    return np.maximum(a, 0.0)


def identity(a: np.ndarray) -> np.ndarray:
    """Return ``a`` unchanged (a linear hidden layer)."""
    as_real_array(a, "a")
    return a


def _tanh_grad(y: np.ndarray) -> np.ndarray:
    return 1.0 - y * y


def _sigmoid_grad(y: np.ndarray) -> np.ndarray:
    return y * (1.0 - y)


def _relu_grad(y: np.ndarray) -> np.ndarray:
    return (y > 0).astype(y.dtype)


def _identity_grad(y: np.ndarray) -> np.ndarray:
    return np.ones_like(y)


ArrayFn = Callable[[np.ndarray], np.ndarray]

#: name -> (activation, derivative expressed through the activation's output)
ACTIVATIONS: dict[str, tuple[ArrayFn, ArrayFn]] = {
    "tanh": (np.tanh, _tanh_grad),
    "relu": (relu, _relu_grad),
    "sigmoid": (sigmoid, _sigmoid_grad),
    "identity": (identity, _identity_grad),
}


def get_activation(
    name: str,
) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    """Return ``(f, df_from_output)`` for a nonlinearity name, or raise a clear ValueError."""
    check_choice(name, tuple(ACTIVATIONS), "nonlinearity")
    return ACTIVATIONS[name]
