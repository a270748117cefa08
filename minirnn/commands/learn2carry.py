"""``minirnn learn2carry``: learn decimal addition digit by digit, then add longer numbers.

Trains a :class:`~minirnn.models.learn2carry.Learn2Carry` network per cell on random sums
(fixed width, the seed's setting, or ``--variable`` widths 1..``--width``) and reports, on
held-out sums, the exact-match accuracy of whole sums and the per-digit accuracy by width,
including widths longer than any seen in training (marked ``*``): did it learn the carry?
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from minirnn.commands.arguments import add_shared_options, positive_int
from minirnn.errors import UsageError

CELLS = ("rnn", "lstm", "gru")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "learn2carry", help="add decimal numbers digit by digit (seed 004's Learn2Carry)",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS),
                        help="cells to train, one network each (all)")
    parser.add_argument("--width", type=positive_int, default=8,
                        help="digits of the training numbers (8)")
    parser.add_argument("--variable", action="store_true",
                        help="train on widths 1..--width instead of exactly --width")
    parser.add_argument("--test-widths", type=positive_int, nargs="+",
                        help="widths to test, exactly that many digits each (default: "
                        "--width, 1.5x and 2x of it, and half of it with --variable)")
    parser.add_argument("--train-size", type=positive_int, default=4000,
                        help="training sums (4000)")
    parser.add_argument("--test-size", type=positive_int, default=1000,
                        help="held-out sums per tested width (1000)")
    add_shared_options(parser, {"epochs": 6, "hidden": 32, "embed": 8, "lr": 1e-2, "seed": 0},
                       epochs="passes over the sums", embed="digit embedding size",
                       seed="seed of data and weights")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    parser.set_defaults(func=run)


def _test_widths(args: argparse.Namespace) -> list[int]:
    default = {args.width, (3 * args.width) // 2, 2 * args.width}
    if args.variable:
        default.add(max(1, args.width // 2))
    widths = sorted(set(args.test_widths or default))
    too_wide = [w for w in [args.width, *widths] if w > 17]
    if too_wide:
        raise UsageError(f"--width and --test-widths must be 1..17 (sums must fit in 64 bits), "
                         f"got {too_wide}")
    return widths


def run(args: argparse.Namespace) -> int:
    from minirnn.experiments.learn2carry import score_widths, train_learn2carry
    from minirnn.tasks.carry import addition_set

    widths = _test_widths(args)
    rng = np.random.default_rng(args.seed)
    train = addition_set(args.train_size, args.width, min_width=1 if args.variable else None,
                         seed=rng)
    kind = f"widths 1..{args.width}" if args.variable else f"{args.width}-digit numbers"
    print(f"{args.train_size} training sums of {kind}; {args.epochs} epochs; "
          f"hidden {args.hidden}, embedding {args.embed}")
    rows = []
    for cell in args.cells:
        start = time.perf_counter()
        model = train_learn2carry(train, cell, args.hidden, args.embed, args.epochs, args.lr,
                                  seed=rng, verbose=not args.quiet)
        print(f"{cell}: trained in {time.perf_counter() - start:.1f} s")
        scores = score_widths(model, widths, args.test_size, args.seed)
        rows.extend((cell, width, *score) for width, score in scores.items())
    _print_table(rows, args.width)
    return 0


def _print_table(rows: list[tuple], trained_width: int) -> None:
    print(f"\nheld-out accuracy (* = wider than any training number, {trained_width} digits)")
    print(f"{'cell':5} {'width':>6} {'exact sums':>11} {'per digit':>10} {'sums':>6}")
    for cell, width, exact, digit, count in rows:
        star = "*" if width > trained_width else " "
        print(f"{cell:5} {width:>5}{star} {100 * exact:>10.1f}% {100 * digit:>9.2f}% {count:>6}")
