"""Two checkouts of minirnn and PyTorch, case by case, taking turns call by call.

Usage::

    python benchmarks/layers_paired.py --before /tmp/old-checkout [--after .] [--out paired.json]

``benchmarks/layers.py`` takes the best time of a few calls per case, which a machine whose
speed drifts (a shared host) can tilt by 10% or more from one run to the next. This script
answers the narrower question "did a change make the layers faster?" more steadily: one
process per checkout (each imports its own ``minirnn``), the same cases as ``layers.py``
(its runners), and every round times one forward + backward of the *before* layer, the
*after* layer and the torch layer (run in the *after* process), in alternating order. For
each case it prints the median over rounds of the per-round ratios after / torch,
before / torch and after / before, and the best time of each, in CPU time with one BLAS
thread and one torch thread. (Not with two: OpenBLAS's idle threads in the waiting process
keep spinning for a while after each call, taking a core from the timed one; use
``layers.py`` for threads.) torch is required.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: the three legs of a round: (checkout, what runs)
LEGS = (("before", "minirnn"), ("after", "minirnn"), ("after", "torch"))


def serve(checkout: str) -> None:
    """The child: build runners on request and print the time of each call."""
    sys.path[:0] = [checkout, str(HERE)]
    import layers  # this directory's runners, building layers of ``checkout``'s minirnn
    import torch

    import minirnn

    if not Path(minirnn.__file__).resolve().is_relative_to(Path(checkout).resolve()):
        sys.exit(f"{checkout}: imported minirnn from {minirnn.__file__} instead")
    torch.set_num_threads(1)
    runners = {}
    print("ready", flush=True)
    for line in sys.stdin:
        case = json.loads(line)
        key = json.dumps(case, sort_keys=True)
        if key not in runners:
            make = layers.minirnn_runner if case["who"] == "minirnn" else layers.torch_runner
            runners[key] = make(case["cell"], layers.DTYPES[case["dtype"]], tuple(case["shape"]),
                                num_layers=case["layers"], bidirectional=case["layers"] > 1)
            runners[key]()  # warm-up: workspaces, first-touch pages
        start = time.process_time()
        runners[key]()
        print(time.process_time() - start, flush=True)


def all_cases(shapes: list | None) -> list[dict]:
    """The cases of ``layers.py`` (every shape, cell and dtype, and the stacked LSTM), or
    single-layer cases of the given ``shapes``."""
    from layers import CELLS, DTYPES, SHAPES, STACKED

    cases = [dict(shape=list(shape), cell=cell, dtype=dtype, layers=1)
             for shape in shapes or SHAPES for cell in CELLS for dtype in DTYPES]
    if not shapes:
        shape, num_layers, _ = STACKED
        cases += [dict(shape=list(shape), cell="lstm", dtype=dtype, layers=num_layers)
                  for dtype in DTYPES]
    return cases


def start(checkout: Path) -> subprocess.Popen:
    env = dict(os.environ, **{name: "1" for name in
                              ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")})
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(checkout)],
                             env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if child.stdout.readline().strip() != "ready":
        sys.exit(f"{checkout}: the child process did not start")
    return child


def timed(child: subprocess.Popen, case: dict, who: str) -> float:
    child.stdin.write(json.dumps(dict(case, who=who)) + "\n")
    child.stdin.flush()
    return float(child.stdout.readline())


def compare(children: dict, case: dict, seconds: float) -> dict:
    """Rounds of the three legs for one case; medians of the per-round ratios."""
    first = sum(timed(children[side], case, who) for side, who in LEGS)
    rounds = max(5, min(60, int(seconds / first)))
    times = []
    for r in range(rounds):
        order = LEGS if r % 2 == 0 else LEGS[::-1]
        got = {leg: timed(children[leg[0]], case, leg[1]) for leg in order}
        times.append([got[leg] for leg in LEGS])
    before, after, torch = zip(*times, strict=True)
    return dict(case, rounds=rounds, load=os.getloadavg()[0],
                after_torch=statistics.median(a / t for a, t in zip(after, torch, strict=True)),
                before_torch=statistics.median(b / t for b, t in zip(before, torch, strict=True)),
                after_before=statistics.median(a / b for a, b in zip(after, before, strict=True)),
                best_ms=[1e3 * min(column) for column in (before, after, torch)])


def main() -> None:
    sys.path[:0] = [str(HERE.parent), str(HERE)]  # layers.py's cases (it imports minirnn)
    from layers import parse_shape

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the older checkout")
    parser.add_argument("--after", type=Path, default=HERE.parent, help="the newer one (.)")
    parser.add_argument("--seconds", type=float, default=6.0,
                        help="about this much time per case, 5 to 60 rounds (6)")
    parser.add_argument("--cells", nargs="+", choices=("rnn", "lstm", "gru"),
                        default=("rnn", "lstm", "gru"), help="which cells (all)")
    parser.add_argument("--shape", type=parse_shape, action="append",
                        help="NxTxDxH instead of layers.py's shapes (repeatable)")
    parser.add_argument("--out", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    if importlib.util.find_spec("torch") is None:
        sys.exit("layers_paired.py needs PyTorch: pip install torch")
    children = {side: start(getattr(args, side)) for side in ("before", "after")}
    print(f"before {args.before}, after {args.after}; one thread, CPU time; load average "
          f"{os.getloadavg()[0]:.2f} at the start", flush=True)
    rows = []
    for case in (c for c in all_cases(args.shape) if c["cell"] in args.cells):
        row = compare(children, case, args.seconds)
        rows.append(row)
        label = ("2-layer bidir " if case["layers"] > 1 else "") + \
            "x".join(map(str, case["shape"]))
        print(f"{label:28} {case['cell']:4} {case['dtype']:7} "
              f"after/torch {row['after_torch']:5.2f}  before/torch {row['before_torch']:5.2f}  "
              f"after/before {row['after_before']:5.3f}  best ms before {row['best_ms'][0]:8.1f} "
              f"after {row['best_ms'][1]:8.1f} torch {row['best_ms'][2]:8.1f}  "
              f"{row['rounds']:2} rounds  load {row['load']:.2f}", flush=True)
    for child in children.values():
        child.stdin.close()
        child.wait()
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    else:
        main()
