r"""CharRNN's exact mode: min-char-rnn's floating-point operations, in min-char-rnn's order.

Training min-char-rnn is chaotic: a difference in the last bit of one gradient grows by
orders of magnitude within a few hundred iterations. Reproducing the original's numbers
therefore needs *the same operations in the same order*, not only the same maths. This
module holds everything that keeps that order while avoiding the original's per-step
overhead (docs/char_rnn.md, "Exactness", explains each choice and what it measured):

* :func:`exact_forward` / :func:`exact_backward`: the input product as a column gather (a
  one-hot product only adds zeros), the recurrence with the original's ``(a + b) + c``, the
  output layer as one stacked matrix-vector call (the same BLAS routine as the original's
  per-step products), and the weight gradients summed step by step, last step first;
* :func:`exact_sample` and :func:`legacy_choice`: the original's ``exp(y) / sum(exp(y))``
  and ``np.random.choice`` on the legacy global stream, without the per-call checks;
* :func:`legacy_init`: the original's weights, drawn from the legacy global stream;
* :func:`pack_flat` and :class:`PackedLayer`: every parameter (and gradient) a view into one
  flat array, so that clipping and the optimizer run once over all of them (clipping and
  Adagrad fused into fewer passes are :meth:`minirnn.optim.Adagrad.step_clipped`).

The readable model is :class:`minirnn.models.char_rnn.CharRNN`; the fast mode, which drops
the order constraint, is :mod:`minirnn.models.char_rnn_fast`.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import is_
from typing import Any

import numpy as np

from minirnn._memory import aligned_empty, aligned_zeros
from minirnn.layers.base import Layer


def exact_forward(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
                  h0: np.ndarray) -> tuple[float, np.ndarray, tuple]:
    """Loss summed over the chunk, last state (H, 1) and the cache for :func:`exact_backward`.

    ``x``, ``y``: valid ids (T,); ``h0``: the first state, shape (H,).
    """
    Whh, Why, bh, by = params["Whh"], params["Why"], params["bh"][:, 0], params["by"][:, 0]
    T, H = x.size, h0.size
    # Column gather = W_xh @ one_hot(x_t) for every step at once. Row t is step t's column.
    x_part = np.ascontiguousarray(params["Wxh"][:, x].T)  # (T, H)
    hs = np.empty((T + 1, H))  # hs[0] = h_0, hs[t+1] = h_t
    hs[0] = h0
    pre = np.empty(H)
    # Local names: this loop is the hot path. Whh.dot(h, out) is np.dot(Whh, h, out)
    # without np.dot's __array_function__ dispatch (the same C routine and BLAS gemv).
    whh_dot, add, tanh = Whh.dot, np.add, np.tanh
    rows = list(hs)  # row views made once (indexing inside the loop costs as much)
    h_prev = rows[0]
    for x_t, h_t in zip(list(x_part), rows[1:], strict=True):
        # h_t = tanh((W_xh x_t + W_hh h_{t-1}) + b_h), added in the original's order
        whh_dot(h_prev, pre)
        add(x_t, pre, pre)
        add(pre, bh, pre)
        tanh(pre, h_t)
        h_prev = h_t
    # One matrix-vector product per step, as the original, but all in one call: a stack of
    # (H, 1) columns makes matmul run the same BLAS gemv for every step, whereas a single
    # matrix product would sum in another order (other last bits).
    logits = np.matmul(Why, hs[1:, :, None])[:, :, 0]
    logits += by
    probs = np.exp(logits)
    # Each row's sum runs over contiguous memory, so numpy adds it in the same (pairwise)
    # order as the original's np.sum over one (V, 1) column.
    probs /= probs.sum(axis=1, keepdims=True)
    loss = 0.0
    for value in np.log(probs[np.arange(T), y]).tolist():
        loss -= value  # step by step, in the original's order (not Python's sum())
    return loss, hs[-1].reshape(-1, 1).copy(), (x, y, hs, probs)


def exact_backward(params: dict[str, np.ndarray], grads: dict[str, np.ndarray], cache: tuple,
                   dh_next: np.ndarray, fresh: bool) -> np.ndarray:
    """Backward of :func:`exact_forward`: adds into ``grads`` (or writes, ``fresh=True``).

    ``dh_next`` (H,) is the gradient arriving at the last state; it is overwritten and
    returned as the gradient with respect to the first state.
    """
    x, y, hs, probs = cache
    T, H = x.size, hs.shape[1]
    Why = params["Why"]
    dlogits = probs.copy()
    dlogits[np.arange(T), y] -= 1.0
    dh_out = np.matmul(Why.T, dlogits[:, :, None])[:, :, 0]  # per-step gemv, as above
    tanh_grad = 1 - hs[1:] * hs[1:]  # the original's (1 - h*h), for all steps at once
    dpre = np.empty((T, H))
    dh = np.empty(H)
    # W_hh^T is a transposed view, as in the original: the same gemv kernel.
    whh_t_dot, add, multiply = params["Whh"].T.dot, np.add, np.multiply
    if fresh:
        grads["Wxh"].fill(0.0)
    # dW_xh: the original adds dpre_t onehot(x_t)^T, i.e. dpre_t into column x_t of dW_xh,
    # last step first; one in-place add per step does exactly that.
    columns = [grads["Wxh"][:, i] for i in x[::-1].tolist()]
    steps = zip(list(dh_out)[::-1], list(tanh_grad)[::-1], list(dpre)[::-1], columns,
                strict=True)
    for dh_out_t, tanh_grad_t, dpre_t, column in steps:  # t = T-1, ..., 0
        add(dh_out_t, dh_next, dh)
        multiply(tanh_grad_t, dh, dpre_t)
        add(column, dpre_t, column)
        whh_t_dot(dpre_t, dh_next)
    _ordered_sums(grads, hs, dlogits, dpre, fresh)
    return dh_next


def _ordered_sums(grads: dict[str, np.ndarray], hs: np.ndarray, dlogits: np.ndarray,
                  dpre: np.ndarray, fresh: bool) -> None:
    """The weight and bias gradients, summed over the steps in the original's order.

    The original adds the steps' outer products one at a time, last step first. einsum
    (without BLAS) forms each product with one rounding and accumulates the steps in the
    order given, so on the reversed steps it gives the same sums bit for bit
    (tests/test_char_rnn.py checks this), while a matrix product would not. Written
    "it,tj->ij" with a contiguous (H, T) copy of the left factor it measured about 10 %
    faster than "ti,tj->ij". The copy matters: on a reversed *view* einsum's iterator may
    walk the steps forwards again, which changes the order of the additions.
    """
    rev = np.arange(dpre.shape[0] - 1, -1, -1)
    dlogits_rev, dpre_rev = dlogits[rev], dpre[rev]
    for name, left, right in (("Why", dlogits_rev, hs[1:][rev]),
                              ("Whh", dpre_rev, hs[:-1][rev])):
        left_t = np.ascontiguousarray(left.T)
        if fresh:  # einsum's sum starts from zero, like the original's np.zeros_like
            np.einsum("it,tj->ij", left_t, right, out=grads[name])
        else:
            grads[name] += np.einsum("it,tj->ij", left_t, right)
    # Reducing the leading axis of a C-ordered array adds its rows one after another.
    for name, rows in (("by", dlogits_rev), ("bh", dpre_rev)):
        if fresh:
            np.add.reduce(rows, axis=0, out=grads[name][:, 0], initial=0.0)
        else:
            grads[name] += np.add.reduce(rows, axis=0)[:, None]


def exact_sample(params: dict[str, np.ndarray], h0: np.ndarray, token: int, n: int,
                 draw: Callable[[np.ndarray], int]) -> list[int]:
    """The original's sampling loop: ``n`` ids, each drawn by ``draw(probabilities)``.

    The same products as :meth:`CharRNN.step_probs` in the same order, into reused buffers.
    The probabilities are the original's ``exp(y) / sum(exp(y))`` (no shift by the maximum,
    which would change their last bits), so with :func:`legacy_choice` a classic run draws
    exactly the original's characters.
    """
    Wxh_rows = np.ascontiguousarray(params["Wxh"].T)  # row i = column i of W_xh (a gather)
    Whh, Why, bh, by = params["Whh"], params["Why"], params["bh"][:, 0], params["by"][:, 0]
    h = h0.copy()
    pre, logits, exp = np.empty(h.size), np.empty(Why.shape[0]), np.empty(Why.shape[0])
    whh_dot, why_dot = Whh.dot, Why.dot  # np.dot without its dispatch overhead
    ids = []
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


def legacy_choice(probs: np.ndarray, source: Any = np.random) -> int:
    """``source.choice(len(probs), p=probs)``, cheaper: the legacy global stream or a Generator.

    NumPy's legacy ``RandomState.choice`` (frozen, NEP 19) and ``Generator.choice`` both turn
    ``p`` into a cumulative sum divided by its last entry and look up one ``random()`` in it
    (``side='right'``); doing the same without their argument checks (which cost a
    Generator about ten times the draw) gives the same ids and leaves the stream in the same
    state (tests/test_char_rnn.py compares them). Anything unusual (NaN, a sum not 1) goes
    to ``source.choice`` itself, for its error message. ``source`` is ``np.random`` (the
    legacy global stream) or a ``np.random.Generator``.
    """
    cdf = probs.cumsum()
    # (NaN fails the first test; negative entries cannot come from exp, but are checked.)
    if not abs(cdf[-1] - 1.0) <= 1e-10 or not probs.min() >= 0.0:
        return int(source.choice(probs.size, p=probs))
    cdf /= cdf[-1]
    return int(cdf.searchsorted(source.random(), side="right"))


def legacy_init(shapes: list[tuple[str, tuple[int, ...]]], seed: object) -> dict[str, np.ndarray]:
    """The original's weights: ``np.random.seed(seed)``, then ``randn(*shape) * 0.01`` in order.

    Drawn from NumPy's *legacy global* stream, as min-char-rnn draws them, so a classic run
    starts from the original's numbers.
    """
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"classic=True needs an int seed for np.random.seed, got {seed!r}")
    np.random.seed(int(seed))  # noqa: NPY002 - the original's legacy global stream
    return {name: np.random.randn(*shape) * 0.01 for name, shape in shapes}  # noqa: NPY002


def pack_flat(params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Make every array of ``params`` and ``grads`` a view into one flat array each.

    The dicts are updated in place (same names, shapes and values), and the two flat arrays
    are returned, in the order of ``params``. Element-wise work on the flat arrays (zeroing,
    clipping, an Adagrad step) then takes one call instead of one per parameter, with the
    same numbers. The flat arrays start on a cache line (:mod:`minirnn._memory`), so with
    ``H * V`` a multiple of 4 (min-char-rnn's H = 100) every matrix in them starts on a
    32-byte boundary, which the BLAS products and the element-wise passes run fastest on.
    """
    total = sum(value.size for value in params.values())
    flat_params, flat_grads = aligned_empty(total), aligned_zeros(total)
    start = 0
    for name, value in params.items():
        stop = start + value.size
        params[name] = flat_params[start:stop].reshape(value.shape)
        params[name][...] = value
        grads[name] = flat_grads[start:stop].reshape(value.shape)
        start = stop
    return flat_params, flat_grads


