"""A lookup table from token ids to dense vectors, with its scatter-add backward."""

from __future__ import annotations

import numpy as np

from minirnn._checks import as_float_array, as_int_array, check_float_dtype, make_rng
from minirnn.layers.base import Layer


class Embedding(Layer):
    r"""Map integer ids to rows of a learned matrix ``W`` of shape (V, E).

    Parameters
    ----------
    num_embeddings : int
        Vocabulary size ``V``.
    dim : int
        Embedding size ``E``.
    padding_idx : int, optional
        A row that starts at zero and never receives a gradient, so a ``<pad>`` token
        contributes nothing to what follows it.
    seed : int or numpy.random.Generator, optional
        Rows are drawn from :math:`\mathcal{N}(0, 1)`, as PyTorch does.
    dtype : numpy dtype
        Parameter dtype (float64 by default).

    Notes
    -----
    The forward pass is a row lookup, :math:`y_{n,t} = W_{x_{n,t}}`, which is the same as
    multiplying a one-hot row :math:`e_{x_{n,t}}` by ``W``: :math:`y_{n,t} = e_{x_{n,t}} W`.
    The gradient of that product is :math:`dW = \sum_{n,t} e_{x_{n,t}}^\top\, dy_{n,t}`,
    so row :math:`v` of :math:`dW` is the sum of the upstream gradients of every position
    that looked ``v`` up:

    .. math:: dW_v = \sum_{(n,t):\, x_{n,t} = v} dy_{n,t}

    A token that occurs twice in a batch must receive both contributions; plain fancy
    indexing ``dW[ids] += dy`` would keep only one of them, so the sum is a scatter-add
    (``np.add.at``). Integer ids have no gradient, so ``backward`` returns ``None``.
    """

    def __init__(
        self,
        num_embeddings: int,
        dim: int,
        padding_idx: int | None = None,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        self.set_sizes(num_embeddings=num_embeddings, dim=dim)
        if padding_idx is not None:
            if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
                raise TypeError(f"padding_idx must be an int or None, got {padding_idx!r}")
            if not 0 <= padding_idx < num_embeddings:
                raise ValueError(
                    f"padding_idx must be in [0, {num_embeddings}), got {padding_idx}"
                )
            padding_idx = int(padding_idx)
        self.padding_idx = padding_idx
        dtype = check_float_dtype(dtype)
        W = make_rng(seed).standard_normal((num_embeddings, dim)).astype(dtype)
        if padding_idx is not None:
            W[padding_idx] = 0.0
        self.add_param("W", W)
        self._ids: np.ndarray | None = None

    def forward(self, ids: np.ndarray) -> np.ndarray:
        """Return the vectors of ``ids`` (any integer shape ``S``) as shape ``S + (E,)``."""
        ids = as_int_array(ids, "ids")
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_embeddings):
            raise ValueError(
                f"ids must lie in [0, {self.num_embeddings}), "
                f"got values from {ids.min()} to {ids.max()}"
            )
        self._ids = ids
        return self.params["W"][ids]

    def backward(self, dout: np.ndarray) -> None:
        """Scatter-add ``dout`` into the rows of ``dW`` that were looked up; returns None."""
        if self._ids is None:
            raise RuntimeError("Embedding.backward called before forward")
        dout = as_float_array(dout, "dout")
        expected = self._ids.shape + (self.dim,)
        if dout.shape != expected:
            raise ValueError(f"dout must have shape {expected}, got {dout.shape}")
        flat_ids = self._ids.reshape(-1)
        flat_dout = dout.reshape(-1, self.dim)
        if self.padding_idx is not None:
            keep = flat_ids != self.padding_idx
            flat_ids, flat_dout = flat_ids[keep], flat_dout[keep]
        np.add.at(self.grads["W"], flat_ids, flat_dout)
        return None
