"""Time forward + backward of minirnn's RNN, LSTM and GRU against PyTorch in the same process.

Usage::

    python benchmarks/layers.py [--repeats 7] [--batch 64 --steps 50 --input 128 --hidden 256]

For every cell (RNN tanh, LSTM, GRU) and precision (float32, float64) it prints the best
time of ``--repeats`` runs of one forward and one backward pass (input, initial state and
every weight gradient), for minirnn and, when torch is importable, for the same
``torch.nn`` layer (``batch_first=True``, input and initial state with ``requires_grad`` so
it computes the same gradients), the ratio minirnn / torch (below 1 means minirnn is
faster) and the GFLOP/s each achieves.

Threads: torch is given as many threads as NumPy's BLAS uses, so the comparison is fair.
That number comes from threadpoolctl when it is installed; otherwise from
``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` or ``OMP_NUM_THREADS`` (first one set), and
otherwise ``os.cpu_count()`` (OpenBLAS's own default). Set ``OPENBLAS_NUM_THREADS=1`` to
compare single-threaded; on a machine whose cores are busy with other work, multi-threaded
timings of both libraries swing by several times from run to run (idle threads spin and
compete), and single-threaded ones are the stable comparison. The two sides take turns
within each repeat so that such load hits both alike; run the script a few times and
compare the best times.

GFLOP/s counts only the matrix products, ``6 N T G H (D + H)`` floating-point operations for
a cell with ``G`` gates (forward ``2NTGH(D+H)``, backward twice that); the element-wise work
is not counted, so it is a lower bound on the work done.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from minirnn.layers import GRU, LSTM, RNN

CELLS = {"rnn": (RNN, 1, "RNN"), "lstm": (LSTM, 4, "LSTM"), "gru": (GRU, 3, "GRU")}
DTYPES = {"float32": np.float32, "float64": np.float64}


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


def best_times(runs: list, repeats: int) -> list[tuple[float, float]]:
    """Best and median wall time of each ``run()`` over ``repeats`` calls, after a warm-up.

    The runs take turns (minirnn, torch, minirnn, ...) so that a burst of load from other
    processes on a shared machine hits both sides alike.
    """
    for run in runs:
        run()
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, store in zip(runs, times, strict=True):
            start = time.perf_counter()
            run()
            store.append(time.perf_counter() - start)
    return [(min(t), float(np.median(t))) for t in times]


def minirnn_runner(cell: str, dtype, shape):
    N, T, D, H = shape
    cls, _, _ = CELLS[cell]
    layer = cls(D, H, seed=0, dtype=dtype)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    dhs = rng.standard_normal((N, T, H)).astype(dtype)

    def run() -> None:
        layer.zero_grad()
        layer.forward(x)
        layer.backward(dhs)

    return run


def torch_runner(cell: str, dtype, shape):
    import torch

    N, T, D, H = shape
    _, _, torch_name = CELLS[cell]
    torch_dtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    torch.manual_seed(0)
    module = getattr(torch.nn, torch_name)(D, H, batch_first=True).to(torch_dtype)
    x = torch.randn(N, T, D, dtype=torch_dtype, requires_grad=True)
    state_shape = (1, N, H)
    h0 = torch.zeros(state_shape, dtype=torch_dtype, requires_grad=True)
    c0 = torch.zeros(state_shape, dtype=torch_dtype, requires_grad=True)
    dhs = torch.randn(N, T, H, dtype=torch_dtype)

    def run() -> None:
        module.zero_grad()
        x.grad = h0.grad = c0.grad = None
        out, _ = module(x, (h0, c0) if cell == "lstm" else h0)
        out.backward(dhs)

    return run


def matmul_flops(cell: str, shape) -> float:
    N, T, D, H = shape
    gates = CELLS[cell][1]
    return 6.0 * N * T * gates * H * (D + H)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--input", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cells", nargs="+", choices=list(CELLS), default=list(CELLS))
    parser.add_argument("--dtypes", nargs="+", choices=list(DTYPES), default=list(DTYPES))
    args = parser.parse_args(argv)
    shape = (args.batch, args.steps, args.input, args.hidden)

    threads, source = blas_threads()
    try:
        import torch

        torch.set_num_threads(threads)
        torch_note = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError:
        torch = None
        torch_note = "torch not installed: minirnn times only"
    print(
        f"N={shape[0]} T={shape[1]} D={shape[2]} H={shape[3]}; forward+backward, best of "
        f"{args.repeats} (median in brackets)\nnumpy {np.__version__}, BLAS threads "
        f"{threads} (from {source}); {torch_note}\n"
    )
    header = f"{'cell':5} {'dtype':8} {'minirnn ms':>18} {'torch ms':>18} {'ratio':>6} "
    header += f"{'minirnn GFLOP/s':>16} {'torch GFLOP/s':>14}"
    print(header)
    print("-" * len(header))
    for cell in args.cells:
        for dtype_name in args.dtypes:
            dtype = DTYPES[dtype_name]
            flops = matmul_flops(cell, shape)
            runs = [minirnn_runner(cell, dtype, shape)]
            if torch is not None:
                runs.append(torch_runner(cell, dtype, shape))
            timings = best_times(runs, args.repeats)
            ours, ours_median = timings[0]
            line = f"{cell:5} {dtype_name:8} {ours * 1e3:8.1f} ({ours_median * 1e3:7.1f}) "
            if torch is not None:
                theirs, theirs_median = timings[1]
                line += f"{theirs * 1e3:8.1f} ({theirs_median * 1e3:7.1f}) {ours / theirs:6.2f} "
                line += f"{flops / ours / 1e9:16.1f} {flops / theirs / 1e9:14.1f}"
            else:
                line += f"{'-':>18} {'-':>6} {flops / ours / 1e9:16.1f} {'-':>14}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
