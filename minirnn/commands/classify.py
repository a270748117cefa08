"""``minirnn classify names|digit-sum|digits``: sequence classification with (bi)directional RNNs.

``names`` learns female/male from the letters of a first name (CMU lists; names on both
lists are dropped; 20% held out) and prints the held-out accuracy per epoch next to the
majority baseline. ``digit-sum`` trains on the memory task (add the first two of ``--length``
digits) and prints the held-out accuracy of each cell. ``digits`` reads the UCI 8x8
handwritten digits one row (or column) of pixels per step, as seed 002 reads MNIST, and
prints the held-out accuracy and the confusion matrix.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from minirnn.commands.arguments import (
    add_command_with_actions,
    add_shared_options,
    output_path,
    positive_int,
)
from minirnn.errors import UsageError
from minirnn.layers.registry import CELLS


def register(subparsers: argparse._SubParsersAction) -> None:
    tasks = add_command_with_actions(
        subparsers, "classify", "sequence classification: name gender, digit-sum memory task",
        __doc__.splitlines()[0], dest="task", metavar="TASK")

    names = tasks.add_parser("names", help="female or male from the letters of a name")
    add_shared_options(names, {"cell": "lstm"})  # the cell first, then how it reads
    names.add_argument("--bidirectional", action="store_true", help="read both ways")
    add_shared_options(
        names, {"layers": 1, "hidden": 64, "embed": 16, "epochs": 10, "seed": 0},
        hidden="hidden units per direction", epochs="passes over the names",
        seed="seed of split, weights, order")
    names.add_argument("--data-dir", type=Path,
                       help="directory holding names/female.txt and names/male.txt "
                       "(default: $MINIRNN_DATA, then the copy shipped with minirnn)")
    names.set_defaults(func=run_names)

    digits = tasks.add_parser("digit-sum", help="memory task: sum of the first two digits")
    digits.add_argument("--length", type=positive_int, nargs="+", default=[5, 35],
                        help="sequence lengths (5 35)")
    digits.add_argument("--cells", nargs="+", choices=tuple(CELLS),
                        default=["rnn", "lstm", "gru"], help="cells to compare (all)")
    digits.add_argument("--steps", type=positive_int, default=2000, help="training steps (2000)")
    add_shared_options(digits, {"hidden": 32, "seed": 0}, seed="seed of data and weights")
    digits.add_argument("--plot", type=output_path, help="save accuracy against length here")
    digits.set_defaults(func=run_digit_sum)
    _register_digits(tasks)


def _register_digits(tasks: argparse._SubParsersAction) -> None:
    images = tasks.add_parser("digits", help="8x8 digit images read row by row (seed 002)")
    add_shared_options(images, {"cell": "lstm"})
    images.add_argument("--bidirectional", action="store_true", help="read both ways")
    images.add_argument("--read", choices=("rows", "columns"), default="rows",
                        help="one row of 8 pixels per step (default) or one column")
    add_shared_options(
        images, {"hidden": 128, "epochs": 30, "lr": 5e-3, "seed": 0},
        hidden="hidden units per direction", epochs="passes over the training images",
        seed="seed of split, weights, order")
    images.add_argument("--plot", type=output_path,
                        help="save the confusion matrix as a figure here")
    images.add_argument("--quiet", action="store_true", help="no progress line")
    images.set_defaults(func=run_digits)


def run_names(args: argparse.Namespace) -> int:
    from minirnn.experiments.name_gender import train_name_gender
    from minirnn.tasks.name_gender import majority_baseline, name_gender_data

    data = name_gender_data(cache_dir=args.data_dir, seed=args.seed)
    print(f"{len(data.train_names)} training and {len(data.test_names)} held-out names; "
          f"{len(data.dropped)} names on both lists dropped; majority baseline "
          f"{100 * majority_baseline(data):.1f}%")
    start = time.perf_counter()
    model, accuracies = train_name_gender(
        data, cell=args.cell, bidirectional=args.bidirectional, hidden_size=args.hidden,
        embedding_dim=args.embed, epochs=args.epochs, seed=args.seed, dtype=np.float32,
        num_layers=args.layers, verbose=True,
    )
    kind = "bidirectional" if args.bidirectional else "unidirectional"
    for epoch, accuracy in enumerate(accuracies, 1):
        print(f"epoch {epoch:3d}  held-out accuracy {100 * accuracy:5.1f}%")
    print(f"{kind} {args.cell}: {100 * accuracies[-1]:.1f}% "
          f"({time.perf_counter() - start:.0f} s)")
    return 0


def run_digit_sum(args: argparse.Namespace) -> int:
    from minirnn.experiments.digit_sum import digit_sum_experiment, plot_digit_sum

    if min(args.length) < 2:
        raise UsageError(f"--length must be at least 2, got {args.length}")
    result = digit_sum_experiment(args.cells, args.length, verbose=True, steps=args.steps,
                                  hidden_size=args.hidden, seed=args.seed)
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        plot_digit_sum(result).figure.savefig(args.plot, dpi=120, bbox_inches="tight")
        print(f"figure written to {args.plot}")
    return 0


def run_digits(args: argparse.Namespace) -> int:
    from minirnn.data.corpora import digits
    from minirnn.experiments.image_rows import evaluate_image_reader, train_image_reader
    from minirnn.metrics import format_confusion
    from minirnn.tasks.image_rows import split_images

    images, labels = digits()
    data = split_images(images, labels, test_fraction=0.2, seed=args.seed)
    kind = "bidirectional" if args.bidirectional else "unidirectional"
    print(f"UCI digits: {len(data.train_labels)} training and {len(data.test_labels)} held-out "
          f"images, read as 8 steps of 8 pixels ({args.read}); {kind} {args.cell}")
    start = time.perf_counter()
    model = train_image_reader(data, args.cell, args.bidirectional, args.read, args.hidden,
                               args.epochs, args.lr, seed=args.seed, verbose=not args.quiet)
    accuracy, matrix, _ = evaluate_image_reader(model, data, args.read)
    print(f"held-out accuracy {100 * accuracy:.1f}% ({time.perf_counter() - start:.0f} s)")
    print(format_confusion(matrix))
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        from minirnn.plot import plot_confusion

        ax = plot_confusion(matrix)
        ax.set_title(f"{kind} {args.cell}, {args.read}: {100 * accuracy:.1f}% held out")
        ax.figure.savefig(args.plot, dpi=120, bbox_inches="tight")
        print(f"figure written to {args.plot}")
    return 0
