"""One GRU step as a layer: :class:`GRUCell`, like PyTorch's ``nn.GRUCell``."""

from __future__ import annotations

import numpy as np

from minirnn.functional.gru import gru_step_backward, gru_step_forward
from minirnn.layers.cell import RecurrentCell
from minirnn.layers.gru import GRU_GATES, add_reset_bias


class GRUCell(RecurrentCell):
    r"""One step of a gated recurrent unit (batch first, row vectors), in either form.

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``.
    reset_after : bool
        True (default): PyTorch/cuDNN form with the extra bias ``b_hn``. False: Cho et al.
        2014 / d2l form, reset applied to :math:`h_{prev}` before the product.
    seed, dtype
        As in :class:`~minirnn.layers.RNNCell`: the source of the initial weights, the
        parameter dtype.

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
    state=None)`` returns ``(h, h)``; ``backward(dh, dstate=None)`` returns ``dx`` and
    leaves the previous state's gradient in ``dstate``.
    """

    gates = GRU_GATES
    num_gates = 3

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        reset_after: bool = True,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__(input_size, hidden_size, seed, dtype)
        self.reset_after = add_reset_bias(self, reset_after, hidden_size, self.rng, dtype)

    def forward(
        self, x: np.ndarray, state: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(h, h)``, the new hidden state (N, H) as output and as state."""
        x, (h_prev,) = self._step_inputs(x, state)
        p = self.params
        h, self._cache = gru_step_forward(
            x, h_prev, p["Wx"], p["Wh"], p["b"], p.get("b_hn"), self.reset_after
        )
        return h, h

    def backward(self, dh: np.ndarray, dstate: np.ndarray | None = None) -> np.ndarray:
        """Add the parameter gradients, leave ``dstate`` (previous state), return ``dx``."""
        (dh,) = self._incoming(dh, dstate)
        dx, dh_prev, dWx, dWh, db, db_hn = gru_step_backward(dh, self._cache)
        self.accumulate(Wx=dWx, Wh=dWh, b=db)
        if db_hn is not None:
            self.accumulate(b_hn=db_hn)
        self._set_dstate([dh_prev])
        return dx
