"""What an exercise is: the function a student writes, how it is judged, its test cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: ``inputs(rng)`` builds the forward's keyword arguments for one test case
InputBuilder = Callable[[np.random.Generator], dict]


@dataclass(frozen=True)
class Case:
    """One test case: a label a student can read (shapes, what is special) and its inputs."""

    label: str
    inputs: InputBuilder
    seed: int = 0


@dataclass(frozen=True)
class Mistake:
    """A common mistake, written as a wrong solution with the student's signature.

    The grader runs ``wrong`` on the same arguments as the student's function; when the
    student's wrong arrays equal the mistake's (and the right ones stay right), ``message``
    tells the student, in plain words, what they did.
    """

    id: str
    message: str
    wrong: Callable


#: the kinds of judging: finite differences of a reference forward, or a reference output
KINDS = ("gradient", "output", "sampling")


@dataclass(frozen=True)
class Exercise:
    """A function for a student to write, the reference that judges it, and its test cases.

    Attributes
    ----------
    name : str
        The function the student writes (and the name ``check`` and the CLI know it by).
    arguments : tuple of str
        Its parameters, in order (``("dh", "cache")``).
    returns : tuple of str
        What it returns, in order. For a ``"gradient"`` exercise each is ``"d" + <forward
        input>`` (``"dWx"``); otherwise the names of the outputs (``("h", "c")``).
    forward : callable or None
        ``"gradient"`` exercises: the reference forward, returning ``(*outputs, cache)``; the
        student's function receives this cache, and finite differences of this forward are
        the truth it is judged by. None for the other kinds.
    pairs_with : str
        What the exercise mirrors in the library (dotted name), for the template.
    reference : callable
        The right answer with the student's signature (kept in the grader; students never
        receive it, and the sandbox blocks importing it).
    task, equations, parameters, results : str
        The template's text: what to do, the equations (reStructuredText math), numpydoc
        parameters and returns.
    cache : str
        The cache's layout (``"gradient"`` exercises), or "" when there is none.
    unpack : str
        A first line for the template's function body.
    cases : tuple of Case
        Shapes and seeds the checker tries, including edge cases.
    difficulty : str
        ``"1 (warm-up)"`` to ``"4 (hard)"`` and why, for an instructor choosing exercises.
    kind : str
        ``"gradient"``, ``"output"`` (compared with ``reference``'s outputs) or ``"sampling"``
        (random draws, judged by their frequencies).
    gates : tuple of str, optional
        Fused gate order, so ``Wx``, ``Wh``, ``b`` are reported per gate.
    keywords : tuple of str
        The last gradients of the outputs, passed by keyword (``("dh_last",)``).
    mistakes : tuple of Mistake
        Common mistakes the checker recognises and explains. For a ``"sampling"`` exercise a
        mistake's ``wrong(*args)`` returns the probabilities it would draw from.
    distribution : callable, optional
        ``"sampling"`` exercises: ``distribution(*args)`` gives the probabilities the draws
        must follow (the reference draws from them too).
    """

    name: str
    arguments: tuple[str, ...]
    returns: tuple[str, ...]
    forward: Callable | None
    pairs_with: str
    reference: Callable
    task: str
    equations: str
    parameters: str
    results: str
    cache: str
    unpack: str
    cases: tuple[Case, ...]
    difficulty: str
    kind: str = "gradient"
    gates: tuple[str, ...] | None = None
    keywords: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    distribution: Callable | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if (self.kind == "gradient") != (self.forward is not None):
            raise ValueError(f"{self.name}: a forward is needed for, and only for, 'gradient'")

    @property
    def signature(self) -> str:
        """``name(arg, ...)`` as the student writes it."""
        return f"{self.name}({', '.join(self.arguments)})"

    def input_of(self, gradient: str) -> str:
        """The forward input a returned gradient belongs to: ``"dWx"`` -> ``"Wx"``."""
        return gradient[1:]

    def split_douts(self, douts: list, cache: object) -> tuple[tuple, dict]:
        """The student's call for a ``"gradient"`` exercise: ``(*douts, cache)``, with the
        last ``keywords`` gradients passed by name."""
        plain = len(douts) - len(self.keywords)
        return (*douts[:plain], cache), dict(zip(self.keywords, douts[plain:], strict=True))
