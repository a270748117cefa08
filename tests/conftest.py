"""Shared fixtures: the corpora in ../shared/datasets, skipped with a reason where absent."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # tests inspect plotted data, never a screen

def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI (``MINIRNN_REQUIRE_TORCH=1``) the PyTorch parity tests must run, not skip."""
    if os.environ.get("MINIRNN_REQUIRE_TORCH") == "1":
        try:
            import torch  # noqa: F401
        except ImportError:
            pytest.exit("MINIRNN_REQUIRE_TORCH=1 but torch is not importable", returncode=1)


SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def shared_dataset(relative: str) -> Path:
    """Path of a file under ../shared/datasets, or skip the test with the reason."""
    path = SHARED_DATASETS / relative
    if not path.exists():
        pytest.skip(f"shared corpus {relative} not found at {path}")
    return path


@pytest.fixture
def tinyshakespeare_path() -> Path:
    return shared_dataset("tinyshakespeare/input.txt")


@pytest.fixture
def names_dir() -> Path:
    return shared_dataset("names/female.txt").parent
