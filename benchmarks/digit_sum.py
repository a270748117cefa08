"""Digit-sum memory task: held-out accuracy against sequence length for SRN, LSTM and GRU.

The first two of ``length`` digits are to be added; the rest is noise (random digits).
Each (cell, length) trains a fresh 32-unit classifier for 2000 Adam steps on fresh batches
of 64 and is scored on 1000 unseen sequences. Chance is about 10%.

    python benchmarks/digit_sum.py                       # lengths 5 15 25 35, ~6 min
    python benchmarks/digit_sum.py --lengths 5 35 --steps 500 --plot digit_sum.png
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from minirnn.experiments.digit_sum import digit_sum_experiment, plot_digit_sum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", default=["rnn", "lstm", "gru"])
    parser.add_argument("--lengths", nargs="+", type=int, default=[5, 15, 25, 35])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, help="save the figure here")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()

    start = time.perf_counter()
    result = digit_sum_experiment(args.cells, args.lengths, verbose=True, steps=args.steps,
                                  hidden_size=args.hidden, seed=args.seed)
    print(f"\ntotal {time.perf_counter() - start:.0f} s\n")
    print("held-out accuracy (%)")
    print("length  " + "  ".join(f"{cell:>6s}" for cell in args.cells))
    for length in args.lengths:
        print(f"{length:6d}  " + "  ".join(f"{100 * result[c][length]:6.1f}" for c in args.cells))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1))
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        ax = plot_digit_sum(result)
        ax.figure.savefig(args.plot, dpi=120, bbox_inches="tight")


if __name__ == "__main__":
    main()
