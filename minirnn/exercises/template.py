"""The student's starting file: the task, the forward's equations, an empty function."""

from __future__ import annotations

import textwrap

from minirnn.exercises.exercise import Exercise


def _indent(text: str, spaces: int) -> str:
    return textwrap.indent(text.strip("\n"), " " * spaces)


def render_template(exercise: Exercise) -> str:
    """Return the text of a ``.py`` file in which a student writes ``exercise``.

    The file holds the task, the forward's equations, the function's signature with
    ``raise NotImplementedError`` where the student's code goes, and a ``__main__`` block
    that checks the function. It contains no part of the solution.
    """
    task = textwrap.fill(exercise.task, width=88)
    body = f'''r"""Exercise: {exercise.name}.

{task}

It pairs with the forward pass {exercise.pairs_with}, which
is the reference: your gradients are compared with finite differences of it (in float64,
on several shapes including edge cases). Check your work with

    python {{filename}}

or ``minirnn exercise check {{filename}}``. Your code needs only numpy.
"""

import numpy as np


def {exercise.signature}:
    r"""Your backward pass: the gradients of the forward pass in Notes.

    Parameters
    ----------
{_indent(exercise.parameters, 4)}

    Returns
    -------
{_indent(exercise.results, 4)}

    Notes
    -----
    The forward pass:

{_indent(exercise.equations, 4)}

    The cache is
{_indent(exercise.cache, 4)}
    """
    {exercise.unpack}
    # Your code here: compute the gradients and return them in the order listed above.
    raise NotImplementedError


if __name__ == "__main__":
    from minirnn.exercises import check

    report = check({exercise.name}, "{exercise.name}")
    print(report)
    raise SystemExit(0 if report.ok else 1)
'''
    return body


def write_template(exercise: Exercise, filename: str) -> str:
    """The template with ``{filename}`` in its instructions replaced by ``filename``."""
    return render_template(exercise).replace("{filename}", filename)
