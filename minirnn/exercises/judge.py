"""Judge what a student's function returned on one prepared case.

``"gradient"`` exercises are judged by finite differences of the reference forward (the
same check as :func:`minirnn.gradcheck.check_function`), ``"output"`` exercises by the
relative error against the reference's outputs, ``"sampling"`` exercises by the frequencies
of the draws. Every wrong answer is then handed to :mod:`minirnn.exercises.diagnoses`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minirnn.exercises import diagnoses
from minirnn.exercises.exercise import Case, Exercise
from minirnn.exercises.guard import StudentError, returned_arrays
from minirnn.exercises.plan import Plan
from minirnn.gradcheck import GradcheckReport, GradcheckRow, check_function, relative_error

#: a drawn id's frequency may be this many standard errors from its probability
Z_LIMIT = 5.0


@dataclass(frozen=True)
class CaseResult:
    """One case: its report, or the error that stopped the student's code.

    ``expected`` is how many rows the report has when the function runs (one per returned
    array, or one per gate for fused matrices); a case that errors scores 0 of them.
    ``diagnoses`` are the recognised mistakes as ``(id, message)`` pairs.
    """

    label: str
    report: GradcheckReport | None
    error: str | None
    expected: int
    diagnoses: tuple[tuple[str, str], ...] = ()
    note: str | None = None

    @property
    def correct(self) -> int:
        """Rows that passed (good or suspicious; not wrong or nan)."""
        if self.report is None:
            return 0
        return sum(row.passed for row in self.report)

    @property
    def ok(self) -> bool:
        """The case ran and no row is wrong."""
        return self.error is None and self.report is not None and self.report.ok


def expected_rows(exercise: Exercise, plan: Plan) -> int:
    """Rows a case's report has: one per array (one per gate for a fused matrix)."""
    if exercise.kind == "sampling":
        return 1
    arrays = returned_arrays(exercise.name, exercise.returns, plan.expected, plan.expected,
                             plan.inputs)
    per_gate = len(exercise.gates) if exercise.gates else 1
    return sum(per_gate if diagnoses.gates_of(exercise, label) else 1 for label in arrays)


def _output_rows(exercise: Exercise, got: dict, want: dict) -> list[GradcheckRow]:
    """One row per returned array (per gate block if fused): student against reference."""
    rows = []
    for label, target in want.items():
        blocks = [(label, None)]
        gates = diagnoses.gates_of(exercise, label)
        if gates and target.shape[-1] % len(gates) == 0:
            width = target.shape[-1] // len(gates)
            blocks = [(f"{label}[{g}]", slice(k * width, (k + 1) * width))
                      for k, g in enumerate(gates)]
        for name, columns in blocks:
            a, b = np.asarray(got[label], dtype=float), np.asarray(target, dtype=float)
            if columns is not None:
                a, b = a[..., columns], b[..., columns]
            a, b = a.reshape(-1), b.reshape(-1)
            errors = relative_error(a, b) if a.size else np.zeros(1)
            worst = int(np.argmax(errors))
            rows.append(GradcheckRow(name, target.shape, float(errors[worst]), a.size, a.size,
                                     (worst,), float(a[worst]) if a.size else 0.0,
                                     float(b[worst]) if b.size else 0.0))
    return rows


def _z_scores(draws: np.ndarray, p: np.ndarray) -> np.ndarray:
    """How many standard errors each id's frequency is from its probability."""
    n = draws.size
    freq = np.bincount(draws, minlength=p.size) / n
    spread = np.sqrt(np.maximum(p * (1 - p), 1e-12) / n)
    return np.abs(freq - p) / spread


def _draws(exercise: Exercise, plan: Plan, result: object) -> np.ndarray:
    if isinstance(result, StudentError):
        raise result
    arrays = returned_arrays(exercise.name, exercise.returns, result, plan.expected,
                             plan.inputs)
    return next(iter(arrays.values()))


def _judge_sampling(exercise: Exercise, plan: Plan, title: str, result: object, again: object):
    """A row for the draws' frequencies; diagnoses from the mistakes' distributions."""
    draws = _draws(exercise, plan, result)
    if again is not None and not np.array_equal(draws, _draws(exercise, plan, again)):
        raise StudentError(
            f"{exercise.name} drew different ids in two calls with generators seeded alike: "
            "take every random number from the rng argument (rng.choice, rng.random), not "
            "from np.random", mistake="global_random_state")
    p = exercise.distribution(*plan.args[:-2])
    if draws.min() < 0 or draws.max() >= p.size:
        raise StudentError(f"{exercise.name} returned ids outside 0..{p.size - 1}")
    z = _z_scores(draws, p)
    worst = int(np.argmax(z))
    freq = np.bincount(draws, minlength=p.size) / draws.size
    row = GradcheckRow("frequencies", p.shape, 0.0 if z.max() < Z_LIMIT else 1.0, p.size,
                       p.size, (worst,), float(freq[worst]), float(p[worst]))
    note = (f"id {worst} came up in {100 * freq[worst]:.2f}% of {draws.size} draws, its "
            f"probability is {100 * p[worst]:.2f}%: {z[worst]:.1f} standard errors away "
            f"(at most {Z_LIMIT:g} allowed)")
    found = []
    if z.max() >= Z_LIMIT:
        for mistake in exercise.mistakes:
            if _z_scores(draws, mistake.wrong(*plan.args[:-2])).max() < Z_LIMIT:
                found.append((mistake.id, mistake.message))
    return GradcheckReport([row], title), found, note


def judge_case(exercise: Exercise, case: Case, number: int, plan: Plan,
               outcome: object, again: object = None) -> CaseResult:
    """Judge ``outcome`` (what the student's function returned, or a StudentError);
    ``again`` is a second call's outcome when ``plan.calls`` is 2."""
    rows = expected_rows(exercise, plan)
    title = f"case {number}: {case.label}"
    if isinstance(outcome, StudentError):
        return CaseResult(case.label, None, str(outcome), rows,
                          tuple(diagnoses.from_error(outcome)))
    try:
        if exercise.kind == "sampling":
            report, found, note = _judge_sampling(exercise, plan, title, outcome, again)
            return CaseResult(case.label, report, None, rows, tuple(found), note)
        got = returned_arrays(exercise.name, exercise.returns, outcome, plan.expected,
                              plan.inputs)
    except StudentError as error:
        return CaseResult(case.label, None, str(error), rows, tuple(diagnoses.from_error(error)))
    want = returned_arrays(exercise.name, exercise.returns, plan.expected, plan.expected,
                           plan.inputs)
    if exercise.kind == "gradient":
        grads = {exercise.input_of(label): value for label, value in got.items()}
        report = check_function(exercise.forward, lambda *_: grads, plan.inputs,
                                seed=case.seed, gates=exercise.gates, title=title)
    else:
        report = GradcheckReport(_output_rows(exercise, got, want), title)
    found = []
    if not report.ok:
        found = diagnoses.diagnose(exercise, plan.args, plan.kwargs, want, plan.expected, got,
                                   plan.inputs)
    return CaseResult(case.label, report, None, rows, tuple(found))

