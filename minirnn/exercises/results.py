"""Grades a course system can read: minirnn's JSON, Gradescope's ``results.json``, a CSV.

``minirnn-grade/1`` (``minirnn exercise check --json FILE``)::

    {"format": "minirnn-grade/1", "exercise": "lstm_step_backward",
     "submission": "alice.py", "score": 35, "max_score": 45, "passed": false,
     "verdict": "FAIL: ...", "violation": null, "seconds": 0.8,
     "diagnoses": [{"id": "cell_path_missing", "message": "..."}],
     "tests": [{"name": "case 1: N=3, D=4, H=5", "score": 12, "max_score": 15,
                "verdict": "fail", "message": "wrong: x, Wx[f]", "diagnoses": [...]}]}

``verdict`` of a test is ``"pass"``, ``"fail"`` (it ran, some array is wrong) or ``"error"``
(it could not be checked). Gradescope's format is the one its autograder reads from
``/autograder/results/results.json`` (score, output, tests with score, max_score, status,
name, output, visibility). :data:`MINIRNN_SCHEMA` and :data:`GRADESCOPE_SCHEMA` are JSON
Schemas of both, checked by the tests.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from minirnn._files import atomic_write

FORMAT = "minirnn-grade/1"

_TEST = {
    "type": "object",
    "required": ["name", "score", "max_score", "verdict", "message", "diagnoses"],
    "properties": {
        "name": {"type": "string"},
        "score": {"type": "number", "minimum": 0},
        "max_score": {"type": "number", "minimum": 0},
        "verdict": {"enum": ["pass", "fail", "error"]},
        "message": {"type": "string"},
        "diagnoses": {"type": "array", "items": {"$ref": "#/$defs/diagnosis"}},
    },
    "additionalProperties": False,
}

#: JSON Schema of the ``minirnn-grade/1`` document
MINIRNN_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["format", "exercise", "submission", "score", "max_score", "passed",
                 "verdict", "violation", "diagnoses", "tests"],
    "properties": {
        "format": {"const": FORMAT},
        "exercise": {"type": "string"},
        "submission": {"type": ["string", "null"]},
        "score": {"type": "number", "minimum": 0},
        "max_score": {"type": "number", "minimum": 0},
        "passed": {"type": "boolean"},
        "verdict": {"type": "string"},
        "violation": {"type": ["string", "null"]},
        "seconds": {"type": ["number", "null"]},
        "diagnoses": {"type": "array", "items": {"$ref": "#/$defs/diagnosis"}},
        "tests": {"type": "array", "items": _TEST},
    },
    "additionalProperties": False,
    "$defs": {"diagnosis": {
        "type": "object", "required": ["id", "message"],
        "properties": {"id": {"type": "string"}, "message": {"type": "string"}},
        "additionalProperties": False}},
}

_VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}

#: JSON Schema of what Gradescope reads, from its autograder specification
GRADESCOPE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": _VISIBILITY,
        "stdout_visibility": _VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "name_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": _VISIBILITY,
                "extra_data": {"type": "object"},
            },
            "additionalProperties": False,
        }},
        "leaderboard": {"type": "array"},
    },
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
    "additionalProperties": False,
}


def _number(value: float) -> float | int:
    """Points as an int when whole (4, not 4.0), so CSVs and JSON read naturally."""
    return int(value) if float(value).is_integer() else float(value)


def _diagnoses(pairs) -> list[dict]:
    return [{"id": identifier, "message": message} for identifier, message in pairs]


def grade_document(report) -> dict:
    """The ``minirnn-grade/1`` document of a report (an ExerciseReport or NotebookReport)."""
    return {
        "format": FORMAT,
        "exercise": report.name,
        "submission": report.submission,
        "score": _number(report.points),
        "max_score": _number(report.max_points),
        "passed": report.ok,
        "verdict": report.verdict(),
        "violation": report.violation,
        "seconds": None if report.seconds is None else round(report.seconds, 3),
        "diagnoses": _diagnoses(report.diagnoses),
        "tests": [
            {"name": test.name, "score": _number(test.score),
             "max_score": _number(test.max_score),
             "verdict": test.verdict, "message": test.message,
             "diagnoses": _diagnoses(test.diagnoses)}
            for test in report.tests()
        ],
    }


def gradescope_document(report, visibility: str = "visible") -> dict:
    """Gradescope's ``results.json`` for a report: one test per case, hints in the output."""
    document = grade_document(report)
    lines = [document["verdict"], *(f"hint: {d['message']}" for d in document["diagnoses"])]
    tests = []
    for number, test in enumerate(document["tests"], 1):
        output = "\n".join([test["message"], *(f"hint: {d['message']}"
                                                for d in test["diagnoses"])])
        tests.append({"name": test["name"], "number": str(number), "score": test["score"],
                      "max_score": test["max_score"],
                      "status": "passed" if test["verdict"] == "pass" else "failed",
                      "output": output, "visibility": visibility})
    result = {"score": document["score"], "output": "\n".join(lines), "visibility": visibility,
              "stdout_visibility": "hidden", "tests": tests}
    if report.seconds is not None:
        result["execution_time"] = round(report.seconds, 3)
    return result


