"""Time forward + backward of minirnn's RNN, LSTM and GRU against PyTorch and a plain GEMM.

Usage::

    python benchmarks/layers.py            # the five shapes of issue 16 and the 2-layer
                                           # bidirectional LSTM, float32 and float64 (~5 min)
    python benchmarks/layers.py --quick    # three small shapes, one repeat (~30 s)
    python benchmarks/layers.py --shape 64x50x128x256 --cells lstm --dtypes float32
    python benchmarks/layers.py --memory --out benchmarks/results/layers.json   # record

For every case (shape N x T x D x H, cell, dtype) it prints the best time of one forward and
one backward pass (input, initial state and every weight gradient) for minirnn and, when
torch is importable, for the same ``torch.nn`` layer (``batch_first=True``, input and
initial state with ``requires_grad`` so that it computes the same gradients); the ratio
minirnn / torch (below 1: minirnn is faster); and the share of a *GEMM peak* both reach.

GEMM peak: the same run times a plain NumPy matrix product of the sizes the layer multiplies
most, ``(N T, D + H) @ (D + H, G H)`` for a cell with ``G`` gates, in the same dtype. A
layer's throughput counts only its matrix products, ``6 N T G H (D + H)`` floating-point
operations per layer and direction (forward ``2 N T G H (D + H)``, backward twice that), so
"LSTM at 70% of peak" means the whole forward + backward, element-wise work included, runs
at 70% of the speed of its matrix products alone. (torch's figure uses NumPy's GEMM as the
yardstick too.)

Peak memory: with ``--memory``, the peak of NumPy allocations (``tracemalloc``) during the
first forward + backward of a new minirnn layer, per case (later calls reuse the layer's
workspace buffers, which tracemalloc would no longer count).

Clock: with one BLAS thread the times are the process's CPU time (``time.process_time``),
which a busy machine inflates far less than wall time, since time spent waiting for a core is
not counted (caches shared with other processes still are); with more threads, wall time.
``--clock`` chooses.

Threads: torch is given as many threads as NumPy's BLAS uses, found with threadpoolctl when
it is installed, else from ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` or
``OMP_NUM_THREADS``, else ``os.cpu_count()``. Set ``OPENBLAS_NUM_THREADS=1`` for the stable
single-thread comparison. minirnn, torch and the GEMM take turns within each repeat, so a
burst of load from other processes hits all three alike; on a busy machine compare ratios,
not times, and run the script more than once. With more than one thread each call is
followed by an untimed pause (``--settle``, 0.3 s) in which the thread pools of the library
that just ran stop spinning, so that they do not slow the next one down.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc
from pathlib import Path

import numpy as np

from minirnn.layers import GRU, LSTM, RNN

#: name -> (minirnn class, gates, torch.nn class name)
CELLS = {"rnn": (RNN, 1, "RNN"), "lstm": (LSTM, 4, "LSTM"), "gru": (GRU, 3, "GRU")}
DTYPES = {"float32": np.float32, "float64": np.float64}
#: the shapes of issue 16, N x T x D x H
SHAPES = [(64, 50, 128, 256), (20, 35, 650, 650), (1, 100, 64, 128), (128, 25, 65, 100),
          (32, 200, 256, 512)]
QUICK_SHAPES = [(64, 50, 128, 256), (1, 100, 64, 128), (128, 25, 65, 100)]
#: the stacked case: (shape, num_layers, bidirectional), LSTM only
STACKED = ((64, 50, 128, 256), 2, True)
#: the pause after every call with more than one thread. Both libraries' thread pools spin
#: on the cores for a while after a call returns, waiting for more work, and in one process
#: they take a core from whichever library runs next. Measured with two threads (session
#: 10, medians of 16 rounds): at 1x100x64x128 minirnn right after torch took 6.81 ms, 4.37
#: after a 0.3 s pause; at 64x50x128x256 torch right after minirnn took 161.6 ms, 71.0
#: after the pause. Without it the float32 LSTM's ratio read 1.23 and 0.60, with it 0.90
#: and 1.18. A user runs one library, not both in turns.
SETTLE_SECONDS = 0.3


def blas_threads() -> tuple[int, str]:
    """How many threads NumPy's BLAS uses, and how that was found out."""
    try:
        from threadpoolctl import threadpool_info

        counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
        if counts:
            return max(counts), "threadpoolctl"
    except ImportError:
        pass
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value), name
    return os.cpu_count() or 1, "os.cpu_count()"


def best_times(runs: list, repeats: int, budget: float, clock=time.perf_counter,
               settle: float = 0.0) -> list[float]:
    """Best time of each ``run()`` by ``clock``, taking turns, after one warm-up of each.

    Stops after ``repeats`` rounds, or earlier once ``budget`` seconds have gone into
    timed rounds and at least two rounds are done. After every call it sleeps ``settle``
    seconds (untimed), so that the worker threads the call leaves spinning go idle before
    the next library's call starts (see ``--settle``).
    """
    for run in runs:
        run()
        time.sleep(settle)
    best = [float("inf")] * len(runs)
    spent = 0.0
    for done in range(repeats):
        for i, run in enumerate(runs):
            start = clock()
            run()
            elapsed = clock() - start
            best[i] = min(best[i], elapsed)
            spent += elapsed
            time.sleep(settle)
        if done >= 1 and spent > budget:
            break
    return best


