"""Course exercises: write a forward pass, a backward pass or a training piece; check it
yourself, or grade other people's in a sandbox.

>>> from minirnn.exercises import check
>>> report = check(my_lstm_step_backward, "lstm_step_backward")  # doctest: +SKIP
>>> print(report)  # doctest: +SKIP

:func:`check` runs your own function in this process; :func:`grade_file` and
:func:`grade_notebook` grade a submission in a separate, limited process
(:mod:`minirnn.exercises.sandbox`). See ``docs/exercises.md``, ``docs/course.md`` and
``minirnn exercise --help``.
"""

from minirnn.exercises.checker import ExerciseReport, check, grade_file
from minirnn.exercises.exercise import Case, Exercise, Mistake
from minirnn.exercises.guard import StudentError
from minirnn.exercises.judge import CaseResult
from minirnn.exercises.notebook_grade import NotebookReport, grade_notebook
from minirnn.exercises.registry import EXERCISES, get_exercise

__all__ = [
    "EXERCISES",
    "Case",
    "CaseResult",
    "Exercise",
    "ExerciseReport",
    "Mistake",
    "NotebookReport",
    "StudentError",
    "check",
    "get_exercise",
    "grade_file",
    "grade_notebook",
]
