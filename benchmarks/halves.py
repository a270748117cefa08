"""Batch halves on two threads against one batch, with two BLAS threads or more.

Usage::

    OPENBLAS_NUM_THREADS=2 python benchmarks/halves.py [--cells lstm] [--rounds 9] [--out f.json]

With two BLAS threads the fast passes run a batch of 32 rows or more as two halves side by
side (``minirnn.functional.fast.halves``). This script answers "do the halves pay?" case by
case: each round times one forward + backward of the layer as minirnn runs it (``halves``),
of the same layer with the halves turned off for that call (``whole``: one batch, the
products on OpenBLAS's threads, as before session 11) and, when torch is installed, of
torch's layer with as many threads. Each call is followed by ``layers.py``'s pause, so that
no thread pool left spinning slows the next call. The cases are ``layers.py``'s with
``MIN_BATCH`` rows or more. Prints the best and the median wall time of each, and the
ratios halves / whole and each / torch of both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import layers  # noqa: E402 (this directory's runners and cases)

from minirnn._blas_threads import blas_threads  # noqa: E402
from minirnn.functional.fast import halves  # noqa: E402


def whole_batch(run):
    """``run`` with the batch halves turned off while it runs."""
    def run_whole() -> None:
        keep = halves.MIN_BATCH
        halves.MIN_BATCH = sys.maxsize
        try:
            run()
        finally:
            halves.MIN_BATCH = keep

    return run_whole


def time_in_turns(runs: dict, rounds: int, settle: float) -> dict[str, list[float]]:
    """Wall times of each run over ``rounds`` rounds, taking turns, after one warm-up each."""
    for run in runs.values():
        run()
        time.sleep(settle)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
            time.sleep(settle)
    return times


def summary(label: str, cell: str, dtype_name: str, times: dict) -> dict:
    """Best and median of each run in ms, and their ratios."""
    row = {"case": label, "cell": cell, "dtype": dtype_name}
    for name, values in times.items():
        row[f"{name}_best_ms"] = min(values) * 1e3
        row[f"{name}_median_ms"] = statistics.median(values) * 1e3
    for stat in ("best", "median"):
        row[f"halves_whole_{stat}"] = row[f"halves_{stat}_ms"] / row[f"whole_{stat}_ms"]
        if "torch" in times:
            for name in ("halves", "whole"):
                row[f"{name}_torch_{stat}"] = row[f"{name}_{stat}_ms"] / row[f"torch_{stat}_ms"]
    return row


def print_row(row: dict) -> None:
    line = (f"{row['case']:27} {row['cell']:5} {row['dtype']:8}"
            f" {row['halves_best_ms']:8.1f} {row['whole_best_ms']:8.1f}"
            f" {row['halves_whole_best']:6.2f} {row['halves_whole_median']:6.2f}")
    if "torch_best_ms" in row:
        line += (f" {row['torch_best_ms']:8.1f} {row['halves_torch_best']:6.2f}"
                 f" {row['whole_torch_best']:6.2f} {row['halves_torch_median']:6.2f}"
                 f" {row['whole_torch_median']:6.2f}")
    print(line, flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", choices=list(layers.CELLS),
                        default=list(layers.CELLS))
    parser.add_argument("--dtypes", nargs="+", choices=list(layers.DTYPES),
                        default=list(layers.DTYPES))
    parser.add_argument("--shape", type=layers.parse_shape, action="append",
                        help="NxTxDxH instead of the default shapes (repeatable)")
    parser.add_argument("--rounds", type=int, default=9, help="timed rounds per case (9)")
    parser.add_argument("--settle", type=layers.parse_seconds, default=layers.SETTLE_SECONDS,
                        help=f"seconds to sleep after every call ({layers.SETTLE_SECONDS:g})")
    parser.add_argument("--no-torch", action="store_true", help="halves and whole only")
    parser.add_argument("--out", type=Path, help="also write the rows as JSON to this file")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    threads = blas_threads()
    if threads < 2:
        parser.error(f"the BLAS has {threads} thread here, and the halves need two: run it "
                     "as OPENBLAS_NUM_THREADS=2 python benchmarks/halves.py")
    torch = None
    if not args.no_torch:
        try:
            import torch

            torch.set_num_threads(threads)
        except ImportError:
            torch = None
    args.quick = False
    chosen = [case for case in layers.cases(args) if case[2][0] >= halves.MIN_BATCH]
    print(f"forward+backward, wall time, {args.rounds} rounds taking turns, {args.settle:g} s "
          f"pause after each call; BLAS threads {threads}; "
          + (f"torch {torch.__version__}, {threads} threads" if torch else "without torch")
          + "\nhalves: as minirnn runs it; whole: the halves turned off for the call\n")
    header = (f"{'case':27} {'cell':5} {'dtype':8} {'halves':>8} {'whole':>8} {'h/w':>6}"
              f" {'median':>6}")
    if torch:
        header += (f" {'torch':>8} {'h/t':>6} {'w/t':>6} {'median':>6} {'median':>6}")
    print(header + "\n" + " " * 42 + "best ms" + " " * 8 + "best  h/w"
          + ("      best ms   best   best    h/t    w/t" if torch else ""))
    print("-" * len(header))
    rows = []
    for label, cell, shape, num_layers, bidirectional in chosen:
        for dtype_name in args.dtypes:
            dtype = layers.DTYPES[dtype_name]
            ours = layers.minirnn_runner(cell, dtype, shape, num_layers, bidirectional)
            runs = {"halves": ours, "whole": whole_batch(ours)}
            if torch:
                runs["torch"] = layers.torch_runner(cell, dtype, shape, num_layers,
                                                    bidirectional)
            row = summary(label, cell, dtype_name, time_in_turns(runs, args.rounds, args.settle))
            print_row(row)
            rows.append(row)
    if args.out:
        record = {"blas_threads": threads, "rounds": args.rounds, "settle": args.settle,
                  "numpy": np.__version__, "cores": os.cpu_count(),
                  "torch": torch.__version__ if torch else None, "rows": rows}
        args.out.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
