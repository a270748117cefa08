"""What an exercise is: the function a student writes, the forward it pairs with, test cases."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

#: ``inputs(rng)`` builds the forward's keyword arguments for one test case
InputBuilder = Callable[[np.random.Generator], dict]


@dataclass(frozen=True)
class Case:
    """One test case: a label a student can read (shapes, what is special) and its inputs."""

    label: str
    inputs: InputBuilder
    seed: int = 0


def call_plain(student: Callable, douts: Sequence[np.ndarray], cache: object) -> object:
    """The usual calling convention of a backward pass: ``backward(*douts, cache)``."""
    return student(*douts, cache)


@dataclass(frozen=True)
class Exercise:
    """A backward pass for a student to write, checked against the forward it pairs with.

    Attributes
    ----------
    name : str
        The function the student writes (and the name ``check`` and the CLI know it by).
    arguments : tuple of str
        Its parameters, in order (``("dh", "cache")``).
    returns : tuple of str
        The gradients it returns, in order, each ``"d" + <forward input>`` (``"dWx"``).
    forward : callable
        The reference forward, returning ``(*outputs, cache)``; the student's function
        receives this cache. It stays the reference: its finite differences are the truth.
    pairs_with : str
        Dotted name of the forward, for the template.
    reference : callable
        The library's own backward, with the student's signature (the tests prove it passes).
    task : str
        What to derive, in a few sentences.
    equations : str
        The forward's equations with the docs' symbols (reStructuredText math, for Notes).
    parameters, results, cache : str
        Numpydoc text for the template: the arguments, the returns, the cache's layout.
    unpack : str
        A first line for the template that names what is in the cache.
    cases : tuple of Case
        Shapes and seeds the checker tries, including edge cases.
    gates : tuple of str, optional
        Fused gate order, so ``Wx``, ``Wh``, ``b`` are reported per gate.
    call : callable
        ``call(student, douts, cache)`` runs the student's function (for signatures that
        take an output's gradient as a keyword, like ``dh_last``).
    """

    name: str
    arguments: tuple[str, ...]
    returns: tuple[str, ...]
    forward: Callable
    pairs_with: str
    reference: Callable
    task: str
    equations: str
    parameters: str
    results: str
    cache: str
    unpack: str
    cases: tuple[Case, ...]
    gates: tuple[str, ...] | None = None
    call: Callable = field(default=call_plain)

    @property
    def signature(self) -> str:
        """``name(arg, ...)`` as the student writes it."""
        return f"{self.name}({', '.join(self.arguments)})"

    def input_of(self, gradient: str) -> str:
        """The forward input a returned gradient belongs to: ``"dWx"`` -> ``"Wx"``."""
        return gradient[1:]
