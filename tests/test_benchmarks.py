"""The benchmark scripts still run; short runs, no timing asserted (speed is their output)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"


def test_char_rnn_benchmark_runs_and_the_exact_mode_matches_the_classic_loop(tmp_path):
    # A missing --data file makes the script train on the built-in corpus (offline).
    # PYTHONPATH: this checkout's minirnn, even where an older one is installed.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "char_rnn.py"), "--iters", "3", "--repeats", "1",
         "--drift-iters", "0", "--data", str(tmp_path / "absent.txt")],
        capture_output=True, text=True, timeout=300, check=False, env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "builtin_corpus()" in out
    assert "bit for bit: True" in out
    for name in ("classic loop (np.dot)", "CharRNN exact", "CharRNN exact (fit)",
                 "CharRNN fast ", "CharRNN fast (fit)", "fit's own cost"):
        assert name in out
    bounds = [line for line in out.splitlines() if "-> at most x" in line]
    assert len(bounds) == 2, out


def test_blas_threads_benchmark_runs(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = tmp_path / "blas.json"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "blas_threads.py"), "--seconds", "0.3", "--repeats",
         "1", "--loads", "as-is", "--hidden", "16", "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False, env=env)
    assert done.returncode == 0, done.stderr
    assert "2 / 1" in done.stdout and out.exists()


def test_attention_benchmark_runs(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = tmp_path / "reversal.json"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "seq2seq_attention.py"), "reversal", "--n", "300",
         "--epochs", "1", "--hidden", "8", "--scores", "none,dot", "--max-length", "14",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False, env=env)
    assert done.returncode == 0, done.stderr
    assert "by source length" in done.stdout and " 5- 9 " in done.stdout

    assert [r["name"] for r in json.loads(out.read_text())["results"]] == ["none", "dot"]


def test_layers_benchmark_prints_the_ratio_table_and_gemm_shares(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = tmp_path / "layers.json"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "layers.py"), "--shape", "2x3x4x5", "--repeats", "1",
         "--memory", "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False, env=env)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("2x3x4x5 ")]
    assert len(rows) == 6  # three cells, two dtypes
    # torch is an optional oracle: without it (a plain `pip install ".[test]"`) the script
    # still runs and shows minirnn's share of GEMM alone
    has_torch = importlib.util.find_spec("torch") is not None
    assert all(line.count("%") == (2 if has_torch else 1) for line in rows)  # GEMM shares
    ratio_table = "| 2x3x4x5" in done.stdout and "ratio minirnn / torch" in done.stdout
    assert ratio_table == has_torch

    recorded = json.loads(out.read_text())["rows"]  # --out records every printed row
    assert [(r["cell"], r["dtype"]) for r in recorded] == [
        (cell, dtype) for cell in ("rnn", "lstm", "gru") for dtype in ("float32", "float64")]
    assert all(r["memory_mb"] > 0 and 0 < r["ours_peak"] for r in recorded)
    no_torch = subprocess.run(
        [sys.executable, str(BENCHMARKS / "layers.py"), "--shape", "2x3x4x5", "--repeats", "1",
         "--cells", "gru", "--no-torch", "--settle", "0.01"],
        capture_output=True, text=True, timeout=300, check=False, env=env)
    assert no_torch.returncode == 0, no_torch.stderr
    assert "minirnn and GEMM only" in no_torch.stdout and "ratio minirnn" not in no_torch.stdout
    assert "0.01 s pause after each call" in no_torch.stdout
    for bad in ("-1", "nan", "soon"):  # refused by argparse, no traceback
        refused = subprocess.run(
            [sys.executable, str(BENCHMARKS / "layers.py"), "--settle", bad],
            capture_output=True, text=True, timeout=300, check=False, env=env)
        assert refused.returncode == 2 and "must be a number of seconds >= 0" in refused.stderr


def test_layers_loop_benchmark_times_back_to_back_calls(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = tmp_path / "loop.json"
    command = [sys.executable, str(BENCHMARKS / "layers_loop.py"), "--shape", "2x3x4x5",
               "--cells", "lstm", "gru", "--blocks", "2", "--calls", "3", "--settle", "0",
               "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False,
                          env=env)
    if importlib.util.find_spec("torch") is None:  # it compares with torch, or says why not
        assert done.returncode == 2 and "torch is not installed" in done.stderr
        return
    assert done.returncode == 0, done.stderr
    assert "median of 2 blocks of 3 back-to-back calls" in done.stdout
    assert "| 2x3x4x5" in done.stdout  # the ratio table
    recorded = json.loads(out.read_text())["rows"]
    assert [(r["cell"], r["dtype"]) for r in recorded] == [
        (cell, dtype) for cell in ("lstm", "gru") for dtype in ("float32", "float64")]
    assert all(r["ours_ms"] > 0 and r["torch_ms"] > 0 for r in recorded)
    assert all(abs(r["ratio"] - r["ours_ms"] / r["torch_ms"]) < 1e-9 for r in recorded)
    for bad in (["--blocks", "0"], ["--calls", "-1"], ["--settle", "nan"]):
        refused = subprocess.run(
            [sys.executable, str(BENCHMARKS / "layers_loop.py"), *bad],
            capture_output=True, text=True, timeout=300, check=False, env=env)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr


def test_cli_defaults_benchmark_times_the_gradchecks(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = tmp_path / "cli.json"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "cli_defaults.py"), "--only", "gradcheck",
         "--out", str(out)], capture_output=True, text=True, timeout=300, check=False, env=env)
    assert done.returncode == 0, done.stderr
    assert "minirnn gradcheck lstm" in done.stdout and out.exists()
    assert "not timed" not in done.stdout, done.stdout  # every subcommand is in RUNS


def test_layers_paired_benchmark_compares_two_checkouts(tmp_path):
    out = tmp_path / "paired.json"
    # --seconds 0: always the 5-round minimum (with 0.01 a quiet machine timed the tiny case's
    # first round under 2 ms and ran 6 or 7 rounds)
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "layers_paired.py"), "--before", str(ROOT),
         "--after", str(ROOT), "--shape", "2x3x4x5", "--cells", "gru", "--seconds", "0",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False)
    if importlib.util.find_spec("torch") is None:  # torch is its yardstick: a clear refusal
        assert done.returncode != 0 and "needs PyTorch" in done.stderr
        return
    assert done.returncode == 0, done.stderr

    rows = json.loads(out.read_text())
    assert [(r["cell"], r["dtype"], r["rounds"]) for r in rows] == [
        ("gru", "float32", 5), ("gru", "float64", 5)]
    assert all(r["after_before"] > 0 and len(r["best_ms"]) == 3 for r in rows)
    assert done.stdout.count("after/before") == 2


def run_char_rnn_paired(tmp_path, *options):
    """The paired benchmark on this checkout against itself: two pairs of two short turns."""
    text = tmp_path / "text.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 100, encoding="utf-8")
    out = tmp_path / "paired.json"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "char_rnn_paired.py"), "--before", str(ROOT),
         "--after", str(ROOT), "--pairs", "2", "--rounds", "2", "--data", str(text),
         "--out", str(out), *options],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(out.read_text())


def test_char_rnn_paired_benchmark_compares_two_checkouts(tmp_path):
    stdout, result = run_char_rnn_paired(tmp_path, "--modes", "fast")
    assert list(result) == ["fast"] and len(result["fast"]["pairs"]) == 2
    assert all(p["after_before"] > 0 and p["before_ms"] > 0 for p in result["fast"]["pairs"])
    assert "after/before" in stdout and "quartiles over pairs" in stdout
    assert "taking turns" in stdout


def test_char_rnn_paired_benchmark_runs_pairs_one_at_a_time(tmp_path):
    stdout, result = run_char_rnn_paired(tmp_path, "--modes", "exact", "--one-at-a-time")
    pairs = result["exact"]["pairs"]
    assert len(pairs) == 2
    for p in pairs:
        assert p["after_before"] == pytest.approx(p["after_ms"] / p["before_ms"])
    # two processes of the same checkout still time their own turns
    assert any(p["after_ms"] != p["before_ms"] for p in pairs)
    assert "one after the other" in stdout


def test_char_rnn_paired_benchmark_refuses_a_folder_that_is_not_a_checkout(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "char_rnn_paired.py"), "--before", str(tmp_path),
         "--after", str(ROOT)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "not a minirnn checkout" in done.stderr and "Traceback" not in done.stderr