class PackedLayer(Layer):
    """A :class:`~minirnn.layers.base.Layer` whose parameters sit in one flat array.

    After :meth:`pack` every parameter and every gradient is a view into one flat array each
    (:func:`pack_flat`), which :meth:`flat_arrays` hands out as long as the named arrays are
    still those views (:meth:`~minirnn.layers.base.Layer.astype`, for one, replaces them).
    The gradient norm, clipping and the optimizers then run once over all the numbers instead
    of once per parameter, with the same results: min-char-rnn's parameters are small enough
    for the per-call overhead to be a measurable share of an iteration.
    """

    def pack(self) -> None:
        """Pack the parameters and gradients added so far (call once, after adding them)."""
        self._flat = pack_flat(self.params, self.grads)
        self._views = (tuple(self.params.values()), tuple(self.grads.values()))

    def flat_arrays(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(parameters, gradients)`` as one 1-D array each, or None if no longer packed.

        In the order of ``params``; the named arrays are views into them.
        """
        params, grads = self._views  # (asked on every step by norm, clip and optimizer)
        if (len(self.params) == len(params) and all(map(is_, params, self.params.values()))
                and all(map(is_, grads, self.grads.values()))):
            return self._flat
        return None

    def zero_grad(self) -> None:
        """Set every gradient to zero (in one call while packed)."""
        flat = self.flat_arrays()
        if flat is None:
            super().zero_grad()
        else:
            flat[1].fill(0.0)
