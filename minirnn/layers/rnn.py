"""Simple recurrent layers: :class:`RNNCell` (one step) and :class:`RNN` (a whole sequence,
optionally stacked and bidirectional)."""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_choice
from minirnn.functional.activations import ACTIVATIONS
from minirnn.functional.fast.rnn import rnn_backward, rnn_forward
from minirnn.functional.rnn import rnn_step_backward, rnn_step_forward
from minirnn.layers.cell import RecurrentCell
from minirnn.layers.recurrent import RecurrentCore, RecurrentLayer, init_recurrent_params

__all__ = ["RNN", "RNNCell", "RNNCore", "init_recurrent_params"]


class RNNCell(RecurrentCell):
    r"""One step of a simple RNN, like PyTorch's ``nn.RNNCell`` (batch first, row vectors).

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``.
    nonlinearity : {"tanh", "relu", "sigmoid", "identity"}
        The activation :math:`f`.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights, :math:`U(-1/\sqrt{H}, 1/\sqrt{H})` like PyTorch.
    dtype : numpy dtype
        Parameter dtype.

    Notes
    -----
    .. math:: h = f(x W_x + h_{prev} W_h + b)

    ``forward(x, state=None)`` returns ``(h, h)``: the output and the new state (zeros stand
    in for a missing ``state``); ``backward(dh, dstate=None)`` returns ``dx`` and leaves the
    gradient of the previous state in ``dstate``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        nonlinearity: str = "tanh",
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        check_choice(nonlinearity, tuple(ACTIVATIONS), "nonlinearity")
        super().__init__(input_size, hidden_size, seed, dtype)
        self.nonlinearity = nonlinearity

    def forward(
        self, x: np.ndarray, state: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(h, h)``, the new hidden state (N, H) as output and as state."""
        x, (h_prev,) = self._step_inputs(x, state)
        p = self.params
        h, self._cache = rnn_step_forward(x, h_prev, p["Wx"], p["Wh"], p["b"], self.nonlinearity)
        return h, h

    def backward(self, dh: np.ndarray, dstate: np.ndarray | None = None) -> np.ndarray:
        """Add the parameter gradients, leave ``dstate`` (previous state), return ``dx``."""
        (dh,) = self._incoming(dh, dstate)
        dx, dh_prev, dWx, dWh, db = rnn_step_backward(dh, self._cache)
        self.accumulate(Wx=dWx, Wh=dWh, b=db)
        self._set_dstate([dh_prev])
        return dx


class RNNCore(RecurrentCore):
    """One layer, one direction of :class:`RNN`: runs the fast ``rnn_forward``/``rnn_backward``."""

    num_gates = 1
    state_names = ("h",)

    def __init__(
        self, input_size: int, hidden_size: int, rng: np.random.Generator, dtype: type,
        nonlinearity: str = "tanh",
    ) -> None:
        check_choice(nonlinearity, tuple(ACTIVATIONS), "nonlinearity")
        super().__init__(input_size, hidden_size, rng, dtype)
        self.nonlinearity = nonlinearity

    def run(self, x, states):
        p = self.params
        hs, cache = rnn_forward(
            x, states[0], p["Wx"], p["Wh"], p["b"], self.nonlinearity, self.workspace
        )
        return hs, [hs[:, -1]], cache

    def run_backward(self, dhs, cache, dfinals):
        dx, dh0, dWx, dWh, db = rnn_backward(dhs, cache, dfinals[0], self.workspace)
        self.accumulate(Wx=dWx, Wh=dWh, b=db)
        return dx, [dh0]


class RNN(RecurrentLayer):
    r"""A simple (Elman) RNN over whole sequences, batch first, like PyTorch's ``nn.RNN``.

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``.
    num_layers : int
        Number of stacked layers; layer :math:`l > 0` reads the outputs of layer
        :math:`l - 1`.
    bidirectional : bool
        Add a second core per layer that reads the sequence from the end; its states are
        concatenated after the forward core's, per step, so outputs are (N, T, 2H).
    dropout : float
        Dropout probability on the outputs of every layer except the last, in training mode
        only (:meth:`eval` turns it off). See ``fixed_dropout_masks``.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights (drawn core by core in the order ``l0``,
        ``l0_reverse``, ``l1``, ...) and then of the dropout masks.
    dtype : numpy dtype
        Parameter dtype.
    nonlinearity : {"tanh", "relu", "sigmoid", "identity"}
        The activation :math:`f` (keyword only).

    Notes
    -----
    For each layer and direction

    .. math:: h_t = f(x_t W_x + h_{t-1} W_h + b), \quad t = 1, \dots, T

    ``forward(x, state=None)`` returns ``(hs, h_last)``; ``backward(dhs, dstate=None)``
    returns ``dx`` and leaves the gradient of the initial state in ``dstate``. States are
    (N, H) for a single-layer unidirectional RNN and (num_layers * num_directions, N, H), in
    PyTorch's order, otherwise. A single-layer unidirectional RNN keeps ``Wx`` (D, H), ``Wh``
    (H, H) and ``b`` (H,) at the top level; otherwise they live in sub-layers ``l0``,
    ``l0_reverse``, ``l1``, ...
    """

    core_class = RNNCore

    def __init__(self, *args: object, nonlinearity: str = "tanh", **kwargs: object) -> None:
        super().__init__(*args, nonlinearity=nonlinearity, **kwargs)
        self.nonlinearity = nonlinearity
