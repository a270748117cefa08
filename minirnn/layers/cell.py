"""What the one-step cells share: :class:`RecurrentCell`, the base of ``RNNCell``,
``LSTMCell`` and ``GRUCell``.

A cell follows the sequence layers' interface one step at a time:
``forward(x, state=None)`` returns ``(h, state)`` and ``backward(dh, dstate=None)`` returns
``dx`` and leaves the gradient of the previous state in the attribute ``dstate``. ``state``
is ``h`` for a cell with one state and the tuple ``(h, c)`` for the LSTM cell, each (N, H).
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import (
    as_float_array,
    check_shape,
    check_step_input,
    make_rng,
    state_or_zeros,
)
from minirnn.layers.base import Layer
from minirnn.layers.recurrent import init_recurrent_params
from minirnn.layers.state import join_state, split_state


class RecurrentCell(Layer):
    """Base of the one-step cells: parameters, state handling and the backward's checks.

    Subclasses set ``num_gates``, ``gates`` and ``state_names`` and write ``forward`` and
    ``backward`` around their functional step pair with :meth:`_step_inputs` and
    :meth:`_incoming`.
    """

    #: how many H-wide blocks Wx, Wh and b have
    num_gates: int = 1
    #: names of those blocks (gradient-check reports split Wx, Wh, b by them)
    gates: tuple[str, ...] | None = None
    #: the states, in the order a tuple state holds them
    state_names: tuple[str, ...] = ("h",)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        self.set_sizes(input_size=input_size, hidden_size=hidden_size)
        self.rng = make_rng(seed)
        init_recurrent_params(self, input_size, hidden_size, self.num_gates, self.rng, dtype)
        self._cache: tuple | None = None
        self._state_shape: tuple[int, int] | None = None
        #: gradient of the previous state after backward (same structure as ``state``)
        self.dstate: np.ndarray | tuple[np.ndarray, ...] | None = None

    def _step_inputs(self, x: object, state: object) -> tuple[np.ndarray, list[np.ndarray]]:
        """``x`` checked to be (N, D) and the previous state's arrays (zeros where None)."""
        x = check_step_input(x, self.input_size)
        arrays = split_state(state, self.state_names, type(self).__name__)
        label = "state" if len(arrays) == 1 else "state[{}]"
        states = [
            state_or_zeros(a, label.format(i), x, self.hidden_size) for i, a in enumerate(arrays)
        ]
        self._state_shape = (x.shape[0], self.hidden_size)
        return x, states

    def _incoming(self, dh: object, dstate: object) -> list[np.ndarray | None]:
        """The gradients reaching the new state, in ``state_names`` order.

        The step returns ``h`` twice (as output and inside the state), so its gradient is
        ``dh`` plus the ``h`` part of ``dstate``; the other parts are ``dstate``'s (or None).
        """
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        dh = as_float_array(dh, "dh")
        check_shape(dh, self._state_shape, "dh")
        grads = split_state(dstate, self.state_names, type(self).__name__)
        for grad in grads:
            if grad is not None:
                check_shape(as_float_array(grad, "dstate"), self._state_shape, "dstate")
        grads[0] = dh if grads[0] is None else dh + grads[0]
        return grads

    def _set_dstate(self, arrays: list[np.ndarray]) -> None:
        self.dstate = join_state(arrays)
