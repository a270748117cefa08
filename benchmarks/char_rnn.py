"""Time per iteration: min-char-rnn's plain loop against CharRNN, measured in the same run.

Three contenders train on the same text from the same seed (H=100, seq_length=25, Adagrad 0.1,
clipping at 5, samples of 200 characters every 100 iterations, as in the original):

* ``classic loop``: a faithful plain reimplementation of min-char-rnn (one-hot column vectors,
  one matrix-vector product per step for everything, outer products accumulated step by step);
* ``CharRNN exact``: minirnn's model in its default, bit-for-bit mode;
* ``CharRNN fast``: ``exact=False``, whole-sequence matrix products for the output layer.

It prints the time per iteration of each, the speed-up ratios, and checks the losses: the exact
model must equal the loop bit for bit; the fast one agrees for the first iterations and then
drifts (training amplifies last-bit round-off differences), which is reported, not hidden.

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/char_rnn.py [--iters 300] [--data FILE]``.
"""

# ruff: noqa: NPY002  (the classic loop uses NumPy's legacy global stream, as the original)
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from minirnn.models.char_rnn import CharRNN
from minirnn.models.char_rnn_trainer import CharRNNTrainer

DEFAULT_DATA = (Path(__file__).resolve().parents[2] / "shared" / "datasets" / "tinyshakespeare"
                / "input.txt")


def classic_loop(text: str, chars: list[str], iterations: int, seed: int = 0,
                 hidden: int = 100, seq_length: int = 25, lr: float = 0.1) -> list[float]:
    """min-char-rnn written plainly; returns the smooth loss after every iteration."""
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
                h = np.tanh(Wxh @ x + Whh @ h + bh)
                y = Why @ h + by
                prob = np.exp(y) / np.sum(np.exp(y))
                token = np.random.choice(range(V), p=prob.ravel())
        xs, hs, ps = {}, {-1: hprev}, {}
        loss = 0
        for t in range(seq_length):
            xs[t] = np.zeros((V, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
            y = Why @ hs[t] + by
            ps[t] = np.exp(y) / np.sum(np.exp(y))
            loss += -np.log(ps[t][targets[t], 0])
        grads = [np.zeros_like(w) for w in params]
        dWxh, dWhh, dWhy, dbh, dby = grads
        dh_next = np.zeros((hidden, 1))
        for t in reversed(range(seq_length)):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            dWhy += dy @ hs[t].T
            dby += dy
            dh = Why.T @ dy + dh_next
            draw = (1 - hs[t] * hs[t]) * dh
            dbh += draw
            dWxh += draw @ xs[t].T
            dWhh += draw @ hs[t - 1].T
            dh_next = Whh.T @ draw
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
                seed: int = 0) -> list[float]:
    """The same training with minirnn's CharRNN and its trainer."""
    model = CharRNN(vocab_size, 100, seed=seed, exact=exact)
    trainer = CharRNNTrainer(model, ids, seq_length=25, lr=0.1, echo=None)
    trainer.run(iterations)
    return trainer.smooth_losses


def timed(fn, *args) -> tuple[float, list[float]]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=300)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
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
    best = {"classic loop": np.inf, "CharRNN exact": np.inf, "CharRNN fast": np.inf}
    curves = {}
    for _ in range(args.repeats):  # interleaved, so a busy machine hurts all three alike
        for name, run in (("classic loop", lambda: classic_loop(text, chars, n)),
                          ("CharRNN exact", lambda: charrnn_run(ids, len(chars), n, True)),
                          ("CharRNN fast", lambda: charrnn_run(ids, len(chars), n, False))):
            seconds, curves[name] = timed(run)
            best[name] = min(best[name], seconds)
    print(f"min-char-rnn on {source}: H=100, seq_length=25, {n} iterations, best of "
          f"{args.repeats}")
    base = best["classic loop"] / n
    for name, seconds in best.items():
        per = seconds / n
        print(f"  {name:14s} {per * 1e3:7.3f} ms/iteration   speed-up x{base / per:5.2f}")
    ref = np.array(curves["classic loop"])
    exact = np.array(curves["CharRNN exact"])
    fast = np.array(curves["CharRNN fast"])
    identical = np.array_equal(ref, exact)
    print(f"  smooth loss after {n} iterations: classic {ref[-1]:.10f}  exact {exact[-1]:.10f}"
          f"  fast {fast[-1]:.10f}")
    print(f"  exact == classic at every iteration, bit for bit: {identical}")
    drift = np.abs(fast - ref) / np.abs(ref)
    first = int(np.argmax(drift > 1e-9)) if np.any(drift > 1e-9) else None
    print(f"  fast vs classic: max relative difference {drift.max():.2e}"
          + (f" (first above 1e-9 at iteration {first})" if first is not None else ""))
    if not identical:
        raise SystemExit("CharRNN exact does not reproduce the classic loop")


if __name__ == "__main__":
    main()
