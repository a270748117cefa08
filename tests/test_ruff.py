"""The code base is ruff-clean (configuration in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff_command() -> list[str]:
    try:
        import ruff  # noqa: F401  (the pip package ships the binary)
    except ImportError:
        exe = shutil.which("ruff")
        if exe is None:  # a dev dependency missing is a failure, not a skip
            pytest.fail("ruff is not installed (pip install '.[test]')")
        return [exe]
    return [sys.executable, "-m", "ruff"]


def test_ruff_check_is_clean():
    folders = ("minirnn", "tests", "benchmarks", "notebooks")
    targets = [name for name in folders if (ROOT / name).exists()]
    done = subprocess.run([*_ruff_command(), "check", *targets], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"ruff check found problems:\n{done.stdout}\n{done.stderr}"