def write_json(document: dict, path: str | Path) -> None:
    """Write ``document`` as indented JSON, atomically."""
    with atomic_write(path) as handle:
        handle.write((json.dumps(document, indent=2) + "\n").encode("utf-8"))


CSV_COLUMNS = ("submission", "exercise", "score", "max_score", "percent", "passed", "verdict",
               "diagnoses", "seconds")


def write_csv(documents: Sequence[dict], path: str | Path) -> None:
    """One row per graded submission (:data:`CSV_COLUMNS`)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(CSV_COLUMNS)
    for doc in documents:
        percent = 100 * doc["score"] / doc["max_score"] if doc["max_score"] else 0.0
        writer.writerow([doc["submission"], doc["exercise"], doc["score"], doc["max_score"],
                         f"{percent:.1f}", doc["passed"], doc["verdict"],
                         " ".join(d["id"] for d in doc["diagnoses"]), doc["seconds"]])
    with atomic_write(path) as handle:
        handle.write(text.getvalue().encode("utf-8"))


def summary(documents: Sequence[dict], bins: int = 5) -> str:
    """A text summary: how many passed, a score histogram and the most common failures."""
    if not documents:
        return "no submissions graded"
    lines = [f"{len(documents)} submissions, {sum(d['passed'] for d in documents)} passed"]
    lines.append("score histogram (percent of the maximum):")
    counts = [0] * bins
    for doc in documents:
        fraction = doc["score"] / doc["max_score"] if doc["max_score"] else 0.0
        counts[min(int(fraction * bins), bins - 1)] += 1
    width = 100 // bins
    for k, count in enumerate(counts):
        top = "100" if k == bins - 1 else f"{(k + 1) * width}"
        close = "]" if k == bins - 1 else ")"
        lines.append(f"  [{k * width:3d}, {top:>3}{close} {'#' * count} {count}")
    causes: Counter[str] = Counter()
    for doc in documents:
        for reason in _failures(doc):
            causes[reason] += 1
    if causes:
        lines.append("most common failures:")
        lines += [f"  {count} x {reason}" for reason, count in causes.most_common(5)]
    return "\n".join(lines)


def _failures(doc: dict) -> list[str]:
    """What went wrong in one submission, once each: violation, diagnoses, else errors."""
    if doc["violation"]:
        return ["blocked: reached for the reference answer"]
    found = [d["id"] for d in doc["diagnoses"]]
    if not found and not doc["passed"]:
        messages = [t["message"] for t in doc["tests"] if t["verdict"] != "pass"]
        found = [_short(messages[0], doc["submission"])] if messages else ["failed"]
    return found


def _short(message: str, submission: str | None) -> str:
    """The start of a message, without the file and line (which differ per student)."""
    if submission:
        message = message.replace(submission, "the file")
        message = message.replace(Path(submission).name, "the file")
    return message.split(" (at ")[0][:100]
