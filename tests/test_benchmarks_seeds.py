"""The quality benchmarks of issue 15 still run (tiny settings; their figures are the output)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    # PYTHONPATH: this checkout's minirnn, even where an older one is installed.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, str(BENCHMARKS / script), *args],
                          capture_output=True, text=True, timeout=300, check=False, env=env)


def test_digits_rows_benchmark_reports_each_cell_and_direction(tmp_path):
    out = tmp_path / "digits.json"
    done = _run("digits_rows.py", "--cells", "gru", "--reads", "columns", "--hidden", "8",
                "--epochs", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "unidirectional" in done.stdout and "bidirectional" in done.stdout
    results = json.loads(out.read_text())["results"]
    assert [(r["cell"], r["bidirectional"], r["read"]) for r in results] == [
        ("gru", False, "columns"), ("gru", True, "columns")]
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in results)


def test_poems_benchmark_reports_loss_and_form_shares(tmp_path):
    out = tmp_path / "poems.json"
    done = _run("poems.py", "--poems", "100", "--epochs", "1", "--hidden", "8",
                "--samples", "4", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "validation loss per epoch (nats/char)" in done.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["fixed_form_share"] == 1.0  # enforced: in form by construction
    assert len(result["val_loss_per_char"]) == 1 and result["train_poems"] == 90
