"""One LSTM step as a layer: :class:`LSTMCell`, like PyTorch's ``nn.LSTMCell``."""

from __future__ import annotations

import numpy as np

from minirnn.functional.lstm import lstm_step_backward, lstm_step_forward
from minirnn.layers.cell import RecurrentCell
from minirnn.layers.lstm import LSTM_GATES


class LSTMCell(RecurrentCell):
    r"""One step of a long short-term memory network (batch first, row vectors).

    Parameters
    ----------
    input_size, hidden_size, seed, dtype
        As in :class:`~minirnn.layers.RNNCell`: sizes ``D`` and ``H``, the source of the
        initial weights, the parameter dtype.

    Notes
    -----
    Parameters ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,), gate blocks in PyTorch's order
    i, f, g, o (``gates``; the gradient-check report splits them per gate):

    .. math::

        [a^i, a^f, a^g, a^o] &= x W_x + h_{prev} W_h + b \\
        c &= \sigma(a^f) \odot c_{prev} + \sigma(a^i) \odot \tanh(a^g), \qquad
        h = \sigma(a^o) \odot \tanh(c)

    The state is the tuple ``(h, c)``. ``forward(x, state=None)`` returns ``(h, (h, c))``
    (zeros stand in for a missing state); ``backward(dh, dstate=None)``, with ``dstate =
    (dh_state, dc)`` (either may be None), returns ``dx`` and leaves ``dstate = (dh_prev,
    dc_prev)``.
    """

    gates = LSTM_GATES
    num_gates = 4
    state_names = ("h", "c")

    def forward(
        self, x: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Return ``(h, (h, c))``: the new hidden state (N, H) and the new state."""
        x, (h_prev, c_prev) = self._step_inputs(x, state)
        p = self.params
        h, c, self._cache = lstm_step_forward(x, h_prev, c_prev, p["Wx"], p["Wh"], p["b"])
        return h, (h, c)

    def backward(
        self, dh: np.ndarray, dstate: tuple[np.ndarray | None, np.ndarray | None] | None = None
    ) -> np.ndarray:
        """Add the parameter gradients, leave ``dstate = (dh_prev, dc_prev)``, return ``dx``."""
        dh, dc = self._incoming(dh, dstate)
        dx, dh_prev, dc_prev, dWx, dWh, db = lstm_step_backward(dh, dc, self._cache)
        self.accumulate(Wx=dWx, Wh=dWh, b=db)
        self._set_dstate([dh_prev, dc_prev])
        return dx
