"""The notebooks' committed outputs are whole, from the full setting, and machine-free.

A reader sees the outputs in a repository browser or in the docs without running anything, so
they must be the ones the text describes: every code cell executed, none from CI's quick
setting (the notebooks print "fast setting" there), and no path of the machine that ran them.
``python tools/run_notebooks.py`` regenerates them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: folders of a developer's machine that mean nothing to a reader
MACHINE_PATH = re.compile(r"(/work/|/root/|/home/\w+|/Users/\w+|[A-Z]:\\\\Users)")


def outputs_text(notebook: nbformat.NotebookNode) -> str:
    return json.dumps([cell.get("outputs", []) for cell in notebook.cells
                       if cell.cell_type == "code"], ensure_ascii=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_outputs_are_whole_and_from_the_full_setting(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in code), "a code cell was not executed"
    text = outputs_text(notebook)
    assert "fast setting" not in text, "outputs of MINIRNN_FAST=1; rerun tools/run_notebooks.py"
    assert str(ROOT) not in text and not MACHINE_PATH.search(text), MACHINE_PATH.search(text)


def test_the_checks_can_fail():
    assert MACHINE_PATH.search('"names from /work/shared/datasets"')
    assert MACHINE_PATH.search('"/home/ann/minirnn/x.npz"')
    assert not MACHINE_PATH.search('"checkpoint saved to lm.npz"')
