"""One LSTM step as a layer: :class:`LSTMCell`, like PyTorch's ``nn.LSTMCell``."""

from __future__ import annotations

import numpy as np

from minirnn._checks import (
    check_positive_int,
    check_shape,
    check_step_input,
    make_rng,
    state_or_zeros,
)
from minirnn.functional.lstm import lstm_step_backward, lstm_step_forward
from minirnn.layers.base import Layer
from minirnn.layers.rnn import init_recurrent_params


class LSTMCell(Layer):
    r"""One step of a long short-term memory network (batch first, row vectors).

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights, :math:`U(-1/\sqrt{H}, 1/\sqrt{H})` like PyTorch.
    dtype : numpy dtype
        Parameter dtype.

    Notes
    -----
    Parameters ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,), gate blocks in PyTorch's order
    i, f, g, o (``gates``; the gradient-check report splits them per gate):

    .. math::

        [a^i, a^f, a^g, a^o] &= x W_x + h_{prev} W_h + b \\
        c &= \sigma(a^f) \odot c_{prev} + \sigma(a^i) \odot \tanh(a^g), \qquad
        h = \sigma(a^o) \odot \tanh(c)

    ``forward(x, h_prev=None, c_prev=None)`` returns ``(h, c)`` (missing states are zeros);
    ``backward(dh, dc=None)`` returns ``dx`` and leaves ``dh_prev`` and ``dc_prev``.
    """

    gates = ("i", "f", "g", "o")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        init_recurrent_params(self, input_size, hidden_size, 4, make_rng(seed), dtype)
        self._cache: tuple | None = None
        self.dh_prev: np.ndarray | None = None
        self.dc_prev: np.ndarray | None = None

    def forward(
        self, x: np.ndarray, h_prev: np.ndarray | None = None, c_prev: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the next hidden and cell states, each (N, H), from ``x`` (N, D)."""
        x = check_step_input(x, self.input_size)
        h_prev = state_or_zeros(h_prev, "h_prev", x, self.hidden_size)
        c_prev = state_or_zeros(c_prev, "c_prev", x, self.hidden_size)
        p = self.params
        h, c, self._cache = lstm_step_forward(x, h_prev, c_prev, p["Wx"], p["Wh"], p["b"])
        return h, c

    def backward(self, dh: np.ndarray, dc: np.ndarray | None = None) -> np.ndarray:
        """Accumulate parameter gradients, store ``dh_prev``/``dc_prev``, return ``dx``."""
        if self._cache is None:
            raise RuntimeError("LSTMCell.backward called before forward")
        state_shape = self._cache[1].shape
        check_shape(dh, state_shape, "dh")
        if dc is not None:
            check_shape(dc, state_shape, "dc")
        dx, self.dh_prev, self.dc_prev, dWx, dWh, db = lstm_step_backward(dh, dc, self._cache)
        self.grads["Wx"] += dWx
        self.grads["Wh"] += dWh
        self.grads["b"] += db
        return dx
