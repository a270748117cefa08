"""The LSTM sequence layer, optionally stacked and bidirectional (like PyTorch's ``nn.LSTM``)."""

from __future__ import annotations

from minirnn.functional.fast.lstm import lstm_backward, lstm_forward
from minirnn.layers.recurrent import RecurrentCore, RecurrentLayer

__all__ = ["LSTM", "LSTMCore"]

LSTM_GATES = ("i", "f", "g", "o")


class LSTMCore(RecurrentCore):
    """One layer, one direction of :class:`LSTM`: runs the fast LSTM sequence pair."""

    gates = LSTM_GATES
    num_gates = 4
    state_names = ("h", "c")

    def run(self, x, states):
        p = self.params
        hs, c_last, cache = lstm_forward(
            x, states[0], states[1], p["Wx"], p["Wh"], p["b"], self.workspace
        )
        return hs, [hs[:, -1], c_last], cache

    def run_backward(self, dhs, cache, dfinals):
        dx, dh0, dc0, dWx, dWh, db = lstm_backward(
            dhs, cache, dfinals[0], dfinals[1], self.workspace
        )
        self.accumulate(Wx=dWx, Wh=dWh, b=db)
        return dx, [dh0, dc0]


class LSTM(RecurrentLayer):
    r"""Long short-term memory over whole sequences, batch first, like PyTorch's ``nn.LSTM``.

    Parameters
    ----------
    input_size, hidden_size, num_layers, bidirectional, dropout, seed, dtype
        As in :class:`~minirnn.layers.RNN`: sizes, stacking, directions, dropout between
        layers, the source of the weights (:math:`U(-1/\sqrt{H}, 1/\sqrt{H})` core by core)
        and then of the dropout masks, parameter dtype.

    Notes
    -----
    Gates fused in PyTorch's order :math:`i, f, g, o`: ``Wx`` (D, 4H), ``Wh`` (H, 4H),
    ``b`` (4H,). For each layer and direction

    .. math::

        [a^i_t, a^f_t, a^g_t, a^o_t] &= x_t W_x + h_{t-1} W_h + b \\
        c_t &= \sigma(a^f_t) \odot c_{t-1} + \sigma(a^i_t) \odot \tanh(a^g_t) \\
        h_t &= \sigma(a^o_t) \odot \tanh(c_t)

    The state is the tuple ``(h, c)``: ``forward(x, state=None)`` returns ``(hs, (h_last,
    c_last))``; ``backward(dhs, dstate=None)``, with ``dstate = (dh_last, dc_last)`` (either
    may be None), returns ``dx`` and leaves ``dstate = (dh0, dc0)``. Each state array is
    (N, H) for a single-layer unidirectional LSTM and (num_layers * num_directions, N, H)
    otherwise.
    """

    core_class = LSTMCore
