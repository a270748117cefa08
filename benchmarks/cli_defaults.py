"""Every ``minirnn`` subcommand with its default options: wall time and longest silence.

Each command runs in a fresh process in a temporary directory (the commands that need a
checkpoint or a file get the one an earlier command wrote), with its output timestamped as it
arrives, progress lines rewritten with ``\\r`` included. The table gives the wall time, the
CPU time (what the wall time would be on an idle machine, as the command uses one BLAS thread),
the time to the first output and the longest stretch without output. The project's rule: every
default finishes in about a minute on 2 cores and shows progress at least every few seconds.
Subcommands found in the parser but missing from :data:`RUNS` are listed as not timed.

    python benchmarks/cli_defaults.py                        # all of them, a few minutes
    python benchmarks/cli_defaults.py --only lm names        # commands starting with these
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: what is run, in order: the default of every command and action (later ones may use the
#: files earlier ones wrote in the same directory); {ROOT} is this repository
RUNS: list[list[str]] = [
    ["gradcheck", "rnn"],
    ["gradcheck", "lstm"],
    ["gradcheck", "gru"],
    ["char-rnn", "train"],
    ["char-rnn", "sample", "char_rnn.npz"],
    ["binary-addition"],
    ["binary-addition", "--classic"],
    ["lm", "train"],
    ["lm", "generate", "lm.npz"],
    ["names", "train"],
    ["names", "generate", "names.npz"],
    ["seq2seq"],
    ["seq2seq", "addition"],
    ["seq2seq", "dates"],
    ["seq2seq", "reverse"],
    ["classify", "names"],
    ["classify", "digit-sum"],
    ["classify", "digits"],
    ["learn2carry"],
    ["poems", "train"],
    ["poems", "generate", "poems.npz"],
    ["exercise", "list"],
    ["exercise", "new", "lstm_step_backward"],
    ["exercise", "check", "lstm_step_backward.py"],
    ["exercise", "grade", "."],
    ["exercise", "notebook", "{ROOT}/notebooks/assignments/rnn_from_scratch.ipynb"],
]


def subcommands() -> list[tuple[str, ...]]:
    """(command,) or (command, action) for every subparser of ``minirnn``."""
    sys.path.insert(0, str(ROOT))
    from minirnn.cli import build_parser

    found = []

    def walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs and prefix:
            found.append(prefix)
        for action in subs:
            for name, sub in action.choices.items():
                walk(sub, (*prefix, name))

    walk(build_parser(), ())
    return found


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(argv: list[str], cwd: Path, timeout: float) -> dict:
    """Run ``python -m minirnn argv``; wall time, first output and longest silence (s)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    cpu_before = _children_cpu()
    start = time.perf_counter()
    argv = [arg.replace("{ROOT}", str(ROOT)) for arg in argv]
    process = subprocess.Popen([sys.executable, "-m", "minirnn", *argv], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    stamps: list[float] = []
    chunks: list[bytes] = []

    def read() -> None:
        for chunk in iter(lambda: os.read(process.stdout.fileno(), 4096), b""):
            stamps.append(time.perf_counter() - start)
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        status = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()  # reaped, so its CPU time is counted
        status = None
    wall = time.perf_counter() - start
    reader.join(timeout=5)
    marks = [0.0, *stamps, wall]
    output = b"".join(chunks).decode("utf-8", "replace")
    return {"argv": argv, "status": status, "wall_s": wall, "cpu_s": _children_cpu() - cpu_before,
            "first_output_s": stamps[0] if stamps else None,
            "longest_silence_s": max(b - a for a, b in zip(marks, marks[1:], strict=False)),
            "last_line": output.replace("\r", "\n").strip().splitlines()[-1:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", help="run the commands starting with these words")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per command")
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    args = parser.parse_args()

    runs = [r for r in RUNS if not args.only or r[0] in args.only]
    covered = {tuple(r[:2]) for r in RUNS} | {tuple(r[:1]) for r in RUNS}
    missing = [" ".join(s) for s in subcommands() if s not in covered]
    load = os.getloadavg()[0]
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average {load:.2f}; BLAS threads: the command's default")
    print(f"{'command':45s} {'status':>6s} {'wall s':>7s} {'cpu s':>6s} {'first s':>7s} "
          f"{'silence s':>9s}")
    results = []
    with tempfile.TemporaryDirectory() as work:
        for argv in runs:
            result = timed_run(argv, Path(work), args.timeout)
            results.append(result)
            first = result["first_output_s"]
            shown = " ".join(argv).replace("{ROOT}/", "")
            print(f"{'minirnn ' + shown:45s} {result['status']!s:>6s} "
                  f"{result['wall_s']:7.1f} {result['cpu_s']:6.1f} "
                  f"{first if first is None else round(first, 1)!s:>7s} "
                  f"{result['longest_silence_s']:9.1f}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if missing:
        print("not timed (add them to RUNS):", ", ".join(missing))
    if args.out is not None:
        args.out.write_text(json.dumps({"load_before": load, "results": results,
                                        "not_timed": missing}, indent=1) + "\n")


if __name__ == "__main__":
    main()
