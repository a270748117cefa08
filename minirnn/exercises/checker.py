"""Check a student's function on every case of an exercise: in this process, or sandboxed.

:func:`check` calls the function directly: for students checking their own work (in a
notebook, or ``python my_file.py``). :func:`grade_file` is for grading other people's code:
the file runs in a separate process under :mod:`minirnn.exercises.sandbox`, and never in
this one.
"""

from __future__ import annotations

import ast
import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from minirnn.exercises.exercise import Exercise
from minirnn.exercises.guard import StudentError
from minirnn.exercises.judge import CaseResult, judge_case
from minirnn.exercises.plan import plan_case
from minirnn.exercises.registry import EXERCISES, get_exercise
from minirnn.exercises.sandbox import Limits, SandboxRun, run_child
from minirnn.exercises.sandbox.calls import CallFailedError, call_student
from minirnn.exercises.sandbox.wire import materialise


@dataclass(frozen=True)
class TestEntry:
    """One graded test as the JSON and Gradescope outputs list it."""

    name: str
    score: float
    max_score: float
    verdict: str
    message: str
    diagnoses: tuple[tuple[str, str], ...] = ()


def _case_entry(number: int, case: CaseResult, violation: str | None) -> TestEntry:
    name = f"case {number}: {case.label}"
    if violation:
        return TestEntry(name, 0, case.expected, "error", f"blocked: the submission {violation}")
    if case.error is not None:
        return TestEntry(name, 0, case.expected, "error", case.error, case.diagnoses)
    if case.ok:
        return TestEntry(name, case.correct, case.expected, "pass", "right")
    wrong = [row.name for row in case.report if not row.passed]
    message = f"wrong: {', '.join(wrong)}" + (f" ({case.note})" if case.note else "")
    return TestEntry(name, case.correct, case.expected, "fail", message, case.diagnoses)


