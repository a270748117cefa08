"""The GRU sequence layer in both published forms, optionally stacked and bidirectional."""

from __future__ import annotations

import numpy as np

from minirnn.functional.fast.gru import gru_backward, gru_forward
from minirnn.layers.base import Layer
from minirnn.layers.recurrent import RecurrentCore, RecurrentLayer

__all__ = ["GRU", "GRUCore", "add_reset_bias"]

GRU_GATES = ("r", "z", "n")


def add_reset_bias(
    layer: Layer, reset_after: object, hidden_size: int, rng: np.random.Generator, dtype: type
) -> bool:
    """Check ``reset_after`` and, when True, give ``layer`` the bias ``b_hn`` (H,).

    ``b_hn`` is drawn after ``Wx``, ``Wh`` and ``b`` from the same
    :math:`U(-1/\\sqrt{H}, 1/\\sqrt{H})`. Returns ``reset_after`` as a bool.
    """
    if not isinstance(reset_after, (bool, np.bool_)):
        raise TypeError(f"reset_after must be True or False, got {reset_after!r}")
    if reset_after:
        bound = 1.0 / np.sqrt(hidden_size)
        layer.add_param("b_hn", rng.uniform(-bound, bound, hidden_size).astype(dtype))
    return bool(reset_after)


class GRUCore(RecurrentCore):
    """One layer, one direction of :class:`GRU`: runs the fast ``gru_forward``/``gru_backward``.

    With ``reset_after=True`` it has a fourth parameter ``b_hn`` (H,), drawn after ``Wx``,
    ``Wh`` and ``b`` from the same distribution.
    """

    gates = GRU_GATES
    num_gates = 3
    state_names = ("h",)

    def __init__(
        self, input_size: int, hidden_size: int, rng: np.random.Generator, dtype: type,
        reset_after: bool = True,
    ) -> None:
        super().__init__(input_size, hidden_size, rng, dtype)
        self.reset_after = add_reset_bias(self, reset_after, hidden_size, rng, dtype)

    def run(self, x, states):
        p = self.params
        hs, cache = gru_forward(
            x, states[0], p["Wx"], p["Wh"], p["b"], p.get("b_hn"), self.reset_after,
            self.workspace,
        )
        return hs, [hs[:, -1]], cache

    def run_backward(self, dhs, cache, dfinals):
        dx, dh0, dWx, dWh, db, db_hn = gru_backward(dhs, cache, dfinals[0], self.workspace)
        self.accumulate(Wx=dWx, Wh=dWh, b=db)
        if self.reset_after:
            self.accumulate(b_hn=db_hn)
        return dx, [dh0]


class GRU(RecurrentLayer):
    r"""Gated recurrent unit over whole sequences, batch first, like PyTorch's ``nn.GRU``.

    Parameters
    ----------
    input_size, hidden_size, num_layers, bidirectional, dropout, seed, dtype
        As in :class:`~minirnn.layers.RNN`: sizes, stacking, directions, dropout between
        layers, the source of the weights and then of the dropout masks, parameter dtype.
    reset_after : bool
        ``True`` (PyTorch/cuDNN, default): the reset gate multiplies :math:`h W_h^n + b_{hn}`,
        with a separate bias ``b_hn`` (H,). ``False`` (Cho et al. 2014, d2l): it multiplies
        :math:`h` before the product; no ``b_hn`` and no PyTorch equivalent (keyword only).

    Notes
    -----
    Gates fused in PyTorch's order :math:`r, z, n`: ``Wx`` (D, 3H), ``Wh`` (H, 3H), ``b``
    (3H,). For each layer and direction

    .. math::

        r_t &= \sigma(x_t W_x^r + h_{t-1} W_h^r + b^r), \quad
        z_t = \sigma(x_t W_x^z + h_{t-1} W_h^z + b^z) \\
        n_t &= \tanh(x_t W_x^n + b^n + r_t \odot (h_{t-1} W_h^n + b_{hn}))
        \quad \text{or} \quad \tanh(x_t W_x^n + (r_t \odot h_{t-1}) W_h^n + b^n) \\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    ``forward(x, state=None)`` returns ``(hs, h_last)``; ``backward(dhs, dstate=None)``
    returns ``dx`` and leaves the initial state's gradient in ``dstate``.
    """

    core_class = GRUCore

    def __init__(self, *args: object, reset_after: bool = True, **kwargs: object) -> None:
        super().__init__(*args, reset_after=reset_after, **kwargs)
        self.reset_after = bool(reset_after)
