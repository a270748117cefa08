r"""Attention as a layer: :class:`Attention` with dot, general or additive scores."""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_choice, check_float_dtype, check_positive_int, make_rng
from minirnn.functional import attention as fa
from minirnn.layers.base import Layer

# score name -> (forward, backward, names of the parameters in the functions' order)
_PAIRS = {
    "dot": (fa.dot_attention_forward, fa.dot_attention_backward, ()),
    "general": (fa.general_attention_forward, fa.general_attention_backward, ("W",)),
    "additive": (fa.additive_attention_forward, fa.additive_attention_backward, ("Wq", "Wk", "v")),
}


class Attention(Layer):
    r"""Attention of decoder states (queries) over encoder states (keys and values).

    Parameters
    ----------
    score : {"dot", "general", "additive"}
        The score function (see :mod:`minirnn.functional.attention`).
    query_size, key_size : int
        ``Hq`` and ``Hk`` (equal for ``"dot"``).
    attention_size : int, optional
        ``A`` of the additive score's hidden layer (default ``key_size``).
    seed : int or numpy.random.Generator, optional
        Source of the initial weights, :math:`U(-1/\sqrt{H_q}, 1/\sqrt{H_q})` (``v``:
        :math:`U(-1/\sqrt{A}, 1/\sqrt{A})`).
    dtype : numpy dtype
        Parameter dtype.

    Notes
    -----
    ``forward(query, keys, mask=None)`` returns ``(context, weights)``: ``query`` (N, T, Hq)
    or (N, Hq), ``keys`` (N, S, Hk), ``mask`` (N, S) bool with True at real positions.
    ``backward(dcontext, dweights=None)`` returns ``dquery``, adds the parameter gradients
    into ``grads`` and leaves the gradient of the keys in ``dkeys``.
    """

    def __init__(
        self,
        score: str,
        query_size: int,
        key_size: int,
        attention_size: int | None = None,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        check_choice(score, fa.SCORES, "score")
        self.score = score
        self.set_sizes(query_size=query_size, key_size=key_size)
        if score == "dot" and query_size != key_size:
            raise ValueError(f"dot scores need query_size == key_size, got {query_size} and "
                             f"{key_size}")
        A = self.key_size if attention_size is None else attention_size
        self.attention_size = check_positive_int(A, "attention_size")
        dtype = check_float_dtype(dtype)
        rng = make_rng(seed)
        bound = 1.0 / np.sqrt(query_size)
        if score == "general":
            self.add_param("W", rng.uniform(-bound, bound, (query_size, key_size)).astype(dtype))
        elif score == "additive":
            self.add_param("Wq", rng.uniform(-bound, bound, (query_size, A)).astype(dtype))
            self.add_param("Wk", rng.uniform(-bound, bound, (key_size, A)).astype(dtype))
            v_bound = 1.0 / np.sqrt(A)
            self.add_param("v", rng.uniform(-v_bound, v_bound, A).astype(dtype))
        self._cache: tuple | None = None
        self.dkeys: np.ndarray | None = None

    def forward(
        self, query: np.ndarray, keys: np.ndarray, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(context, weights)`` and keep what backward needs."""
        forward, _, names = _PAIRS[self.score]
        context, weights, self._cache = forward(
            query, keys, *(self.params[name] for name in names), mask=mask
        )
        return context, weights

    def backward(self, dcontext: np.ndarray, dweights: np.ndarray | None = None) -> np.ndarray:
        """Accumulate parameter gradients, store ``dkeys``, return ``dquery``."""
        if self._cache is None:
            raise RuntimeError("Attention.backward called before forward")
        _, backward, names = _PAIRS[self.score]
        dquery, self.dkeys, *dparams = backward(dcontext, dweights, self._cache)
        for name, grad in zip(names, dparams, strict=True):
            self.grads[name] += grad
        return dquery

    @property
    def cache(self) -> tuple | None:
        """What ``backward`` needs from the last ``forward``; a decoder that calls the layer
        once per step saves it per step and puts it back before each step's backward."""
        return self._cache

    @cache.setter
    def cache(self, value: tuple | None) -> None:
        self._cache = value

    def __repr__(self) -> str:
        return f"Attention({self.score!r}, {self.query_size}, {self.key_size})"