class ExerciseReport:
    """The result of checking one exercise: a report per case, a score, a verdict, diagnoses.

    ``ok`` is true when every case ran and no array is wrong. ``violation`` says why a
    submission scored 0 for reaching for the reference answer. Print it for the tables and
    the verdict, or leave it as the last expression of a Jupyter cell.
    """

    def __init__(self, exercise: Exercise, cases: list[CaseResult],
                 violation: str | None = None, submission: str | None = None,
                 seconds: float | None = None) -> None:
        self.exercise = exercise
        self.cases = cases
        self.violation = violation
        self.submission = submission
        self.seconds = seconds

    @property
    def name(self) -> str:
        """The exercise's name."""
        return self.exercise.name

    @property
    def points(self) -> int:
        """The score in points (one per right array): :attr:`correct`."""
        return self.correct

    @property
    def max_points(self) -> int:
        """The most points there are: :attr:`total`."""
        return self.total

    def tests(self) -> list[TestEntry]:
        """One entry per case, for the JSON and Gradescope outputs."""
        return [_case_entry(n, case, self.violation) for n, case in enumerate(self.cases, 1)]

    @property
    def ok(self) -> bool:
        """True when every case ran, no array is wrong and the guard saw nothing."""
        return self.violation is None and all(case.ok for case in self.cases)

    @property
    def correct(self) -> int:
        """Arrays (gate blocks for fused matrices) that are right, over all cases."""
        return 0 if self.violation else sum(c.correct for c in self.cases)

    @property
    def total(self) -> int:
        """Arrays checked (or that should have been) over all cases."""
        return sum(c.expected for c in self.cases)

    @property
    def score(self) -> float:
        """``correct / total``: 1.0 for a full pass."""
        return self.correct / self.total if self.total else 0.0

    @property
    def wrong(self) -> list[str]:
        """Names of the wrong rows (``"Wx[f]"``, ``"h_prev"``), in table order, once each."""
        names: list[str] = []
        for case in self.cases:
            for row in case.report or []:
                if not row.passed and row.name not in names:
                    names.append(row.name)
        return names

    @property
    def errors(self) -> list[str]:
        """The messages of the cases whose code could not be checked."""
        return [f"{c.label}: {c.error}" for c in self.cases if c.error is not None]

    @property
    def diagnoses(self) -> list[tuple[str, str]]:
        """The recognised mistakes, ``(id, message)``, once each.

        A mistake that explains every diagnosed case wins over one that fits only some (on a
        single step, forgetting the carry and ignoring ``dh_last`` look the same).
        """
        diagnosed = [case.diagnoses for case in self.cases if case.diagnoses]
        found: list[tuple[str, str]] = []
        for items in diagnosed:
            for item in items:
                if item[0] not in [known for known, _ in found]:
                    found.append(item)
        everywhere = [item for item in found
                      if all(item[0] in [i for i, _ in items] for items in diagnosed)]
        return everywhere or found

    def verdict(self) -> str:
        """One line: PASS, or FAIL and what is wrong."""
        name = self.exercise.name
        if self.violation:
            return f"FAIL (score 0): the submission {self.violation}."
        if self.ok:
            what = {"gradient": "gradient of {} matches finite differences",
                    "output": "output of {} matches the reference"}.get(
                self.exercise.kind, "check of {} passes")
            return f"PASS: every {what.format(name)} in all {len(self.cases)} cases."
        if self.errors and not self.wrong:
            first = next(c.error for c in self.cases if c.error is not None)
            return f"FAIL: {name} could not be checked: {first.rstrip('.')}."
        plural = "s" if len(self.wrong) > 1 else ""
        message = f"FAIL: wrong {self._noun}{plural}: {', '.join(self.wrong)}"
        gates = sorted({n[n.index("[") + 1: -1] for n in self.wrong if "[" in n
                        and n[n.index("[") + 1: -1] in (self.exercise.gates or ())},
                       key=lambda g: (self.exercise.gates or ()).index(g))
        if gates:
            message += f" (gate{'s' if len(gates) > 1 else ''} {', '.join(gates)} of the fused " \
                       "matrices)"
        if self.errors:
            message += "; some cases raised errors (see above)"
        return message + "."

    @property
    def _noun(self) -> str:
        return {"gradient": "gradient", "output": "output"}.get(self.exercise.kind, "check")

    def score_line(self) -> str:
        """``score: 13/15 gradient arrays correct (87%)``."""
        things = {"gradient": "gradient arrays", "output": "output arrays"}.get(
            self.exercise.kind, "checks")
        return f"score: {self.correct}/{self.total} {things} correct ({100 * self.score:.0f}%)"

    def hints(self) -> list[str]:
        """The diagnoses as sentences for the student."""
        return [f"hint: {message}" for _, message in self.diagnoses]

    def __str__(self) -> str:
        parts = [f"exercise {self.exercise.name}"]
        previous = None
        for number, case in enumerate(self.cases, 1):
            if case.report is not None:
                parts.append(str(case.report) + (f"\n{case.note}" if case.note else ""))
                previous = None
                continue
            # The same message case after case (NotImplementedError, say) is said once.
            error = case.error if case.error != previous else "the same error as above"
            parts.append(f"case {number}: {case.label}\nERROR: {error}")
            previous = case.error
        parts.append("\n".join([self.score_line(), self.verdict(), *self.hints()]))
        return "\n\n".join(parts)

    def __repr__(self) -> str:
        return f"<ExerciseReport {self.exercise.name}: {self.score_line()}; ok={self.ok}>"

    def _repr_html_(self) -> str:
        parts = [f"<p><b>exercise {html.escape(self.exercise.name)}</b></p>"]
        for number, case in enumerate(self.cases, 1):
            if case.report is not None:
                parts.append(case.report._repr_html_())
            else:
                parts.append(f"<p>case {number}: {html.escape(case.label)}<br>"
                             f"<b style='color:#cf222e'>ERROR:</b> {html.escape(case.error or '')}"
                             "</p>")
        colour = "#1a7f37" if self.ok else "#cf222e"
        hints = "".join(f"<br>{html.escape(hint)}" for hint in self.hints())
        parts.append(f"<p>{html.escape(self.score_line())}<br><b style='color:{colour}'>"
                     f"{html.escape(self.verdict())}</b>{hints}</p>")
        return "<div>" + "".join(parts) + "</div>"


