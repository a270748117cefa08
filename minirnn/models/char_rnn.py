r"""Karpathy's min-char-rnn as a minirnn model: exact when asked to be, and fast.

One-hot input, a tanh Elman layer and a softmax over the vocabulary, with the original's
parameter names and column-vector shapes (``Wxh`` (H, V), ``Whh`` (H, H), ``Why`` (V, H),
``bh`` (H, 1), ``by`` (V, 1)), so a learner can hold the code next to the write-up. The
arithmetic lives in two modules: :mod:`~minirnn.models.char_rnn_exact` (the original's
operations in the original's order, bit for bit) and :mod:`~minirnn.models.char_rnn_fast`
(the same maths with whole-chunk products).

It trains with :func:`minirnn.train.fit` (``forward_backward``, ``evaluate``, carried state),
or with :func:`minirnn.train.classics.min_char_rnn`, the original's loop and printout.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_positive_int, check_token_ids, make_rng
from minirnn.models import char_rnn_sampling
from minirnn.models.char_rnn_exact import PackedLayer, exact_backward, exact_forward, legacy_init
from minirnn.models.char_rnn_fast import FastWorkspace, fast_backward, fast_forward
from minirnn.models.char_rnn_sampling import generate_text

__all__ = ["CharRNN", "generate_text"]


class CharRNN(PackedLayer):
    r"""min-char-rnn: one-hot input, tanh recurrence, softmax output.

    Parameters
    ----------
    vocab_size : int
        ``V``, the number of distinct tokens.
    hidden_size : int
        ``H`` (100 in min-char-rnn).
    seed : int or numpy.random.Generator
        With ``classic=True``: the seed of NumPy's *legacy global* stream, which is seeded and
        drawn from in the original's order (``Wxh``, ``Whh``, ``Why``, each ``randn * 0.01``).
        With ``classic=False``: a ``np.random.Generator`` seed; the global stream is untouched.
    classic : bool
        Whether to initialise from the legacy global stream (see ``seed``).
    exact : bool
        True: every floating-point operation in the original's order, so a classic run
        matches min-char-rnn bit for bit. False: the same maths with whole-chunk products
        (faster; the last bits differ, and training amplifies them into a drift).

    Notes
    -----
    For input ids :math:`x_1..x_T` and targets :math:`y_1..y_T`, column vectors as in the
    original:

    .. math::

        h_t = \tanh(W_{xh}[:, x_t] + W_{hh} h_{t-1} + b_h), \quad
        p_t = \mathrm{softmax}(W_{hy} h_t + b_y), \quad
        L = -\sum_t \log p_t[y_t].

    :meth:`forward` returns :math:`L`, summed over the chunk as in the original;
    :meth:`forward_backward` and :meth:`evaluate` (the :func:`~minirnn.train.fit` protocol)
    return :math:`L / T` in nats per character. Backward: :math:`\delta^y_t = p_t - e_{y_t}`,
    :math:`\delta^h_t = (1 - h_t^2) \odot (W_{hy}^\top \delta^y_t + W_{hh}^\top
    \delta^h_{t+1})`, and :math:`\partial L / \partial h_0 = W_{hh}^\top \delta^h_1`
    (left in ``dh_prev``).
    """

    #: what one token is, for the unit fit prints its losses in ("nats/char")
    loss_unit = "char"
    #: forward_backward writes every gradient rather than adding into it, so fit skips
    #: zero_grad (one pass over the 23,165 gradients of min-char-rnn's size per iteration)
    overwrites_grads = True

    def __init__(self, vocab_size: int, hidden_size: int = 100,
                 seed: int | np.random.Generator | None = 0, classic: bool = True,
                 exact: bool = True) -> None:
        super().__init__()
        self.vocab_size = V = check_positive_int(vocab_size, "vocab_size")
        self.hidden_size = H = check_positive_int(hidden_size, "hidden_size")
        self.classic, self.exact = bool(classic), bool(exact)
        shapes = [("Wxh", (H, V)), ("Whh", (H, H)), ("Why", (V, H))]
        if self.classic:
            weights = legacy_init(shapes, seed)
        else:
            rng = make_rng(seed)
            weights = {name: rng.standard_normal(shape) * 0.01 for name, shape in shapes}
        for name, value in (*weights.items(), ("bh", np.zeros((H, 1))), ("by", np.zeros((V, 1)))):
            self.add_param(name, value)
        self.pack()  # every parameter a view into one flat array (see PackedLayer)
        self.h: np.ndarray | None = None  # the state carried from chunk to chunk (H, 1)
        self.last_token = 0  # the last target read: where a sample of the carried state starts
        self.dh_prev: np.ndarray | None = None
        self._cache: tuple | None = None
        self._work: FastWorkspace | None = None  # fast mode: reused by loss_and_grads
        self._checked_stream: np.ndarray | None = None  # see forward_backward

    def initial_state(self) -> np.ndarray:
        """A zero hidden state, shape (H, 1) as in the original."""
        return np.zeros((self.hidden_size, 1))

    def state_vector(self, h: np.ndarray | None, name: str = "h_prev") -> np.ndarray:
        """A state of shape (H, 1) or (H,) as a checked (H,) vector; zeros for None."""
        if h is None:
            return np.zeros(self.hidden_size)
        h = np.asarray(h, dtype=np.float64)
        if h.shape not in ((self.hidden_size, 1), (self.hidden_size,)):
            raise ValueError(f"{name} must have shape ({self.hidden_size}, 1), got {h.shape}")
        return h.reshape(self.hidden_size)

    # -- loss and its gradient ----------------------------------------------------------
    def forward(self, inputs: object, targets: object, h_prev: np.ndarray | None = None,
                check: bool = True) -> tuple[float, np.ndarray]:
        """Loss (summed over the chunk) and the last hidden state (H, 1); caches for backward."""
        loss, h_last, self._cache = self.forward_chunk(inputs, targets, h_prev, check)
        return loss, h_last

    def backward(self, dh_last: np.ndarray | None = None) -> np.ndarray:
        """Add the raw (unclipped) gradients into ``grads``; return and keep ``dh_prev`` (H, 1).

        ``dh_last`` is the gradient flowing into the last state from a later chunk (zero in
        min-char-rnn, which truncates backpropagation at chunk boundaries).
        """
        if self._cache is None:
            raise RuntimeError("CharRNN.backward called before forward")
        self.dh_prev = self.backward_chunk(self._cache, dh_last)
        return self.dh_prev

    def forward_chunk(self, inputs: object, targets: object, h_prev: np.ndarray | None = None,
                      check: bool = True, work: FastWorkspace | None = None
                      ) -> tuple[float, np.ndarray, tuple]:
        """:meth:`forward` returning its cache instead of keeping it: ``(loss, h_last, cache)``.

        Several caches can be kept to backpropagate through several chunks
        (:meth:`backward_chunk`). ``check=False`` skips validating the ids.
        """
        x, y = inputs, targets
        if check:
            x = check_token_ids(inputs, self.vocab_size, "inputs")
            y = check_token_ids(targets, self.vocab_size, "targets")
        if x.shape != y.shape:
            raise ValueError(f"inputs and targets must have the same length, got {x.size} "
                             f"and {y.size}")
        if self.exact:
            return exact_forward(self.params, x, y, self.state_vector(h_prev))
        return fast_forward(self.params, x, y, self.state_vector(h_prev), work)

    def backward_chunk(self, cache: tuple, dh_last: np.ndarray | None = None,
                       fresh: bool = False) -> np.ndarray:
        """Backward of one :meth:`forward_chunk`; adds into ``grads``, returns dL/dh_prev (H, 1).

        ``fresh=True`` overwrites ``grads`` instead (as if they were zeroed first).
        """
        dh_next = (np.zeros(self.hidden_size) if dh_last is None
                   else self.state_vector(dh_last, "dh_last").copy())
        backward = exact_backward if self.exact else fast_backward
        return backward(self.params, self.grads, cache, dh_next, fresh).reshape(-1, 1)

    def loss_and_grads(self, inputs: object, targets: object, h_prev: np.ndarray | None = None,
                       check: bool = True, fresh: bool = True
                       ) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
        """min-char-rnn's ``lossFun`` without the clipping: ``(loss, grads, h_last)``.

        The gradients are raw, so they can be checked against finite differences, and fresh
        (as if ``zero_grad`` came first; ``fresh=False`` adds into ``grads`` instead).
        Forward and backward run straight away, so the fast mode reuses one workspace.
        """
        loss, h_last, cache = self.forward_chunk(inputs, targets, h_prev, check, self._work)
        if not self.exact:
            self._work = cache[2]
        self.dh_prev = self.backward_chunk(cache, fresh=fresh)
        return loss, self.grads, h_last

    # -- the fit protocol: batches are chunks of text (minirnn.data.char_chunks) -----------
    def forward_backward(self, batch: object) -> float:
        """Loss and gradients of one chunk from the carried state, in nats per character.

        Writes ``grads`` (as if ``zero_grad`` came first: ``overwrites_grads``, so
        :func:`~minirnn.train.fit` does not zero them). The state restarts from zeros when
        ``batch.reset_state`` is set (min-char-rnn's reset at the end of the text), and the
        last state is carried on.
        """
        x, y = batch.inputs, batch.targets
        # Chunks of one token stream (CharChunks) are views of it: checking the stream once
        # instead of every chunk, and writing the gradients instead of zeroing and adding
        # into them, each save a measurable share of a small model's iteration.
        stream = x.base
        checked = stream is not None and y.base is stream
        if checked and stream is not self._checked_stream:
            check_token_ids(stream.ravel(), self.vocab_size, "batch.inputs and batch.targets")
            self._checked_stream = stream
        h = None if batch.reset_state else self.h
        loss, _, self.h = self.loss_and_grads(x, y, h, check=not checked)
        self.last_token = int(y[-1])
        return loss / len(y)

    def evaluate(self, batch: object, piece: int = 1000) -> float:
        """Mean loss in nats per character of ``batch.targets``, from a zero state, no gradients.

        A long text is read in pieces of ``piece`` ids, the state carried across them (the
        same maths as one pass, in bounded memory). Both modes use the fast forward pass: a
        held-out loss is not part of the original, so it needs the maths, not the original's
        order of operations, and it is read about 1.3 times faster.
        """
        x = check_token_ids(batch.inputs, self.vocab_size, "batch.inputs")
        y = check_token_ids(batch.targets, self.vocab_size, "batch.targets")
        total, h, work = 0.0, np.zeros(self.hidden_size), None
        for start in range(0, x.size, check_positive_int(piece, "piece")):
            stop = start + piece
            loss, h, (_, _, work) = fast_forward(self.params, x[start:stop], y[start:stop],
                                                 h.reshape(-1), work)
            total += loss
        return total / x.size

    def carried_state(self) -> dict[str, np.ndarray]:
        """The hidden state carried to the next chunk (empty before the first one)."""
        return {} if self.h is None else {"h": self.h.copy()}

    def load_carried_state(self, state: dict[str, np.ndarray]) -> None:
        """Put back what :meth:`carried_state` returned (empty: start from zeros)."""
        self.h = None if "h" not in state else self.state_vector(state["h"], "h").reshape(-1, 1)

    # -- generation: the functions of minirnn.models.char_rnn_sampling, as methods ---------
    step_probs = char_rnn_sampling.step_probs
    sample = char_rnn_sampling.sample
    prime = char_rnn_sampling.prime
