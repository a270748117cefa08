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

from operator import is_

import numpy as np

from minirnn._checks import check_positive_int, make_rng
from minirnn.layers.base import Layer
from minirnn.models.char_rnn_exact import (
    exact_backward,
    exact_forward,
    exact_sample,
    legacy_choice,
    pack_flat,
)
from minirnn.models.char_rnn_fast import FastWorkspace, fast_backward, fast_forward, fast_sample


def as_ids(ids: object, vocab_size: int, name: str) -> np.ndarray:
    """``ids`` as a 1-D intp array of token ids in ``[0, vocab_size)``, or a clear error."""
    arr = np.asarray(ids)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of token ids, got shape "
                         f"{arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integer token ids, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() >= vocab_size:
        raise ValueError(f"{name} ids must lie in [0, {vocab_size}), got min {arr.min()} "
                         f"max {arr.max()}")
    return arr.astype(np.intp, copy=False)


class CharRNN(Layer):
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

    def __init__(self, vocab_size: int, hidden_size: int = 100,
                 seed: int | np.random.Generator | None = 0, classic: bool = True,
                 exact: bool = True) -> None:
        super().__init__()
        self.vocab_size = V = check_positive_int(vocab_size, "vocab_size")
        self.hidden_size = H = check_positive_int(hidden_size, "hidden_size")
        self.classic, self.exact = bool(classic), bool(exact)
        shapes = (("Wxh", (H, V)), ("Whh", (H, H)), ("Why", (V, H)))
        if self.classic:
            if not isinstance(seed, (int, np.integer)):
                raise TypeError(f"classic=True needs an int seed for np.random.seed, got {seed!r}")
            np.random.seed(int(seed))  # noqa: NPY002 - the original's legacy global stream
            for name, shape in shapes:
                self.add_param(name, np.random.randn(*shape) * 0.01)  # noqa: NPY002
        else:
            rng = make_rng(seed)
            for name, shape in shapes:
                self.add_param(name, rng.standard_normal(shape) * 0.01)
        self.add_param("bh", np.zeros((H, 1)))
        self.add_param("by", np.zeros((V, 1)))
        self._flat = pack_flat(self.params, self.grads)
        self._views = (tuple(self.params.values()), tuple(self.grads.values()))
        self.h: np.ndarray | None = None  # the state carried from chunk to chunk (H, 1)
        self.last_token = 0  # the last target read: where a sample of the carried state starts
        self.dh_prev: np.ndarray | None = None
        self._cache: tuple | None = None
        self._work: FastWorkspace | None = None  # fast mode: reused by loss_and_grads
        self._checked_stream: np.ndarray | None = None  # see _checked
        self._zeroed = False  # zero_grad came after the last backward

    def flat_arrays(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(parameters, gradients)`` as one 1-D array each, or None if no longer packed.

        In the order of ``params`` (Wxh, Whh, Why, bh, by); the named arrays are views into
        them, so element-wise work (clipping, optimizer steps) can run once over all of them.
        None once the named arrays were replaced (e.g. by :meth:`astype`).
        """
        params, grads = self._views  # (checked on every call, so kept cheap)
        if (len(self.params) == len(params) and all(map(is_, params, self.params.values()))
                and all(map(is_, grads, self.grads.values()))):
            return self._flat
        return None

    def zero_grad(self) -> None:  # noqa: D102 - as Layer.zero_grad, in one call if packed
        flat = self.flat_arrays()
        if flat is None:
            super().zero_grad()
        else:
            flat[1].fill(0.0)
        self._zeroed = True  # the next backward may write its gradients instead of adding

    def initial_state(self) -> np.ndarray:
        """A zero hidden state, shape (H, 1) as in the original."""
        return np.zeros((self.hidden_size, 1))

    def _state(self, h: np.ndarray | None, name: str = "h_prev") -> np.ndarray:
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
        x, y = (as_ids(inputs, self.vocab_size, "inputs"),
                as_ids(targets, self.vocab_size, "targets")) if check else (inputs, targets)
        if x.shape != y.shape:
            raise ValueError(f"inputs and targets must have the same length, got {x.size} "
                             f"and {y.size}")
        if self.exact:
            return exact_forward(self.params, x, y, self._state(h_prev))
        return fast_forward(self.params, x, y, self._state(h_prev), work)

    def backward_chunk(self, cache: tuple, dh_last: np.ndarray | None = None,
                       fresh: bool = False) -> np.ndarray:
        """Backward of one :meth:`forward_chunk`; adds into ``grads``, returns dL/dh_prev (H, 1).

        ``fresh=True`` overwrites ``grads`` instead (as if they were zeroed first).
        """
        dh_next = self._state(dh_last, "dh_last").copy()
        self._zeroed = False
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

        Adds into ``grads``. The state restarts from zeros when ``batch.reset_state`` is set
        (min-char-rnn's reset at the end of the text), and the last state is carried on.
        """
        x, y = batch.inputs, batch.targets
        h = None if batch.reset_state else self.h
        # Right after zero_grad, writing the gradients equals adding them, and skips a pass
        # over every gradient (measurable at about 0.3 ms per iteration).
        loss, _, self.h = self.loss_and_grads(x, y, h, check=not self._checked(x, y),
                                              fresh=self._zeroed)
        self.last_token = int(batch.targets[-1])
        return loss / len(batch.targets)

    def evaluate(self, batch: object, piece: int = 1000) -> float:
        """Mean loss in nats per character of ``batch.targets``, from a zero state, no gradients.

        A long text is read in pieces of ``piece`` ids, the state carried across them
        (the same maths as one pass, in bounded memory).
        """
        x = as_ids(batch.inputs, self.vocab_size, "inputs")
        y = as_ids(batch.targets, self.vocab_size, "targets")
        total, h = 0.0, None
        for start in range(0, x.size, check_positive_int(piece, "piece")):
            loss, h, _ = self.forward_chunk(x[start:start + piece], y[start:start + piece], h,
                                            check=False)
            total += loss
        return total / x.size

    def _checked(self, x: np.ndarray, y: np.ndarray) -> bool:
        """Whether ``x`` and ``y`` are views of a token stream already checked in full.

        Training reads thousands of chunks of one stream (:class:`~minirnn.data.CharChunks`);
        checking that stream once instead of every chunk saves a few microseconds per
        iteration, which is measurable at about 0.3 ms per iteration.
        """
        stream = x.base
        if stream is None or y.base is not stream:
            return False
        if stream is not self._checked_stream:
            as_ids(stream.ravel(), self.vocab_size, "token ids")
            self._checked_stream = stream
        return True

    def carried_state(self) -> dict[str, np.ndarray]:
        """The hidden state carried to the next chunk (empty before the first one)."""
        return {} if self.h is None else {"h": self.h.copy()}

    def load_carried_state(self, state: dict[str, np.ndarray]) -> None:
        """Put back what :meth:`carried_state` returned (empty: start from zeros)."""
        self.h = None if "h" not in state else self._state(state["h"], "h").reshape(-1, 1)

    # -- generation -----------------------------------------------------------------------
    def step_probs(self, h: np.ndarray, token: int, temperature: float = 1.0,
                   top_k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One step from state ``h`` (H,) reading ``token``: ``(h_next, probabilities)``."""
        p = self.params
        h = np.tanh(p["Wxh"][:, token] + p["Whh"] @ h + p["bh"][:, 0])
        logits = (p["Why"] @ h + p["by"][:, 0]) / temperature
        if top_k is not None and top_k < logits.size:
            # Keep the k largest logits; everything else gets probability exactly zero.
            cutoff = np.partition(logits, -top_k)[-top_k]
            logits = np.where(logits >= cutoff, logits, -np.inf)
        exp = np.exp(logits - logits.max())
        return h, exp / exp.sum()

    def sample(self, h: np.ndarray | None, seed_ix: int, n: int, temperature: float = 1.0,
               top_k: int | None = None, rng: np.random.Generator | None = None) -> list[int]:
        """Draw ``n`` token ids, starting from state ``h`` and feeding ``seed_ix`` first.

        With ``rng=None`` each draw is ``np.random.choice(V, p=p)`` on the legacy global
        stream, one uniform number per token like the original, so a classic run's samples
        match it. ``temperature`` < 1 sharpens the distribution, > 1 flattens it; ``top_k``
        keeps only the k most likely tokens at each step.
        """
        check_positive_int(n, "n")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        if top_k is not None:
            check_positive_int(top_k, "top_k")
        token = int(as_ids([seed_ix], self.vocab_size, "seed_ix")[0])
        state, V = self._state(h), self.vocab_size
        if temperature == 1.0 and top_k is None:  # the original's sampler, without overhead
            if not self.exact:
                uniform = np.random.random_sample if rng is None else rng.random  # noqa: NPY002
                return fast_sample(self.params, state, token, n, uniform)
            draw = legacy_choice if rng is None else (lambda p: int(rng.choice(V, p=p)))
            return exact_sample(self.params, state, token, n, draw)
        ids = []
        for _ in range(n):
            state, probs = self.step_probs(state, token, temperature, top_k)
            source = np.random if rng is None else rng  # noqa: NPY002
            token = int(source.choice(V, p=probs))
            ids.append(token)
        return ids

    def prime(self, ids: object, h: np.ndarray | None = None) -> np.ndarray:
        """Run the network over ``ids`` (all but the last) and return the state (H, 1).

        Sampling from this state with ``seed_ix = ids[-1]`` continues the priming text.
        """
        state = self._state(h)
        for token in as_ids(ids, self.vocab_size, "priming ids")[:-1]:
            state, _ = self.step_probs(state, int(token))
        return state.reshape(-1, 1)


def generate_text(model: CharRNN, vocab: object, prefix: str = "", length: int = 200, *,
                  temperature: float = 1.0, top_k: int | None = None, greedy: bool = False,
                  seed: int | np.random.Generator | None = None) -> str:
    """Continue ``prefix`` with ``length`` sampled tokens; return prefix + continuation.

    The same signature as :func:`minirnn.models.language_model.generate_text`. ``vocab`` is
    a :class:`minirnn.data.Vocab`. Without a prefix, generation starts from a newline (or
    the vocabulary's first token) and a zero state. ``seed``: an int or a Generator for
    repeatable text (None: a fresh, unseeded one); ``greedy`` takes the most likely token
    (``top_k=1``).

    Raises
    ------
    ValueError
        If the priming text holds tokens the model has never seen, naming them.
    """
    tokens = vocab.tokenize(prefix) if prefix else []
    unknown = sorted({t for t in tokens if t not in vocab.stoi})
    if unknown:
        shown = ", ".join(repr(t) for t in unknown[:10])
        raise ValueError(f"the priming text has {len(unknown)} token(s) that are not in the "
                         f"model's vocabulary of {len(vocab.stoi)}: {shown}")
    given = [vocab.stoi[t] for t in tokens]
    ids = given or [vocab.stoi["\n"] if "\n" in vocab.stoi else 0]
    out = model.sample(model.prime(ids), ids[-1], length, temperature, 1 if greedy else top_k,
                       make_rng(seed))
    return vocab.decode(given + out)
