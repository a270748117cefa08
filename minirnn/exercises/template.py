"""The student's starting file: the task, the forward's equations, an empty function."""

from __future__ import annotations

import textwrap

from minirnn.exercises.exercise import Exercise


def _indent(text: str, spaces: int) -> str:
    return textwrap.indent(text.strip("\n"), " " * spaces)


def _how_judged(exercise: Exercise) -> str:
    """A sentence on what the checker compares the student's function with."""
    if exercise.kind == "gradient":
        text = (f"It pairs with the forward pass {exercise.pairs_with}, which is the reference: "
                "your gradients are compared with finite differences of it (in float64, on "
                "several shapes including edge cases).")
    elif exercise.kind == "sampling":
        text = ("Your draws are counted: over many of them, each id must come up about as "
                "often as its probability says (the generator is seeded, so a check gives the "
                "same answer every time).")
    else:
        text = (f"It mirrors {exercise.pairs_with}; your outputs are compared with a reference "
                "answer (in float64, on several shapes including edge cases).")
    return textwrap.fill(text, width=88)


def _summary(exercise: Exercise) -> str:
    return {"gradient": "Your backward pass: the gradients of the forward pass in Notes.",
            "sampling": "Your sampler: draws from the distribution in Notes."}.get(
        exercise.kind, "Your function: compute what Notes describes.")


def _cache_text(exercise: Exercise) -> str:
    if not exercise.cache:
        return ""
    return f"\n    The cache is\n{_indent(exercise.cache, 4)}\n"


def render_template(exercise: Exercise) -> str:
    """Return the text of a ``.py`` file in which a student writes ``exercise``.

    The file holds the task, the forward's equations, the function's signature with
    ``raise NotImplementedError`` where the student's code goes, and a ``__main__`` block
    that checks the function. It contains no part of the solution.
    """
    task = textwrap.fill(exercise.task, width=88)
    body = f'''r"""Exercise: {exercise.name}.

{task}

{_how_judged(exercise)} Check your work with

    python {{filename}}

or ``minirnn exercise check {{filename}}``. Your code needs only numpy.
"""

import numpy as np


def {exercise.signature}:
    r"""{_summary(exercise)}

    Parameters
    ----------
{_indent(exercise.parameters, 4)}

    Returns
    -------
{_indent(exercise.results, 4)}

    Notes
    -----
    {'The forward pass:' if exercise.kind == 'gradient' else 'The maths:'}

{_indent(exercise.equations, 4)}
{_cache_text(exercise)}    """
    {exercise.unpack}
    # Your code here: return the values listed above, in that order.
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
