"""A fully connected layer that works on (N, D) and on (N, T, D) alike."""

from __future__ import annotations

import numpy as np

from minirnn._checks import as_float_array, check_float_dtype, make_rng
from minirnn.layers.base import Layer


class Linear(Layer):
    r"""Affine map :math:`y = x W + b` over the last axis.

    Parameters
    ----------
    in_features, out_features : int
        Sizes ``D`` and ``M``.
    bias : bool
        Whether to learn ``b``.
    seed : int or numpy.random.Generator, optional
        Weights are drawn from :math:`U(-1/\sqrt{D}, 1/\sqrt{D})`, as PyTorch does.
    dtype : numpy dtype
        Parameter dtype (float64 by default).

    Notes
    -----
    For any leading shape ``(..., D)``: :math:`dx = dy W^\top`,
    :math:`dW = \sum x^\top dy`, :math:`db = \sum dy` over all leading axes.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        self.set_sizes(in_features=in_features, out_features=out_features)
        dtype = check_float_dtype(dtype)
        rng = make_rng(seed)
        bound = 1.0 / np.sqrt(in_features)
        self.add_param("W", rng.uniform(-bound, bound, (in_features, out_features)).astype(dtype))
        if bias:
            self.add_param("b", rng.uniform(-bound, bound, out_features).astype(dtype))
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``x @ W + b`` for ``x`` of shape (..., in_features)."""
        x = as_float_array(x, "x")
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"x must have shape (..., {self.in_features}), got {tuple(x.shape)}"
            )
        self._x = x
        out = x @ self.params["W"]
        if "b" in self.params:
            out += self.params["b"]
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Accumulate ``dW`` (and ``db``) and return ``dx``."""
        if self._x is None:
            raise RuntimeError("Linear.backward called before forward")
        x = self._x
        dout = as_float_array(dout, "dout")
        if dout.shape != x.shape[:-1] + (self.out_features,):
            raise ValueError(
                f"dout must have shape {x.shape[:-1] + (self.out_features,)}, got {dout.shape}"
            )
        flat_x = x.reshape(-1, self.in_features)
        flat_dout = dout.reshape(-1, self.out_features)
        self.grads["W"] += flat_x.T @ flat_dout
        if "b" in self.params:
            self.grads["b"] += flat_dout.sum(axis=0)
        return dout @ self.params["W"].T
