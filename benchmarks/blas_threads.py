"""Training throughput with 1 and 2 BLAS threads, on the machine as it is and kept busy.

The workload is what ``minirnn lm train`` runs by default: a one-layer LSTM language model
(128 hidden units, 64-dimensional embedding, float32) on the built-in corpus, batches of
32 x 64 characters, Adam. Each measurement is a fresh process (the BLAS thread count is read
when NumPy loads), told its thread count through ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``
/``MKL_NUM_THREADS``; it runs a few warm-up updates, then counts updates for ``--seconds``.
For the loaded case the script first starts one busy-loop process per core (plain Python
``while True``) and stops them afterwards. The thread counts are interleaved and repeated,
and the ratio 2 threads / 1 thread is printed per load.

    python benchmarks/blas_threads.py                  # 2 repeats x 10 s x 4 cases, ~2 min
    python benchmarks/blas_threads.py --seconds 3 --repeats 1 --out results.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def child(seconds: float, hidden: int) -> None:
    """Train in this process and print {"updates_per_s", "threads"} as JSON."""
    import numpy as np

    from minirnn.data import LMBatches, Vocab, builtin_corpus
    from minirnn.models.language_model import LanguageModel
    from minirnn.optim import Adam

    text = builtin_corpus()
    vocab = Vocab.from_text(text)
    batches = LMBatches(vocab.encode(text), 32, 64, scheme="sequential", seed=0)
    model = LanguageModel(len(vocab), hidden, embedding_dim=64, cell="lstm", seed=0,
                          dtype=np.float32)
    optimizer = Adam(model, lr=2e-3)
    stream = iter(batches)

    def update() -> None:
        nonlocal stream
        batch = next(stream, None)
        if batch is None:  # a fast machine reads the whole corpus within the timed span
            stream = iter(batches)
            batch = next(stream)
        model.zero_grad()
        model.forward_backward(batch)
        optimizer.step()

    for _ in range(3):
        update()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        update()
        count += 1
    rate = count / (time.perf_counter() - start)
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None
    print(json.dumps({"updates_per_s": rate, "threads": threads}))


def measure(threads: int, seconds: float, hidden: int) -> dict:
    env = {**os.environ, **{name: str(threads) for name in THREAD_VARIABLES}}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--seconds", str(seconds), "--hidden", str(hidden)],
        capture_output=True, text=True, env=env, check=True, timeout=600,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_busy_loops(count: int) -> list[subprocess.Popen]:
    """``count`` processes that each keep one core busy until stopped."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=10)


def run_case(load: str, args: argparse.Namespace) -> dict[int, list[float]]:
    busy = start_busy_loops(os.cpu_count() or 2) if load == "loaded" else []
    rates: dict[int, list[float]] = {1: [], 2: []}
    try:
        time.sleep(1.0 if busy else 0.0)  # let the busy loops get going
        for _ in range(args.repeats):
            for threads in (1, 2):
                result = measure(threads, args.seconds, args.hidden)
                rates[threads].append(result["updates_per_s"])
                print(f"  {load:7s} {threads} BLAS thread(s): {result['updates_per_s']:7.2f} "
                      f"updates/s ({result['threads']} OS threads in the process)", flush=True)
    finally:
        stop(busy)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="timed span per run")
    parser.add_argument("--repeats", type=int, default=2, help="runs per thread count and load")
    parser.add_argument("--hidden", type=int, default=128, help="LSTM hidden units (128)")
    parser.add_argument("--loads", nargs="+", choices=("as-is", "loaded"),
                        default=["as-is", "loaded"])
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.seconds, args.hidden)
        return

    load_before = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores; "
          f"load average before: {load_before[0]:.2f} (1 min)")
    results = {}
    for load in args.loads:
        rates = run_case(load, args)
        best = {threads: max(values) for threads, values in rates.items()}
        results[load] = {"updates_per_s": rates, "best": best, "ratio_2_over_1": best[2] / best[1]}
    print("\nbest updates/s        1 thread   2 threads   2 / 1")
    for load, result in results.items():
        best = result["best"]
        print(f"{load:20s} {best[1]:9.2f} {best[2]:11.2f} {result['ratio_2_over_1']:7.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f} (1 min)")
    if args.out is not None:
        record = {"cores": os.cpu_count(), "loadavg_before": load_before,
                  "seconds": args.seconds, "repeats": args.repeats, "hidden": args.hidden,
                  "results": results}
        args.out.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
