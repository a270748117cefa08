"""What an exercise is: the function a student writes, how it is judged, its test cases."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from minirnn._checks import check_instance

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

#: ``name(arg, arg=default, ...) -> out, ...``: what :attr:`Exercise.declaration` must read
DECLARATION = re.compile(r"\w+\((\w+(=\w+)?)(, \w+(=\w+)?)*\) -> \w+(, \w+)*")


@dataclass(frozen=True)
class Exercise:
    """A function for a student to write, the reference that judges it, and its test cases.

    Attributes
    ----------
    declaration : str
        The function the student writes, as they would read it:
        ``"rnn_step_backward(dh, cache) -> dx, dh_prev, dWx, dWh, db"``. It gives
        :attr:`name` (what ``check`` and the CLI know it by), :attr:`arguments` and
        :attr:`returns`. For a ``"gradient"`` exercise each returned name is ``"d" + <forward
        input>`` (``"dWx"``); otherwise the names of the outputs (``h, c``).
    pairs_with : str
        What the exercise mirrors in the library (dotted name), for the template.
    reference : callable
        The right answer with the student's signature (kept in the grader; students never
        receive it, and the sandbox blocks importing it).
    task, equations, parameters, results : str
        The template's text: what to do, the equations (reStructuredText math), numpydoc
        parameters and returns.
    unpack : str
        A first line for the template's function body.
    cases : tuple of Case
        Shapes and seeds the checker tries, including edge cases.
    difficulty : str
        ``"1 (warm-up)"`` to ``"4 (hard)"`` and why, for an instructor choosing exercises.
    forward : callable, optional
        Given for a ``"gradient"`` exercise: the reference forward, returning ``(*outputs,
        cache)``; the student's function receives this cache, and finite differences of this
        forward are the truth it is judged by.
    cache : str
        The cache's layout (``"gradient"`` exercises), or "" when there is none.
    gates : tuple of str, optional
        Fused gate order, so ``Wx``, ``Wh``, ``b`` are reported per gate.
    keywords : tuple of str
        The last gradients of the outputs, passed by keyword (``("dh_last",)``).
    mistakes : tuple of Mistake
        Common mistakes the checker recognises and explains. For a ``"sampling"`` exercise a
        mistake's ``wrong(*args)`` returns the probabilities it would draw from.
    distribution : callable, optional
        Given for a ``"sampling"`` exercise: ``distribution(*args)`` gives the probabilities
        the draws must follow (the reference draws from them too).
    """

    declaration: str
    pairs_with: str
    reference: Callable
    task: str
    equations: str
    parameters: str
    results: str
    unpack: str
    cases: tuple[Case, ...]
    difficulty: str
    forward: Callable | None = None
    cache: str = ""
    gates: tuple[str, ...] | None = None
    keywords: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    distribution: Callable | None = None

    def __post_init__(self) -> None:
        check_instance(self.declaration, str, "declaration")
        if not DECLARATION.fullmatch(self.declaration):
            raise ValueError("declaration must read 'name(argument, ...) -> returned, ...', "
                             f"got {self.declaration!r}")
        if self.forward is not None and self.distribution is not None:
            raise ValueError(f"{self.name}: a forward (gradient exercise) or a distribution "
                             "(sampling exercise), not both")

    @property
    def name(self) -> str:
        """The function the student writes: ``"rnn_step_backward"``."""
        return self.declaration.split("(", 1)[0]

    @property
    def arguments(self) -> tuple[str, ...]:
        """Its parameters, in order: ``("dh", "cache")``."""
        inside = self.declaration.split("(", 1)[1].split(")", 1)[0]
        return tuple(argument.strip() for argument in inside.split(","))

    @property
    def returns(self) -> tuple[str, ...]:
        """What it returns, in order: ``("dx", "dh_prev", "dWx", "dWh", "db")``."""
        return tuple(name.strip() for name in self.declaration.split("->", 1)[1].split(","))

    @property
    def kind(self) -> str:
        """How it is judged, one of :data:`KINDS`: ``"gradient"`` (finite differences of
        ``forward``), ``"sampling"`` (draws counted against ``distribution``) or ``"output"``
        (compared with ``reference``'s outputs)."""
        if self.forward is not None:
            return "gradient"
        return "output" if self.distribution is None else "sampling"

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
