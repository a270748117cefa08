"""Time per iteration: min-char-rnn's plain loop against CharRNN, measured in the same run.

Contenders, all training on the same text from the same seed (H=100, seq_length=25, Adagrad
0.1, clipping at 5, samples of 200 characters every 100 iterations, as in the original):

* ``classic loop (np.dot)``: the original min-char-rnn written out plainly, with ``np.dot``
  for every product as the original does (one-hot column vectors, one product per step,
  outer products accumulated step by step). This is the baseline the ratios refer to.
* ``classic loop (@)``: the same loop with the ``@`` operator. Same numbers, but numpy's
  ``matmul`` is much slower than ``np.dot`` for the (n, 1) @ (1, m) outer products, so this
  baseline makes every other contender look faster; it is shown so that the difference is
  visible, not as the reference.
* ``CharRNN exact``: minirnn's model in its default, bit-for-bit mode, trained by the
  classic loop :func:`minirnn.train.classics.min_char_rnn` (the original's printout);
* ``CharRNN exact (fit)``: the same model trained by :func:`minirnn.train.fit` (the same
  weights bit for bit, fit's bookkeeping instead of the original's printout);
* ``CharRNN fast``: ``exact=False`` trained by the classic loop: everything but the
  recurrence as whole-chunk products, three NumPy calls per time step each way
  (minirnn/models/char_rnn_fast.py);
* ``CharRNN fast (fit)``: the fast mode trained by ``fit``, as ``minirnn char-rnn train``
  does.

The classic loop costs what the trainer had before every model moved onto ``fit``
(``CharRNNTrainer``, commit 29f1276), so the ratio of each ``(fit)`` line to the line above
it is what ``fit`` costs per iteration; it is printed as "fit's own cost".

It prints milliseconds per iteration (wall clock and this process's CPU time; on a busy
machine the CPU time is the steadier of the two), the speed-ups (best against best, and the
range of the ratios within each interleaved repeat), whether the exact model's
smooth loss equals the loop's bit for bit at every timed iteration, how far the fast one
drifts over ``--drift-iters`` untimed iterations (training amplifies last-bit round-off
differences), the machine's load average at the start and the end (other processes slow
everything down unevenly), and finally an upper bound on each mode's speed-up: the time of
the work it cannot do without, timed alone (:func:`lower_bounds`), against the loop's.

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/char_rnn.py [--iters 300] [--data FILE]``.
"""

# ruff: noqa: NPY002  (the classic loop uses NumPy's legacy global stream, as the original)
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from minirnn.data import CharChunks
from minirnn.models.char_rnn import CharRNN
from minirnn.optim import Adagrad
from minirnn.train import fit
from minirnn.train.classics import min_char_rnn

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "datasets" / "tinyshakespeare" / "input.txt"


