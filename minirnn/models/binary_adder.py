"""An RNN that learns to add binary numbers, bit by bit, least significant bit first.

Two modes share one class:

* **classic** reproduces the famous NumPy script of the binary-addition RNN (8-bit numbers,
  16 sigmoid hidden units, no biases, one example per update, learning rate 0.1) draw for
  draw from the legacy global ``np.random`` stream, so its printout matches the write-ups
  (:func:`minirnn.train.classics.binary_adder_classic` is the script's loop);
* **modern** is the same idea done properly with minirnn's layers: biases, minibatches,
  any bit width, a cross-entropy loss, trained with :func:`minirnn.train.fit` on
  :func:`~minirnn.tasks.binary_addition.addition_batches`, and tested for length
  generalisation (train on 8-bit sums, add 64-bit numbers).
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import (
    as_float_array,
    check_choice,
    check_ndim,
    check_positive_int,
    check_seed,
    make_rng,
)
from minirnn.layers.base import Layer
from minirnn.layers.linear import Linear
from minirnn.layers.rnn import RNN
from minirnn.losses import binary_cross_entropy_with_logits
from minirnn.tasks.binary_addition import addition_batch, int_to_bits


def _classic_sigmoid(a: np.ndarray) -> np.ndarray:
    # The original's own formula; minirnn's overflow-safe sigmoid rounds differently for
    # negative inputs, which would break the bit-for-bit reproduction.
    return 1.0 / (1.0 + np.exp(-a))


class BinaryAdder(Layer):
    r"""An Elman RNN reading two bits per step and writing one bit of their sum.

    Parameters
    ----------
    bits : int
        Width of the training sums (8 in the classic script).
    hidden_size : int
        ``H`` (16 in the classic script).
    classic : bool
        If True, build the classic network: ``np.random.seed(seed)`` then weights
        ``2*random - 1`` drawn input->hidden ``Wx`` (2, H), hidden->output ``Wy`` (H, 1),
        hidden->hidden ``Wh`` (H, H), in that order, no biases, sigmoid everywhere.
        The original calls them ``synapse_0``, ``synapse_1`` and ``synapse_h``.
        If False, a sub-layer ``rnn`` (:class:`~minirnn.layers.RNN` with biases) and a
        sub-layer ``head`` (:class:`~minirnn.layers.Linear`) drawn from ``seed``.
    nonlinearity : {"sigmoid", "tanh"}
        Hidden activation of the modern network (the classic one is always sigmoid).
    seed : int
        Classic: the legacy global seed. Modern: the seed of a ``np.random.Generator``.

    Notes
    -----
    Both modes compute, for bits :math:`x_t = (a_t, b_t)` from the least significant,

    .. math::

        h_t = f(x_t W_x + h_{t-1} W_h + b_h), \qquad
        o_t = \sigma(h_t W_y + b_y), \qquad h_0 = 0,

    with no biases in the classic mode. The classic update is plain gradient descent, one
    example at a time, on the squared error

    .. math:: E = \tfrac12 \sum_t (y_t - o_t)^2,

    whose output delta is :math:`\partial E / \partial z_t = -(y_t - o_t)\,o_t(1 - o_t)`
    (the script adds ``alpha`` times the negative gradient). The number it *prints* is a
    different one, :math:`\sum_t |y_t - o_t|`. The modern mode minimises the mean binary
    cross-entropy of the logits :math:`z_t = h_t W_y + b_y`.
    """

    def __init__(
        self,
        bits: int = 8,
        hidden_size: int = 16,
        classic: bool = False,
        nonlinearity: str = "sigmoid",
        seed: int = 0,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        self.bits = check_positive_int(bits, "bits")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        check_choice(nonlinearity, ("sigmoid", "tanh"), "nonlinearity")
        self.classic = bool(classic)
        self.nonlinearity = "sigmoid" if classic else nonlinearity
        if self.classic:
            # The original seeds the legacy global stream and draws in this exact order;
            # reproducing it is the point, hence the legacy calls.
            check_seed(seed)
            if not isinstance(seed, (int, np.integer)):
                raise TypeError(f"classic=True needs an int seed (the legacy np.random.seed), "
                                f"got {type(seed).__name__}")
            np.random.seed(seed)  # noqa: NPY002
            for name, shape in (("Wx", (2, hidden_size)), ("Wy", (hidden_size, 1)),
                                ("Wh", (hidden_size, hidden_size))):
                uniform = np.random.random(shape)  # noqa: NPY002
                self.add_param(name, (2 * uniform - 1).astype(dtype))
        else:
            rng = make_rng(seed)
            rnn = RNN(2, hidden_size, nonlinearity=nonlinearity, seed=rng, dtype=dtype)
            self.add_sublayer("rnn", rnn)
            self.add_sublayer("head", Linear(hidden_size, 1, seed=rng, dtype=dtype))
        self._cache: tuple | None = None

    # -- the classic network, one example at a time -----------------------------------
    def classic_example(self, a: int, b: int) -> tuple[float, float, np.ndarray]:
        """Forward and backward of one classic example; *adds* dE/dW into ``grads``.

        Returns ``(E, printed_error, predicted_bits)`` with ``E`` the squared-error loss
        the update descends, ``printed_error`` the script's :math:`\\sum_t |y_t - o_t|` and
        the rounded outputs, most significant bit first.
        """
        self._require_classic()
        p = self.params
        a_bits = int_to_bits(a, self.bits)
        b_bits = int_to_bits(b, self.bits)
        c_bits = int_to_bits(a + b, self.bits)
        hidden = [np.zeros(self.hidden_size)]
        out_deltas = []
        printed = 0.0
        loss = 0.0
        predicted = np.zeros_like(c_bits)
        for t in range(self.bits):  # t = 0 is the least significant bit
            k = self.bits - 1 - t
            x = np.array([[a_bits[k], b_bits[k]]])
            h = _classic_sigmoid(x @ p["Wx"] + hidden[-1] @ p["Wh"])
            o = _classic_sigmoid(h @ p["Wy"])
            miss = c_bits[k] - o  # y - o, shape (1, 1)
            # Negative output delta, as the script keeps it: (y - o) o (1 - o).
            out_deltas.append(miss * (o * (1 - o)))
            printed = printed + np.abs(miss)
            loss += 0.5 * float(miss[0, 0]) ** 2
            predicted[k] = np.round(o[0, 0])
            hidden.append(h)
        # Backward through time; everything below is the *negative* gradient, summed in the
        # script's order so the weights stay bit-identical to it.
        up_x = np.zeros_like(p["Wx"])
        up_y = np.zeros_like(p["Wy"])
        up_h = np.zeros_like(p["Wh"])
        from_future = np.zeros(self.hidden_size)
        for t in reversed(range(self.bits)):
            k = self.bits - 1 - t
            x = np.array([[a_bits[k], b_bits[k]]])
            h, h_prev = hidden[t + 1], hidden[t]
            delta = (from_future @ p["Wh"].T + out_deltas[t] @ p["Wy"].T) * (h * (1 - h))
            up_y += np.atleast_2d(h).T @ out_deltas[t]
            up_h += np.atleast_2d(h_prev).T @ delta
            up_x += x.T @ delta
            from_future = delta
        self.grads["Wx"] -= up_x
        self.grads["Wy"] -= up_y
        self.grads["Wh"] -= up_h
        return loss, float(printed[0, 0]), predicted

    def _require_classic(self) -> None:
        if not self.classic:
            raise RuntimeError("this method belongs to the classic network (classic=True)")

    # -- batched forward/backward (both modes) -----------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits (N, T, 1) of the sum bits for operand bits ``x`` (N, T, 2), LSB first.

        Any length ``T`` works, which is what the length-generalisation test uses.
        """
        x = as_float_array(x, "x")
        check_ndim(x, 3, "x", "(N, T, 2)")
        if x.shape[2] != 2:
            raise ValueError(f"x must have shape (N, T, 2), got {tuple(x.shape)}")
        if self.classic:
            p = self.params
            h = np.zeros((x.shape[0], self.hidden_size))
            hs = np.empty(x.shape[:2] + (self.hidden_size,))
            projected = x @ p["Wx"]
            for t in range(x.shape[1]):
                h = _classic_sigmoid(projected[:, t] + h @ p["Wh"])
                hs[:, t] = h
            return hs @ p["Wy"]
        hs, _ = self.sublayers["rnn"].forward(x)
        return self.sublayers["head"].forward(hs)

    def backward(self, dlogits: np.ndarray) -> np.ndarray:
        """Backward of the modern network; accumulates grads and returns ``dx``."""
        if self.classic:
            raise RuntimeError("the classic network trains with classic_example()")
        dhs = self.sublayers["head"].backward(dlogits)
        return self.sublayers["rnn"].backward(dhs)

    def forward_backward(self, batch: object) -> float:
        """Mean binary cross-entropy of ``batch``'s sum bits; adds into ``grads`` (modern).

        ``batch.inputs`` are operand bits (N, T, 2), ``batch.targets`` sum bits (N, T, 1),
        as :func:`~minirnn.tasks.binary_addition.addition_batches` makes them: the
        :func:`minirnn.train.fit` protocol.
        """
        loss, dlogits = binary_cross_entropy_with_logits(self.forward(batch.inputs),
                                                         batch.targets)
        self.backward(dlogits)
        return float(loss)

    def evaluate(self, batch: object) -> float:
        """Mean binary cross-entropy of ``batch`` without touching the gradients."""
        loss, _ = binary_cross_entropy_with_logits(self.forward(batch.inputs), batch.targets)
        return float(loss)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted sum bits (N, T) as 0/1 integers."""
        return (self.forward(x)[:, :, 0] > 0).astype(np.int64)

    def accuracy(
        self, bits: int, n: int = 1000, seed: int | np.random.Generator = 1
    ) -> tuple[float, float]:
        """(fraction of ``n`` random ``bits``-bit sums fully right, fraction of bits right)."""
        x, y = addition_batch(n, bits, make_rng(seed))
        right = self.predict(x) == y[:, :, 0]
        return float(right.all(axis=1).mean()), float(right.mean())