def minirnn_runner(cell: str, dtype, shape, num_layers: int = 1, bidirectional: bool = False):
    N, T, D, H = shape
    layer = CELLS[cell][0](D, H, num_layers=num_layers, bidirectional=bidirectional, seed=0,
                           dtype=dtype)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    dhs = rng.standard_normal((N, T, H * (2 if bidirectional else 1))).astype(dtype)

    def run() -> None:
        layer.zero_grad()
        layer.forward(x)
        layer.backward(dhs)

    return run


def torch_runner(cell: str, dtype, shape, num_layers: int = 1, bidirectional: bool = False):
    import torch

    N, T, D, H = shape
    torch_dtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    torch.manual_seed(0)
    module = getattr(torch.nn, CELLS[cell][2])(
        D, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=True
    ).to(torch_dtype)
    directions = 2 if bidirectional else 1
    x = torch.randn(N, T, D, dtype=torch_dtype, requires_grad=True)
    state_shape = (num_layers * directions, N, H)
    h0 = torch.zeros(state_shape, dtype=torch_dtype, requires_grad=True)
    c0 = torch.zeros(state_shape, dtype=torch_dtype, requires_grad=True)
    dhs = torch.randn(N, T, H * directions, dtype=torch_dtype)

    def run() -> None:
        module.zero_grad()
        x.grad = h0.grad = c0.grad = None
        out, _ = module(x, (h0, c0) if cell == "lstm" else h0)
        out.backward(dhs)

    return run


def gemm_runner(cell: str, dtype, shape):
    """A plain ``(N T, D + H) @ (D + H, G H)`` product, the layer's largest kind of GEMM."""
    N, T, D, H = shape
    rng = np.random.default_rng(2)
    a = rng.standard_normal((N * T, D + H)).astype(dtype)
    b = rng.standard_normal((D + H, CELLS[cell][1] * H)).astype(dtype)
    out = np.empty((N * T, CELLS[cell][1] * H), dtype=dtype)

    def run() -> None:
        np.matmul(a, b, out=out)

    return run, 2.0 * a.shape[0] * a.shape[1] * b.shape[1]


def matmul_flops(cell: str, shape, num_layers: int = 1, bidirectional: bool = False) -> float:
    """Floating-point operations of the matrix products of one forward + backward."""
    N, T, D, H = shape
    gates = CELLS[cell][1]
    directions = 2 if bidirectional else 1
    total = 0.0
    for layer in range(num_layers):
        width = D if layer == 0 else directions * H
        total += directions * 6.0 * N * T * gates * H * (width + H)
    return total


def peak_memory_mb(run) -> float:
    """Peak of NumPy's allocations (MB) during one ``run()``."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def parse_seconds(text: str) -> float:
    """A number of seconds of at least 0, for ``--settle``."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, got {text!r}")
    return seconds


def parse_shape(text: str) -> tuple[int, int, int, int]:
    parts = tuple(int(p) for p in text.lower().split("x"))
    if len(parts) != 4 or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"shape must be NxTxDxH, got {text!r}")
    return parts


def cases(args) -> list[tuple]:
    """(label, cell, shape, num_layers, bidirectional) in the order they are timed."""
    shapes = args.shape or (QUICK_SHAPES if args.quick else SHAPES)
    out = [("x".join(map(str, s)), cell, s, 1, False) for s in shapes for cell in args.cells]
    if not args.shape and "lstm" in args.cells:
        shape, layers, bidirectional = STACKED
        out.append(("2-layer bidir " + "x".join(map(str, shape)), "lstm", shape, layers,
                    bidirectional))
    return out


def measure(label, cell, shape, layers, bidirectional, dtype_name, args, torch) -> dict:
    """Best times, ratio and GEMM-peak shares of one case, as a dict for the tables."""
    dtype = DTYPES[dtype_name]
    ours = minirnn_runner(cell, dtype, shape, layers, bidirectional)
    gemm, gemm_flops = gemm_runner(cell, dtype, shape)
    runs = [ours, gemm]
    if torch is not None:
        runs.append(torch_runner(cell, dtype, shape, layers, bidirectional))
    times = best_times(runs, args.repeats, args.budget, args.clock_fn, args.settle)
    flops = matmul_flops(cell, shape, layers, bidirectional)
    peak = gemm_flops / times[1]
    row = {"case": label, "cell": cell, "dtype": dtype_name, "ours_ms": times[0] * 1e3,
           "ours_peak": flops / times[0] / peak, "peak_gflops": peak / 1e9}
    if torch is not None:
        row.update(torch_ms=times[2] * 1e3, ratio=times[0] / times[2],
                   torch_peak=flops / times[2] / peak)
    if args.memory:
        # a new layer: its first call allocates every buffer its workspace will then reuse
        row["memory_mb"] = peak_memory_mb(minirnn_runner(cell, dtype, shape, layers,
                                                         bidirectional))
    return row