def check(student: Callable, name: str | None = None) -> ExerciseReport:
    """Check a function you wrote, in this process, on every case of an exercise.

    Parameters
    ----------
    student : callable
        The function, with the exercise's signature.
    name : str, optional
        The exercise (see ``minirnn exercise list``); by default the function's own name.

    Returns
    -------
    ExerciseReport
        Print it (or show it in Jupyter) for the per-case tables, the score, the verdict and
        hints about recognised mistakes; ``report.ok`` says whether it passed.

    Notes
    -----
    This runs ``student`` in your own Python process, which is right for checking your own
    work. To grade someone else's file, use :func:`grade_file` (the sandbox).

    Examples
    --------
    >>> from minirnn.exercises import check
    >>> from minirnn.functional.rnn import rnn_step_backward
    >>> check(rnn_step_backward).ok
    True
    """
    if not callable(student):
        raise TypeError(f"check needs the function you wrote, got {type(student).__name__}")
    if name is None:
        name = getattr(student, "__name__", "")
        if name not in EXERCISES:
            raise ValueError(
                f"cannot tell which exercise {name!r} is; pass its name, one of: "
                f"{', '.join(EXERCISES)}"
            )
    exercise = get_exercise(name)
    results = []
    for number, case in enumerate(exercise.cases, 1):
        plan = plan_case(exercise, case)
        outcomes = []
        for _ in range(plan.calls):
            try:
                outcomes.append(call_student(student, exercise.name, materialise(plan.args),
                                             materialise(plan.kwargs)))
            except CallFailedError as error:
                outcomes.append(StudentError(str(error)))
        results.append(judge_case(exercise, case, number, plan, *outcomes))
    return ExerciseReport(exercise, results)


def defined_exercises(path: Path) -> list[str]:
    """The exercise functions a ``.py`` file defines, read from its syntax tree (not run)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as error:
        raise StudentError(f"{path} has a syntax error at line {error.lineno}: {error.msg}"
                           ) from None
    defined = {node.name for node in tree.body
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return [name for name in EXERCISES if name in defined]


def guess_exercise(path: Path) -> str:
    """The one exercise whose function the file defines, or a StudentError."""
    found = defined_exercises(path)
    if len(found) == 1:
        return found[0]
    if not found:
        raise StudentError(f"{path} defines none of the exercise functions "
                           f"({', '.join(EXERCISES)})")
    raise StudentError(f"{path} defines several exercise functions ({', '.join(found)}); "
                       "name the one to check: minirnn exercise check FILE NAME")


def _outcome(run: SandboxRun, number: int) -> object:
    """What call ``number`` returned in the sandbox, or a StudentError saying why not."""
    outcomes = run.document.get("outcomes", [])
    if number < len(outcomes) and not run.failure:
        error = outcomes[number]["error"]
        return StudentError(error) if error else run.values.get(f"out{number}")
    reason = run.failure or run.document.get("error") or "the submission returned nothing"
    return StudentError(reason)


def grade_file(path: str | Path, name: str | None = None, limits: Limits | None = None,
               seed: int = 0) -> ExerciseReport:
    """Grade a student's ``.py`` file in the sandbox (never in this process).

    The file is run in a child process under ``limits`` (default: :class:`Limits`) with the
    import guard up; the grader builds every input and computes the reference answers here.
    A submission that imports or reads the reference scores 0 and ``report.violation``
    says what it did; one stopped at a limit gets that reason on every case. ``seed``
    other than 0 moves every case's seed, so the inputs differ from the published ones
    and answers worked out in advance for them are useless (shapes and edge cases stay).

    Raises
    ------
    StudentError
        If the file is missing, is not Python, or does not say which exercise it is.
    """
    path = Path(path)
    if not path.is_file():
        raise StudentError(f"no such file: {path}")
    if path.suffix != ".py":
        raise StudentError(f"expected a Python file ending in .py, got {path}")
    exercise = get_exercise(name or guess_exercise(path))
    cases = [replace(case, seed=case.seed + 7919 * seed) for case in exercise.cases]
    plans = [plan_case(exercise, case) for case in cases]
    calls = [(plan.args, plan.kwargs) for plan in plans for _ in range(plan.calls)]
    job = {"mode": "function", "submission": str(path.resolve()), "function": exercise.name,
           "calls": len(calls), "allowed": [str(path.resolve().parent)]}
    run = run_child(job, {f"call{n}": call for n, call in enumerate(calls)}, limits or Limits())
    results, first = [], 0
    for number, (case, plan) in enumerate(zip(cases, plans, strict=True), 1):
        outcomes = [_outcome(run, k) for k in range(first, first + plan.calls)]
        first += plan.calls
        results.append(judge_case(exercise, case, number, plan, *outcomes))
    violation = "; ".join(run.violations) if run.violations else None
    return ExerciseReport(exercise, results, violation, str(path), run.seconds)
