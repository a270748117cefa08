"""minirnn's and torch's layers timed in runs of back-to-back calls, as a training loop calls them.

Usage::

    OPENBLAS_NUM_THREADS=2 python benchmarks/layers_loop.py [--cells lstm] [--blocks 8]

``benchmarks/layers.py`` times single calls, with a pause after each when there is more than
one thread, so that neither library's idle thread pool slows the other. That is fair between
the two, but it times every call with the second core idle at its start, which a training
loop never has: there the previous call's threads are still spinning when the next call
starts. This script times the same cases (``layers.py``'s runners) as a loop runs them: a
block of ``--calls`` calls of one library back to back, then a pause, then a block of the
other's, taking turns for ``--blocks`` rounds. It prints the median over blocks of the time
per call and the ratio minirnn / torch. Wall time.
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
import layers  # noqa: E402 (this directory's runners, cases and argument parsers)


def per_call_times(runs: dict, blocks: int, calls: int, settle: float) -> dict[str, list]:
    """Seconds per call of each run, one entry per block of ``calls`` back-to-back calls;
    the runs take turns block by block, with a pause after each block (and one warm-up
    block each)."""
    times: dict[str, list] = {name: [] for name in runs}
    for block in range(blocks + 1):
        for name, run in runs.items():
            start = time.perf_counter()
            for _ in range(calls):
                run()
            if block:
                times[name].append((time.perf_counter() - start) / calls)
            time.sleep(settle)
    return times


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", choices=list(layers.CELLS),
                        default=list(layers.CELLS))
    parser.add_argument("--dtypes", nargs="+", choices=list(layers.DTYPES),
                        default=list(layers.DTYPES))
    parser.add_argument("--shape", type=layers.parse_shape, action="append",
                        help="NxTxDxH instead of the default shapes (repeatable)")
    parser.add_argument("--blocks", type=int, default=8, help="timed blocks per library (8)")
    parser.add_argument("--calls", type=int, default=10, help="calls per block (10)")
    parser.add_argument("--settle", type=layers.parse_seconds, default=layers.SETTLE_SECONDS,
                        help=f"seconds to sleep after every block ({layers.SETTLE_SECONDS:g})")
    parser.add_argument("--out", type=Path, help="also write the rows as JSON to this file")
    args = parser.parse_args(argv)
    for name in ("blocks", "calls"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    try:
        import torch
    except ImportError:
        parser.error("torch is not installed: this script compares minirnn with it")
    threads, source = layers.blas_threads()
    torch.set_num_threads(threads)
    args.quick = False
    print(f"forward+backward, wall time per call, median of {args.blocks} blocks of "
          f"{args.calls} back-to-back calls, the libraries taking turns by block, "
          f"{args.settle:g} s pause after each block\nnumpy {np.__version__}, BLAS threads "
          f"{threads} (from {source}); torch {torch.__version__}, {threads} threads\n")
    print(f"{'case':27} {'cell':5} {'dtype':8} {'minirnn ms':>10} {'torch ms':>10} {'ratio':>6}")
    print("-" * 70)
    rows = []
    for label, cell, shape, num_layers, bidirectional in layers.cases(args):
        for dtype_name in args.dtypes:
            dtype = layers.DTYPES[dtype_name]
            runs = {"minirnn": layers.minirnn_runner(cell, dtype, shape, num_layers,
                                                     bidirectional),
                    "torch": layers.torch_runner(cell, dtype, shape, num_layers, bidirectional)}
            times = per_call_times(runs, args.blocks, args.calls, args.settle)
            ours, theirs = (statistics.median(times[name]) for name in ("minirnn", "torch"))
            row = {"case": label, "cell": cell, "dtype": dtype_name, "ours_ms": ours * 1e3,
                   "torch_ms": theirs * 1e3, "ratio": ours / theirs}
            print(f"{label:27} {cell:5} {dtype_name:8} {row['ours_ms']:10.1f} "
                  f"{row['torch_ms']:10.1f} {row['ratio']:6.2f}", flush=True)
            rows.append(row)
    layers.print_ratio_table(rows)
    if args.out:
        record = {"blas_threads": threads, "blocks": args.blocks, "calls": args.calls,
                  "settle": args.settle, "numpy": np.__version__, "torch": torch.__version__,
                  "cores": os.cpu_count(), "rows": rows}
        args.out.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
