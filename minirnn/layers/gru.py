"""The GRU sequence layer in both published forms, optionally stacked and bidirectional."""

from __future__ import annotations

import numpy as np

from minirnn.functional.fast.gru import gru_backward, gru_forward
from minirnn.layers.recurrent import RecurrentCore, RecurrentLayer

__all__ = ["GRU", "GRUCore"]

GRU_GATES = ("r", "z", "n")


class GRUCore(RecurrentCore):
    """One layer, one direction of :class:`GRU`: runs ``gru_forward``/``gru_backward``.

    With ``reset_after=True`` it has a fourth parameter ``b_hn`` (H,), drawn after ``Wx``,
    ``Wh`` and ``b`` from the same distribution.
    """

    gates = GRU_GATES
    num_gates = 3
    state_names = ("h",)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        rng: np.random.Generator,
        dtype: type,
        reset_after: bool = True,
    ) -> None:
        super().__init__(input_size, hidden_size, rng, dtype)
        self.reset_after = reset_after
        if reset_after:
            bound = 1.0 / np.sqrt(hidden_size)
            self.add_param("b_hn", rng.uniform(-bound, bound, hidden_size).astype(dtype))

    def run(self, x, states):
        p = self.params
        hs, cache = gru_forward(
            x, states[0], p["Wx"], p["Wh"], p["b"], p.get("b_hn"), self.reset_after
        )
        return hs, [hs[:, -1]], cache

    def run_backward(self, dhs, cache, dfinals):
        dx, dh0, dWx, dWh, db, db_hn = gru_backward(dhs, cache, dfinals[0])
        self.accumulate(Wx=dWx, Wh=dWh, b=db)
        if self.reset_after:
            self.accumulate(b_hn=db_hn)
        return dx, [dh0]


class GRU(RecurrentLayer):
    r"""Gated recurrent unit over whole sequences, batch first, like PyTorch's ``nn.GRU``.

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``.
    num_layers : int
        Number of stacked layers.
    bidirectional : bool
        Add a reverse core per layer; outputs become (N, T, 2H), forward states first.
    dropout : float
        Dropout probability on the outputs of every layer except the last, training mode
        only. See ``fixed_dropout_masks`` and ``resample_dropout``.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights and then of the dropout masks.
    dtype : numpy dtype
        Parameter dtype.
    reset_after : bool
        ``True`` (PyTorch/cuDNN, default): the reset gate multiplies :math:`h W_h^n + b_{hn}`,
        with a separate bias ``b_hn`` (H,). ``False`` (Cho et al. 2014, d2l): it multiplies
        :math:`h` before the product; no ``b_hn`` and no PyTorch equivalent.

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

    ``forward(x, h0)`` returns ``(hs, h_last)``; ``backward(dhs, dh_last=None)`` returns
    ``dx`` and leaves ``dh0``.
    """

    gates = GRU_GATES
    core_class = GRUCore

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
        reset_after: bool = True,
    ) -> None:
        if not isinstance(reset_after, (bool, np.bool_)):
            raise TypeError(f"reset_after must be True or False, got {reset_after!r}")
        self.reset_after = bool(reset_after)
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bidirectional,
            dropout,
            seed,
            dtype,
            reset_after=self.reset_after,
        )

    def forward(
        self, x: np.ndarray, h0: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the top layer's hidden states (N, T, H * num_directions) and ``h_last``."""
        hs, (h_last,) = self._forward_states(x, [h0])
        return hs, h_last

    def backward(self, dhs: np.ndarray, dh_last: np.ndarray | None = None) -> np.ndarray:
        """Backpropagate through time; accumulate gradients, store ``dh0``, return ``dx``.

        ``dh_last`` is a gradient arriving at the final state from outside; without it none
        flows there.
        """
        return self._backward_states(dhs, [dh_last])
