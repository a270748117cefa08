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

from minirnn.errors import UsageError

CELLS = ("rnn", "lstm", "gru")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "learn2carry", help="add decimal numbers digit by digit (seed 004's Learn2Carry)",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS),
                        help="cells to train, one network each (all)")
    parser.add_argument("--width", type=int, default=8,
                        help="digits of the training numbers (8)")
    parser.add_argument("--variable", action="store_true",
                        help="train on widths 1..--width instead of exactly --width")
    parser.add_argument("--test-widths", type=int, nargs="+",
                        help="widths to test, exactly that many digits each (default: "
                        "--width, 1.5x and 2x of it, and half of it with --variable)")
    parser.add_argument("--train-size", type=int, default=4000, help="training sums (4000)")
    parser.add_argument("--test-size", type=int, default=1000,
                        help="held-out sums per tested width (1000)")
    parser.add_argument("--epochs", type=int, default=6, help="passes over the sums (6)")
    parser.add_argument("--hidden", type=int, default=32, help="hidden units (32)")
    parser.add_argument("--embed", type=int, default=8, help="digit embedding size (8)")
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate (0.01)")
    parser.add_argument("--seed", type=int, default=0, help="seed of data and weights (0)")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    parser.set_defaults(func=run)


def _check(args: argparse.Namespace) -> list[int]:
    for name in ("width", "train_size", "test_size", "epochs", "hidden", "embed"):
        if getattr(args, name) < 1:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} must be a positive integer, got {getattr(args, name)}")
    default = {args.width, (3 * args.width) // 2, 2 * args.width}
    if args.variable:
        default.add(max(1, args.width // 2))
    widths = args.test_widths or sorted(default)
    too_wide = [w for w in widths + [args.width] if not 1 <= w <= 17]
    if too_wide:
        raise UsageError(f"widths must be 1..17 (sums must fit in 64 bits), got {too_wide}")
    if not args.lr > 0:
        raise UsageError(f"--lr must be positive, got {args.lr}")
    return widths


def train_one(cell: str, train, args: argparse.Namespace, rng: np.random.Generator):
    """A Learn2Carry network for ``cell`` trained with Adam through ``fit``."""
    from minirnn.data import array_batches
    from minirnn.models.learn2carry import Learn2Carry
    from minirnn.optim import Adam
    from minirnn.train import fit

    model = Learn2Carry(args.hidden, args.embed, cell=cell, seed=rng, dtype=np.float32)
    fit(model, Adam(model, lr=args.lr),
        lambda: array_batches(train.inputs, train.targets, batch_size=32, rng=rng),
        epochs=args.epochs, rng={"data": rng}, verbose=not args.quiet)
    return model


def run(args: argparse.Namespace) -> int:
    from minirnn.tasks.carry import accuracy_by_width, addition_set

    widths = _check(args)
    rng = np.random.default_rng(args.seed)
    train = addition_set(args.train_size, args.width, min_width=1 if args.variable else None,
                         seed=rng)
    kind = f"widths 1..{args.width}" if args.variable else f"{args.width}-digit numbers"
    print(f"{args.train_size} training sums of {kind}; {args.epochs} epochs; "
          f"hidden {args.hidden}, embedding {args.embed}")
    # one held-out set of exactly w digits per tested width, the same for every cell
    tests = [addition_set(args.test_size, w, seed=args.seed + 1000 + w) for w in widths]
    rows = []
    for cell in args.cells:
        start = time.perf_counter()
        model = train_one(cell, train, args, rng)
        print(f"{cell}: trained in {time.perf_counter() - start:.1f} s")
        for test in tests:
            by_width = accuracy_by_width(model.predict(test.inputs), test)
            rows.extend((cell, width, *scores) for width, scores in by_width.items())
    _print_table(rows, args.width)
    return 0


def _print_table(rows: list[tuple], trained_width: int) -> None:
    print(f"\nheld-out accuracy (* = wider than any training number, {trained_width} digits)")
    print(f"{'cell':5} {'width':>6} {'exact sums':>11} {'per digit':>10} {'sums':>6}")
    for cell, width, exact, digit, count in rows:
        star = "*" if width > trained_width else " "
        print(f"{cell:5} {width:>5}{star} {100 * exact:>10.1f}% {100 * digit:>9.2f}% {count:>6}")
