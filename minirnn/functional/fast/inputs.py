r"""The input side of a fast pass: :math:`x_t W_x + b` for every step as one product.

A pass copies its input time-major anyway (each step then reads one contiguous block), so the
copy gets one more column, of ones, and the weights one more row, the bias:

.. math::

    [x_t \; 1] \begin{bmatrix} W_x \\ b \end{bmatrix} = x_t W_x + b

The bias then costs no pass of its own over the ``(T, N, G H)`` projection, and in the
backward pass :math:`[x \; 1]^\top da` gives :math:`dW_x` and, in its last row,
:math:`db = \sum_{t, n} da_{t, n}` in one product.
"""

from __future__ import annotations

import numpy as np

from minirnn.functional.fast.workspace import Workspace, empty


def inputs_with_ones(x: np.ndarray, dtype: np.dtype, workspace: Workspace | None) -> np.ndarray:
    """``x`` (N, T, D) as a time-major ``(T N, D + 1)`` array whose last column is ones."""
    N, T, D = x.shape
    x_ones = empty(workspace, "x", (T * N, D + 1), dtype)
    np.copyto(x_ones[:, :D].reshape(T, N, D), x.transpose(1, 0, 2))
    x_ones[:, D] = 1.0
    return x_ones


def weights_with_bias(
    Wx: np.ndarray, b: np.ndarray, dtype: np.dtype, scale: np.ndarray | None = None
) -> np.ndarray:
    """``[W_x; b]`` (D + 1, G H), each column times ``scale`` if given."""
    stacked = np.empty((Wx.shape[0] + 1, Wx.shape[1]), dtype=dtype)
    if scale is None:
        stacked[:-1] = Wx
        stacked[-1] = b
    else:
        np.multiply(Wx, scale, out=stacked[:-1])
        np.multiply(b, scale, out=stacked[-1])
    return stacked


def split_weight_gradient(grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(dW_x, db)`` from the ``(D + 1, G H)`` gradient of ``[W_x; b]``."""
    return grad[:-1], grad[-1]
