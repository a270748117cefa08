"""Notebook assignments: a master notebook becomes student and autograder versions, the
master passes its own hidden tests, and a filled-in student notebook grades 100%."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import nbformat
import pytest

from minirnn.cli import main
from minirnn.errors import MinirnnError
from minirnn.exercises.notebook import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    read_notebook,
    release,
    source,
    write_notebook,
)
from minirnn.exercises.notebook_grade import grade_notebook
from minirnn.exercises.results import GRADESCOPE_SCHEMA, MINIRNN_SCHEMA, grade_document
from minirnn.exercises.sandbox import Limits

MASTERS = sorted((Path(__file__).resolve().parents[1] / "notebooks" / "assignments")
                 .glob("*.ipynb"))
QUICK = Limits(time_seconds=60, memory_mb=1024)


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """(master, student, autograder) paths of the first master notebook."""
    out = tmp_path_factory.mktemp("release")
    student, autograder = release(MASTERS[0], out)
    return MASTERS[0], student, autograder


def fill_in(student: Path, master: Path, out: Path) -> Path:
    """The student version with every stub replaced by the master's solution (same ids)."""
    solutions = {cell["id"]: source(cell) for cell in read_notebook(master)["cells"]}
    notebook = read_notebook(student)
    for cell in notebook["cells"]:
        text = source(cell)
        if cell["cell_type"] != "code" or "raise NotImplementedError" not in text:
            continue
        answer = solutions[cell["id"]]
        start, end = answer.index(BEGIN_SOLUTION), answer.index("### END SOLUTION")
        body = answer[answer.index("\n", start) + 1: answer.rindex("\n", 0, end) + 1]
        indent = text[text.index("raise NotImplementedError") - 4: text.index("raise")]
        cell["source"] = text.replace(f"{indent}raise NotImplementedError", body.rstrip("\n"))
    write_notebook(notebook, out)
    return out


def test_there_is_a_master_notebook():
    assert MASTERS, "no master notebook under notebooks/assignments/"


@pytest.mark.parametrize("master", MASTERS, ids=[m.name for m in MASTERS])
def test_master_passes_its_own_hidden_tests(tmp_path, master):
    _, autograder = release(master, tmp_path)
    report = grade_notebook(master, autograder, QUICK)
    assert report.ok and report.points == report.max_points > 0, str(report)


def test_versions_are_valid_notebooks_without_solutions(versions):
    master, student, autograder = versions
    for path in (student, autograder):
        nbformat.validate(nbformat.read(path, as_version=4))  # opens in Jupyter
    student_text, autograder_text = student.read_text(), autograder.read_text()
    master_nb = read_notebook(master)
    for cell in master_nb["cells"]:
        text = source(cell)
        if BEGIN_SOLUTION in text:
            solution = text.split(BEGIN_SOLUTION)[1].split("### END SOLUTION")[0]
            for line in filter(None, (line.strip() for line in solution.splitlines())):
                assert json.dumps(line)[1:-1] not in student_text + autograder_text, line
        if BEGIN_HIDDEN in text:
            hidden = text.split(BEGIN_HIDDEN)[1].split("### END HIDDEN TESTS")[0]
            visible = text.replace(hidden, "")
            lines = [line.strip() for line in hidden.splitlines()
                     if line.strip() and line.strip() not in visible]
            assert all(json.dumps(line)[1:-1] not in student_text for line in lines)
            assert all(json.dumps(line)[1:-1] in autograder_text for line in lines)
    assert "raise NotImplementedError" in student_text and "BEGIN" not in student_text
    assert all(not cell.get("outputs") for cell in read_notebook(student)["cells"])


def test_filled_in_student_notebook_grades_full_marks(tmp_path, versions):
    master, student, autograder = versions
    filled = fill_in(student, master, tmp_path / "alice.ipynb")
    report = grade_notebook(filled, autograder, QUICK)
    assert report.ok and report.points == report.max_points == 4, str(report)
    document = grade_document(report)
    jsonschema.validate(document, MINIRNN_SCHEMA)


