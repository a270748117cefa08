"""Check a student's backward pass against finite differences of the reference forward."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from minirnn.exercises.exercise import Case, Exercise
from minirnn.exercises.guard import StudentError, run_student
from minirnn.exercises.registry import EXERCISES, get_exercise
from minirnn.gradcheck import GATED_PARAMS, GradcheckReport, check_function


@dataclass(frozen=True)
class CaseResult:
    """One case: its gradient-check report, or the error that stopped the student's code.

    ``expected`` is how many rows the report has when the function runs (one per returned
    gradient, or one per gate for fused matrices); a case that errors scores 0 of them.
    """

    label: str
    report: GradcheckReport | None
    error: str | None
    expected: int

    @property
    def correct(self) -> int:
        """Rows that are not wrong."""
        if self.report is None:
            return 0
        return sum(row.verdict != "wrong" for row in self.report)


class ExerciseReport:
    """The result of checking one exercise: a report per case, a score and a verdict.

    ``ok`` is true when every case ran and no gradient is wrong. Print it for the tables and
    the verdict, or leave it as the last expression of a Jupyter cell.
    """

    def __init__(self, exercise: Exercise, cases: list[CaseResult]) -> None:
        self.exercise = exercise
        self.cases = cases

    @property
    def ok(self) -> bool:
        """True when every case ran and no gradient is wrong."""
        return all(c.error is None and c.report is not None and c.report.ok for c in self.cases)

    @property
    def correct(self) -> int:
        """Gradient arrays (gate blocks for fused matrices) that are right, over all cases."""
        return sum(c.correct for c in self.cases)

    @property
    def total(self) -> int:
        """Gradient arrays checked (or that should have been) over all cases."""
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
                if row.verdict == "wrong" and row.name not in names:
                    names.append(row.name)
        return names

    @property
    def errors(self) -> list[str]:
        """The messages of the cases whose code could not be checked."""
        return [f"{c.label}: {c.error}" for c in self.cases if c.error is not None]

    def verdict(self) -> str:
        """One line: PASS, or FAIL and what is wrong."""
        if self.ok:
            return (f"PASS: every gradient of {self.exercise.name} matches finite differences "
                    f"in all {len(self.cases)} cases.")
        if self.errors and not self.wrong:
            return f"FAIL: {self.exercise.name} could not be checked (see the errors above)."
        message = f"FAIL: wrong gradient{'s' if len(self.wrong) > 1 else ''}: "
        message += ", ".join(self.wrong)
        gates = sorted({n[n.index("[") + 1 : -1] for n in self.wrong if "[" in n},
                       key=lambda g: (self.exercise.gates or ()).index(g))
        if gates:
            message += f" (gate{'s' if len(gates) > 1 else ''} {', '.join(gates)} of the fused " \
                       "matrices)"
        if self.errors:
            message += "; some cases raised errors (see above)"
        return message + "."

    def score_line(self) -> str:
        """``score: 13/15 gradient arrays correct (87%)``."""
        return (f"score: {self.correct}/{self.total} gradient arrays correct "
                f"({100 * self.score:.0f}%)")

    def __str__(self) -> str:
        parts = [f"exercise {self.exercise.name}"]
        previous = None
        for number, case in enumerate(self.cases, 1):
            if case.report is not None:
                parts.append(str(case.report))
                previous = None
                continue
            # The same message case after case (NotImplementedError, say) is said once.
            error = case.error if case.error != previous else "the same error as above"
            parts.append(f"case {number}: {case.label}\nERROR: {error}")
            previous = case.error
        parts.append(f"{self.score_line()}\n{self.verdict()}")
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
        parts.append(f"<p>{html.escape(self.score_line())}<br><b style='color:{colour}'>"
                     f"{html.escape(self.verdict())}</b></p>")
        return "<div>" + "".join(parts) + "</div>"


def _expected_rows(exercise: Exercise) -> int:
    """Rows a case's report has: one per gradient, one per gate for a fused matrix."""
    per_gate = len(exercise.gates) if exercise.gates else 1
    return sum(per_gate if exercise.input_of(g) in GATED_PARAMS else 1 for g in exercise.returns)


def check_case(student: Callable, exercise: Exercise, case: Case, number: int = 1) -> CaseResult:
    """Check ``student`` on one case of ``exercise`` (float64 throughout)."""
    inputs = case.inputs(np.random.default_rng(case.seed))

    def backward(*douts_and_cache):
        *douts, cache = douts_and_cache
        return run_student(student, exercise, douts, cache, inputs)

    title = f"case {number}: {case.label}"
    try:
        report = check_function(exercise.forward, backward, inputs, seed=case.seed,
                                gates=exercise.gates, title=title)
    except StudentError as error:
        return CaseResult(case.label, None, str(error), _expected_rows(exercise))
    return CaseResult(case.label, report, None, _expected_rows(exercise))


def check(student: Callable, name: str | None = None) -> ExerciseReport:
    """Check a student's backward pass on every case of an exercise.

    Parameters
    ----------
    student : callable
        The function the student wrote, with the exercise's signature.
    name : str, optional
        The exercise (see ``minirnn exercise list``); by default the function's own name.

    Returns
    -------
    ExerciseReport
        Print it (or show it in Jupyter) for the per-case gradient-check tables, the score
        and the verdict; ``report.ok`` says whether it passed.

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
    results = [check_case(student, exercise, case, n) for n, case in enumerate(exercise.cases, 1)]
    return ExerciseReport(exercise, results)
