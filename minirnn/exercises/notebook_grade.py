"""Grade a filled-in student notebook: its answers, the autograder's tests, in the sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minirnn.errors import MinirnnError
from minirnn.exercises.checker import TestEntry
from minirnn.exercises.notebook import grade_id, is_test_cell, points, read_notebook, source
from minirnn.exercises.sandbox import Limits, run_child

#: a notebook runs longer than one function: the default time limit for a whole notebook
NOTEBOOK_TIME_LIMIT = 300.0


@dataclass
class NotebookReport:
    """The grade of one notebook: a test entry per test cell, in the notebook's order.

    It has the attributes :mod:`minirnn.exercises.results` reads, like an
    :class:`~minirnn.exercises.checker.ExerciseReport`.
    """

    name: str
    submission: str | None
    entries: list[TestEntry]
    violation: str | None = None
    failure: str | None = None
    other_errors: tuple[str, ...] = ()
    seconds: float | None = None

    @property
    def points(self) -> float:
        """Points of the passed test cells (0 after a violation)."""
        return 0 if self.violation else sum(e.score for e in self.entries)

    @property
    def max_points(self) -> float:
        """Points of all test cells."""
        return sum(e.max_score for e in self.entries)

    @property
    def ok(self) -> bool:
        """Every test cell passed and the guard saw nothing."""
        return self.violation is None and all(e.verdict == "pass" for e in self.entries)

    @property
    def diagnoses(self) -> list[tuple[str, str]]:
        """None for notebooks: their tests are the instructor's asserts."""
        return []

    def tests(self) -> list[TestEntry]:
        """The test entries (all scored 0 after a violation)."""
        if not self.violation:
            return list(self.entries)
        return [TestEntry(e.name, 0, e.max_score, "error", f"blocked: the submission "
                          f"{self.violation}") for e in self.entries]

    def verdict(self) -> str:
        """One line: PASS, or FAIL with the failed test cells."""
        if self.violation:
            return f"FAIL (score 0): the submission {self.violation}."
        if self.ok:
            return f"PASS: all {len(self.entries)} test cells of {self.name} pass."
        failed = [e.name for e in self.entries if e.verdict != "pass"]
        text = f"FAIL: {len(failed)} of {len(self.entries)} test cells fail: {', '.join(failed)}"
        return text + (f" ({self.failure})" if self.failure else "") + "."

    def __str__(self) -> str:
        lines = [f"notebook {self.name}"]
        lines += [f"  {e.name}: {e.verdict} ({e.score:g}/{e.max_score:g}) {e.message}"
                  for e in self.tests()]
        lines += [f"  note: {error}" for error in self.other_errors]
        lines += [f"score: {self.points:g}/{self.max_points:g}", self.verdict()]
        return "\n".join(lines)


def merged_cells(submission: dict, autograder: dict) -> list[tuple[dict, int]]:
    """The student's cells, each test cell's source taken from the autograder notebook.

    Returns ``(cell, number)`` pairs; test cells the student deleted are appended at the end,
    so every test runs (number is the cell's position in the autograder notebook).
    """
    tests = {grade_id(cell, n): cell for n, cell in enumerate(autograder["cells"], 1)
             if is_test_cell(cell)}
    merged, used = [], set()
    for number, cell in enumerate(submission["cells"], 1):
        ident = grade_id(cell, number)
        if ident in tests:
            merged.append((tests[ident], number))
            used.add(ident)
        elif cell.get("cell_type") == "code" and not is_test_cell(cell):
            merged.append((cell, number))
    for n, (ident, cell) in enumerate(tests.items(), 1):
        if ident not in used:
            merged.append((cell, len(submission["cells"]) + n))
    return merged


def _entry(cell: dict, number: int, outcome: dict | None, failure: str | None) -> TestEntry:
    name = grade_id(cell, number)
    worth = points(cell)
    if outcome is None:
        return TestEntry(name, 0, worth, "error", f"not run: {failure or 'the notebook stopped'}")
    if outcome["error"] is None:
        return TestEntry(name, worth, worth, "pass", "passed")
    return TestEntry(name, 0, worth, "fail", outcome["error"])


def grade_notebook(path: str | Path, autograder: str | Path,
                   limits: Limits | None = None) -> NotebookReport:
    """Run a student's notebook with the autograder's tests in the sandbox and grade it."""
    path = Path(path)
    submission, tests = read_notebook(path), read_notebook(autograder)
    if not any(is_test_cell(cell) for cell in tests["cells"]):
        raise MinirnnError(f"{autograder} has no test cells: is it the autograder version?")
    cells = [(cell, number) for cell, number in merged_cells(submission, tests)
             if cell.get("cell_type") == "code"]
    labels = [f"{'test cell' if is_test_cell(cell) else 'cell'} {grade_id(cell, number)}"
              for cell, number in cells]
    job = {"mode": "notebook", "cells": [source(cell) for cell, _ in cells], "labels": labels,
           "folder": str(path.resolve().parent), "allowed": [str(path.resolve().parent)]}
    run = run_child(job, {}, limits or Limits(time_seconds=NOTEBOOK_TIME_LIMIT))
    outcomes = {entry["cell"]: entry for entry in run.cells}
    entries, others = [], []
    for index, (cell, number) in enumerate(cells):
        if is_test_cell(cell):
            entries.append(_entry(cell, number, outcomes.get(index), run.failure))
        elif outcomes.get(index, {}).get("error"):
            others.append(outcomes[index]["error"])
    violation = "; ".join(run.violations) if run.violations else None
    return NotebookReport(Path(autograder).stem, str(path), entries, violation, run.failure,
                          tuple(others), run.seconds)
