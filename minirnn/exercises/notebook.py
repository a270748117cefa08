"""Notebook assignments with nbgrader's markers, without nbgrader.

A *master* notebook holds the solutions and the hidden tests:

- a code cell with ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` is an answer cell;
- a code cell with ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` (or with nbgrader's
  ``"grade": true`` metadata) is a test cell, worth ``metadata.nbgrader.points`` (default 1).

:func:`student_version` replaces every solution by ``raise NotImplementedError`` (in a
markdown cell, by ``YOUR ANSWER HERE``) and removes the hidden tests; :func:`autograder_version`
does the same but keeps the hidden tests, for grading. Both are plain nbformat 4 JSON, written
here without nbformat; every cell gets an ``id``, and answer and test cells nbgrader's
metadata with their ``grade_id``, so a filled-in student notebook is matched cell by cell.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from minirnn.errors import MinirnnError

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def read_notebook(path: str | Path) -> dict:
    """Read an ``.ipynb`` file as JSON, checking that it is an nbformat 4 notebook."""
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MinirnnError(f"no such notebook: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MinirnnError(f"{path} is not a notebook (not valid JSON: {error})") from None
    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4 \
            or not isinstance(notebook.get("cells"), list):
        raise MinirnnError(f"{path} is not an nbformat 4 notebook")
    return notebook


def source(cell: dict) -> str:
    """A cell's source as one string (the file may store a list of lines)."""
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def _lines(text: str) -> list[str]:
    """Source as nbformat stores it: a list of lines, each but the last ending in newline."""
    return text.splitlines(keepends=True)


def is_test_cell(cell: dict) -> bool:
    """A graded test cell: hidden tests in it, or nbgrader's ``grade: true`` (not a solution)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if cell.get("cell_type") != "code":
        return False
    return BEGIN_HIDDEN in source(cell) or (meta.get("grade") and not meta.get("solution"))


def is_solution_cell(cell: dict) -> bool:
    """An answer cell: solution markers in it, or nbgrader's ``solution: true``."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return BEGIN_SOLUTION in source(cell) or bool(meta.get("solution"))


def grade_id(cell: dict, number: int) -> str:
    """The cell's ``grade_id`` (nbgrader's), else its ``id``, else ``cell-<number>``."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return str(meta.get("grade_id") or cell.get("id") or f"cell-{number}")


def points(cell: dict) -> float:
    """What a test cell is worth (``metadata.nbgrader.points``, default 1)."""
    value = cell.get("metadata", {}).get("nbgrader", {}).get("points", 1)
    return float(value) if isinstance(value, (int, float)) and value >= 0 else 1.0


def _replace_region(text: str, begin: str, end: str, stub: str | None, where: str) -> str:
    """Cut every ``begin``...``end`` region; put ``stub`` (indented like ``begin``) there."""
    out, inside = [], False
    for line in text.splitlines(keepends=True):
        marker = line.strip()
        if marker == begin:
            if inside:
                raise MinirnnError(f"{where}: {begin} inside another {begin}")
            inside = True
            if stub is not None:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(f"{indent}{stub}\n")
        elif marker == end:
            if not inside:
                raise MinirnnError(f"{where}: {end} without {begin}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MinirnnError(f"{where}: {begin} is never closed by {end}")
    return "".join(out).rstrip("\n")


def _keep_region(text: str, begin: str, end: str) -> str:
    """Drop just the marker lines, keeping what is between them."""
    kept = [line for line in text.splitlines(keepends=True) if line.strip() not in (begin, end)]
    return "".join(kept).rstrip("\n")


def _release(master: dict, keep_hidden: bool, name: str) -> dict:
    notebook = copy.deepcopy(master)
    seen: set[str] = set()
    for number, cell in enumerate(notebook["cells"], 1):
        where = f"{name}, cell {number}"
        text, ident = source(cell), grade_id(cell, number)
        if ident in seen or not _ID.match(ident):
            raise MinirnnError(f"{where}: grade_id/id {ident!r} is repeated or not made of "
                               "letters, digits, - and _")
        seen.add(ident)
        solution, test = is_solution_cell(cell), is_test_cell(cell)
        stub = "raise NotImplementedError" if cell["cell_type"] == "code" else "YOUR ANSWER HERE"
        text = _replace_region(text, BEGIN_SOLUTION, END_SOLUTION, stub, where)
        if keep_hidden:
            text = _keep_region(text, BEGIN_HIDDEN, END_HIDDEN)
        else:
            text = _replace_region(text, BEGIN_HIDDEN, END_HIDDEN, None, where)
        cell["source"] = _lines(text)
        cell["id"] = ident
        if solution or test:
            meta = cell.setdefault("metadata", {}).setdefault("nbgrader", {})
            meta.update(grade_id=ident, solution=solution, grade=test, locked=not solution,
                        task=False, schema_version=3)
            if test:
                meta["points"] = points(cell)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    notebook["nbformat"], notebook["nbformat_minor"] = 4, max(5, master.get("nbformat_minor", 0))
    return notebook


def student_version(master: dict, name: str = "notebook") -> dict:
    """The notebook to hand out: solutions stubbed, hidden tests gone, outputs cleared."""
    return _release(master, keep_hidden=False, name=name)


def autograder_version(master: dict, name: str = "notebook") -> dict:
    """The notebook to grade with: like the student's, but with the hidden tests."""
    return _release(master, keep_hidden=True, name=name)


def write_notebook(notebook: dict, path: str | Path) -> None:
    """Write a notebook as nbformat JSON (one-space indent, as Jupyter writes it)."""
    Path(path).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")


def release(master_path: str | Path, out: str | Path, force: bool = False) -> tuple[Path, Path]:
    """Write ``out/student/NAME.ipynb`` and ``out/autograder/NAME.ipynb`` from a master.

    Raises
    ------
    MinirnnError
        If the master is not a notebook, has unbalanced markers or repeated ids, or a file
        would be overwritten without ``force``.
    """
    master_path = Path(master_path)
    master = read_notebook(master_path)
    versions = {"student": student_version(master, master_path.name),
                "autograder": autograder_version(master, master_path.name)}
    if not any(is_test_cell(cell) for cell in master["cells"]):
        raise MinirnnError(f"{master_path} has no test cells ({BEGIN_HIDDEN} or nbgrader "
                           "grade metadata): there would be nothing to grade")
    paths = {kind: Path(out) / kind / master_path.name for kind in versions}
    for path in paths.values():
        if path.exists() and not force:
            raise MinirnnError(f"{path} exists; not overwriting it (use --force)")
    for kind, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_notebook(versions[kind], path)
    return paths["student"], paths["autograder"]
