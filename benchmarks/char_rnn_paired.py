"""min-char-rnn's training in two checkouts, the two taking turns 100 iterations at a time.

Usage::

    python benchmarks/char_rnn_paired.py --before /tmp/old-checkout [--after .] [--pairs 30]
                                         [--one-at-a-time]

``benchmarks/char_rnn.py`` times every contender inside one process against a plain loop.
This script answers the narrower question "does the *after* checkout train min-char-rnn more
slowly than the *before* one?", for example ``fit`` against the trainer it replaced
(``CharRNNTrainer``, commit 29f1276). Each child trains the way its checkout's own
``minirnn char-rnn train`` does: with :func:`minirnn.train.fit` where the checkout has it
(Adagrad 0.1, clipping at 5, 200 sampled characters every 100 iterations, no progress line),
else with ``CharRNNTrainer`` (the same settings).

Two things make a few percent hard to see on a shared machine, and the design answers both:

* **The machine's speed drifts.** The two children take turns every 100 iterations (about a
  tenth of a second), so both see the same drift, and each turn gives one ratio.
* **A process keeps the speed it started with.** Two processes running the *same* code
  differed by 0.92x to 1.05x (the medians of 12 pairs of processes, 20 turns each, load
  average about 1), and each pair kept its ratio from turn to turn. One pair of processes
  cannot tell 3% apart. So the script starts ``--pairs`` fresh pairs and reports the median over
  pairs of each pair's median ratio, with the quartiles over pairs.

Taking turns keeps two processes alive at once, each one's caches disturbed by the other's
turns, which a user's single run never sees. ``--one-at-a-time`` is closer to that: each
pair's second process starts when the first has ended (which goes first alternates from pair
to pair), and a pair's ratio is the ratio of its two processes' median turns. The machine's
speed then drifts between the two halves of a pair, so the quartiles are wider; with many
pairs the median is the figure closest to what a user sees.

Times are CPU time with one BLAS thread, in milliseconds per iteration.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent / "datasets" / "tinyshakespeare" / "input.txt"
#: iterations per turn
TURN = 100


def serve(checkout: str, mode: str, data: str) -> None:
    """The child: train, and after every ``TURN`` iterations print their CPU time per
    iteration and wait for the next ``go`` on stdin (anything else ends the process)."""
    sys.path.insert(0, checkout)
    import numpy as np

    import minirnn
    from minirnn.models.char_rnn import CharRNN

    if not Path(minirnn.__file__).resolve().is_relative_to(Path(checkout).resolve()):
        sys.exit(f"{checkout}: imported minirnn from {minirnn.__file__} instead")

    text = Path(data).read_text(encoding="utf-8")
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = np.array([index[c] for c in text])
    model = CharRNN(len(chars), 100, seed=0, exact=mode == "exact")
    next_turn = Turns()
    if importlib.util.find_spec("minirnn.models.char_rnn_trainer") is not None:
        from minirnn.models.char_rnn_trainer import CharRNNTrainer

        trainer = CharRNNTrainer(model, ids, seq_length=25, lr=0.1, echo=None)
        while True:
            next_turn()
            trainer.run(TURN)
    from minirnn.data import CharChunks
    from minirnn.optim import Adagrad
    from minirnn.train import fit

    rng = np.random.default_rng(0)

    def sample_and_turn(m: CharRNN) -> str:
        text = m.sample(m.h, m.last_token, 200, rng=rng)
        next_turn()
        return text

    next_turn()
    fit(model, Adagrad(model, lr=0.1, eps=1e-8), CharChunks(ids, 25), iterations=10**9,
        clip_value=5.0, verbose=False, rng={"sample": rng}, sample_fn=sample_and_turn,
        sample_every=TURN)


class Turns:
    """The child's side of a turn: report the last one's time, wait for the next."""

    def __init__(self) -> None:
        self.started: float | None = None

    def __call__(self) -> None:
        if self.started is not None:
            print(1e3 * (time.process_time() - self.started) / TURN, flush=True)
        if sys.stdin.readline().strip() != "go":
            sys.exit(0)
        self.started = time.process_time()


def start(checkout: Path, mode: str, data: Path) -> subprocess.Popen:
    env = dict(os.environ, **{name: "1" for name in
                              ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")})
    return subprocess.Popen([sys.executable, __file__, "--serve", str(checkout), mode, str(data)],
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def turn(child: subprocess.Popen) -> float:
    child.stdin.write("go\n")
    child.stdin.flush()
    line = child.stdout.readline()
    if not line:
        sys.exit("a child process ended early (run it with --serve to see why)")
    return float(line)


def one_pair(before: Path, after: Path, mode: str, data: Path, rounds: int) -> dict:
    """Fresh processes for both checkouts; the medians of their turns and of the ratios."""
    children = [start(before, mode, data), start(after, mode, data)]
    for child in children:
        turn(child)  # a first turn each warms up (workspaces, first-touch pages)
    times = []
    for r in range(rounds):
        order = children if r % 2 == 0 else children[::-1]
        got = {id(child): turn(child) for child in order}
        times.append([got[id(child)] for child in children])
    for child in children:
        child.stdin.close()
        child.wait()
    return summary(times)


def one_at_a_time_pair(before: Path, after: Path, mode: str, data: Path, rounds: int,
                       after_first: bool) -> dict:
    """A fresh process for each checkout, the second started when the first has ended."""
    median_ms = {}
    order = (("after", after), ("before", before))
    for side, checkout in order if after_first else order[::-1]:
        child = start(checkout, mode, data)
        turn(child)  # the warm-up turn
        median_ms[side] = statistics.median(turn(child) for _ in range(rounds))
        child.stdin.close()
        child.wait()
    return dict(before_ms=median_ms["before"], after_ms=median_ms["after"],
                after_before=median_ms["after"] / median_ms["before"])


def summary(times: list[list[float]]) -> dict:
    """Medians of the before and after turns, and of their ratios turn by turn."""
    before_ms, after_ms = zip(*times, strict=True)
    return dict(before_ms=statistics.median(before_ms), after_ms=statistics.median(after_ms),
                after_before=statistics.median(a / b for a, b in zip(after_ms, before_ms,
                                                                         strict=True)))


def quartiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    if len(ordered) < 2:
        return ordered[0], ordered[0], ordered[0]
    low, middle, high = statistics.quantiles(ordered, n=4)
    return low, middle, high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the older checkout")
    parser.add_argument("--after", type=Path, default=HERE.parent, help="the newer one (.)")
    parser.add_argument("--modes", nargs="+", choices=("fast", "exact"),
                        default=("fast", "exact"), help="CharRNN modes (both)")
    parser.add_argument("--pairs", type=int, default=30, help="fresh process pairs (30)")
    parser.add_argument("--rounds", type=int, default=20, help="turns each per pair (20)")
    parser.add_argument("--one-at-a-time", action="store_true",
                        help="run the two processes of a pair one after the other")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="training text")
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    if args.pairs < 1 or args.rounds < 1:
        parser.error("--pairs and --rounds must be at least 1")
    for name, checkout in (("--before", args.before), ("--after", args.after)):
        if not (checkout / "minirnn" / "__init__.py").is_file():
            parser.error(f"{name} {checkout}: not a minirnn checkout (no minirnn/__init__.py)")
    how = "one after the other" if args.one_at_a_time else "taking turns"
    print(f"before {args.before}, after {args.after}; {args.pairs} pairs of processes {how}, "
          f"{args.rounds} turns of {TURN} iterations each; one thread, CPU time; load average "
          f"{os.getloadavg()[0]:.2f} at the start", flush=True)

    def pair(mode: str, k: int) -> dict:
        if args.one_at_a_time:
            return one_at_a_time_pair(args.before, args.after, mode, args.data, args.rounds,
                                      after_first=k % 2 == 1)
        return one_pair(args.before, args.after, mode, args.data, args.rounds)

    results = {mode: report(mode, [pair(mode, k) for k in range(args.pairs)])
               for mode in args.modes}
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


def report(mode: str, pairs: list[dict]) -> dict:
    """Print one mode's line; its figures for the JSON."""
    low, middle, high = quartiles([p["after_before"] for p in pairs])
    result = dict(pairs=pairs, median=middle, q25=low, q75=high, load=os.getloadavg()[0])
    print(f"{mode:5}  after/before {middle:.3f} (quartiles over pairs {low:.3f} to "
          f"{high:.3f})  ms/it before {statistics.median(p['before_ms'] for p in pairs):.3f}"
          f" after {statistics.median(p['after_ms'] for p in pairs):.3f}  "
          f"load {result['load']:.2f}", flush=True)
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(*sys.argv[2:5])
    else:
        main()
