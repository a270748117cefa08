r"""Learn2Carry: a recurrent network that adds two decimal numbers digit by digit (seed 004).

Each digit goes through one shared embedding; the two embeddings of a position are
concatenated and read by a recurrent layer, and a linear layer predicts the digit of the sum
at every step. The network has to discover the carry and keep it in its state.
The data is :mod:`minirnn.tasks.carry`.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_positive_int, make_rng
from minirnn.layers.base import Layer
from minirnn.layers.embedding import Embedding
from minirnn.layers.linear import Linear
from minirnn.layers.registry import recurrent_layer
from minirnn.models.cross_entropy import cross_entropy_step

__all__ = ["Learn2Carry"]

#: the ten decimal digits are the vocabulary of inputs and outputs alike
DIGITS = 10


class Learn2Carry(Layer):
    r"""Digit-by-digit adder: embedding, concatenation, RNN/LSTM/GRU, a linear layer per step.

    Parameters
    ----------
    hidden_size : int
        State size ``H``.
    embedding_dim : int
        Size ``E`` of the digit embedding (shared by both operands).
    cell : {"rnn", "lstm", "gru"}
        The recurrent cell (``"rnn"`` is the simple recurrent network, SRN).
    num_layers : int
        Stacked recurrent layers.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights.
    dtype : numpy dtype
        Parameter dtype; float64 for gradient checks.

    Notes
    -----
    For operand digits :math:`a_t, b_t` (least significant first) and sum digits
    :math:`s_t`:

    .. math::

        x_t = [W^{emb}_{a_t};\ W^{emb}_{b_t}] \in \mathbb{R}^{2E}, \qquad
        h_t = \mathrm{cell}(x_t, h_{t-1}), \qquad
        z_t = h_t W^{out} + b^{out} \in \mathbb{R}^{10},

    .. math::

        L = -\frac{1}{NT} \sum_{n,t} \log \mathrm{softmax}(z_{n,t})_{s_{n,t}}

    in nats per digit. The embedding gradient of a position is split back into its two
    halves, one per operand, and both are scatter-added into the one table
    :math:`W^{emb}`. Nothing in the model knows about addition; a network trained on
    ``w``-digit numbers can be run on longer ones, which tests whether it learned the carry
    rule or memorised positions.
    """

    def __init__(
        self,
        hidden_size: int = 32,
        embedding_dim: int = 8,
        cell: str = "lstm",
        num_layers: int = 1,
        seed: int | np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = make_rng(seed)
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.cell = cell
        self.embedding = self.add_sublayer(
            "embedding", Embedding(DIGITS, embedding_dim, seed=rng, dtype=dtype)
        )
        self.rnn = self.add_sublayer(
            "rnn", recurrent_layer(cell, 2 * embedding_dim, hidden_size, num_layers=num_layers,
                                   seed=rng, dtype=dtype)
        )
        self.head = self.add_sublayer("head", Linear(hidden_size, DIGITS, seed=rng, dtype=dtype))
        self._hs: np.ndarray | None = None

    def config(self) -> dict:
        """The constructor arguments (without seed and dtype)."""
        return {"hidden_size": self.hidden_size, "embedding_dim": self.embedding_dim,
                "cell": self.cell, "num_layers": self.rnn.num_layers}

    @staticmethod
    def _check_inputs(inputs: object) -> np.ndarray:
        inputs = np.asarray(inputs)
        if not np.issubdtype(inputs.dtype, np.integer):
            raise TypeError(f"inputs must be integer digits, got dtype {inputs.dtype}")
        if inputs.ndim != 3 or inputs.shape[2] != 2:
            raise ValueError(f"inputs must have shape (N, T, 2) (two operands), got {inputs.shape}")
        if inputs.size and (inputs.min() < 0 or inputs.max() > 9):
            raise ValueError(f"digits must lie in 0..9, got {inputs.min()} to {inputs.max()}")
        return inputs

    # -- passes -------------------------------------------------------------------------
    def forward(self, inputs: np.ndarray) -> np.ndarray:
        """Logits (N, T, 10) of the sum's digits for operand digits ``inputs`` (N, T, 2)."""
        inputs = self._check_inputs(inputs)
        N, T, _ = inputs.shape
        # one lookup for both operands: (N, T, 2, E), then the two rows side by side
        x = self.embedding.forward(inputs).reshape(N, T, 2 * self.embedding_dim)
        hs = self.rnn.forward(x)[0]
        self._hs = hs
        return self.head.forward(hs)

    def backward(self, dlogits: np.ndarray) -> None:
        """Backpropagate the logits' gradient into every parameter (accumulating)."""
        if self._hs is None:
            raise RuntimeError("Learn2Carry.backward called before forward")
        dx = self.rnn.backward(self.head.backward(dlogits))
        N, T, _ = dx.shape
        self.embedding.backward(dx.reshape(N, T, 2, self.embedding_dim))

    def hidden_states(self, inputs: np.ndarray) -> np.ndarray:
        """The top layer's states (N, T, H) while reading ``inputs``, in evaluation mode."""
        with self.evaluating():
            self.forward(inputs)
        return self._hs

    # -- the model protocol of minirnn.train.fit --------------------------------------------
    def _loss(self, batch, backward: bool) -> float:
        logits = self.forward(batch.inputs)
        return cross_entropy_step(self, logits, batch.targets, logits.shape[:2],
                                  "one digit per step", backward)

    def forward_backward(self, batch) -> float:
        """Mean cross-entropy per digit of ``batch``; gradients are added into ``grads``."""
        return self._loss(batch, backward=True)

    def evaluate(self, batch) -> float:
        """Mean cross-entropy per digit of ``batch``, without gradients."""
        with self.evaluating():
            return self._loss(batch, backward=False)

    def predict(self, inputs: np.ndarray) -> np.ndarray:
        """The most likely digit of the sum at every position (N, T)."""
        with self.evaluating():
            return self.forward(inputs).argmax(axis=-1)

    def add(self, a: int, b: int, steps: int | None = None) -> int:
        """The model's answer to ``a + b`` (non-negative integers) as an integer."""
        if steps is None:
            steps = len(str(max(a, b))) + 1
        powers = 10 ** np.arange(steps, dtype=np.int64)
        inputs = (np.array([[a, b]], dtype=np.int64)[:, None, :] // powers[None, :, None]) % 10
        return int(self.predict(inputs)[0] @ powers)