def classic_loop(text: str, chars: list[str], iterations: int, seed: int = 0,
                 hidden: int = 100, seq_length: int = 25, lr: float = 0.1,
                 dot=np.dot) -> list[float]:
    """min-char-rnn written plainly; returns the smooth loss after every iteration.

    ``dot`` is the product used everywhere (``np.dot`` as in the original, or
    ``np.matmul``, which is what ``@`` calls).
    """
    V = len(chars)
    ix = {c: i for i, c in enumerate(chars)}
    np.random.seed(seed)
    Wxh = np.random.randn(hidden, V) * 0.01
    Whh = np.random.randn(hidden, hidden) * 0.01
    Why = np.random.randn(V, hidden) * 0.01
    bh, by = np.zeros((hidden, 1)), np.zeros((V, 1))
    params = [Wxh, Whh, Why, bh, by]
    mems = [np.zeros_like(w) for w in params]
    smooth = -np.log(1.0 / V) * seq_length
    curve = []
    p, hprev = 0, None
    for n in range(iterations):
        if p + seq_length + 1 >= len(text) or n == 0:
            hprev, p = np.zeros((hidden, 1)), 0
        inputs = [ix[c] for c in text[p:p + seq_length]]
        targets = [ix[c] for c in text[p + 1:p + seq_length + 1]]
        if n % 100 == 0:  # the original's sample, drawn from the global stream
            h, token = hprev, inputs[0]
            for _ in range(200):
                x = np.zeros((V, 1))
                x[token] = 1
                h = np.tanh(dot(Wxh, x) + dot(Whh, h) + bh)
                y = dot(Why, h) + by
                prob = np.exp(y) / np.sum(np.exp(y))
                token = np.random.choice(range(V), p=prob.ravel())
        xs, hs, ps = {}, {-1: hprev}, {}
        loss = 0
        for t in range(seq_length):
            xs[t] = np.zeros((V, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(dot(Wxh, xs[t]) + dot(Whh, hs[t - 1]) + bh)
            y = dot(Why, hs[t]) + by
            ps[t] = np.exp(y) / np.sum(np.exp(y))
            loss += -np.log(ps[t][targets[t], 0])
        grads = [np.zeros_like(w) for w in params]
        dWxh, dWhh, dWhy, dbh, dby = grads
        dh_next = np.zeros((hidden, 1))
        for t in reversed(range(seq_length)):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            dWhy += dot(dy, hs[t].T)
            dby += dy
            dh = dot(Why.T, dy) + dh_next
            draw = (1 - hs[t] * hs[t]) * dh
            dbh += draw
            dWxh += dot(draw, xs[t].T)
            dWhh += dot(draw, hs[t - 1].T)
            dh_next = dot(Whh.T, draw)
        for g in grads:
            np.clip(g, -5, 5, out=g)
        hprev = hs[seq_length - 1]
        smooth = smooth * 0.999 + loss * 0.001
        curve.append(float(smooth))
        for w, g, m in zip(params, grads, mems, strict=True):
            m += g * g
            w += -lr * g / np.sqrt(m + 1e-8)
        p += seq_length
    return curve


def charrnn_run(ids: np.ndarray, vocab_size: int, iterations: int, exact: bool,
                seed: int = 0, use_fit: bool = False) -> list[float]:
    """The same training with minirnn's CharRNN; returns the original's smooth loss.

    ``use_fit``: train with :func:`minirnn.train.fit` (samples every 100 iterations from a
    Generator, clipping at 5, no progress output) instead of the classic loop. fit records
    the loss in nats per character; the original's smooth loss is rebuilt from it.
    """
    model = CharRNN(vocab_size, 100, seed=seed, exact=exact)
    if not use_fit:
        return min_char_rnn(model, ids, iterations, echo=None).smooth_losses
    rng = np.random.default_rng(seed)
    history = fit(model, Adagrad(model, lr=0.1, eps=1e-8), CharChunks(ids, 25),
                  iterations=iterations, clip_value=5.0, verbose=False, rng={"sample": rng},
                  sample_fn=lambda m: m.sample(m.h, m.last_token, 200, rng=rng),
                  sample_every=100)
    smooth, curve = -np.log(1.0 / vocab_size) * 25, []
    for loss in history.loss.tolist():
        smooth = smooth * 0.999 + loss * 25 * 0.001
        curve.append(smooth)
    return curve


def lower_bounds(vocab_size: int, hidden: int = 100, seq_length: int = 25, calls: int = 300,
                 repeats: int = 5) -> dict[str, dict[str, float]]:
    """Seconds per iteration of the work each CharRNN mode cannot do without, timed alone.

    The same NumPy calls as CharRNN makes, on arrays of the benchmark's sizes, in bare loops
    (best of ``repeats`` runs of ``calls`` iterations):

    * exact mode: the two recurrences in the original's operation order (four calls per
      step each way: ``(W_xh x + W_hh h) + b_h`` cannot become one add), the two weight
      gradients summed step by step in the original's order (with ``einsum``, the fastest
      exact way we found; see docs/char_rnn.md), and the clip + Adagrad update of the
      23 165 numbers;
    * fast mode: the two recurrences with three calls per step each way, its five matrix
      products, and the same update.

    The output layer, the softmax, the sampling and the bookkeeping are left out, so the
    classic loop's time divided by a mode's total is an upper bound on its speed-up.
    """
    V, H, T = vocab_size, hidden, seq_length
    rng = np.random.default_rng(0)
    Whh, Why = rng.normal(0, 0.1, (H, H)), rng.normal(0, 0.1, (V, H))
    bh, inputs = rng.normal(0, 0.1, H), rng.normal(0, 0.1, (T, H))
    hs = np.zeros((T + 1, H))
    dh_out, tanh_grad = rng.normal(0, 0.1, (T, H)), rng.uniform(0, 1, (T, H))
    dpre, dlogits = np.empty((T, H)), rng.normal(0, 0.1, (T, V))
    onehot = np.eye(V)[rng.integers(0, V, T)]
    g_wxh, g_whh, g_why = np.zeros((H, V)), np.zeros((H, H)), np.zeros((V, H))
    columns = [g_wxh[:, i] for i in rng.integers(0, V, T)]
    why_t, logits, dh_from_out = np.empty((H, V)), np.empty((T, V)), np.empty((T, H))
    packed = CharRNN(V, H, seed=0)  # its parameters in one flat array, as the modes train
    optimizer = Adagrad(packed, lr=0.1, eps=1e-8)
    packed.flat_arrays()[1][...] = rng.normal(0, 0.01, packed.flat_arrays()[1].size)
    pre, dh, dh_next = np.empty(H), np.empty(H), np.zeros(H)
    whh_dot, whh_t_dot, add, multiply, tanh = Whh.dot, Whh.T.dot, np.add, np.multiply, np.tanh
    forward_steps = list(zip(list(inputs), list(hs)[:-1], list(hs)[1:], strict=True))
    backward_steps = list(zip(list(dh_out), list(tanh_grad), list(dpre), columns, strict=True))

    def exact_forward() -> None:
        for x_t, h_prev, h_t in forward_steps:
            whh_dot(h_prev, pre)
            add(x_t, pre, pre)
            add(pre, bh, pre)
            tanh(pre, h_t)

    def exact_backward() -> None:
        for dh_out_t, tanh_grad_t, dpre_t, column in backward_steps:
            add(dh_out_t, dh_next, dh)
            multiply(tanh_grad_t, dh, dpre_t)
            add(column, dpre_t, column)
            whh_t_dot(dpre_t, dh_next)

    def ordered_sums() -> None:
        np.einsum("it,tj->ij", np.ascontiguousarray(dlogits.T), hs[1:], out=g_why)
        np.einsum("it,tj->ij", np.ascontiguousarray(dpre.T), hs[:-1], out=g_whh)

    def fast_forward() -> None:
        for x_t, h_prev, h_t in forward_steps:
            whh_dot(h_prev, h_t)
            add(h_t, x_t, h_t)
            tanh(h_t, h_t)

    def fast_backward() -> None:
        for dh_out_t, tanh_grad_t, dpre_t, _ in backward_steps:
            add(dh_out_t, dh_next, dpre_t)
            multiply(dpre_t, tanh_grad_t, dpre_t)
            whh_t_dot(dpre_t, dh_next)

    def products() -> None:
        np.copyto(why_t, Why.T)
        hs[1:].dot(why_t, logits)
        dlogits.dot(Why, dh_from_out)  # its own output: the loops' inputs stay as they are
        np.matmul(dpre.T, onehot, out=g_wxh)
        np.matmul(dpre.T, hs[:-1], out=g_whh)
        np.matmul(dlogits.T, hs[1:], out=g_why)

    def update() -> None:
        optimizer.step_clipped(5.0)

    def best(fn) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            times.append((time.perf_counter() - start) / calls)
        return min(times)

    return {
        "CharRNN exact": {"forward recurrence": best(exact_forward),
                          "backward recurrence": best(exact_backward),
                          "step-ordered sums": best(ordered_sums),
                          "clip + Adagrad": best(update)},
        "CharRNN fast": {"forward recurrence": best(fast_forward),
                         "backward recurrence": best(fast_backward),
                         "matrix products": best(products),
                         "clip + Adagrad": best(update)},
    }


def timed(fn) -> tuple[float, float, list[float]]:
    """(wall seconds, CPU seconds of this process, fn's result)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=300)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    parser.add_argument("--drift-iters", type=int, default=1000,
                        help="untimed run comparing the fast mode's smooth loss (0: skip)")
    args = parser.parse_args()
    if args.data.exists():
        text = args.data.read_text(encoding="utf-8")
        source = str(args.data)
    else:
        from minirnn.data import builtin_corpus

        text, source = builtin_corpus(), "builtin_corpus()"
    n = args.iters
    chars = sorted(set(text))  # the vocabulary and the ids are shared preprocessing
    index = {c: i for i, c in enumerate(chars)}
    ids = np.array([index[c] for c in text])
    runs = {
        "classic loop (np.dot)": lambda: classic_loop(text, chars, n),
        "classic loop (@)": lambda: classic_loop(text, chars, n, dot=np.matmul),
        "CharRNN exact": lambda: charrnn_run(ids, len(chars), n, True),
        "CharRNN exact (fit)": lambda: charrnn_run(ids, len(chars), n, True, use_fit=True),
        "CharRNN fast": lambda: charrnn_run(ids, len(chars), n, False),
        "CharRNN fast (fit)": lambda: charrnn_run(ids, len(chars), n, False, use_fit=True),
    }
    load_start = load()
    wall = {name: [] for name in runs}
    cpu = {name: [] for name in runs}
    curves = {}
    same = True
    for _ in range(args.repeats):  # interleaved, so a busy machine hurts all of them alike
        for name, run in runs.items():
            seconds, cpu_seconds, curve = timed(run)
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
            if name == "CharRNN exact" and name in curves:
                same &= curve == curves[name]  # every repeat gives the same numbers
            curves[name] = curve
    print(f"min-char-rnn on {source}: H=100, seq_length=25, {n} iterations, best of "
          f"{args.repeats}; load average (1/5/15 min) {load_start} at the start, {load()} at "
          f"the end, on {os.cpu_count()} cores")
    base = "classic loop (np.dot)"
    print(f"  {'':22s} {'wall ms/it':>10s} {'cpu ms/it':>10s}   speed-up vs {base}: best "
          f"wall, best cpu, [range of the per-repeat wall ratios]")
    for name in runs:
        per_repeat = [b / t for b, t in zip(wall[base], wall[name], strict=True)]
        best_wall, best_cpu = min(wall[name]), min(cpu[name])
        print(f"  {name:22s} {best_wall / n * 1e3:10.3f} {best_cpu / n * 1e3:10.3f}   "
              f"x{min(wall[base]) / best_wall:5.2f}  x{min(cpu[base]) / best_cpu:5.2f}  "
              f"[x{min(per_repeat):.2f} .. x{max(per_repeat):.2f}]")
    costs = []
    for mode in ("exact", "fast"):
        loop, via_fit = min(cpu[f"CharRNN {mode}"]), min(cpu[f"CharRNN {mode} (fit)"])
        costs.append(f"{mode} x{via_fit / loop:.3f} ({(via_fit - loop) / n * 1e6:+.1f} us/it)")
    print(f"  fit's own cost, CharRNN (fit) against the classic loop, best cpu: {', '.join(costs)}")
    slow = "classic loop (@)"
    print(f"  (against {slow}: CharRNN exact x{min(wall[slow]) / min(wall['CharRNN exact']):.2f}"
          f" wall, x{min(cpu[slow]) / min(cpu['CharRNN exact']):.2f} cpu)")
    ref = np.array(curves[base])
    exact = np.array(curves["CharRNN exact"])
    fast = np.array(curves["CharRNN fast (fit)"])
    identical = (np.array_equal(ref, exact) and np.array_equal(ref, curves[slow]) and same)
    print(f"  smooth loss after {n} iterations: classic {ref[-1]:.10f}  exact {exact[-1]:.10f}"
          f"  fast {fast[-1]:.10f}")
    print(f"  CharRNN exact == classic loop at every timed iteration, bit for bit: {identical}")
    # fit records loss / 25, so the rebuilt smooth loss may differ in the last bit only
    via_fit = np.max(np.abs(np.array(curves["CharRNN exact (fit)"]) - ref) / ref)
    print(f"  CharRNN exact (fit) vs classic loop, smooth loss rebuilt from fit's nats/char: "
          f"largest relative difference {via_fit:.1e}")
    if args.drift_iters:
        # Untimed: how far the fast mode's smooth loss drifts from the loop's over a longer run.
        m = args.drift_iters
        ref = np.array(classic_loop(text, chars, m + 1))
        fast = np.array(charrnn_run(ids, len(chars), m + 1, False, use_fit=True))
        drift = np.abs(fast - ref) / np.abs(ref)
        above = np.flatnonzero(drift > 1e-9)
        first = f"iteration {above[0]}" if above.size else "never"
        print(f"  fast vs classic smooth loss over {m} iterations: relative difference first "
              f"above 1e-9 at {first}; at iteration {m} {drift[m]:.2e} ({ref[m]:.10f} vs "
              f"{fast[m]:.10f}); largest {drift.max():.2e}")
    bounds = lower_bounds(len(chars), calls=n, repeats=args.repeats)
    classic = min(wall[base]) / n
    print("  what each mode cannot do without, timed alone (us per iteration; the output layer, "
          "softmax, sampling and bookkeeping left out), and the speed-up it allows at most:")
    for name, parts in bounds.items():
        terms = " + ".join(f"{part} {seconds * 1e6:.1f}" for part, seconds in parts.items())
        total = sum(parts.values())
        measured = min(wall[base]) / min(wall[name if name in wall else name + " (fit)"])
        print(f"    {name:14s} {terms} = {total * 1e6:.1f} -> at most x{classic / total:.2f}"
              f" (measured x{measured:.2f})")
    if not identical:
        raise SystemExit("CharRNN exact does not reproduce the classic loop")


if __name__ == "__main__":
    main()
