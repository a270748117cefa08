"""Shared fixtures: the shipped corpora, found through the library as a user would."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

from minirnn.data import find_data_file

matplotlib.use("Agg")  # tests inspect plotted data, never a screen

def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI (``MINIRNN_REQUIRE_TORCH=1``) the PyTorch parity tests must run, not skip."""
    if os.environ.get("MINIRNN_REQUIRE_TORCH") == "1":
        try:
            import torch  # noqa: F401
        except ImportError:
            pytest.exit("MINIRNN_REQUIRE_TORCH=1 but torch is not importable", returncode=1)


@pytest.fixture
def tinyshakespeare_path() -> Path:
    return find_data_file("tinyshakespeare/input.txt")


@pytest.fixture
def names_dir() -> Path:
    return find_data_file("names/female.txt").parent
