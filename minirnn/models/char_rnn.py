"""Karpathy's min-char-rnn as a minirnn model: exact when asked to be, and fast.

The network is a one-hot input, a tanh Elman layer and a softmax over the vocabulary. Its
parameters keep the original's names and column-vector shapes (``Wxh`` (H, V), ``Whh`` (H, H),
``Why`` (V, H), ``bh`` (H, 1), ``by`` (V, 1)) so a learner can hold the code next to the
write-up. The computation is reorganised for speed without changing the numbers beyond
round-off: the one-hot input product is a column gather of ``Wxh``, the output layer and its
gradients are one matrix product over all steps, and only the recurrence loops.

The training loop that goes with it (data pointer, reset rule, Adagrad, clipping, smooth loss,
samples) is :class:`minirnn.models.char_rnn_trainer.CharRNNTrainer`.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_positive_int, make_rng
from minirnn.layers.base import Layer
from minirnn.models.char_rnn_fast import FastWorkspace, fast_backward, fast_forward, fast_sample


def _as_ids(ids: object, vocab_size: int, name: str) -> np.ndarray:
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
        then drawn from in the original's order (``Wxh``, ``Whh``, ``Why``, each
        ``randn * 0.01``); the training samples later draw from that same stream. With
        ``classic=False``: a ``np.random.Generator`` seed, and the global stream is untouched.
    classic : bool
        Whether to initialise from the legacy global stream (see ``seed``).
    exact : bool
        True: every floating-point operation happens in the original's order, so a classic
        run matches min-char-rnn bit for bit (still about twice as fast as its np.dot loop,
        see docs/char_rnn.md: the input product is a gather, the weight gradients are formed
        for all steps at once, and there are no one-hot vectors). False: everything but the
        recurrence is one operation per chunk (:mod:`minirnn.models.char_rnn_fast`; about
        3.5x the np.dot loop); the maths is the same, but the round-off differs in the last bits,
        and because training amplifies such differences, a long run drifts away from the
        original's numbers.

    Notes
    -----
    For inputs :math:`x_1..x_T` (ids) and targets :math:`y_1..y_T`, with column vectors as in
    the original:

    .. math::

        h_t = \tanh(W_{xh}[:, x_t] + W_{hh} h_{t-1} + b_h), \quad
        p_t = \mathrm{softmax}(W_{hy} h_t + b_y), \quad
        L = -\sum_t \log p_t[y_t].

    The loss is a *sum* over the chunk (not a mean), as in the original. Backward:
    :math:`\delta^y_t = p_t - e_{y_t}`, :math:`\delta^h_t = (1 - h_t^2) \odot
    (W_{hy}^\top \delta^y_t + W_{hh}^\top \delta^h_{t+1})`, and
    :math:`\partial L / \partial h_0 = W_{hh}^\top \delta^h_1` (left in ``dhprev``).
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 100,
        seed: int | np.random.Generator | None = 0,
        classic: bool = True,
        exact: bool = True,
    ) -> None:
        super().__init__()
        self.vocab_size = V = check_positive_int(vocab_size, "vocab_size")
        self.hidden_size = H = check_positive_int(hidden_size, "hidden_size")
        self.classic = bool(classic)
        self.exact = bool(exact)
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
        self._pack()
        self._cache: tuple | None = None
        self.dhprev: np.ndarray | None = None
        self._work: FastWorkspace | None = None  # fast mode: loss_and_grads' reused arrays

    def _pack(self) -> None:
        """Make every parameter (and gradient) a view into one flat array.

        The named arrays stay the ones a learner reads (``params["Whh"]`` is (H, H)); the
        flat arrays let the trainer clip and update all of them with one call per
        operation instead of one per parameter (see :meth:`flat_arrays`).
        """
        total = sum(value.size for value in self.params.values())
        self._flat_params, self._flat_grads = np.empty(total), np.zeros(total)
        start = 0
        for name, value in self.params.items():
            stop = start + value.size
            self.params[name] = self._flat_params[start:stop].reshape(value.shape)
            self.params[name][...] = value
            self.grads[name] = self._flat_grads[start:stop].reshape(value.shape)
            start = stop
        self._views = (tuple(self.params.values()), tuple(self.grads.values()))

    def flat_arrays(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(parameters, gradients)``, each one 1-D array holding all the named arrays.

        In the order of ``params`` (Wxh, Whh, Why, bh, by), each flattened. None if the
        named arrays are no longer views of them (e.g. after :meth:`astype`).
        """
        params, grads = self._views
        now_params, now_grads = tuple(self.params.values()), tuple(self.grads.values())
        if (len(now_params) == len(params) and len(now_grads) == len(grads)
                and all(a is b for a, b in zip(params, now_params, strict=True))
                and all(a is b for a, b in zip(grads, now_grads, strict=True))):
            return self._flat_params, self._flat_grads
        return None

    def zero_grad(self) -> None:  # noqa: D102 - as Layer.zero_grad
        flat = self.flat_arrays()
        if flat is None:
            super().zero_grad()
        else:
            flat[1].fill(0.0)

    # -- loss and its gradient ----------------------------------------------------------
    def initial_state(self) -> np.ndarray:
        """A zero hidden state, shape (H, 1) as in the original."""
        return np.zeros((self.hidden_size, 1))

    def _check_hprev(self, hprev: np.ndarray | None) -> np.ndarray:
        if hprev is None:
            return np.zeros(self.hidden_size)
        hprev = np.asarray(hprev, dtype=np.float64)
        if hprev.shape not in ((self.hidden_size, 1), (self.hidden_size,)):
            raise ValueError(f"hprev must have shape ({self.hidden_size}, 1), got {hprev.shape}")
        return hprev.reshape(self.hidden_size)

    def _chunk_ids(self, inputs: object, targets: object) -> tuple[np.ndarray, np.ndarray]:
        x = _as_ids(inputs, self.vocab_size, "inputs")
        y = _as_ids(targets, self.vocab_size, "targets")
        if x.shape != y.shape:
            raise ValueError(f"inputs and targets must have the same length, got {x.size} "
                             f"and {y.size}")
        return x, y

    def forward(
        self,
        inputs: object,
        targets: object,
        hprev: np.ndarray | None = None,
        check: bool = True,
    ) -> tuple[float, np.ndarray]:
        """Loss (summed over the chunk) and the last hidden state (H, 1); caches for backward.

        ``check=False`` skips validating the ids (the trainer checked the corpus once).
        """
        loss, h_last, self._cache = self.forward_chunk(inputs, targets, hprev, check)
        return loss, h_last

    def backward(self, dh_last: np.ndarray | None = None) -> np.ndarray:
        """Add the raw (unclipped) gradients into ``grads``; return and keep ``dhprev`` (H, 1).

        ``dh_last`` is the gradient flowing into the last hidden state from a later chunk
        (zero in min-char-rnn, which truncates backpropagation at chunk boundaries).
        """
        if self._cache is None:
            raise RuntimeError("CharRNN.backward called before forward")
        self.dhprev = self.backward_chunk(self._cache, dh_last)
        return self.dhprev

    def forward_chunk(
        self,
        inputs: object,
        targets: object,
        hprev: np.ndarray | None = None,
        check: bool = True,
    ) -> tuple[float, np.ndarray, tuple]:
        """:meth:`forward` returning its cache instead of keeping it: ``(loss, h_last, cache)``.

        Useful to backpropagate through several chunks (see :meth:`backward_chunk`).
        """
        x, y = self._chunk_ids(inputs, targets) if check else (inputs, targets)
        h = self._check_hprev(hprev)
        if not self.exact:
            return fast_forward(self.params, x, y, h)
        p = self.params
        Whh, Why, bh, by = p["Whh"], p["Why"], p["bh"][:, 0], p["by"][:, 0]
        T = x.size
        # Column gather = W_xh @ one_hot(x_t) for every step at once (exact: the one-hot
        # product only adds zeros). Row t is step t's column, contiguous.
        x_part = np.ascontiguousarray(p["Wxh"][:, x].T)  # (T, H)
        hs = np.empty((T + 1, self.hidden_size))  # hs[0] = h_0, hs[t+1] = h_t
        hs[0] = h
        pre = np.empty(self.hidden_size)
        # Local names: this loop is the hot path. Whh.dot(h, out) is np.dot(Whh, h, out)
        # without np.dot's __array_function__ dispatch (the same C routine and BLAS gemv).
        whh_dot, add, tanh = Whh.dot, np.add, np.tanh
        rows = list(hs)  # row views made once (indexing inside the loop costs as much)
        h_prev = rows[0]
        for x_t, h_t in zip(list(x_part), rows[1:], strict=True):
            # h_t = tanh((W_xh x_t + W_hh h_{t-1}) + b_h), added in the original's order;
            # np.dot with out= is the same BLAS gemv as the original's product, with less
            # call overhead than matmul and no temporaries.
            whh_dot(h_prev, pre)
            add(x_t, pre, pre)
            add(pre, bh, pre)
            tanh(pre, h_t)
            h_prev = h_t
        # One matrix-vector product per step, as the original, but all in one call: a
        # stack of (H, 1) columns makes matmul run the same BLAS gemv for every step,
        # whereas a single matrix product would sum in another order (other last bits).
        logits = np.matmul(Why, hs[1:, :, None])[:, :, 0]
        logits += by
        probs = np.exp(logits)
        # Each row's sum runs over contiguous memory, so numpy adds it in the same
        # (pairwise) order as the original's np.sum over one (V, 1) column.
        probs /= probs.sum(axis=1, keepdims=True)
        loss = 0.0
        for value in np.log(probs[np.arange(T), y]).tolist():
            loss -= value  # step by step, in the original's order (not Python's sum())
        return loss, hs[-1].reshape(-1, 1).copy(), (x, y, hs, probs)

    def backward_chunk(self, cache: tuple, dh_last: np.ndarray | None = None,
                       fresh: bool = False) -> np.ndarray:
        """Backward of one :meth:`forward_chunk`; adds into ``grads``, returns dL/dh_prev (H, 1).

        ``fresh=True`` overwrites ``grads`` instead (as if they were zeroed first).
        """
        if not self.exact:
            dh_next = np.zeros(self.hidden_size)
            if dh_last is not None:
                dh_next[:] = self._check_hprev(dh_last)
            return fast_backward(self.params, self.grads, cache, dh_next, fresh).reshape(-1, 1)
        x, y, hs, probs = cache
        p, g = self.params, self.grads
        T = x.size
        Why, Whh_T = p["Why"], p["Whh"].T
        dlogits = probs.copy()
        dlogits[np.arange(T), y] -= 1.0
        dh_out = np.matmul(Why.T, dlogits[:, :, None])[:, :, 0]  # per-step gemv, as above
        dh_next = np.zeros(self.hidden_size)
        if dh_last is not None:
            dh_next[:] = self._check_hprev(dh_last)
        tanh_grad = 1 - hs[1:] * hs[1:]  # the original's (1 - h*h), for all steps at once
        dpre = np.empty((T, self.hidden_size))
        dh = np.empty(self.hidden_size)
        whh_t_dot, add, multiply = Whh_T.dot, np.add, np.multiply  # as in the forward loop
        if fresh:
            g["Wxh"].fill(0.0)
        # dW_xh: the original adds dpre_t onehot(x_t)^T, i.e. dpre_t into column x_t of
        # dW_xh, last step first; one in-place add per step does exactly that.
        columns = [g["Wxh"][:, i] for i in x[::-1].tolist()]
        steps = zip(list(dh_out)[::-1], list(tanh_grad)[::-1], list(dpre)[::-1], columns,
                    strict=True)
        for dh_out_t, tanh_grad_t, dpre_t, column in steps:  # t = T-1, ..., 0
            add(dh_out_t, dh_next, dh)
            multiply(tanh_grad_t, dh, dpre_t)
            add(column, dpre_t, column)
            # W_hh^T is a transposed view, as in the original: the same gemv kernel.
            whh_t_dot(dpre_t, dh_next)
        # The original adds the steps' outer products one at a time, last step first.
        # einsum (without BLAS) forms each product with one rounding and accumulates the
        # steps in the order given, so on the reversed steps it gives the same sums bit
        # for bit (tests/test_char_rnn.py checks this), while a matrix product would not.
        # Written "it,tj->ij" with a contiguous (H, T) copy of the left factor, it measured
        # about 10 % faster than "ti,tj->ij". The copy matters: on a reversed *view* einsum's
        # iterator may walk the steps forwards again, which changes the order of the
        # additions and so the last bits. (A (T, V, H) array of products summed with
        # add.reduce is exact too, but 2-3x slower.)
        rev = np.arange(T - 1, -1, -1)
        dlogits_rev, dpre_rev = dlogits[rev], dpre[rev]
        sums = (("Why", dlogits_rev, hs[1:][rev]), ("Whh", dpre_rev, hs[:-1][rev]))
        for name, left, right in sums:
            left_t = np.ascontiguousarray(left.T)
            if fresh:  # einsum's sum starts from zero, like the original's np.zeros_like
                np.einsum("it,tj->ij", left_t, right, out=g[name])
            else:
                g[name] += np.einsum("it,tj->ij", left_t, right)
        # Reducing the leading axis of a C-ordered array adds its rows one after another.
        for name, rows in (("by", dlogits_rev), ("bh", dpre_rev)):
            if fresh:
                np.add.reduce(rows, axis=0, out=g[name][:, 0], initial=0.0)
            else:
                g[name] += np.add.reduce(rows, axis=0)[:, None]
        return dh_next.reshape(-1, 1)

    def loss_and_grads(
        self,
        inputs: object,
        targets: object,
        hprev: np.ndarray | None = None,
        check: bool = True,
    ) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
        """min-char-rnn's ``lossFun`` without the clipping: ``(loss, grads, h_last)``.

        The gradients are fresh (``zero_grad`` first) and raw, so they can be checked against
        finite differences; clip them afterwards (:func:`minirnn.clip.clip_grad_value`).
        """
        if not self.exact:
            # Fast mode: forward and backward straight away, so one reused workspace serves
            # every call (the cache is consumed here before the next call overwrites it).
            x, y = (self._chunk_ids(inputs, targets) if check else (inputs, targets))
            loss, h_last, self._cache = fast_forward(self.params, x, y,
                                                     self._check_hprev(hprev), self._work)
            self._work = self._cache[2]
            dh0 = fast_backward(self.params, self.grads, self._cache,
                                np.zeros(self.hidden_size), fresh=True)
            self.dhprev = dh0.reshape(-1, 1)
            return loss, self.grads, h_last
        loss, h_last = self.forward(inputs, targets, hprev, check)
        # fresh=True: the backward pass writes the gradients instead of adding to them,
        # which is the same as zero_grad() and adding (each sum starts from zero).
        self.dhprev = self.backward_chunk(self._cache, fresh=True)
        return loss, self.grads, h_last

    # -- generation -----------------------------------------------------------------------
    def step_probs(
        self, h: np.ndarray, token: int, temperature: float = 1.0, top_k: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
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

    def sample(
        self,
        h: np.ndarray | None,
        seed_ix: int,
        n: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> list[int]:
        """Draw ``n`` token ids, starting from state ``h`` and feeding ``seed_ix`` first.

        With ``rng=None`` each draw is ``np.random.choice(V, p=p)`` on the legacy global
        stream, one uniform number per token exactly like the original, so a classic run's
        samples (and everything drawn after them) match it. Pass a Generator otherwise.
        ``temperature`` < 1 sharpens the distribution, > 1 flattens it; ``top_k`` keeps only
        the k most likely tokens at each step.
        """
        check_positive_int(n, "n")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        if top_k is not None:
            check_positive_int(top_k, "top_k")
        _as_ids([seed_ix], self.vocab_size, "seed_ix")
        state = self._check_hprev(h)
        token = int(seed_ix)
        if temperature == 1.0 and top_k is None:
            return self._sample_plain(state, token, n, rng)
        ids = []
        for _ in range(n):
            state, probs = self.step_probs(state, token, temperature, top_k)
            if rng is None:
                token = int(np.random.choice(self.vocab_size, p=probs))  # noqa: NPY002
            else:
                token = int(rng.choice(self.vocab_size, p=probs))
            ids.append(token)
        return ids

    def _sample_plain(self, state: np.ndarray, token: int, n: int,
                      rng: np.random.Generator | None) -> list[int]:
        """:meth:`sample` at temperature 1 without top-k: the original's sampling loop.

        The same products as :meth:`step_probs` in the same order, into reused buffers. In
        exact mode the probabilities are the original's ``exp(y) / sum(exp(y))`` (no shift
        by the maximum, which would change their last bits), so a classic run draws exactly
        the original's characters. The fast mode uses :func:`fast_sample` (fewer calls).
        """
        if not self.exact:
            uniform = np.random.random_sample if rng is None else rng.random  # noqa: NPY002
            return fast_sample(self.params, state, token, n, uniform)
        p = self.params
        Wxh_rows = np.ascontiguousarray(p["Wxh"].T)  # row i = column i of W_xh (a gather)
        Whh, Why, bh, by = p["Whh"], p["Why"], p["bh"][:, 0], p["by"][:, 0]
        h = state.copy()
        pre = np.empty(self.hidden_size)
        logits = np.empty(self.vocab_size)
        exp = np.empty(self.vocab_size)
        draw = _legacy_choice if rng is None else (
            lambda probs: int(rng.choice(self.vocab_size, p=probs)))
        ids = []
        whh_dot, why_dot = Whh.dot, Why.dot  # np.dot without its dispatch overhead
        for _ in range(n):
            whh_dot(h, pre)
            np.add(Wxh_rows[token], pre, out=pre)
            np.add(pre, bh, out=pre)
            np.tanh(pre, out=h)
            why_dot(h, logits)
            np.add(logits, by, out=logits)
            np.exp(logits, out=exp)
            total = exp.sum()
            if not np.isfinite(total):  # overflow: the shifted form is the same distribution
                np.exp(logits - logits.max(), out=exp)
                total = exp.sum()
            token = draw(exp / total)
            ids.append(token)
        return ids

    def prime(self, ids: object, h: np.ndarray | None = None) -> np.ndarray:
        """Run the network over ``ids`` (all but the last) and return the state (H, 1).

        Sampling from this state with ``seed_ix = ids[-1]`` continues the priming text.
        """
        x = _as_ids(ids, self.vocab_size, "priming ids")
        state = self._check_hprev(h)
        for token in x[:-1]:
            state, _ = self.step_probs(state, int(token))
        return state.reshape(-1, 1)

    # -- evaluation -----------------------------------------------------------------------
    def evaluate(self, ids: object, seq_length: int = 25) -> float:
        """Mean negative log-likelihood in nats per token of ``ids`` (no gradients).

        The text is read left to right in chunks of ``seq_length``, the hidden state carried
        from chunk to chunk from zero, so every token except the first is predicted.
        """
        data = _as_ids(ids, self.vocab_size, "ids")
        if data.size < 2:
            raise ValueError(f"need at least 2 tokens to evaluate, got {data.size}")
        check_positive_int(seq_length, "seq_length")
        h = None
        total = 0.0
        for start in range(0, data.size - 1, seq_length):
            stop = min(start + seq_length, data.size - 1)
            loss, h, _ = self.forward_chunk(data[start:stop], data[start + 1:stop + 1], h,
                                            check=False)
            total += loss
        return total / (data.size - 1)


def _legacy_choice(probs: np.ndarray) -> int:
    """``np.random.choice(len(probs), p=probs)`` on the legacy global stream, cheaper.

    NumPy's legacy ``RandomState.choice`` (frozen, NEP 19) turns ``p`` into a cumulative sum
    divided by its last entry and looks up one ``random_sample()`` in it (``side='right'``);
    doing the same without its argument checks draws the same ids and leaves the stream in
    the same state (tests/test_char_rnn.py compares the two). Anything unusual (NaN, a sum
    not 1) goes to ``np.random.choice`` itself, for its error message.
    """
    cdf = probs.cumsum()
    # (NaN fails the first test; negative entries cannot come from exp, but are checked.)
    if not abs(cdf[-1] - 1.0) <= 1e-10 or not probs.min() >= 0.0:
        return int(np.random.choice(probs.size, p=probs))  # noqa: NPY002
    cdf /= cdf[-1]
    return int(cdf.searchsorted(np.random.random_sample(), side="right"))  # noqa: NPY002


def generate_text(
    model: CharRNN,
    vocab: object,
    prime: str = "",
    length: int = 200,
    temperature: float = 1.0,
    top_k: int | None = None,
    rng: np.random.Generator | None = None,
) -> str:
    """Continue ``prime`` with ``length`` sampled tokens and return the generated part.

    ``vocab`` is a :class:`minirnn.data.Vocab` (anything with ``tokenize``, ``stoi`` and
    ``decode``). Without a priming text, generation starts from a newline (or the first
    token of the vocabulary) and a zero state. ``rng`` is the source of the draws (pass a
    seeded Generator for repeatable text; None means a fresh, unseeded one).

    Raises
    ------
    ValueError
        If the priming text holds tokens the model has never seen, naming them.
    """
    tokens = vocab.tokenize(prime) if prime else []
    unknown = sorted({t for t in tokens if t not in vocab.stoi})
    if unknown:
        shown = ", ".join(repr(t) for t in unknown[:10])
        raise ValueError(f"the priming text has {len(unknown)} token(s) that are not in the "
                         f"model's vocabulary of {len(vocab.stoi)}: {shown}")
    if not tokens:
        tokens = ["\n"] if "\n" in vocab.stoi else [vocab.itos[0]]
    ids = [vocab.stoi[t] for t in tokens]
    state = model.prime(ids)
    out = model.sample(state, ids[-1], length, temperature, top_k,
                       rng if rng is not None else np.random.default_rng())
    return vocab.decode(out)
