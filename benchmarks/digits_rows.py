"""UCI digits read row by row (seed 002's MNIST experiment at NumPy size): held-out accuracy
per cell and direction, and reading by columns.

Every run: the same stratified 80/20 split (seed 0), 128 hidden units per direction, Adam
5e-3, 30 epochs, float32. The quality bar of issue 15 is 97% with an LSTM.

    python benchmarks/digits_rows.py --out benchmarks/results/digits_rows.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from minirnn.data.corpora import digits
from minirnn.experiments.image_rows import evaluate_image_reader, train_image_reader
from minirnn.tasks.image_rows import split_images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", default=["rnn", "lstm", "gru"])
    parser.add_argument("--reads", nargs="+", default=["rows", "columns"])
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="seeds of the weights and batch order (the split stays seed 0)")
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    args = parser.parse_args()

    images, labels = digits()
    data = split_images(images, labels, test_fraction=0.2, seed=0)
    print(f"{len(data.train_labels)} training / {len(data.test_labels)} held-out images; "
          f"H={args.hidden}, {args.epochs} epochs")
    print(f"{'read':8} {'cell':5} {'direction':15} {'seed':>4} {'accuracy':>9} {'time':>7}")
    results = []
    for read in args.reads:
        for cell in args.cells:
            for bidirectional in (False, True):
                for seed in args.seeds:
                    start = time.perf_counter()
                    model = train_image_reader(data, cell, bidirectional, read, args.hidden,
                                               args.epochs, seed=seed, verbose=False)
                    accuracy = evaluate_image_reader(model, data, read)[0]
                    seconds = time.perf_counter() - start
                    direction = "bidirectional" if bidirectional else "unidirectional"
                    print(f"{read:8} {cell:5} {direction:15} {seed:>4} {100 * accuracy:>8.1f}% "
                          f"{seconds:>6.1f}s", flush=True)
                    results.append({"read": read, "cell": cell, "bidirectional": bidirectional,
                                    "seed": seed, "accuracy": accuracy, "seconds": seconds})
    if args.out is not None:
        args.out.write_text(json.dumps({"hidden": args.hidden, "epochs": args.epochs,
                                        "results": results}, indent=1) + "\n")
        print(f"written to {args.out}")


if __name__ == "__main__":
    main()
