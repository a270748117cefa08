"""Course exercises: write a backward pass, check it against finite differences.

>>> from minirnn.exercises import check
>>> report = check(my_lstm_step_backward, "lstm_step_backward")  # doctest: +SKIP
>>> print(report)  # doctest: +SKIP

See ``docs/exercises.md`` and ``minirnn exercise --help``.
"""

from minirnn.exercises.checker import ExerciseReport, check, grade_file
from minirnn.exercises.exercise import Case, Exercise
from minirnn.exercises.guard import StudentError
from minirnn.exercises.judge import CaseResult
from minirnn.exercises.registry import EXERCISES, get_exercise

__all__ = [
    "EXERCISES",
    "Case",
    "CaseResult",
    "Exercise",
    "ExerciseReport",
    "StudentError",
    "check",
    "grade_file",
    "get_exercise",
]