def print_row(row: dict) -> None:
    line = f"{row['case']:27} {row['cell']:5} {row['dtype']:8} {row['ours_ms']:10.1f} "
    if "ratio" in row:
        line += f"{row['torch_ms']:10.1f} {row['ratio']:6.2f} "
    else:
        line += f"{'-':>10} {'-':>6} "
    line += f"{row['peak_gflops']:8.1f} {100 * row['ours_peak']:6.0f}%"
    line += f" {100 * row['torch_peak']:6.0f}%" if "torch_peak" in row else f" {'-':>7}"
    if "memory_mb" in row:
        line += f" {row['memory_mb']:8.1f}"
    print(line, flush=True)


def print_ratio_table(rows: list[dict]) -> None:
    """The issue's table: one line per shape, ratio minirnn/torch as f32 / f64 per cell."""
    by_case: dict[str, dict[tuple[str, str], float]] = {}
    for row in rows:
        if "ratio" in row:
            by_case.setdefault(row["case"], {})[row["cell"], row["dtype"]] = row["ratio"]
    if not by_case:
        return
    cells = [c for c in CELLS if any(c == k[0] for ratios in by_case.values() for k in ratios)]
    print("\nratio minirnn / torch (f32 / f64; below 1: minirnn faster)")
    print(f"| {'N x T x D x H':27} | " + " | ".join(f"{c.upper():11}" for c in cells) + " |")
    print(f"|{'-' * 29}|" + "|".join("-" * 13 for _ in cells) + "|")
    for case, ratios in by_case.items():
        parts = []
        for c in cells:
            f32, f64 = ratios.get((c, "float32")), ratios.get((c, "float64"))
            shown = [f"{r:.2f}" if r is not None else "  - " for r in (f32, f64)]
            parts.append(f"{shown[0]} / {shown[1]}" if (f32 or f64) else " " * 11)
        print(f"| {case:27} | " + " | ".join(f"{p:11}" for p in parts) + " |")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="three small shapes, one repeat (about 30 s)")
    parser.add_argument("--shape", type=parse_shape, action="append",
                        help="NxTxDxH instead of the default shapes (repeatable)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed rounds per case (default 5, --quick 1)")
    parser.add_argument("--budget", type=float, default=4.0,
                        help="seconds of timed rounds per case after which to stop (default 4)")
    parser.add_argument("--cells", nargs="+", choices=list(CELLS), default=list(CELLS))
    parser.add_argument("--dtypes", nargs="+", choices=list(DTYPES), default=list(DTYPES))
    parser.add_argument("--memory", action="store_true",
                        help="also the peak of NumPy allocations of one forward + backward")
    parser.add_argument("--no-torch", action="store_true", help="time minirnn and GEMM only")
    parser.add_argument("--out", type=Path,
                        help="also write the settings and every row as JSON to this file")
    parser.add_argument("--clock", choices=("cpu", "wall"), default=None,
                        help="CPU time (default with one thread) or wall time (default else)")
    parser.add_argument("--settle", type=parse_seconds, default=None,
                        help="seconds to sleep after every call, untimed (default 0 with one "
                             f"thread, {SETTLE_SECONDS:g} with more)")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 5

    threads, source = blas_threads()
    args.clock = args.clock or ("cpu" if threads == 1 else "wall")
    args.clock_fn = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.settle is None:
        args.settle = 0.0 if threads == 1 else SETTLE_SECONDS
    torch = None
    torch_note = "torch not used: minirnn and GEMM only"
    if not args.no_torch:
        try:
            import torch

            torch.set_num_threads(threads)
            torch_note = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
        except ImportError:
            torch_note = "torch not installed: minirnn and GEMM only"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"forward+backward, best {args.clock} time of up to {args.repeats} "
          f"(budget {args.budget:g} s per case, {args.settle:g} s pause after each call)"
          f"\nnumpy {np.__version__}, BLAS threads {threads} (from {source}); {torch_note}; "
          f"load average {load:.2f} on {os.cpu_count()} cores at start\n")
    header = (f"{'case':27} {'cell':5} {'dtype':8} {'minirnn ms':>10} {'torch ms':>10} "
              f"{'ratio':>6} {'GEMM GF/s':>8} {'minirnn':>7} {'torch':>7}")
    if args.memory:
        header += f" {'peak MB':>8}"
    print(header + "\n" + " " * 61 + "(share of GEMM peak)")
    print("-" * len(header))
    rows = []
    start = time.perf_counter()
    for label, cell, shape, layers, bidirectional in cases(args):
        for dtype_name in args.dtypes:
            row = measure(label, cell, shape, layers, bidirectional, dtype_name, args, torch)
            print_row(row)
            rows.append(row)
    print_ratio_table(rows)
    end_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{time.perf_counter() - start:.0f} s; load average {end_load:.2f} at the end")
    if args.out:
        record = {"clock": args.clock, "blas_threads": threads, "torch": torch_note,
                  "numpy": np.__version__, "cores": os.cpu_count(), "load_at_start": load,
                  "load_at_end": end_load, "rows": rows}
        args.out.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
