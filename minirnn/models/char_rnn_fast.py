r"""CharRNN's fast mode (``exact=False``): the same maths with the fewest NumPy calls.

The exact mode (:mod:`minirnn.models.char_rnn_exact`) must do every floating-point operation in
min-char-rnn's order, which pins it to one product per step for the output layer and to
step-by-step gradient sums. Here that constraint is dropped, so everything that does not
depend on the previous step is one operation over the whole chunk, and each time step costs
three NumPy calls forward and three backward:

* forward, before the loop: :math:`a_t = W_{xh}[:, x_t] + b_h` for all steps (a column
  gather, i.e. the one-hot product, plus the bias), as rows of a (T, H) array;
* forward, per step: :math:`h_t = \tanh(W_{hh} h_{t-1} + a_t)`: one ``Whh.dot`` written
  straight into row ``t`` of the states, one in-place add, one in-place ``tanh``;
* after the loop: logits, softmax and loss for all steps at once;
* backward, before the loop: :math:`\delta^y = p - \mathrm{onehot}(y)`, what every output
  sends back to its state (:math:`\delta^y W_{hy}`) and :math:`1 - h_t^2`, each once;
* backward, per step: add the gradient from the later step, multiply by :math:`1 - h_t^2`,
  one ``Whh.T.dot`` for the gradient sent to the earlier step;
* after the loop: every weight gradient is one matrix product over the steps (``dWxh``
  against the one-hot matrix of the inputs, which measured faster than ``np.add.at``), the
  bias gradients are sums (as products with a vector of ones, which BLAS does faster);

The arrays a chunk needs, and the lists of row views the loops walk through, live in a
:class:`FastWorkspace` that :meth:`CharRNN.loss_and_grads` reuses from one call to the next.

Every per-step slice is a contiguous row (time-major layouts), and ``Whh.dot(v, out)`` is
used rather than ``@`` because it skips ``matmul``'s dispatch (about 1.4 against 3 us here).

The results equal the exact mode's up to round-off (tests/test_char_rnn.py compares a chunk's
loss and gradients to about 1e-12); during training such last-bit differences grow, so a long
fast run drifts away from the original's numbers (docs/char_rnn.md measures by how much).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from minirnn._memory import aligned_empty, aligned_zeros


class FastWorkspace:
    """Every array one chunk of length ``T`` needs, allocated once and reused.

    The trainer runs thousands of chunks of the same length, so allocating the arrays and,
    above all, making the Python lists of row views the loops walk through (about 5 us per
    loop) once instead of once per chunk is a measurable saving. A cache returned by
    :func:`fast_forward` points into its workspace, so a workspace serves one chunk at a time:
    :meth:`CharRNN.loss_and_grads` reuses one (it runs backward straight away), while
    :meth:`CharRNN.forward_chunk` makes a fresh one per call (its caches may be kept).
    """

    def __init__(self, T: int, H: int, V: int) -> None:
        self.shape = (T, H, V)
        self.steps = np.arange(T)
        self.ones = aligned_empty(T)
        self.ones.fill(1.0)
        # On cache lines (minirnn._memory): a vector 16 bytes off a 32-byte boundary slows
        # the BLAS calls of the two loops, and where np.empty puts it is down to chance.
        self.x_part = aligned_empty((T, H))  # row t: W_xh[:, x_t] + b_h
        self.hs = aligned_empty((T + 1, H))  # hs[0] = h_0, hs[t+1] = h_t
        self.probs = aligned_empty((T, V))
        self.why_t = aligned_empty((H, V))  # a C-ordered copy of W_hy^T
        self.dlogits = aligned_empty((T, V))
        self.delta = aligned_empty((T, H))  # row t: dL/dh_t, then the pre-activation gradient
        self.tanh_grad = aligned_empty((T, H))  # row t: 1 - h_t^2
        self.onehot = aligned_zeros((T, V))  # row t: one-hot of x_t (reset on every backward)
        # the weight gradients of one chunk, when they are added into existing gradients
        self.products = {"Wxh": np.empty((H, V)), "Whh": np.empty((H, H)),
                         "Why": np.empty((V, H))}
        rows = list(self.hs)
        # (a_t, h_{t-1}, h_t) for t = 1..T, and (delta_t, 1 - h_t^2) for t = T..1
        self.forward_steps = list(zip(list(self.x_part), rows[:-1], rows[1:], strict=True))
        self.backward_steps = list(zip(list(self.delta)[::-1], list(self.tanh_grad)[::-1],
                                       strict=True))


def fast_forward(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
                 h0: np.ndarray, work: FastWorkspace | None = None
                 ) -> tuple[float, np.ndarray, tuple]:
    """Loss summed over the chunk, the last state (H, 1) and the cache for :func:`fast_backward`.

    ``params`` are CharRNN's named arrays; ``x``, ``y`` valid ids (T,); ``h0`` shape (H,).
    ``work``: the arrays to write into (a fresh :class:`FastWorkspace` if None).
    """
    Wxh, Whh, Why = params["Wxh"], params["Whh"], params["Why"]
    T, H, V = x.size, h0.size, Why.shape[0]
    if work is None or work.shape != (T, H, V):
        work = FastWorkspace(T, H, V)
    # a_t = W_xh[:, x_t] + b_h for every step, written C-ordered so row t is contiguous
    np.add(Wxh[:, x].T, params["bh"][:, 0], out=work.x_part)
    hs = work.hs
    hs[0] = h0
    whh_dot, add, tanh = Whh.dot, np.add, np.tanh
    for a_t, h_prev, h_t in work.forward_steps:
        whh_dot(h_prev, h_t)
        add(h_t, a_t, h_t)
        tanh(h_t, h_t)
    # (T, V): every step's output in one product. Against a C-ordered copy of W_hy^T the
    # product takes about 8 us instead of 12 (with W_hy.T, a strided view), copy included.
    np.copyto(work.why_t, Why.T)
    logits = hs[1:].dot(work.why_t, work.probs)
    logits += params["by"][:, 0]
    logits -= logits.max(axis=1, keepdims=True)  # softmax is shift-invariant; exp can't overflow
    probs = np.exp(logits, out=logits)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -float(np.log(probs[work.steps, y]).sum())
    return loss, hs[-1].reshape(-1, 1).copy(), (x, y, work)


def fast_backward(params: dict[str, np.ndarray], grads: dict[str, np.ndarray], cache: tuple,
                  dh_next: np.ndarray, fresh: bool) -> np.ndarray:
    """Backward of :func:`fast_forward`: adds into ``grads`` (or writes, ``fresh=True``).

    ``dh_next`` (H,) is the gradient arriving at the last state (zeros in min-char-rnn); it is
    overwritten and returned as the gradient with respect to the first state ``h_0``.
    """
    x, y, work = cache
    hs, steps = work.hs, work.steps
    dlogits = work.dlogits
    np.copyto(dlogits, work.probs)  # a copy, so the cache can be backpropagated again
    dlogits[steps, y] -= 1.0
    # Row t becomes dL/dh_t, then (after the multiply) the pre-activation gradient delta_t.
    delta = dlogits.dot(params["Why"], work.delta)  # (T, H): what each output sends to h_t
    h = hs[1:]
    tanh_grad = np.multiply(h, h, out=work.tanh_grad)
    np.subtract(1.0, tanh_grad, out=tanh_grad)  # 1 - h_t^2, all steps at once
    whh_t_dot, add, multiply = params["Whh"].T.dot, np.add, np.multiply
    for delta_t, tanh_grad_t in work.backward_steps:
        add(delta_t, dh_next, delta_t)
        multiply(delta_t, tanh_grad_t, delta_t)
        whh_t_dot(delta_t, dh_next)
    onehot = work.onehot
    onehot.fill(0.0)
    onehot[steps, x] = 1.0
    # dW = sum_t delta_t (input_t)^T is one product of the stacked rows: (H, T) @ (T, .)
    products = (("Wxh", delta, onehot), ("Whh", delta, hs[:-1]), ("Why", dlogits, h))
    for name, left, right in products:
        if fresh:
            np.matmul(left.T, right, out=grads[name])
        else:
            # into a reused buffer, then added: a product without out= measured far slower
            grads[name] += np.matmul(left.T, right, out=work.products[name])
    # The bias gradients are column sums, computed as ones(T) @ rows: a BLAS product is
    # about 0.5 us where np.sum(rows, axis=0) takes about 3 us (only the round-off differs).
    ones_dot = work.ones.dot
    for name, rows in (("bh", delta), ("by", dlogits)):
        if fresh:
            ones_dot(rows, grads[name][:, 0])
        else:
            grads[name][:, 0] += ones_dot(rows)
    return dh_next


def fast_sample(params: dict[str, np.ndarray], h0: np.ndarray, token: int, n: int,
                uniform: Callable[[int], np.ndarray]) -> list[int]:
    """``n`` token ids drawn one at a time from the model, starting at state ``h0`` (H,).

    ``uniform(n)`` gives the n numbers in [0, 1) that decide the draws (the legacy global
    stream's ``np.random.random_sample`` or a Generator's ``random``: n at once are the same
    numbers as n single calls). Each draw finds its number, scaled by the total, in the
    cumulative sum of the unnormalised probabilities ``exp(logits)``; this is what
    ``np.random.choice(V, p=p)`` does with the normalised ones, consuming the same one number,
    in two NumPy calls fewer. So the picks agree with the exact mode's except when a number
    falls within round-off of a boundary between two tokens.

    Raises
    ------
    ValueError
        If the probabilities are NaN (a diverged model).
    """
    Why, by = params["Why"], params["by"][:, 0]
    V, H = Why.shape
    # row i = W_xh[:, i] + b_h: the input term of every possible token, contiguous
    in_rows = np.empty((V, H))
    np.add(params["Wxh"].T, params["bh"][:, 0], out=in_rows)
    h = h0.copy()
    pre, logits, cdf = np.empty(H), np.empty(V), np.empty(V)
    whh_dot, why_dot, add, tanh, exp, cumsum = (params["Whh"].dot, Why.dot, np.add, np.tanh,
                                               np.exp, np.cumsum)
    last = V - 1
    ids = []
    for u in uniform(n).tolist():
        whh_dot(h, pre)
        add(pre, in_rows[token], pre)
        tanh(pre, h)
        why_dot(h, logits)
        add(logits, by, logits)
        exp(logits, logits)
        cumsum(logits, out=cdf)
        total = cdf[-1]
        if not 0.0 < total < np.inf:  # exp overflowed (or NaN): shift by the maximum
            why_dot(h, logits)
            add(logits, by, logits)
            logits -= logits.max()
            exp(logits, logits)
            cumsum(logits, out=cdf)
            total = cdf[-1]
            if not 0.0 < total < np.inf:
                raise ValueError(f"cannot sample: the output probabilities are not finite "
                                 f"(total {total}); the model has diverged")
        # (u * total < total, so at most `last` unless it rounds up to the total itself)
        token = min(int(cdf.searchsorted(u * total, side="right")), last)
        ids.append(token)
    return ids
