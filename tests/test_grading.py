"""The grading sandbox and the grades it writes: every exercise, copying, limits, formats.

Every submission here runs in a child process, as it does for an instructor; the limits are
short so that the whole file stays quick.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from test_diagnoses import CORRECT, load_edited

import minirnn
from minirnn.cli import main
from minirnn.exercises import EXERCISES, grade_file
from minirnn.exercises.results import GRADESCOPE_SCHEMA, MINIRNN_SCHEMA
from minirnn.exercises.sandbox import Limits

QUICK = Limits(time_seconds=20, memory_mb=1024)
PACKAGE = Path(minirnn.__file__).resolve().parent


@pytest.mark.parametrize("name", list(EXERCISES))
def test_correct_submission_of_every_exercise_passes_in_the_sandbox(name):
    report = grade_file(CORRECT, name, QUICK)
    assert report.ok, str(report)
    assert report.score == 1.0 and report.violation is None


COPYING = {
    "imports the reference": (
        "from minirnn.functional.lstm import lstm_step_backward as reference\n\n"
        "def lstm_step_backward(dh, dc, cache):\n    return reference(dh, dc, cache)\n",
        "imported minirnn"),
    "imports it late, inside the function": (
        "def lstm_step_backward(dh, dc, cache):\n"
        "    import importlib\n"
        "    module = importlib.import_module('minirnn.functional.lstm')\n"
        "    return module.lstm_step_backward(dh, dc, cache)\n",
        "imported minirnn"),
    "reads the source and hides the error": (
        "def lstm_step_backward(dh, dc, cache):\n"
        "    try:\n"
        "        open({path!r}).read()\n"
        "    except Exception:\n"
        "        pass\n"
        "    raise NotImplementedError\n",
        "opened lstm.py inside the minirnn package"),
    "reads a solution from the source checkout's tests": (
        "def lstm_step_backward(dh, dc, cache):\n"
        "    text = open({correct!r}).read()\n",
        "opened correct.py inside the minirnn package or its source checkout"),
    "removes the import guard first": (
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if 'Blocking' not in type(f).__name__]\n"
        "from minirnn.functional.lstm import lstm_step_backward\n",
        "imported minirnn"),
    "copies the solutions package": (
        "from minirnn.exercises.solutions import steps\n"
        "def lstm_step_backward(dh, dc, cache):\n    return None\n",
        "imported minirnn"),
    "starts another program to read it": (
        "import subprocess\n"
        "def lstm_step_backward(dh, dc, cache):\n"
        "    subprocess.run(['cat', {path!r}])\n",
        "tried to start another program"),
}


@pytest.mark.parametrize("how", list(COPYING))
def test_copy_through_scores_zero_with_the_reason(tmp_path, how):
    source, reason = COPYING[how]
    path = tmp_path / "copy.py"
    path.write_text(source.format(path=str(PACKAGE / "functional" / "lstm.py"),
                                  correct=str(CORRECT)))
    report = grade_file(path, "lstm_step_backward", QUICK)
    assert report.score == 0 and not report.ok
    assert reason in report.violation
    assert report.verdict().startswith("FAIL (score 0): the submission ")
    assert all(test.score == 0 and test.verdict == "error" for test in report.tests())


def test_a_private_seed_moves_the_inputs_and_a_correct_answer_still_passes():
    published = grade_file(CORRECT, "rnn_step_forward", QUICK)
    moved = grade_file(CORRECT, "rnn_step_forward", QUICK, seed=3)
    assert published.ok and moved.ok and grade_file(CORRECT, "lstm_backward", QUICK, seed=3).ok
    # the reference values differ: answers looked up for the published cases would fail
    assert published.cases[0].report.rows[0].numeric != moved.cases[0].report.rows[0].numeric


def test_an_endless_loop_is_stopped_at_the_time_limit(tmp_path):
    path = tmp_path / "loop.py"
    path.write_text("def rnn_step_forward(x, h_prev, Wx, Wh, b):\n    while True:\n"
                    "        pass\n")
    report = grade_file(path, None, Limits(time_seconds=2, memory_mb=1024))
    assert report.score == 0 and report.seconds < 10
    assert all("stopped at the time limit of 2 s" in case.error for case in report.cases)


@pytest.mark.parametrize("hog", ["np.ones((2**31,))",  # 16 GiB in one piece
                                 "[np.ones(2**20) for _ in range(10**6)]"])  # bit by bit
def test_a_memory_hog_is_stopped(tmp_path, hog):
    path = tmp_path / "hog.py"
    path.write_text(f"import numpy as np\n\ndef rnn_step_forward(x, h_prev, Wx, Wh, b):\n"
                    f"    waste = {hog}\n    return waste\n")
    report = grade_file(path, None, Limits(time_seconds=20, memory_mb=400))
    assert report.score == 0
    assert all("memory" in case.error for case in report.cases), str(report)


def test_a_crash_at_import_is_reported_not_raised(tmp_path):
    path = tmp_path / "exits.py"
    path.write_text("import os\nos._exit(3)\ndef rnn_step_forward(x, h_prev, Wx, Wh, b): pass\n")
    report = grade_file(path, None, QUICK)
    assert report.score == 0
    assert "exited with status 3" in report.cases[0].error


def test_check_writes_json_and_gradescope_results_that_follow_their_schemas(tmp_path, capsys):
    _, wrong = load_edited(tmp_path, "lstm_backward", "dc = dc_next + dh * o[:, t] * "
                           "(1 - tanh_c ** 2)", "dc = dc_next")
    grade, gradescope = tmp_path / "grade.json", tmp_path / "results.json"
    status = main(["exercise", "check", str(wrong), "lstm_backward", "--json", str(grade),
                   "--gradescope", str(gradescope), "--time-limit", "20"])
    assert status == 1
    assert "hint: the cell state's gradient misses its path" in capsys.readouterr().out
    document = json.loads(grade.read_text())
    jsonschema.validate(document, MINIRNN_SCHEMA)
    assert document["exercise"] == "lstm_backward" and not document["passed"]
    assert [d["id"] for d in document["diagnoses"]] == ["cell_path_missing"]
    assert len(document["tests"]) == 3 and document["max_score"] == 45
    assert 0 < document["score"] < 45
    results = json.loads(gradescope.read_text())
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    assert results["score"] == document["score"]
    assert sum(t["max_score"] for t in results["tests"]) == 45
    assert [t["status"] for t in results["tests"]] == ["failed"] * 3
    assert any(0 < t["score"] < t["max_score"] for t in results["tests"])  # gate o is right
    assert "hint: the cell state's gradient" in results["output"]


def test_gradescope_schema_accepts_the_fields_of_its_specification():
    # every field the autograder specification lists, at the top level and per test
    example = {
        "score": 44.0, "execution_time": 136, "output": "text for the whole submission",
        "output_format": "simple_format", "visibility": "after_due_date",
        "stdout_visibility": "visible", "extra_data": {},
        "tests": [{"score": 2.0, "max_score": 2.0, "status": "passed", "name": "case 1",
                   "name_format": "text", "number": "1.1", "output": "right",
                   "output_format": "text", "tags": ["bptt"], "visibility": "visible",
                   "extra_data": {}}],
        "leaderboard": [{"name": "Accuracy", "value": 0.9}],
    }
    jsonschema.validate(example, GRADESCOPE_SCHEMA)


def test_schemas_reject_what_they_should():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"score": 1, "tests": [{"status": "ok"}]}, GRADESCOPE_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"format": "minirnn-grade/1"}, MINIRNN_SCHEMA)


def test_grade_a_folder_into_a_csv_and_a_summary(tmp_path, capsys):
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copy(CORRECT, folder / "alice.py")
    for student in ("bob", "carol"):
        _, wrong = load_edited(tmp_path, "rnn_backward",
                               "dh_next = np.zeros_like(h0) if dh_last is None else dh_last",
                               "dh_next = np.zeros_like(h0)")
        shutil.move(wrong, folder / f"{student}.py")
    (folder / "dave.py").write_text("from minirnn.functional.rnn import rnn_backward\n")
    (folder / "erin.py").write_text("def rnn_backward(dhs, cache, dh_last=None)\n")
    out, per_file = tmp_path / "grades.csv", tmp_path / "json"
    assert main(["exercise", "grade", str(folder), "--exercise", "rnn_backward", "--out",
                 str(out), "--results", str(per_file), "--time-limit", "20", "--jobs", "2"]) == 0
    text = capsys.readouterr().out
    assert "[5/5] " in text and "erin.py: 0/15 FAIL" in text
    rows = {row["submission"].rsplit("/", 1)[-1]: row for row in csv.DictReader(out.open())}
    assert list(rows) == ["alice.py", "bob.py", "carol.py", "dave.py", "erin.py"]  # in order
    assert rows["alice.py"]["score"] == "15" and rows["alice.py"]["passed"] == "True"
    assert rows["bob.py"]["diagnoses"] == "dh_last_ignored"
    assert rows["dave.py"]["score"] == "0" and "reached for" not in rows["dave.py"]["verdict"]
    assert "imported minirnn" in rows["dave.py"]["verdict"]
    assert "syntax error" in rows["erin.py"]["verdict"]
    summary = (tmp_path / "grades_summary.txt").read_text()
    assert "5 submissions, 1 passed" in summary
    assert "2 x dh_last_ignored" in summary and "1 x blocked" in summary
    assert "[ 80, 100] # 1" in summary
    assert "1 x the file has a syntax error at line 1" in summary
    for path in per_file.glob("*.json"):
        jsonschema.validate(json.loads(path.read_text()), MINIRNN_SCHEMA)
    assert len(list(per_file.glob("*.json"))) == 5


def test_cli_usage_errors(tmp_path, capsys):
    assert main(["exercise", "grade", str(tmp_path / "none")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    notebook = tmp_path / "a.ipynb"
    notebook.write_text("{}")
    assert main(["exercise", "check", str(notebook)]) == 2
    assert "--autograder" in capsys.readouterr().err
    assert main(["exercise", "check", str(CORRECT), "rnn_forward", "--memory-limit", "50"]) == 2
    assert "at least 200" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "message"), [
    ("object()", "returned h as object, expected a float64 ndarray of shape (3, 5)"),
    ("np.array([None] * 15, dtype=object).reshape(3, 5)",
     "returned h as ndarray of dtype object"),
    ("(x @ Wx).astype(np.float32)", "returned h with dtype float32, expected float64"),
])
def test_results_cross_without_pickle_and_odd_ones_are_named(tmp_path, value, message):
    path = tmp_path / "odd.py"
    path.write_text(f"import numpy as np\n\ndef rnn_step_forward(x, h_prev, Wx, Wh, b):\n"
                    f"    return {value}\n")
    report = grade_file(path, None, QUICK)
    assert report.score == 0 and message in report.cases[0].error
