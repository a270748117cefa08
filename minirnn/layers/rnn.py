"""Simple recurrent layers: :class:`RNNCell` (one step) and :class:`RNN` (a whole sequence)."""

from __future__ import annotations

import numpy as np

from minirnn._checks import (
    as_float_array,
    check_choice,
    check_ndim,
    check_positive_int,
    check_shape,
    make_rng,
)
from minirnn.functional.activations import ACTIVATIONS
from minirnn.functional.rnn import (
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from minirnn.layers.base import Layer


def init_recurrent_params(
    layer: Layer,
    input_size: int,
    hidden_size: int,
    gates: int,
    rng: np.random.Generator,
    dtype: type,
) -> None:
    r"""Give ``layer`` parameters ``Wx`` (D, G*H), ``Wh`` (H, G*H) and ``b`` (G*H,).

    Every entry is drawn from :math:`U(-1/\sqrt{H}, 1/\sqrt{H})`, PyTorch's default for
    recurrent layers, in the order Wx, Wh, b.
    """
    bound = 1.0 / np.sqrt(hidden_size)
    width = gates * hidden_size
    layer.add_param("Wx", rng.uniform(-bound, bound, (input_size, width)).astype(dtype))
    layer.add_param("Wh", rng.uniform(-bound, bound, (hidden_size, width)).astype(dtype))
    layer.add_param("b", rng.uniform(-bound, bound, width).astype(dtype))


class RNNCell(Layer):
    r"""One step of a simple RNN, like PyTorch's ``nn.RNNCell`` (batch first, row vectors).

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``.
    nonlinearity : {"tanh", "relu", "sigmoid", "identity"}
        The activation :math:`f`.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights.
    dtype : numpy dtype
        Parameter dtype.

    Notes
    -----
    .. math:: h = f(x W_x + h_{prev} W_h + b)

    ``forward(x, h_prev)`` returns ``h``; ``backward(dh)`` returns ``dx`` and leaves the
    gradient of the previous state in ``dh_prev``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        nonlinearity: str = "tanh",
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        check_choice(nonlinearity, tuple(ACTIVATIONS), "nonlinearity")
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.nonlinearity = nonlinearity
        init_recurrent_params(self, input_size, hidden_size, 1, make_rng(seed), dtype)
        self._cache: tuple | None = None
        self.dh_prev: np.ndarray | None = None

    def forward(self, x: np.ndarray, h_prev: np.ndarray | None = None) -> np.ndarray:
        """Return the next hidden state (N, H) from ``x`` (N, D) and ``h_prev`` (N, H)."""
        x = as_float_array(x, "x")
        check_ndim(x, 2, "x", "(N, D)")
        check_shape(x, (None, self.input_size), "x")
        if h_prev is None:
            h_prev = np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype)
        h_prev = as_float_array(h_prev, "h_prev")
        check_shape(h_prev, (x.shape[0], self.hidden_size), "h_prev")
        p = self.params
        h, self._cache = rnn_step_forward(x, h_prev, p["Wx"], p["Wh"], p["b"], self.nonlinearity)
        return h

    def backward(self, dh: np.ndarray) -> np.ndarray:
        """Accumulate parameter gradients, store ``dh_prev`` and return ``dx``."""
        if self._cache is None:
            raise RuntimeError("RNNCell.backward called before forward")
        dx, self.dh_prev, dWx, dWh, db = rnn_step_backward(dh, self._cache)
        self.grads["Wx"] += dWx
        self.grads["Wh"] += dWh
        self.grads["b"] += db
        return dx


class RNN(Layer):
    r"""A simple RNN over a whole sequence, batch first, like PyTorch's ``nn.RNN``.

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``.
    nonlinearity : {"tanh", "relu", "sigmoid", "identity"}
        The activation :math:`f`.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights.
    dtype : numpy dtype
        Parameter dtype.

    Notes
    -----
    .. math:: h_t = f(x_t W_x + h_{t-1} W_h + b), \quad t = 1, \dots, T

    ``forward(x, h0)`` returns ``(hs, h_last)``; ``backward(dhs, dh_last=None)`` returns
    ``dx`` and leaves the gradient of the initial state in ``dh0``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        nonlinearity: str = "tanh",
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        check_choice(nonlinearity, tuple(ACTIVATIONS), "nonlinearity")
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.nonlinearity = nonlinearity
        init_recurrent_params(self, input_size, hidden_size, 1, make_rng(seed), dtype)
        self._cache: tuple | None = None
        self.dh0: np.ndarray | None = None

    def forward(
        self, x: np.ndarray, h0: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return every hidden state (N, T, H) and the final one (N, H)."""
        x = as_float_array(x, "x")
        check_ndim(x, 3, "x", "(N, T, D)")
        check_shape(x, (None, None, self.input_size), "x")
        if h0 is None:
            h0 = np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype)
        h0 = as_float_array(h0, "h0")
        check_shape(h0, (x.shape[0], self.hidden_size), "h0")
        p = self.params
        hs, self._cache = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"], self.nonlinearity)
        return hs, hs[:, -1]

    def backward(self, dhs: np.ndarray, dh_last: np.ndarray | None = None) -> np.ndarray:
        """Backpropagate through time; accumulate gradients, store ``dh0``, return ``dx``."""
        if self._cache is None:
            raise RuntimeError("RNN.backward called before forward")
        x, h0 = self._cache[0], self._cache[1]
        check_shape(dhs, x.shape[:2] + (self.hidden_size,), "dhs")
        if dh_last is not None:
            check_shape(dh_last, h0.shape, "dh_last")
        dx, self.dh0, dWx, dWh, db = rnn_backward(dhs, self._cache, dh_last)
        self.grads["Wx"] += dWx
        self.grads["Wh"] += dWh
        self.grads["b"] += db
        return dx
