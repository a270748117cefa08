"""One GRU step as a layer: :class:`GRUCell`, like PyTorch's ``nn.GRUCell``."""

from __future__ import annotations

import numpy as np

from minirnn._checks import (
    check_positive_int,
    check_shape,
    check_step_input,
    make_rng,
    state_or_zeros,
)
from minirnn.functional.gru import gru_step_backward, gru_step_forward
from minirnn.layers.base import Layer
from minirnn.layers.rnn import init_recurrent_params


class GRUCell(Layer):
    r"""One step of a gated recurrent unit (batch first, row vectors), in either form.

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``.
    reset_after : bool
        True (default): PyTorch/cuDNN form with the extra bias ``b_hn``. False: Cho et al.
        2014 / d2l form, reset applied to :math:`h_{prev}` before the product.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights, :math:`U(-1/\sqrt{H}, 1/\sqrt{H})` like PyTorch.
    dtype : numpy dtype
        Parameter dtype.

    Notes
    -----
    Parameters ``Wx`` (D, 3H), ``Wh`` (H, 3H), ``b`` (3H,), gate blocks in PyTorch's order
    r, z, n (``gates``), plus ``b_hn`` (H,) when ``reset_after``:

    .. math::

        r &= \sigma(x W_x^r + h_{prev} W_h^r + b^r), \quad
        z = \sigma(x W_x^z + h_{prev} W_h^z + b^z) \\
        n &= \tanh(x W_x^n + b^n + r \odot (h_{prev} W_h^n + b_{hn}))
        \quad\text{or}\quad \tanh(x W_x^n + (r \odot h_{prev}) W_h^n + b^n) \\
        h &= (1 - z) \odot n + z \odot h_{prev}

    (PyTorch's convention: :math:`z` is the share of the old state.) ``forward(x,
    h_prev=None)`` returns ``h``; ``backward(dh)`` returns ``dx`` and leaves ``dh_prev``.
    """

    gates = ("r", "z", "n")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        reset_after: bool = True,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        if not isinstance(reset_after, (bool, np.bool_)):
            raise TypeError(f"reset_after must be True or False, got {reset_after!r}")
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.reset_after = bool(reset_after)
        rng = make_rng(seed)
        init_recurrent_params(self, input_size, hidden_size, 3, rng, dtype)
        if self.reset_after:
            bound = 1.0 / np.sqrt(hidden_size)
            self.add_param("b_hn", rng.uniform(-bound, bound, hidden_size).astype(dtype))
        self._cache: tuple | None = None
        self.dh_prev: np.ndarray | None = None

    def forward(self, x: np.ndarray, h_prev: np.ndarray | None = None) -> np.ndarray:
        """Return the next hidden state (N, H) from ``x`` (N, D) and ``h_prev`` (N, H)."""
        x = check_step_input(x, self.input_size)
        h_prev = state_or_zeros(h_prev, "h_prev", x, self.hidden_size)
        p = self.params
        h, self._cache = gru_step_forward(
            x, h_prev, p["Wx"], p["Wh"], p["b"], p.get("b_hn"), self.reset_after
        )
        return h

    def backward(self, dh: np.ndarray) -> np.ndarray:
        """Accumulate parameter gradients, store ``dh_prev`` and return ``dx``."""
        if self._cache is None:
            raise RuntimeError("GRUCell.backward called before forward")
        check_shape(dh, self._cache[1].shape, "dh")
        dx, self.dh_prev, dWx, dWh, db, db_hn = gru_step_backward(dh, self._cache)
        self.grads["Wx"] += dWx
        self.grads["Wh"] += dWh
        self.grads["b"] += db
        if db_hn is not None:
            self.grads["b_hn"] += db_hn
        return dx