def test_untouched_and_wrong_notebooks_lose_the_right_points(tmp_path, versions):
    master, student, autograder = versions
    report = grade_notebook(student, autograder, QUICK)
    assert report.points == 0 and "not written yet" in report.tests()[0].message
    filled = fill_in(student, master, tmp_path / "bob.ipynb")
    text = filled.read_text().replace("da = dh * (1 - h ** 2)", "da = dh")
    filled.write_text(text)
    report = grade_notebook(filled, autograder, QUICK)
    assert [t.verdict for t in report.tests()] == ["pass", "fail", "pass"]
    assert "dx is wrong" in report.tests()[1].message and report.points == 2


def test_a_notebook_that_reaches_for_minirnn_scores_zero(tmp_path, versions):
    master, student, autograder = versions
    filled = fill_in(student, master, tmp_path / "carol.ipynb")
    notebook = read_notebook(filled)
    notebook["cells"][1]["source"] += "\nimport minirnn.functional.rnn\n"
    write_notebook(notebook, filled)
    report = grade_notebook(filled, autograder, QUICK)
    assert report.points == 0 and "imported minirnn" in report.violation


def test_cli_split_then_check_with_json_and_gradescope(tmp_path, capsys, versions):
    master = versions[0]
    out = tmp_path / "release"
    assert main(["exercise", "notebook", str(master), "--out", str(out)]) == 0
    assert main(["exercise", "notebook", str(master), "--out", str(out)]) == 1  # no clobber
    capsys.readouterr()
    student = out / "student" / master.name
    autograder = out / "autograder" / master.name
    filled = fill_in(student, master, tmp_path / "dave.ipynb")
    grade, gradescope = tmp_path / "grade.json", tmp_path / "results.json"
    assert main(["exercise", "check", str(filled), "--autograder", str(autograder), "--json",
                 str(grade), "--gradescope", str(gradescope)]) == 0
    assert "PASS: all 3 test cells" in capsys.readouterr().out
    jsonschema.validate(json.loads(grade.read_text()), MINIRNN_SCHEMA)
    results = json.loads(gradescope.read_text())
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    assert results["score"] == 4 and len(results["tests"]) == 3


@pytest.mark.parametrize(("text", "message"), [
    ("x = 1\n### BEGIN SOLUTION\ny = 2\n", "is never closed"),
    ("### END SOLUTION\n", "without ### BEGIN SOLUTION"),
])
def test_broken_markers_are_reported(tmp_path, text, message):
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "outputs": [],
         "execution_count": None, "source": text},
        {"cell_type": "code", "id": "b", "metadata": {}, "outputs": [],
         "execution_count": None, "source": "### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n"}]}
    path = tmp_path / "master.ipynb"
    path.write_text(json.dumps(notebook))
    with pytest.raises(MinirnnError, match=message):
        release(path, tmp_path / "out")


WALKTHROUGHS = [path for path in sorted(MASTERS[0].parents[1].glob("*.ipynb"))
                if BEGIN_SOLUTION in path.read_text(encoding="utf-8")]


def test_walkthrough_notebooks_have_optional_tasks_that_split(tmp_path):
    assert len(WALKTHROUGHS) >= 2
    for path in WALKTHROUGHS:
        student, autograder = release(path, tmp_path / path.stem)
        student_text = student.read_text(encoding="utf-8")
        assert "raise NotImplementedError" in student_text and BEGIN_SOLUTION not in student_text
        checks = {version: [source(cell) for cell in read_notebook(version)["cells"]
                            if cell["id"].endswith("_check")] for version in (student, autograder)}
        assert checks[student] and all("assert" not in text for text in checks[student])
        assert all("assert report.ok" in text for text in checks[autograder])
        nbformat.validate(nbformat.read(student, as_version=4))


def test_grade_a_folder_of_notebooks(tmp_path, capsys, versions):
    master, student, autograder = versions
    folder = tmp_path / "handed_in"
    folder.mkdir()
    fill_in(student, master, folder / "erin.ipynb")
    (folder / "frank.ipynb").write_text(student.read_text())
    out = tmp_path / "grades.csv"
    assert main(["exercise", "grade", str(folder), "--autograder", str(autograder), "--out",
                 str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("submission,exercise,score,max_score,percent,passed")
    assert "erin.ipynb,rnn_from_scratch,4,4,100.0,True," in lines[1]
    assert "frank.ipynb,rnn_from_scratch,0,4,0.0,False," in lines[2]
    assert "2 submissions, 1 passed" in capsys.readouterr().out
